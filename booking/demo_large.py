"""A country-sized demo for benchmarks: about 150 schools, 60 partners, 2,000 activities and 40,000
sessions, written with bulk inserts so it loads in seconds. Deterministic (fixed random seed) and
loaded at most once per database."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import insert, select

from booking.catalogue.models import (
    Activity,
    ActivityGrade,
    ActivityStatus,
    CostType,
    LocationType,
    Session,
    SessionStatus,
    Theme,
    activity_regions,
    activity_themes,
    search_key,
)
from booking.core.time import current_school_year, from_local, local_today
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
    partner_regions,
)

MARKER_REGION = "Regio Eindhoven"

REGIONS = [
    ("Regio Groningen", HolidayRegion.NOORD, ["Groningen", "Haren", "Hoogezand", "Leek", "Zuidhorn"]),
    ("Regio Zwolle", HolidayRegion.NOORD, ["Zwolle", "Kampen", "Dalfsen", "Hattem", "Zwartewaterland"]),
    ("Regio Amersfoort", HolidayRegion.MIDDEN, ["Amersfoort", "Soest", "Leusden", "Baarn", "Nijkerk"]),
    ("Regio Den Haag", HolidayRegion.MIDDEN, ["Den Haag", "Rijswijk", "Delft", "Zoetermeer", "Wassenaar"]),
    (MARKER_REGION, HolidayRegion.ZUID, ["Eindhoven", "Veldhoven", "Best", "Geldrop", "Nuenen"]),
    ("Regio Maastricht", HolidayRegion.ZUID, ["Maastricht", "Meerssen", "Valkenburg", "Eijsden", "Heerlen"]),
]

SCHOOL_PREFIXES = ["OBS", "CBS", "RKBS", "Daltonschool", "Montessorischool", "Jenaplanschool", "IKC"]
SCHOOL_NAMES = [
    "De Regenboog", "Het Kompas", "De Vlinder", "De Wereldwijzer", "Het Palet", "De Springplank", "De Zonnewijzer",
    "De Klimop", "Het Anker", "De Boomgaard", "De Horizon", "De Sterrenwacht", "Het Baken", "De Meander",
    "De Fontein", "De Ontdekking", "Het Mozaïek", "De Windroos", "De Tweemaster", "Het Carillon", "De Wilgen",
    "De Linde", "De Esdoorn", "Het Startpunt", "De Bron",
]  # fmt: skip
VO_NAMES = ["Vakcollege", "Technasium", "Lyceum", "Scholengemeenschap", "College"]
PARTNER_WORDS = [
    "Installatietechniek", "Bouwbedrijf", "Energie", "Robotica Lab", "Science Center", "Maakplaats", "Metaal",
    "Elektrotechniek", "Waterschap", "Printlab", "Dataschool", "Windpark", "Scheepswerf", "Zorgtechniek",
]  # fmt: skip
FAMILY_NAMES = [
    "Van Dijk", "De Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "De Boer", "Bos", "Vos",
    "Peters", "Hendriks", "Dekker", "Brouwer", "De Wit", "Dijkstra", "Smits", "De Graaf", "Van der Meer",
]  # fmt: skip
ACTIVITY_TOPICS = {
    "Programmeren": ["Programmeren met micro:bit", "Games maken in Scratch", "Een app bouwen", "Code en codes kraken"],
    "Robotica": ["Robots bouwen", "Een robotarm besturen", "Zelfrijdende auto's", "Drones programmeren"],
    "Duurzame energie": ["Zonne-energie meten", "Windmolens bouwen", "Hoe werkt een warmtepomp?", "Waterstof"],
    "Bouwen & constructie": ["Bruggen bouwen", "Het sterkste torentje", "Bouwen met hout", "Een huis van de toekomst"],
    "Natuurkunde": ["Elektriciteit en stroomkringen", "Licht en lenzen", "Magneten", "Geluid zichtbaar maken"],
    "Techniek in het bedrijf": ["Kijkje in de fabriek", "Een dag monteur", "De werkplaats in", "Techniek op de bouw"],
}
PO_GRADES = [g for g in Grade if g.stage == "groep"]
VO_GRADES = [g for g in Grade if g.stage == "vo"]


def load(
    *, schools: int = 150, partners: int = 60, activities: int = 2000, sessions_per_activity: int = 20
) -> dict[str, int]:
    """Insert the large data set unless it is there already; returns what was added."""
    if db.session.scalar(select(Region.id).where(Region.name == MARKER_REGION)) is not None:
        return {}
    rng = random.Random(20261121)  # noqa: S311 (demo data, not secrets)
    now = datetime.now(UTC)
    themes = {theme.name: theme.id for theme in db.session.scalars(select(Theme))}
    for name in ACTIVITY_TOPICS:
        if name not in themes:
            themes[name] = db.session.scalar(insert(Theme).returning(Theme.id), [{"name": name, "created_at": now}])

    region_rows = [{"name": name, "holiday_region": hr, "created_at": now} for name, hr, _ in REGIONS]
    region_ids = list(
        db.session.scalars(insert(Region).returning(Region.id, sort_by_parameter_order=True), region_rows)
    )
    municipalities = {rid: towns for rid, (_, _, towns) in zip(region_ids, REGIONS, strict=True)}

    school_rows, used = [], set()
    for n in range(schools):
        region_id = region_ids[n % len(region_ids)]
        level = EducationLevel.VO if n % 10 == 9 else EducationLevel.PO
        town = rng.choice(municipalities[region_id])
        if level is EducationLevel.VO:
            name = f"{rng.choice(VO_NAMES)} {town}"
        else:
            name = f"{rng.choice(SCHOOL_PREFIXES)} {rng.choice(SCHOOL_NAMES)}"
        brin = f"{90 - n // 36:02d}{chr(65 + (n // 6) % 6)}{chr(65 + n % 6)}"
        while (brin, name) in used:
            name += " II"
        used.add((brin, name))
        school_rows.append(
            {
                "name": f"{name} ({town})" if level is EducationLevel.PO else name,
                "brin": brin,
                "location_number": "00",
                "municipality": town,
                "education_level": level,
                "region_id": region_id,
                "created_at": now,
            }
        )
    school_ids = list(
        db.session.scalars(insert(School).returning(School.id, sort_by_parameter_order=True), school_rows)
    )
    year = current_school_year()
    class_rows = []
    for school_id, row in zip(school_ids, school_rows, strict=True):
        grades = VO_GRADES[:4] if row["education_level"] is EducationLevel.VO else PO_GRADES[2:]
        for grade in grades:
            for suffix in "AB"[: rng.randint(1, 2)]:
                class_rows.append(
                    {
                        "school_id": school_id,
                        "school_year": year,
                        "label": f"{'Groep' if grade.stage == 'groep' else 'Klas'} {grade.number}{suffix}",
                        "grade": grade,
                        "pupils": rng.randint(18, 31),
                        "created_at": now,
                    }
                )
    db.session.execute(insert(SchoolClass), class_rows)

    partner_rows, partner_regions_rows, partner_region_of = [], [], {}
    for n in range(partners):
        kind = [PartnerKind.COMPANY] * 6 + [PartnerKind.SCIENCE_CENTRE] * 2 + [PartnerKind.TECHNIEKLOKAAL] * 2
        partner_rows.append(
            {
                "name": f"{FAMILY_NAMES[n % len(FAMILY_NAMES)]} {PARTNER_WORDS[n % len(PARTNER_WORDS)]} {n + 1}",
                "kind": kind[n % len(kind)],
                "email": f"partner{n + 1}@example.org",
                "created_at": now,
            }
        )
    partner_ids = list(
        db.session.scalars(insert(Partner).returning(Partner.id, sort_by_parameter_order=True), partner_rows)
    )
    for n, partner_id in enumerate(partner_ids):
        served = [region_ids[n % len(region_ids)]]
        if n % 3 == 0:
            served.append(region_ids[(n + 1) % len(region_ids)])
        partner_region_of[partner_id] = served
        partner_regions_rows += [{"partner_id": partner_id, "region_id": rid} for rid in served]
    db.session.execute(insert(partner_regions), partner_regions_rows)

    activity_rows, activity_meta = [], []
    statuses = [ActivityStatus.PUBLISHED] * 17 + [
        ActivityStatus.SUBMITTED,
        ActivityStatus.DRAFT,
        ActivityStatus.ARCHIVED,
    ]
    for n in range(activities):
        partner_index = n % len(partner_ids)
        partner_id = partner_ids[partner_index]
        theme_name = rng.choice(list(ACTIVITY_TOPICS))
        title = f"{rng.choice(ACTIVITY_TOPICS[theme_name])} ({n + 1})"
        location = rng.choice(list(LocationType))
        if partner_rows[partner_index]["kind"] is PartnerKind.TECHNIEKLOKAAL:
            location = LocationType.TECHNIEKLOKAAL
        cost_type = rng.choice(list(CostType))
        summary = f"{title.split(' (')[0]}: leerlingen ontdekken zelf hoe het werkt, met echte vakmensen."
        description = (
            "Een praktische les waarin leerlingen in kleine groepjes onderzoeken, ontwerpen en bouwen. "
            f"Aangeboden door {partner_rows[partner_index]['name']}."
        )
        min_pupils = rng.choice([1, 8, 10, 12, 15])
        activity_rows.append(
            {
                "partner_id": partner_id,
                "status": statuses[n % len(statuses)],
                "title": title,
                "summary": summary,
                "description": description,
                "duration_minutes": rng.choice([60, 90, 120, 150, 180]),
                "min_pupils": min_pupils,
                "max_pupils": rng.choice([28, 30, 32]),
                "location_type": location,
                "address": "Industrieweg 1, 5600 AA Eindhoven" if location.needs_address else None,
                "cost_type": cost_type,
                "cost_cents": 0 if cost_type is CostType.FREE else rng.choice([250, 400, 650, 7500, 12500]),
                "booking_closes_days": rng.choice([3, 7, 14]),
                "free_cancellation_days": rng.choice([7, 14, 21]),
                "requires_confirmation": rng.random() < 0.7,
                "search_text": search_key(f"{title} {summary} {description} {partner_rows[partner_index]['name']}"),
                "created_at": now,
                "updated_at": now,
            }
        )
        grade_pool = VO_GRADES if n % 10 == 9 else PO_GRADES[3:]
        start = rng.randrange(0, len(grade_pool) - 1)
        activity_meta.append(
            (
                theme_name,
                grade_pool[start : start + rng.randint(2, 3)],
                partner_region_of[partner_id],
                min_pupils,
            )
        )
    activity_ids = list(
        db.session.scalars(insert(Activity).returning(Activity.id, sort_by_parameter_order=True), activity_rows)
    )
    grade_rows, theme_rows, region_rows_ = [], [], []
    for activity_id, (theme_name, grades, regions, _) in zip(activity_ids, activity_meta, strict=True):
        grade_rows += [{"activity_id": activity_id, "grade": grade} for grade in grades]
        theme_rows.append({"activity_id": activity_id, "theme_id": themes[theme_name]})
        second = rng.choice(list(themes.values()))
        if second != themes[theme_name]:
            theme_rows.append({"activity_id": activity_id, "theme_id": second})
        region_rows_ += [{"activity_id": activity_id, "region_id": rid} for rid in regions]
    db.session.execute(insert(ActivityGrade), grade_rows)
    db.session.execute(insert(activity_themes), theme_rows)
    db.session.execute(insert(activity_regions), region_rows_)

    # Sessions from six weeks ago to seven months ahead, on school days, at morning or afternoon times.
    today = local_today()
    first_day = today - timedelta(weeks=6)
    school_days = [
        first_day + timedelta(days=d) for d in range(7 * 36) if (first_day + timedelta(days=d)).weekday() < 5
    ]
    slots = [(time(8, 45), time(10, 45)), (time(9, 0), time(11, 30)), (time(13, 0), time(15, 0))]
    utc_of = {}
    session_rows = []
    for activity_id, row in zip(activity_ids, activity_rows, strict=True):
        days = sorted(rng.sample(school_days, sessions_per_activity))
        capacity = row["max_pupils"] * (2 if row["location_type"] is LocationType.AT_PARTNER else 1)
        classes = 2 if row["location_type"] is LocationType.AT_PARTNER else 1
        for day in days:
            start, end = rng.choice(slots)
            key = (day, start, end)
            if key not in utc_of:
                utc_of[key] = (from_local(day, start), from_local(day, end))
            starts_at, ends_at = utc_of[key]
            booked = rng.choice([0, 0, 0, row["max_pupils"] - 5, capacity]) if starts_at > now else 0
            session_rows.append(
                {
                    "activity_id": activity_id,
                    "starts_at": starts_at,
                    "ends_at": ends_at,
                    "place": row["address"] or "Op school",
                    "capacity_pupils": capacity,
                    "max_classes": classes,
                    "booked_pupils": max(booked, 0),
                    "booked_classes": (classes if booked == capacity else (1 if booked else 0)),
                    "status": SessionStatus.CANCELLED if rng.random() < 0.03 else SessionStatus.SCHEDULED,
                    "created_at": now,
                    "updated_at": now,
                }
            )
    for start in range(0, len(session_rows), 5000):
        db.session.execute(insert(Session), session_rows[start : start + 5000])
    db.session.flush()
    return {
        "schools": len(school_rows),
        "classes": len(class_rows),
        "partners": len(partner_rows),
        "activities": len(activity_rows),
        "sessions": len(session_rows),
    }
