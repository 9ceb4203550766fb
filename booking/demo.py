"""Demo data. The small set: one region, three schools with classes, two partners with activities
and sessions, the official school holidays. The small set also
has bookings in every state a user meets first (confirmed, requested, waiting list, attended with an
evaluation). The large set adds a realistic country-sized load for
benchmarks. Both are idempotent."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import select

from booking.accounts.models import Language, Role, User
from booking.accounts.services import add_membership, find_user
from booking.bookings import services as booking_services
from booking.bookings.models import Booking, BookingEvent, BookingStatus, Evaluation
from booking.catalogue import services
from booking.catalogue.models import Activity, ActivityStatus, CostType, LocationType, Session, Theme
from booking.core.time import current_school_year, from_local, local_today, school_year_of, utcnow
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
from booking.organisations.services import load_holiday_file

THEMES = [
    "Programmeren",
    "Robotica",
    "Duurzame energie",
    "Bouwen & constructie",
    "Natuurkunde",
    "Techniek in het bedrijf",
]

STATUS_STEPS = {
    ActivityStatus.DRAFT: [],
    ActivityStatus.SUBMITTED: ["submit"],
    ActivityStatus.PUBLISHED: ["submit", "publish"],
}

PO_UPPER = [Grade.GROEP_6, Grade.GROEP_7, Grade.GROEP_8]

DEMO_ACTIVITIES = [
    # partner, acting user, title, fields, status, (weekdays, times, weeks) of sessions
    (
        "Van Dijk Installatietechniek",
        "partner@example.org",
        "Hoe werkt een warmtepomp?",
        dict(
            summary="Leerlingen ontdekken in onze werkplaats hoe een warmtepomp warmte uit de buitenlucht haalt.",
            description=(
                "In twee uur bouwen leerlingen in tweetallen een eenvoudige warmtewisselaar, meten ze "
                "temperaturen en zien ze een echte warmtepomp open.\n\nAan het eind weten ze waarom "
                "steeds meer huizen van het gas af gaan."
            ),
            themes=["Duurzame energie", "Techniek in het bedrijf"],
            grades=PO_UPPER,
            duration_minutes=120,
            min_pupils=12,
            max_pupils=30,
            location_type=LocationType.AT_PARTNER,
            address="Industrieweg 12, 3542 AD Utrecht",
            cost_type=CostType.FREE,
            cost_cents=0,
            preparation_notes="Bespreek vooraf wat energie is. Leerlingen dragen dichte schoenen.",
            accessibility_notes="Werkplaats en toiletten zijn rolstoeltoegankelijk.",
            booking_closes_days=10,
            free_cancellation_days=14,
            requires_confirmation=True,
        ),
        ActivityStatus.PUBLISHED,
        ({1, 3}, [(time(9, 0), time(11, 0))], 10),
    ),
    (
        "Van Dijk Installatietechniek",
        "partner@example.org",
        "Zonnepanelen op het schooldak",
        dict(
            summary="Een monteur komt naar de klas: leerlingen meten zelf hoeveel stroom een zonnepaneel levert.",
            description="Met echte panelen, lampjes en meters op het schoolplein. Bij regen binnen met lampen.",
            themes=["Duurzame energie", "Natuurkunde"],
            grades=[Grade.GROEP_5, *PO_UPPER],
            duration_minutes=90,
            min_pupils=10,
            max_pupils=32,
            location_type=LocationType.AT_SCHOOL,
            address=None,
            cost_type=CostType.PER_CLASS,
            cost_cents=7500,
            preparation_notes="Zorg voor een stopcontact en een tafel bij een raam of op het plein.",
            accessibility_notes=None,
            booking_closes_days=14,
            free_cancellation_days=21,
            requires_confirmation=True,
        ),
        ActivityStatus.PUBLISHED,
        ({0, 4}, [(time(8, 45), time(10, 15)), (time(13, 0), time(14, 30))], 8),
    ),
    (
        "Van Dijk Installatietechniek",
        "partner@example.org",
        "Slimme thermostaat programmeren",
        dict(
            summary="Leerlingen programmeren met micro:bits een thermostaat die de verwarming regelt.",
            description="Een kennismaking met sensoren, als-dan-regels en energie besparen.",
            themes=["Programmeren"],
            grades=[Grade.GROEP_8, Grade.VO_1],
            duration_minutes=120,
            min_pupils=8,
            max_pupils=30,
            location_type=LocationType.AT_PARTNER,
            address="Industrieweg 12, 3542 AD Utrecht",
            cost_type=CostType.PER_PUPIL,
            cost_cents=450,
            preparation_notes=None,
            accessibility_notes=None,
            booking_closes_days=7,
            free_cancellation_days=14,
            requires_confirmation=False,
        ),
        ActivityStatus.SUBMITTED,
        None,
    ),
    (
        "Technieklokaal Utrecht-West",
        "lab@example.org",
        "Lessenreeks Techniek groep 7-8",
        dict(
            summary="Vier dagdelen zagen, solderen, bouwen en programmeren in het technieklokaal.",
            description=(
                "Een klas komt vier keer een ochtend naar het technieklokaal. Leerlingen werken in kleine "
                "groepjes met vrijwilligers uit de techniek en nemen hun werkstuk mee naar huis."
            ),
            themes=["Bouwen & constructie", "Robotica"],
            grades=[Grade.GROEP_7, Grade.GROEP_8],
            duration_minutes=180,
            min_pupils=15,
            max_pupils=32,
            location_type=LocationType.TECHNIEKLOKAAL,
            address="Vleutenseweg 300, 3532 HS Utrecht",
            cost_type=CostType.FREE,
            cost_cents=0,
            preparation_notes="Ongeveer één begeleider per zes leerlingen. Vervoer regelt de school.",
            accessibility_notes="Lokaal op de begane grond.",
            booking_closes_days=14,
            free_cancellation_days=28,
            requires_confirmation=True,
        ),
        ActivityStatus.PUBLISHED,
        ({0, 1, 3}, [(time(8, 30), time(11, 30))], 12),
    ),
    (
        "Technieklokaal Utrecht-West",
        "lab@example.org",
        "Robots bouwen met LEGO",
        dict(
            summary="Een middag robots bouwen en programmeren, als kennismaking met het technieklokaal.",
            description="Nog in voorbereiding.",
            themes=["Robotica", "Programmeren"],
            grades=[Grade.GROEP_6],
            duration_minutes=150,
            min_pupils=15,
            max_pupils=30,
            location_type=LocationType.TECHNIEKLOKAAL,
            address="Vleutenseweg 300, 3532 HS Utrecht",
            cost_type=CostType.FREE,
            cost_cents=0,
            preparation_notes=None,
            accessibility_notes=None,
            booking_closes_days=14,
            free_cancellation_days=28,
            requires_confirmation=True,
        ),
        ActivityStatus.DRAFT,
        None,
    ),
]

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
    load_holiday_file()
    themes = {name: _get_or_create(Theme, {"name": name}) for name in THEMES}
    db.session.flush()
    people = {email: find_user(email) for email, *_ in USERS}
    _load_catalogue(organisations, region, themes, logins_by_email=people)
    db.session.flush()
    _load_bookings(organisations, people, year)
    db.session.flush()
    return logins


def _next_monday() -> date:
    today = local_today()
    return today + timedelta(days=7 - today.weekday())


def _load_catalogue(organisations, region, themes, logins_by_email) -> None:
    """The demo partners' activities, with weekly sessions from next week on, skipping holidays."""
    for partner_name, email, title, fields, status, plan in DEMO_ACTIVITIES:
        fields = dict(fields)
        partner = organisations[partner_name]
        if db.session.scalar(select(Activity.id).where(Activity.partner_id == partner.id, Activity.title == title)):
            continue
        data = services.ActivityData(
            title=title,
            themes=[themes[name] for name in fields.pop("themes")],
            regions=[region],
            **fields,
        )
        actor = logins_by_email[email]
        activity = services.save_activity(None, partner=partner, actor=actor, data=data)
        db.session.flush()
        if plan:
            weekdays, times, weeks = plan
            first = _next_monday()
            weekly = services.plan_weekly_sessions(
                activity,
                first_day=first,
                last_day=first + timedelta(weeks=weeks) - timedelta(days=1),
                weekdays=weekdays,
                times=times,
                place=activity.address or "Op school",
                holiday_region=region.holiday_region,
            )
            services.create_planned_sessions(
                activity,
                weekly,
                place=activity.address or "Op school",
                capacity_pupils=activity.max_pupils if activity.location_type is not LocationType.AT_PARTNER else 60,
                max_classes=1 if activity.location_type is not LocationType.AT_PARTNER else 2,
            )
        coordinator = logins_by_email["coordinator@example.org"]
        for step in STATUS_STEPS[status]:
            services.transition(activity, step, actor=coordinator if step == "publish" else actor)


def _load_bookings(organisations, people, year: int) -> None:
    """Bookings through the real engine: a confirmed one and an open request for the demo teacher, a
    session that is full with a class on its waiting list, and a past session with an evaluation."""
    school = organisations["OBS De Regenboog"]
    if db.session.scalar(select(Booking.id).where(Booking.school_id == school.id).limit(1)):
        return
    classes = {
        (c.school.name, c.label): c
        for c in db.session.scalars(select(SchoolClass).where(SchoolClass.school_year == year))
    }
    teacher, partner = people["teacher@example.org"], people["partner@example.org"]
    heat_pump = db.session.scalar(select(Activity).where(Activity.title == "Hoe werkt een warmtepomp?"))
    open_sessions = [s for s in heat_pump.sessions if utcnow() < s.bookings_close_at]

    def book(session, school_name, label, actor=None, waitlist=False, pupils=None):
        school_class = classes[(school_name, label)]
        request = booking_services.BookingRequest(
            school_class=school_class,
            pupils=pupils or school_class.pupils,
            adults=3,
            contact_phone="030 234 56 78" if actor else None,
        )
        return booking_services.book_session(session, request, actor=actor, waitlist=waitlist)

    if len(open_sessions) >= 4:
        confirmed = book(open_sessions[0], "OBS De Regenboog", "Groep 7A", teacher)
        booking_services.take_step(confirmed, "confirm", actor=partner)
        book(open_sessions[1], "OBS De Regenboog", "Groep 8A", teacher)
        full = open_sessions[2]
        book(full, "Montessorischool De Linde", "Bovenbouw 1")
        book(full, "CBS Het Kompas", "Groep 7/8")
        book(full, "OBS De Regenboog", "Groep 7B", teacher, waitlist=True)
    # A session of three weeks ago that Groep 8A attended and evaluated.
    day = local_today() - timedelta(days=21)
    past = Session(
        activity=heat_pump,
        starts_at=from_local(day, time(9, 0)),
        ends_at=from_local(day, time(11, 0)),
        place=heat_pump.address,
        capacity_pupils=60,
        max_classes=2,
        booked_pupils=29,
        booked_classes=1,
    )
    school_class = classes[("OBS De Regenboog", "Groep 8A")]
    attended = Booking(
        session=past,
        school=school,
        school_class=school_class,
        school_year=school_year_of(day),
        class_label=school_class.label,
        grade=school_class.grade,
        pupils=29,
        adults=3,
        status=BookingStatus.ATTENDED,
        booked_by=teacher,
        created_at=past.starts_at - timedelta(days=30),
    )
    attended.history = [
        BookingEvent(actor=teacher, to_status=BookingStatus.REQUESTED, step="request"),
        BookingEvent(actor=partner, from_status=BookingStatus.REQUESTED, to_status=BookingStatus.CONFIRMED,
                     step="confirm"),
        BookingEvent(actor=partner, from_status=BookingStatus.CONFIRMED, to_status=BookingStatus.ATTENDED,
                     step="attended"),
    ]  # fmt: skip
    attended.evaluation = Evaluation(
        rating=5, comment="Leerlingen waren enthousiast; de monteur legde het heel goed uit.", author=teacher
    )
    db.session.add_all([past, attended])


def load_large_demo() -> dict[str, int]:
    from booking.demo_large import load

    return load()
