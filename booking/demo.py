"""A small, realistic demo: one region, three schools with classes, two partners. Idempotent."""

from __future__ import annotations

from sqlalchemy import select

from booking.accounts.models import Language, Role, User
from booking.accounts.services import add_membership, find_user
from booking.core.time import current_school_year
from booking.extensions import db
from booking.organisations.models import (
    EducationLevel,
    Grade,
    HolidayRegion,
    Partner,
    PartnerKind,
    Region,
    School,
    SchoolClass,
)

DEMO_PASSWORD = "demo-password"  # noqa: S105 (public demo logins)

SCHOOLS = [
    # name, BRIN, location, municipality, classes (label, grade, pupils)
    (
        "OBS De Regenboog",
        "12AB",
        "00",
        "Utrecht",
        [
            ("Groep 5A", Grade.GROEP_5, 26),
            ("Groep 6A", Grade.GROEP_6, 27),
            ("Groep 7A", Grade.GROEP_7, 28),
            ("Groep 7B", Grade.GROEP_7, 25),
            ("Groep 8A", Grade.GROEP_8, 29),
        ],
    ),
    (
        "CBS Het Kompas",
        "23CD",
        "00",
        "Nieuwegein",
        [("Groep 6", Grade.GROEP_6, 24), ("Groep 7/8", Grade.GROEP_8, 30)],
    ),
    (
        "Montessorischool De Linde",
        "34EF",
        "01",
        "Zeist",
        [("Bovenbouw 1", Grade.GROEP_7, 27), ("Bovenbouw 2", Grade.GROEP_8, 26)],
    ),
]

PARTNERS = [
    dict(
        name="Van Dijk Installatietechniek",
        kind=PartnerKind.COMPANY,
        contact_name="Sanne van Dijk",
        email="techniek@vandijk-installatie.example",
        phone="030 123 45 67",
        website="https://vandijk-installatie.example",
        address="Industrieweg 12, 3542 AD Utrecht",
        description="Installatiebedrijf dat leerlingen laat zien hoe warmtepompen en zonnepanelen werken.",
    ),
    dict(
        name="Technieklokaal Utrecht-West",
        kind=PartnerKind.TECHNIEKLOKAAL,
        contact_name="Henk Bos",
        email="rooster@technieklokaal-utrecht.example",
        phone="030 765 43 21",
        address="Vleutenseweg 300, 3532 HS Utrecht",
        description="Technieklokaal in het Vakcollege Utrecht-West voor groep 6 tot en met 8.",
    ),
]

USERS = [
    # email, name, role, organisation key
    ("admin@example.org", "Anna Admin", Role.ADMIN, None),
    ("coordinator@example.org", "Carla Coördinator", Role.COORDINATOR, "region"),
    ("teacher@example.org", "Tom de Leerkracht", Role.TEACHER, "OBS De Regenboog"),
    ("partner@example.org", "Sanne van Dijk", Role.PARTNER, "Van Dijk Installatietechniek"),
    ("lab@example.org", "Henk Bos", Role.PARTNER, "Technieklokaal Utrecht-West"),
]


def _get_or_create(model, lookup: dict, **values):
    obj = db.session.scalar(select(model).filter_by(**lookup))
    if obj is None:
        obj = model(**lookup, **values)
        db.session.add(obj)
    return obj


def load_demo() -> list[tuple[str, str]]:
    region = _get_or_create(Region, {"name": "Regio Utrecht"}, holiday_region=HolidayRegion.MIDDEN)
    year = current_school_year()
    organisations: dict[str, object] = {"region": region}
    for name, brin, location, municipality, classes in SCHOOLS:
        school = _get_or_create(
            School,
            {"brin": brin, "location_number": location},
            name=name,
            municipality=municipality,
            education_level=EducationLevel.PO,
            region=region,
        )
        organisations[name] = school
        db.session.flush()
        for label, grade, pupils in classes:
            _get_or_create(
                SchoolClass, {"school_id": school.id, "school_year": year, "label": label}, grade=grade, pupils=pupils
            )
    for values in PARTNERS:
        partner = _get_or_create(Partner, {"name": values["name"]}, **{k: v for k, v in values.items() if k != "name"})
        if region not in partner.regions:
            partner.regions.append(region)
        organisations[partner.name] = partner
    logins = []
    for email, name, role, key in USERS:
        user = find_user(email)
        if user is None:
            user = User(email=email, name=name, language=Language.NL)
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
        add_membership(user, role, organisations.get(key) if key else None)
        label = role.value + (f" — {organisations[key].name}" if key else "")
        logins.append((email, label))
    db.session.flush()
    return logins
