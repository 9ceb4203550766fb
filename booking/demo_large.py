"""A country-sized demo for benchmarks: about 1,200 schools, 60 partners, 2,000 activities, 80,000 sessions
from three months ago to seven months ahead, and 150,000 bookings in every state with their history and
evaluations; and six technieklokalen, one per region, whose timetables are planned for the whole school year
and mostly booked as lesson series. Written with bulk inserts so it loads in seconds; deterministic (fixed
random seed) and loaded at most once per database."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from flask import current_app
from sqlalchemy import func, insert, select, text

from booking.bookings.models import HOLDING_STATUSES, Booking, BookingEvent, BookingStatus, Evaluation
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
from booking.catalogue.services import holidays_between
from booking.core.time import from_local, local_today, school_year_of
from booking.extensions import db
from booking.labs import services as lab_services
from booking.labs.models import Lab, LabPeriod, LabQuota, LabSeries
from booking.organisations.models import (
    EducationLevel,
    Grade,
    Holiday,
    HolidayRegion,
    Partner,
    PartnerKind,
    Region,
    School,
    SchoolClass,
    partner_regions,
)
from booking.organisations.services import load_holiday_file

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


DISTRICTS = ["Noord", "Zuid", "Oost", "West", "Centrum"]
# Classes a session takes, by where it happens: a science centre or company hall takes several at once.
CLASSES_PER_SESSION = {
    LocationType.AT_PARTNER: [2, 3, 4, 5, 6],
    LocationType.TECHNIEKLOKAAL: [2, 2, 3],
    LocationType.ONLINE: [1, 2, 3, 4],
    LocationType.AT_SCHOOL: [1, 1, 2],
}
NOTES = [
    "Eén leerling zit in een rolstoel; is het gebouw toegankelijk?",
    "Twee leerlingen hebben een notenallergie.",
    "We komen met de bus en zijn er misschien tien minuten later.",
    "Een leerling is slechthorend; graag vooraan laten zitten.",
    "We nemen zelf lunch mee.",
    "Drie leerlingen zijn nieuwkomers en spreken nog weinig Nederlands.",
    "Graag halverwege een korte pauze, de groep is snel afgeleid.",
    "Twee ouders rijden mee en blijven erbij.",
]
SCHOOL_CANCEL_REASONS = [
    "De klas heeft die dag toch een schoolreisje.",
    "Het vervoer is niet rond gekomen.",
    "Te veel zieke leerlingen en geen invaller.",
    "De leerkracht is ziek en de vervanger kan niet mee.",
    "We hadden de datum verwisseld met een andere activiteit.",
    "De toetsweek is verschoven naar deze week.",
]
REJECT_REASONS = [
    "Onze begeleider is die dag niet beschikbaar.",
    "De groep is te groot voor onze werkplaats.",
    "Deze activiteit past niet bij het niveau van de groep.",
    "De werkplaats is die week in onderhoud.",
]
WITHDRAW_REASONS = [
    "De begeleider is ziek en er is geen vervanging.",
    "In overleg met de school geannuleerd; er is een nieuwe datum afgesproken.",
]
SESSION_CANCEL_REASONS = [
    "De begeleider is ziek; we plannen graag samen een nieuwe datum.",
    "Door een storing in de werkplaats kan de sessie niet doorgaan.",
    "Door een verbouwing is de ruimte die dag niet beschikbaar.",
]
EVALUATION_COMMENTS = {
    5: [
        "Fantastische les! De leerlingen praten er nog steeds over.",
        "Heel goed georganiseerd en de begeleiders konden het prima uitleggen.",
        "Precies op het niveau van de groep, iedereen deed mee.",
        "Super leuk om echte vakmensen aan het werk te zien.",
    ],
    4: [
        "Leuke en leerzame ochtend, alleen het begin duurde wat lang.",
        "Goede activiteit; de opdrachten waren voor sommige leerlingen wat moeilijk.",
        "De kinderen waren enthousiast. Volgend jaar graag weer.",
    ],
    3: [
        "Aardig, maar er was te weinig materiaal voor alle groepjes.",
        "Veel uitleg en weinig zelf doen.",
    ],
    2: [
        "De uitleg was te moeilijk voor deze groep.",
        "We moesten lang wachten voordat we konden beginnen.",
    ],
    1: ["Helaas rommelig georganiseerd; de begeleider was er pas na een half uur."],
}


def load(
    *, schools: int = 1200, partners: int = 60, activities: int = 2000, sessions_per_activity: int = 40
) -> dict[str, int]:
    """Insert the large data set unless it is there already; returns what was added."""
    if db.session.scalar(select(Region.id).where(Region.name == MARKER_REGION)) is not None:
        return {}
    rng = random.Random(20261121)  # noqa: S311 (demo data, not secrets)
    now = datetime.now(UTC)
    # The organisations and the offer exist from before the oldest booking (up to 120 days before its session,
    # and for the labs' series from the enrolment in May before the school year).
    current_year = school_year_of(local_today())
    since = min(now - timedelta(days=300), from_local(date(current_year, 4, 1), time(9, 0)))
    themes = {theme.name: theme.id for theme in db.session.scalars(select(Theme))}
    for name in ACTIVITY_TOPICS:
        if name not in themes:
            themes[name] = db.session.scalar(insert(Theme).returning(Theme.id), [{"name": name, "created_at": now}])

    # Sessions from three months ago to seven months ahead, on school days; classes for each school year in it.
    today = local_today()
    first_day = today - timedelta(weeks=13)
    school_days = [
        first_day + timedelta(days=d) for d in range(7 * 43) if (first_day + timedelta(days=d)).weekday() < 5
    ]
    school_years = sorted({school_year_of(day) for day in school_days})

    region_rows = [{"name": name, "holiday_region": hr, "created_at": since} for name, hr, _ in REGIONS]
    region_ids = _insert_ids(Region, region_rows)
    municipalities = {rid: towns for rid, (_, _, towns) in zip(region_ids, REGIONS, strict=True)}

    school_rows, used = [], set()
    for n in range(schools):
        region_id = region_ids[n % len(region_ids)]
        level = EducationLevel.VO if n % 10 == 9 else EducationLevel.PO
        town = rng.choice(municipalities[region_id])
        for place in [town] * 8 + [f"{town}-{district}" for district in DISTRICTS]:
            if level is EducationLevel.VO:
                name = f"{rng.choice(VO_NAMES)} {place}"
            else:
                name = f"{rng.choice(SCHOOL_PREFIXES)} {rng.choice(SCHOOL_NAMES)} ({place})"
            if name not in used:
                break
        used.add(name)
        school_rows.append(
            {
                "name": name,
                "brin": f"{90 - n // 36:02d}{chr(65 + (n // 6) % 6)}{chr(65 + n % 6)}",
                "location_number": "00",
                "municipality": town,
                "education_level": level,
                "region_id": region_id,
                "created_at": since,
            }
        )
    school_ids = _insert_ids(School, school_rows)
    class_rows = []
    for year in school_years:
        for school_id, row in zip(school_ids, school_rows, strict=True):
            is_vo = row["education_level"] is EducationLevel.VO
            for grade in VO_GRADES if is_vo else PO_GRADES[2:]:
                parallel = rng.randint(2, 6) if is_vo else rng.choice([1, 2, 2, 3])
                for suffix in "ABCDEF"[:parallel]:
                    class_rows.append(
                        {
                            "school_id": school_id,
                            "school_year": year,
                            "label": f"{'Groep' if grade.stage == 'groep' else 'Klas'} {grade.number}{suffix}",
                            "grade": grade,
                            "pupils": rng.randint(18, 31),
                            "created_at": since,
                        }
                    )
    region_of_school = {school_id: row["region_id"] for school_id, row in zip(school_ids, school_rows, strict=True)}
    classes_by_place: dict[tuple[int, int, Grade], list[_Class]] = {}
    for class_id, row in zip(_insert_ids(SchoolClass, class_rows), class_rows, strict=True):
        key = (region_of_school[row["school_id"]], row["school_year"], row["grade"])
        classes_by_place.setdefault(key, []).append(
            _Class(class_id, row["school_id"], row["school_year"], row["label"], row["grade"], row["pupils"])
        )

    partner_rows, partner_regions_rows, partner_region_of = [], [], {}
    for n in range(partners):
        kind = [PartnerKind.COMPANY] * 6 + [PartnerKind.SCIENCE_CENTRE] * 2 + [PartnerKind.TECHNIEKLOKAAL] * 2
        partner_rows.append(
            {
                "name": f"{FAMILY_NAMES[n % len(FAMILY_NAMES)]} {PARTNER_WORDS[n % len(PARTNER_WORDS)]} {n + 1}",
                "kind": kind[n % len(kind)],
                "email": f"partner{n + 1}@example.org",
                "created_at": since,
            }
        )
    partner_ids = _insert_ids(Partner, partner_rows)
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
                "created_at": since,
                "updated_at": since,
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
    activity_ids = _insert_ids(Activity, activity_rows)
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

    # Sessions at morning or afternoon times; each is booked as it is made, so its counters are right on insert.
    slots = [(time(8, 45), time(10, 45)), (time(9, 0), time(11, 30)), (time(13, 0), time(15, 0))]
    planner = _BookingPlanner(rng, now, classes_by_place, current_app.config["BOOKING_REMINDER_DAYS"])
    utc_of = {}
    session_rows = []
    for activity_id, row, (_, grades, regions, _) in zip(activity_ids, activity_rows, activity_meta, strict=True):
        offer = _Offer(
            activity_id=activity_id,
            status=row["status"],
            regions=tuple(regions),
            grades=tuple(grades),
            min_pupils=row["min_pupils"],
            max_pupils=row["max_pupils"],
            requires_confirmation=row["requires_confirmation"],
            booking_closes_days=row["booking_closes_days"],
            free_cancellation_days=row["free_cancellation_days"],
        )
        classes = rng.choice(CLASSES_PER_SESSION[row["location_type"]])
        for day in sorted(rng.sample(school_days, sessions_per_activity)):
            start, end = rng.choice(slots)
            key = (day, start, end)
            if key not in utc_of:
                utc_of[key] = (from_local(day, start), from_local(day, end))
            starts_at, ends_at = utc_of[key]
            session_rows.append(
                {
                    "activity_id": activity_id,
                    "starts_at": starts_at,
                    "ends_at": ends_at,
                    "place": row["address"] or "Op school",
                    "capacity_pupils": row["max_pupils"] * classes,
                    "max_classes": classes,
                    "booked_pupils": 0,
                    "booked_classes": 0,
                    "status": SessionStatus.CANCELLED if rng.random() < 0.03 else SessionStatus.SCHEDULED,
                    "created_at": since,
                    "updated_at": since,
                }
            )
            planner.book(len(session_rows) - 1, session_rows[-1], offer, day)
    session_ids = _insert_ids(Session, session_rows)
    labs = _LabLoader(rng, planner, since=since, year=current_year, first_session=len(session_rows))
    labs.load(partner_ids, partner_rows, partner_region_of, region_ids, themes)
    lab_session_ids = _insert_ids(Session, labs.slot_rows)
    series_ids = _insert_ids(LabSeries, labs.series_rows)
    _insert(LabQuota.__table__, labs.quota_rows())
    added = planner.write(session_ids + lab_session_ids, series_ids)
    db.session.flush()
    if db.session.get_bind().dialect.name == "postgresql":
        # Without statistics on the new rows PostgreSQL plans the booking lists as for empty tables (6× slower).
        db.session.execute(text("ANALYZE"))
    return {
        "schools": len(school_rows),
        "classes": len(class_rows),
        "partners": len(partner_rows),
        "activities": len(activity_rows),
        "sessions": len(session_rows),
        "labs": len(labs.labs),
        "lab slots": len(labs.slot_rows),
        "lab series": len(labs.series_rows),
        **added,
    }


def _insert_ids(model, rows: list[dict]) -> list[int]:
    """Insert in bulk with ids counted on from the highest one, and return them in the order of the rows.

    Faster than RETURNING, which SQLite answers one row per statement when the order must be kept.
    Only for a loader that has the table to itself; PostgreSQL's sequence is moved past the new ids.
    """
    table = model.__table__
    first = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1
    for new_id, row in enumerate(rows, first):
        row["id"] = new_id
    _insert(table, rows)
    if rows and db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :last)"),
            {"table": table.name, "last": first + len(rows) - 1},
        )
    return list(range(first, first + len(rows)))


def _insert(table, rows: list[dict]) -> None:
    """Core executemany in chunks: no ORM bookkeeping per row."""
    for start in range(0, len(rows), 20_000):
        db.session.execute(insert(table), rows[start : start + 20_000])


# Bookings ----------------------------------------------------------------------------------------

HOUR = timedelta(hours=1)
B = BookingStatus


class _Class(NamedTuple):
    id: int
    school_id: int
    school_year: int
    label: str
    grade: Grade
    pupils: int


@dataclass(frozen=True)
class _Offer:
    """What booking a session needs to know of its activity."""

    activity_id: int
    status: ActivityStatus
    regions: tuple[int, ...]
    grades: tuple[Grade, ...]
    min_pupils: int
    max_pupils: int
    requires_confirmation: bool
    booking_closes_days: int
    free_cancellation_days: int


@dataclass
class _Booking:
    session: int  # index in the session rows
    school_class: _Class
    pupils: int
    created_at: datetime
    status: BookingStatus | None = None
    status_reason: str | None = None
    updated_at: datetime | None = None
    waitlisted_at: datetime | None = None
    reminder_sent_at: datetime | None = None
    evaluation_requested_at: datetime | None = None
    # (from, to, step, reason, at), as the engine writes them to booking_events.
    events: list[tuple] = field(default_factory=list)
    evaluation: tuple[int, str | None, datetime] | None = None
    series: int | None = None  # index in the lab series rows

    def move(self, target: BookingStatus, step: str, at: datetime, reason: str | None = None) -> None:
        self.events.append((self.status, target, step, reason, at))
        self.status = target
        self.updated_at = at
        if target in (B.CANCELLED, B.REJECTED):
            self.status_reason = reason


class _BookingPlanner:
    """Books the sessions as schools, partners and the reminder job would have done up to now, and
    keeps what the engine keeps: a class of a school in one of the activity's regions, in a targeted
    grade and the session's school year; pupils within the activity's limits and the class; counters
    equal to the places held, never above capacity; one active booking per class and session; a
    waiting list only on a full session. Past sessions end attended or no-show, future ones confirmed
    or requested; some bookings are cancelled, rejected or left the waiting list on the way."""

    def __init__(self, rng: random.Random, now: datetime, classes_by_place, reminder_days: int) -> None:
        self.rng = rng
        self.now = now
        self.classes_by_place = classes_by_place
        self.reminder_days = timedelta(days=reminder_days)
        self.bookings: list[_Booking] = []
        self._candidates: dict[tuple, list[_Class]] = {}
        self._busy: set[tuple[int, date]] = set()  # a class goes out once a day...
        self._done: set[tuple[int, int]] = set()  # ...and does an activity once a year

    def book(self, index: int, session: dict, offer: _Offer, day: date) -> None:
        rng, now = self.rng, self.now
        starts, ends = session["starts_at"], session["ends_at"]
        if offer.status is not ActivityStatus.PUBLISHED and not (
            offer.status is ActivityStatus.ARCHIVED and ends <= now
        ):
            return
        candidates = self._candidates_for(offer, school_year_of(day))
        if not candidates:
            return
        last = min(now, starts - timedelta(days=offer.booking_closes_days))
        first = min(starts - timedelta(days=120), last - timedelta(days=30))
        # Past sessions filled well; the further ahead, the emptier.
        lead_days = (starts - now) / timedelta(days=1)
        chance = 0.9 if lead_days <= 0 else max(0.3, 0.95 - lead_days / 300)
        taken: set[int] = set()
        held = [
            booking
            for _ in range(session["max_classes"])
            if rng.random() < chance
            and (booking := self._new(index, offer, day, candidates, taken, first, last, keeps=True))
        ]
        until = min(now, starts)
        if session["status"] is SessionStatus.CANCELLED:
            if held:
                cancelled_at = self._between(max(b.created_at for b in held), until)
                reason = rng.choice(SESSION_CANCEL_REASONS)
                for booking in held:
                    self._open(booking, offer, cancelled_at)
                    booking.move(B.CANCELLED, "session_cancelled", cancelled_at, reason)
                session["updated_at"] = cancelled_at
            return
        for booking in held:
            self._settle(booking, offer, starts, ends)
            session["booked_pupils"] += booking.pupils
            session["booked_classes"] += 1
        is_full = len(held) == session["max_classes"]
        # Bookings that held places for a while: on a full session they gave them up before the others came.
        gone_by = min(b.created_at for b in held) if is_full else until
        made_by = min(last, gone_by)
        if rng.random() < 0.18 and (booking := self._new(index, offer, day, candidates, taken, first, made_by)):
            self._open(booking, offer, gone_by)
            at = self._between(booking.updated_at, gone_by)
            late = at > starts - timedelta(days=offer.free_cancellation_days)
            reason = rng.choice(SCHOOL_CANCEL_REASONS) if late or rng.random() < 0.3 else None
            booking.move(B.CANCELLED, "cancel", at, reason)
        if rng.random() < 0.02 and (booking := self._new(index, offer, day, candidates, taken, first, made_by)):
            self._open(booking, offer, gone_by)
            at = self._between(booking.updated_at, gone_by)
            booking.move(B.CANCELLED, "withdraw", at, rng.choice(WITHDRAW_REASONS))
        if (
            offer.requires_confirmation
            and rng.random() < 0.1
            and (booking := self._new(index, offer, day, candidates, taken, first, made_by))
        ):
            booking.move(B.REQUESTED, "request", booking.created_at)
            answered = min(booking.created_at + HOUR * rng.uniform(2, 120), gone_by)
            booking.move(B.REJECTED, "reject", answered, rng.choice(REJECT_REASONS))
        if is_full and starts > now and rng.random() < 0.35:
            full_since = max(b.created_at for b in held)
            for _ in range(rng.choice([1, 1, 2, 3])):
                if booking := self._new(index, offer, day, candidates, taken, full_since, last):
                    booking.move(B.WAITLISTED, "waitlist", booking.created_at)
                    booking.waitlisted_at = booking.created_at
                    if rng.random() < 0.2:
                        booking.move(B.CANCELLED, "leave", self._between(booking.created_at, now))

    def book_series(
        self, lessons: list[tuple[int, dict, date]], offer: _Offer, year: int, opens: datetime, series: int
    ) -> list[_Booking]:
        """A class's lesson series on ``lessons`` (index, row and day of each slot, one a week), as the
        engine books it: all at once, between ``opens`` (the enrolment) and the first lesson's booking
        deadline; then each lesson goes its own way (confirmed, attended, sometimes cancelled). The class
        is of the lab's region and a targeted grade, does the activity once, and has nothing else on
        those days. Returns the lessons' bookings: none when no such class was found."""
        rng, now = self.rng, self.now
        candidates = self._candidates_for(offer, year)
        days = [day for _, _, day in lessons]
        for _ in range(20 if candidates else 0):
            school_class = rng.choice(candidates)
            if (school_class.id, offer.activity_id) not in self._done and not any(
                (school_class.id, day) in self._busy for day in days
            ):
                break
        else:
            return []
        self._done.add((school_class.id, offer.activity_id))
        self._busy.update((school_class.id, day) for day in days)
        last = min(now, lessons[0][1]["starts_at"] - timedelta(days=offer.booking_closes_days))
        booked_at = self._between(min(opens, last), last)
        top = min(offer.max_pupils, school_class.pupils)
        pupils = top if rng.random() < 0.75 else rng.randint(max(offer.min_pupils, top - 6), top)
        bookings = []
        for index, session, _ in lessons:
            booking = _Booking(index, school_class, pupils, booked_at, series=series)
            bookings.append(booking)
            self._settle(booking, offer, session["starts_at"], session["ends_at"])
            if session["starts_at"] > now and booking.status in (B.REQUESTED, B.CONFIRMED) and rng.random() < 0.03:
                at = self._between(booking.updated_at, now)
                late = at > session["starts_at"] - timedelta(days=offer.free_cancellation_days)
                reason = rng.choice(SCHOOL_CANCEL_REASONS) if late or rng.random() < 0.3 else None
                booking.move(B.CANCELLED, "cancel", at, reason)
            if booking.status in HOLDING_STATUSES:
                session["booked_pupils"] += booking.pupils
                session["booked_classes"] += 1
        self.bookings += bookings
        return bookings

    def _candidates_for(self, offer: _Offer, year: int) -> list[_Class]:
        key = (offer.regions, offer.grades, year)
        if key not in self._candidates:
            self._candidates[key] = [
                school_class
                for region_id in offer.regions
                for grade in offer.grades
                for school_class in self.classes_by_place.get((region_id, year, grade), ())
                if min(offer.max_pupils, school_class.pupils) >= offer.min_pupils
            ]
        return self._candidates[key]

    def _new(self, index, offer, day, candidates, taken, first, last, *, keeps=False) -> _Booking | None:
        """A booking of a class not yet on this session; ``keeps``: one that holds its places to the end."""
        rng = self.rng
        for _ in range(12):
            school_class = rng.choice(candidates)
            if school_class.id in taken:
                continue
            if keeps and ((school_class.id, day) in self._busy or (school_class.id, offer.activity_id) in self._done):
                continue
            taken.add(school_class.id)
            if keeps:
                self._busy.add((school_class.id, day))
                self._done.add((school_class.id, offer.activity_id))
            top = min(offer.max_pupils, school_class.pupils)
            pupils = top if rng.random() < 0.75 else rng.randint(max(offer.min_pupils, top - 6), top)
            booking = _Booking(index, school_class, pupils, self._between(first, last))
            self.bookings.append(booking)
            return booking
        return None

    def _between(self, first: datetime, last: datetime) -> datetime:
        return first + (last - first) * self.rng.random()

    def _open(self, booking: _Booking, offer: _Offer, answer_by: datetime, *, sure: bool = False) -> None:
        """The booking's first step, and the partner's confirmation when it came before ``answer_by``
        (``sure``: the partner answered in time, as they do before a session)."""
        if not offer.requires_confirmation:
            booking.move(B.CONFIRMED, "book", booking.created_at)
            return
        booking.move(B.REQUESTED, "request", booking.created_at)
        answered = booking.created_at + HOUR * self.rng.uniform(1, 72)
        if sure:
            answered = min(answered, booking.created_at + (answer_by - booking.created_at) / 2)
        elif self.rng.random() < 0.15:
            return
        if answered <= answer_by:
            booking.move(B.CONFIRMED, "confirm", answered)

    def _settle(self, booking: _Booking, offer: _Offer, starts: datetime, ends: datetime) -> None:
        rng, now = self.rng, self.now
        self._open(booking, offer, min(now, starts), sure=starts <= now)
        if booking.status is B.CONFIRMED and starts - self.reminder_days <= now:
            booking.reminder_sent_at = max(starts - self.reminder_days, booking.updated_at)
        if ends > now:
            return
        marked = ends + HOUR * rng.uniform(1, 96)
        if marked > now:
            return  # the partner has not marked attendance yet
        if rng.random() < 0.07:
            booking.move(B.NO_SHOW, "no_show", marked)
            return
        booking.move(B.ATTENDED, "attended", marked)
        booking.evaluation_requested_at = marked
        if rng.random() < 0.6:
            rating = rng.choices([5, 4, 3, 2, 1], weights=[40, 35, 15, 7, 3])[0]
            comment = rng.choice(EVALUATION_COMMENTS[rating]) if rng.random() < 0.5 else None
            booking.evaluation = (rating, comment, self._between(marked, min(now, marked + timedelta(days=14))))

    def write(self, session_ids: list[int], series_ids: list[int]) -> dict[str, int]:
        """Insert the bookings in the order they were made, then their history and evaluations."""
        rng = self.rng
        self.bookings.sort(key=lambda b: b.created_at)
        rows = []
        for b in self.bookings:
            school_class = b.school_class
            rows.append(
                {
                    "session_id": session_ids[b.session],
                    "school_id": school_class.school_id,
                    "school_class_id": school_class.id,
                    "school_year": school_class.school_year,
                    "class_label": school_class.label,
                    "grade": school_class.grade,
                    "pupils": b.pupils,
                    "adults": rng.choice([1, 2, 2, 2, 3, 4]),
                    "notes": rng.choice(NOTES) if rng.random() < 0.15 else None,
                    "contact_phone": f"06 {rng.randint(10_000_000, 99_999_999)}" if rng.random() < 0.6 else None,
                    "status": b.status,
                    "status_reason": b.status_reason,
                    "booked_by_id": None,
                    "created_at": b.created_at,
                    "updated_at": b.updated_at,
                    "waitlisted_at": b.waitlisted_at,
                    "reminder_sent_at": b.reminder_sent_at,
                    "evaluation_requested_at": b.evaluation_requested_at,
                    "series_id": None if b.series is None else series_ids[b.series],
                }
            )
        booking_ids = _insert_ids(Booking, rows)
        events = [
            {
                "booking_id": booking_id,
                "actor_id": None,
                "from_status": source,
                "to_status": target,
                "step": step,
                "reason": reason,
                "created_at": at,
            }
            for booking_id, b in zip(booking_ids, self.bookings, strict=True)
            for source, target, step, reason, at in b.events
        ]
        _insert(BookingEvent.__table__, events)
        evaluations = [
            {"booking_id": booking_id, "rating": rating, "comment": comment, "author_id": None, "created_at": at}
            for booking_id, b in zip(booking_ids, self.bookings, strict=True)
            if b.evaluation
            for rating, comment, at in [b.evaluation]
        ]
        _insert(Evaluation.__table__, evaluations)
        return {"bookings": len(rows), "booking events": len(events), "evaluations": len(evaluations)}


# Technieklokalen ---------------------------------------------------------------------------------

# One lab per region, run by the region's first technieklokaal partner: the room and its address.
LAB_PLACES = {
    "Regio Groningen": ("Techniekwerkplaats", "Zernikeplein 11, 9747 AS Groningen"),
    "Regio Zwolle": ("Maaklokaal", "Dokter van Deenweg 84, 8025 BL Zwolle"),
    "Regio Amersfoort": ("Technieklokaal Vathorst", "Bramenberg 2, 3824 AA Amersfoort"),
    "Regio Den Haag": ("Technieklokaal Laak", "Leyweg 950, 2545 GX Den Haag"),
    MARKER_REGION: ("Techniekhal", "Kastelenplein 170, 5653 LX Eindhoven"),
    "Regio Maastricht": ("Technieklokaal Mosae", "Ambyerstraat Zuid 1, 6225 AA Maastricht"),
}
LAB_EQUIPMENT = [
    "Figuurzagen, soldeerstations, 3D-printers, lasersnijder, LEGO Spike-sets",
    "Werkbanken, decoupeerzagen, boormachines, micro:bits, een CNC-frees",
    "Soldeerstations, Arduino-sets, 3D-printers, een vinylsnijder, een zonnepaneel op het dak",
]
LAB_CONTACTS = ["Henk", "Ria", "Joost", "Fatima", "Peter", "Anouk", "Kees", "Yvonne"]
# Every morning, and the afternoons primary schools have lessons (Wednesday and Friday afternoons are free).
LAB_TIMETABLES = [
    [("ochtend", {0, 1, 2, 3, 4}, time(8, 30), time(11, 30)), ("middag", {0, 1, 3}, time(12, 45), time(15, 15))],
    [("ochtend", {0, 1, 2, 3, 4}, time(8, 45), time(11, 45)), ("middag", {0, 1, 3}, time(13, 0), time(15, 15))],
]
LAB_CLOSURES = ["Onderhoud machines", "Toetsweek Vakcollege", "Studiedag vrijwilligers", "Verbouwing werkplaats"]
# What a lab offers, alternating: a groep 7-8 series in the mornings and a shorter groep 6 kennismaking in the
# afternoons, or one series on every dagdeel. (title, grades, series lengths to choose from, periods or all)
LAB_OFFERS = [
    [
        ("Lessenreeks techniek groep 7-8", (Grade.GROEP_7, Grade.GROEP_8), [6, 8], {"ochtend"}),
        ("Kennismaken met techniek groep 6", (Grade.GROEP_6,), [4], {"middag"}),
    ],
    [("Lessenreeks techniek groep 7-8", (Grade.GROEP_7, Grade.GROEP_8), [4, 5, 6], None)],
]
NUMBERS = {4: "vier", 5: "vijf", 6: "zes", 7: "zeven", 8: "acht"}
# The chance a lab leaves a slot free before the next series in the same dagdeel: about 70% of slots booked.
LAB_GAP = 0.6


class _LabLoader:
    """Technieklokalen as a technieklokaal runs them: a room with a timetable for the school year and a week
    closed, one or two activities in it, their slots for the whole school year, and lesson series on most of
    them. The slots from tomorrow on are the ones ``plan_slots`` plans; those before, the ones it planned on
    the first day of the school year. A series takes consecutive slots of one dagdeel ("Tuesday ochtend"),
    one a week, holidays and the closure skipped, as ``propose_series`` proposes them."""

    def __init__(self, rng: random.Random, planner: _BookingPlanner, *, since: datetime, year: int,
                 first_session: int) -> None:  # fmt: skip
        self.rng = rng
        self.planner = planner
        self.since = since
        self.year = year
        self.first_session = first_session  # the first slot's index among all sessions
        self.opens = from_local(date(year, 5, 15), time(9, 0))  # schools enrol for the school year
        self.labs: list[Lab] = []
        self.slot_rows: list[dict] = []
        self.series_rows: list[dict] = []

    def load(self, partner_ids, partner_rows, partner_region_of, region_ids, themes) -> None:
        if db.session.scalar(select(Holiday.id).limit(1)) is None:
            load_holiday_file()
            db.session.flush()
        runs: dict[int, int] = {}
        for partner_id, row in zip(partner_ids, partner_rows, strict=True):
            if row["kind"] is PartnerKind.TECHNIEKLOKAAL:
                runs.setdefault(partner_region_of[partner_id][0], partner_id)
        offers = []
        for n, (region_id, (region_name, holiday_region, _)) in enumerate(zip(region_ids, REGIONS, strict=True)):
            if region_id not in runs:
                continue
            lab = self._lab(db.session.get(Partner, runs[region_id]), LAB_PLACES[region_name], holiday_region, n)
            for title, grades, lengths, periods in LAB_OFFERS[n % len(LAB_OFFERS)]:
                offers.append((lab, region_id, title, grades, self.rng.choice(lengths), periods))
        activity_ids = self._activities(offers, themes)
        for activity_id, (lab, region_id, _, grades, length, periods) in zip(activity_ids, offers, strict=True):
            offer = _Offer(
                activity_id=activity_id,
                status=ActivityStatus.PUBLISHED,
                regions=(region_id,),
                grades=grades,
                min_pupils=15,
                max_pupils=lab.capacity_pupils,
                requires_confirmation=True,
                booking_closes_days=14,
                free_cancellation_days=28,
            )
            self._book(lab, offer, length, self._slots(lab, db.session.get(Activity, activity_id), periods))

    def _lab(self, partner: Partner, place: tuple[str, str], holiday_region: HolidayRegion, n: int) -> Lab:
        rng = self.rng
        data = lab_services.LabData(
            name=place[0],
            address=place[1],
            capacity_pupils=rng.choice([30, 32]),
            classes_at_once=1,
            holiday_region=holiday_region,
            equipment=rng.choice(LAB_EQUIPMENT),
            contact_name=f"{rng.choice(LAB_CONTACTS)} {rng.choice(FAMILY_NAMES)}",
            contact_phone=f"06 {rng.randint(10_000_000, 99_999_999)}",
            contact_email=partner.email,
        )
        lab = lab_services.save_lab(None, partner=partner, data=data)
        lab.created_at = self.since
        db.session.flush()
        for name, weekdays, starts_at, ends_at in LAB_TIMETABLES[n % len(LAB_TIMETABLES)]:
            lab_services.add_periods_on_weekdays(
                lab, school_year=self.year, weekdays=weekdays, name=name, starts_at=starts_at, ends_at=ends_at
            )
        # A week closed, between October and June, outside the holidays.
        first, last = date(self.year, 10, 1), date(self.year + 1, 6, 15)
        holidays = holidays_between(holiday_region, first, last)
        mondays = [
            first + timedelta(days=(7 - first.weekday()) % 7, weeks=week) for week in range((last - first).days // 7)
        ]
        free = [
            m for m in mondays if not any(h.starts_on <= m + timedelta(days=4) and m <= h.ends_on for h in holidays)
        ]
        monday = rng.choice(free)
        lab_services.save_closure(
            lab, None, starts_on=monday, ends_on=monday + timedelta(days=4), reason=rng.choice(LAB_CLOSURES)
        )
        db.session.flush()
        self.labs.append(lab)
        return lab

    def _activities(self, offers: list[tuple], themes: dict[str, int]) -> list[int]:
        rows = []
        for lab, _, title, _, length, periods in offers:
            period = next(p for p in lab.periods_in(self.year) if periods is None or p.name in periods)
            minutes = (
                (period.ends_at.hour - period.starts_at.hour) * 60 + period.ends_at.minute - period.starts_at.minute
            )
            title = f"{title} in {lab.name}"
            summary = f"{NUMBERS[length].capitalize()} dagdelen zagen, solderen, bouwen en programmeren."
            description = (
                f"Een klas komt {NUMBERS[length]} weken achter elkaar een dagdeel naar {lab.name}, steeds op dezelfde "
                "dag. Leerlingen werken in kleine groepjes met vrijwilligers uit de techniek en nemen hun werkstuk "
                f"mee naar huis. Aangeboden door {lab.partner.name}."
            )
            rows.append(
                {
                    "partner_id": lab.partner_id,
                    "status": ActivityStatus.PUBLISHED,
                    "title": title,
                    "summary": summary,
                    "description": description,
                    "duration_minutes": minutes,
                    "min_pupils": 15,
                    "max_pupils": lab.capacity_pupils,
                    "location_type": LocationType.TECHNIEKLOKAAL,
                    "address": lab.address,
                    "cost_type": CostType.FREE,
                    "cost_cents": 0,
                    "preparation_notes": "Ongeveer één begeleider per zes leerlingen. Vervoer regelt de school.",
                    "booking_closes_days": 14,
                    "free_cancellation_days": 28,
                    "requires_confirmation": True,
                    "lab_id": lab.id,
                    "series_length": length,
                    "search_text": search_key(f"{title} {summary} {description} {lab.partner.name}"),
                    "created_at": self.since,
                    "updated_at": self.since,
                }
            )
        activity_ids = _insert_ids(Activity, rows)
        grades, topics, regions = [], [], []
        for activity_id, (_, region_id, _, offered, _, _) in zip(activity_ids, offers, strict=True):
            grades += [{"activity_id": activity_id, "grade": grade} for grade in offered]
            topics += [
                {"activity_id": activity_id, "theme_id": themes[name]} for name in ("Bouwen & constructie", "Robotica")
            ]
            regions.append({"activity_id": activity_id, "region_id": region_id})
        db.session.execute(insert(ActivityGrade), grades)
        db.session.execute(insert(activity_themes), topics)
        db.session.execute(insert(activity_regions), regions)
        return activity_ids

    def _slots(self, lab: Lab, activity: Activity, periods: set[str] | None) -> list[tuple[LabPeriod, date, dict]]:
        """The activity's slots of the school year in the given periods, in time order, as session rows.
        The school year's lessons start after the summer holiday, or in September where the holiday data
        (shipped for two school years) has not got that summer."""
        first, last = date(self.year, 8, 1), min(local_today(), date(self.year + 1, 7, 31))
        holidays = holidays_between(lab.holiday_region, first, last)
        summer = next((holiday for holiday in holidays if holiday.covers(first)), None)
        first = summer.ends_on + timedelta(days=1) if summer else date(self.year, 9, 1)
        timetable = lab.periods_in(self.year)
        planned = []
        day = first
        while day <= last:
            if lab.closure_on(day) is None and not any(holiday.covers(day) for holiday in holidays):
                planned += [(p, day, from_local(day, p.starts_at), from_local(day, p.ends_at)) for p in timetable
                            if p.weekday == day.weekday()]  # fmt: skip
            day += timedelta(days=1)
        planned += [
            (s.period, s.day, s.starts_at, s.ends_at)
            for s in lab_services.plan_slots(lab, activity, self.year).to_create
        ]
        slots = []
        for period, day, starts_at, ends_at in planned:
            if periods is not None and period.name not in periods:
                continue
            row = {
                "activity_id": activity.id,
                "lab_id": lab.id,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "place": f"{lab.name}, {lab.address}",
                "capacity_pupils": lab.capacity_pupils,
                "max_classes": lab.classes_at_once,
                "booked_pupils": 0,
                "booked_classes": 0,
                "status": SessionStatus.SCHEDULED,
                "created_at": self.since,
                "updated_at": self.since,
            }
            self.slot_rows.append(row)
            slots.append((period, day, row))
        return slots

    def _book(self, lab: Lab, offer: _Offer, length: int, slots: list[tuple[LabPeriod, date, dict]]) -> None:
        """Series lane by lane (every Tuesday ochtend of the year), on consecutive slots, with free slots between."""
        first_index = self.first_session + len(self.slot_rows) - len(slots)
        lanes: dict[tuple[int, str], list[tuple[int, dict, date]]] = {}
        for index, (period, day, row) in enumerate(slots, first_index):
            lanes.setdefault((period.weekday, period.name), []).append((index, row, day))
        for (weekday, period_name), lane in sorted(lanes.items()):
            start = 0
            while start + length <= len(lane):
                if self.rng.random() < LAB_GAP:
                    start += 1
                    continue
                lessons = lane[start : start + length]
                bookings = self.planner.book_series(lessons, offer, self.year, self.opens, len(self.series_rows))
                if not bookings:
                    start += 1
                    continue
                school_class = bookings[0].school_class
                self.series_rows.append(
                    {
                        "lab_id": lab.id,
                        "activity_id": offer.activity_id,
                        "school_id": school_class.school_id,
                        "class_label": school_class.label,
                        "school_year": self.year,
                        "weekday": weekday,
                        "period_name": period_name,
                        "first_day": lessons[0][2],
                        "booked_by_id": None,
                        "created_at": bookings[0].created_at,
                    }
                )
                start += length

    def quota_rows(self) -> list[dict]:
        """Quotas for a few schools per lab, as a coordinator gives them: never below what the school holds."""
        held: dict[tuple[int, int], int] = {}
        for booking in self.planner.bookings:
            if booking.series is not None and booking.status in HOLDING_STATUSES:
                key = (self.series_rows[booking.series]["lab_id"], booking.school_class.school_id)
                held[key] = held.get(key, 0) + 1
        rows = []
        for lab in self.labs:
            schools = sorted(school_id for lab_id, school_id in held if lab_id == lab.id)
            for school_id in self.rng.sample(schools, min(4, len(schools))):
                rows.append(
                    {
                        "lab_id": lab.id,
                        "school_id": school_id,
                        "school_year": self.year,
                        "max_lessons": max(held[(lab.id, school_id)], self.rng.choice([8, 12, 16])),
                        "updated_at": self.since,
                    }
                )
        return rows
