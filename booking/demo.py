"""Demo data. The small set: one region, three schools with classes, two partners with activities
and sessions, the official school holidays, and a technieklokaal with a timetable for this school
year and the next, a closure, lab slots generated from the timetable, a quota and two lesson series
booked through the engine. The small set also has bookings in every state a user meets first
(confirmed, requested, waiting list, attended with an evaluation). The large set adds a realistic
country-sized load for benchmarks. Both are idempotent."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import NamedTuple

from sqlalchemy import select

from booking.accounts.models import Language, Role, User
from booking.accounts.services import add_membership, find_user
from booking.bookings import services as booking_services
from booking.bookings.models import ACTIVE_STATUSES, Booking, BookingEvent, BookingStatus, Evaluation
from booking.catalogue import services
from booking.catalogue.models import Activity, ActivityStatus, CostType, LocationType, Session, Theme
from booking.catalogue.services import holidays_between
from booking.core.time import current_school_year, from_local, local_today, school_year_of, to_local, utcnow
from booking.extensions import db
from booking.labs import series as lab_series
from booking.labs import services as lab_services
from booking.labs.models import Lab, LabSeries
from booking.organisations.blocked_dates import save_blocked_date
from booking.organisations.models import (
    DayPart,
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


class LabSlots(NamedTuple):
    """An activity in the demo lab: its slots come from the lab's timetable (``plan_slots``), on
    these weekdays only, the first ``limit`` of them (all when ``None``)."""

    series_length: int
    weekdays: frozenset[int]
    limit: int | None = None


DEMO_ACTIVITIES = [
    # partner, acting user, title, fields, status, sessions: (weekdays, times, weeks) or LabSlots
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
            free_cancellation_days=10,
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
            free_cancellation_days=14,
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
                "Een klas komt vier weken achter elkaar een dagdeel naar het technieklokaal, steeds op dezelfde "
                "dag. Leerlingen werken in kleine groepjes met vrijwilligers uit de techniek en nemen hun "
                "werkstuk mee naar huis."
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
        # Every dagdeel of the timetable but Wednesday morning, which is kept for the LEGO kennismaking.
        LabSlots(series_length=4, weekdays=frozenset({0, 1, 3, 4})),
    ),
    (
        "Technieklokaal Utrecht-West",
        "lab@example.org",
        "Robots bouwen met LEGO",
        dict(
            summary="Een ochtend robots bouwen en programmeren, als kennismaking met het technieklokaal.",
            description="Nog in voorbereiding. Op woensdagochtend, als het lokaal vrij is van de lessenreeksen.",
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
        LabSlots(series_length=1, weekdays=frozenset({2}), limit=8),
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

LAB_PARTNER = "Technieklokaal Utrecht-West"
LAB = lab_services.LabData(
    name="Lokaal 1",
    address="Vleutenseweg 300, 3532 HS Utrecht",
    capacity_pupils=30,
    classes_at_once=1,
    holiday_region=HolidayRegion.MIDDEN,
    equipment="Figuurzagen, soldeerstations, 3D-printer, lasersnijder, LEGO Spike-sets, micro:bits",
    contact_name="Henk Bos",
    contact_phone="030 765 43 21",
    contact_email="rooster@technieklokaal-utrecht.example",
)
# Every morning, and the afternoons primary schools have lessons (Wednesday and Friday afternoons are free).
LAB_PERIODS = [
    ("ochtend", {0, 1, 2, 3, 4}, time(8, 30), time(11, 30)),
    ("middag", {0, 1, 3}, time(12, 45), time(15, 15)),
]
# The lesson series booked through the engine: school, class, weekday of the ochtend, teacher (or none),
# and whether the lab has confirmed the lessons yet.
LAB_SERIES = [
    ("OBS De Regenboog", "Groep 7A", 1, "teacher@example.org", True),
    ("CBS Het Kompas", "Groep 7/8", 3, None, False),
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
    db.session.flush()
    load_holiday_file()
    db.session.flush()
    past_day = _last_school_day(region.holiday_region, local_today() - timedelta(days=21))
    year = _planning_year(region.holiday_region)
    # The classes of every school year the demo books in: this one, and in the summer the last or the next.
    years = sorted({school_year_of(past_day), current_school_year(), year})
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
        for school_year in years:
            for label, grade, pupils in classes:
                _get_or_create(
                    SchoolClass,
                    {"school_id": school.id, "school_year": school_year, "label": label},
                    grade=grade,
                    pupils=pupils,
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
    themes = {name: _get_or_create(Theme, {"name": name}) for name in THEMES}
    db.session.flush()
    people = {email: find_user(email) for email, *_ in USERS}
    lab = _load_lab(organisations[LAB_PARTNER], sorted({current_school_year(), year, year + 1}), year)
    _load_catalogue(organisations, region, themes, people, lab, year)
    db.session.flush()
    _load_bookings(organisations, people, past_day)
    db.session.flush()
    _load_series(organisations, people, lab, year)
    db.session.flush()
    _load_blocked_dates(organisations["OBS De Regenboog"], year)
    db.session.flush()
    return logins


def _load_blocked_dates(school: School, school_year: int) -> None:
    """A study day for the whole school in four weeks, and Cito for the groep 8 classes in January,
    mornings only (loaded after the bookings, which it would otherwise hold up)."""
    if school.blocked_dates:
        return
    study_day = local_today() + timedelta(weeks=4)
    study_day += timedelta(days=(4 - study_day.weekday()) % 7)  # a Friday
    save_blocked_date(school, None, starts_on=study_day, ends_on=None, day_part=DayPart.WHOLE_DAY,
                      reason="Studiedag", classes=[])  # fmt: skip
    cito = date(school_year + 1, 1, 20)
    cito += timedelta(days=(2 - cito.weekday()) % 7)  # a Wednesday
    eights = [c for c in school.classes if c.school_year == school_year and c.grade is Grade.GROEP_8]
    save_blocked_date(school, None, starts_on=cito, ends_on=cito + timedelta(days=2), day_part=DayPart.MORNING,
                      reason="Cito midden", classes=eights)  # fmt: skip


def _next_monday() -> date:
    today = local_today()
    return today + timedelta(days=7 - today.weekday())


def _series_week(school_year: int, holiday_region: HolidayRegion) -> date:
    """The Monday the demo's lesson series start: three weeks ahead (bookings close two weeks before a
    lesson), not before the school year, and not in a holiday week."""
    first = date(school_year, 8, 1)
    week = max(_next_monday() + timedelta(weeks=2), first + timedelta(days=(7 - first.weekday()) % 7))
    holidays = holidays_between(holiday_region, week, week + timedelta(weeks=10))
    while any(holiday.covers(week + timedelta(days=1)) for holiday in holidays):
        week += timedelta(weeks=1)
    return week


def _planning_year(holiday_region: HolidayRegion) -> int:
    """The school year the demo plans lab lessons in: this one while it has school weeks enough left for
    the series, else (from about June) the next one, which schools are enrolling for by then."""
    year = current_school_year()
    first, last = _series_week(year, holiday_region) + timedelta(days=1), date(year + 1, 7, 31)
    holidays = holidays_between(holiday_region, first, last)
    tuesdays = [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]
    school_weeks = sum(1 for day in tuesdays if not any(holiday.covers(day) for holiday in holidays))
    return year if school_weeks >= 6 else year + 1


def _last_school_day(holiday_region: HolidayRegion, day: date) -> date:
    """``day``, or else the last weekday before it outside the school holidays."""
    holidays = holidays_between(holiday_region, day - timedelta(days=120), day)
    while day.weekday() >= 5 or any(holiday.covers(day) for holiday in holidays):
        day -= timedelta(days=1)
    return day


def _load_lab(partner: Partner, school_years: list[int], planning_year: int) -> Lab:
    """Lokaal 1 of the technieklokaal, with its timetable for each of ``school_years`` and a week in the
    spring of the planning year when it is closed for maintenance."""
    lab = db.session.scalar(select(Lab).where(Lab.partner_id == partner.id, Lab.name == LAB.name))
    if lab is None:
        lab = lab_services.save_lab(None, partner=partner, data=LAB)
        db.session.flush()
    for school_year in school_years:
        if lab.periods_in(school_year):
            continue
        for name, weekdays, starts_at, ends_at in LAB_PERIODS:
            lab_services.add_periods_on_weekdays(
                lab, school_year=school_year, weekdays=weekdays, name=name, starts_at=starts_at, ends_at=ends_at
            )
    if not lab.closures:
        spring = date(planning_year + 1, 3, 15)
        monday = spring - timedelta(days=spring.weekday())
        lab_services.save_closure(
            lab, None, starts_on=monday, ends_on=monday + timedelta(days=4), reason="Onderhoud lasersnijder"
        )
    db.session.flush()
    return lab


def _load_catalogue(organisations, region, themes, logins_by_email, lab: Lab, lab_year: int) -> None:
    """The demo partners' activities, with weekly sessions from next week on, skipping holidays; the
    technieklokaal's activities get their slots from the lab's timetable of ``lab_year``."""
    for partner_name, email, title, fields, status, plan in DEMO_ACTIVITIES:
        fields = dict(fields)
        partner = organisations[partner_name]
        if db.session.scalar(select(Activity.id).where(Activity.partner_id == partner.id, Activity.title == title)):
            continue
        if isinstance(plan, LabSlots):
            fields.update(lab_id=lab.id, series_length=plan.series_length)
        data = services.ActivityData(
            title=title,
            themes=[themes[name] for name in fields.pop("themes")],
            regions=[region],
            **fields,
        )
        actor = logins_by_email[email]
        activity = services.save_activity(None, partner=partner, actor=actor, data=data)
        db.session.flush()
        if isinstance(plan, LabSlots):
            # Generated in the order of DEMO_ACTIVITIES: the plan skips the times an earlier activity took.
            planned = lab_services.plan_slots(lab, activity, lab_year)
            slots = [slot for slot in planned.to_create if slot.day.weekday() in plan.weekdays][: plan.limit]
            lab_services.carry_out(lab, activity, lab_services.SlotPlan(slots=slots))
        elif plan:
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


def _load_bookings(organisations, people, past_day: date) -> None:
    """Bookings through the real engine: a confirmed one and an open request for the demo teacher, a
    session that is full with a class on its waiting list, and a past session (on ``past_day``) with an
    evaluation."""
    school = organisations["OBS De Regenboog"]
    if db.session.scalar(select(Booking.id).where(Booking.school_id == school.id).limit(1)):
        return
    classes = {(c.school.name, c.label, c.school_year): c for c in db.session.scalars(select(SchoolClass))}
    years = {year for _, _, year in classes}
    teacher, partner = people["teacher@example.org"], people["partner@example.org"]
    heat_pump = db.session.scalar(select(Activity).where(Activity.title == "Hoe werkt een warmtepomp?"))
    open_sessions = [
        s
        for s in heat_pump.sessions
        if utcnow() < s.bookings_close_at and school_year_of(to_local(s.starts_at).date()) in years
    ]

    def book(session, school_name, label, actor=None, waitlist=False, pupils=None):
        school_class = classes[(school_name, label, school_year_of(to_local(session.starts_at).date()))]
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
    # A session of about three weeks ago that Groep 8A attended and evaluated.
    past = Session(
        activity=heat_pump,
        starts_at=from_local(past_day, time(9, 0)),
        ends_at=from_local(past_day, time(11, 0)),
        place=heat_pump.address,
        capacity_pupils=60,
        max_classes=2,
        booked_pupils=29,
        booked_classes=1,
    )
    school_class = classes[("OBS De Regenboog", "Groep 8A", school_year_of(past_day))]
    attended = Booking(
        session=past,
        school=school,
        school_class=school_class,
        school_year=school_year_of(past_day),
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


def _load_series(organisations, people, lab: Lab, school_year: int) -> None:
    """Lesson series booked through the engine (``LAB_SERIES``), from three weeks ahead, so they run over
    a holiday when one is near. OBS De Regenboog has a quota of 8 dagdelen in the lab and uses 4."""
    if db.session.scalar(select(LabSeries.id).where(LabSeries.lab_id == lab.id).limit(1)) is not None:
        return
    activity = db.session.scalar(
        select(Activity).where(Activity.lab_id == lab.id, Activity.series_length > 1).order_by(Activity.id).limit(1)
    )
    if activity is None or not activity.is_published:
        return  # a database the demo filled before the lab existed
    booking_services.set_lab_quota(lab.id, organisations["OBS De Regenboog"], school_year, 8)
    for school_name, label, weekday, email, confirmed in LAB_SERIES:
        school_class = db.session.scalar(
            select(SchoolClass).filter_by(school_id=organisations[school_name].id, school_year=school_year, label=label)
        )
        period = next((p for p in lab.periods_in(school_year) if p.weekday == weekday and p.name == "ochtend"), None)
        if school_class is None or period is None:
            continue
        request = booking_services.BookingRequest(
            school_class=school_class,
            pupils=school_class.pupils,
            adults=5,
            contact_phone="030 234 56 78" if email else None,
        )
        # The first start week whose lessons all fit, on days the class has no other activity.
        busy = _days_out(school_class)
        first_week = _series_week(school_year, lab.holiday_region)
        for week in [first_week + timedelta(weeks=n) for n in range(4)]:
            proposal = lab_series.propose_series(activity, request, period=period, week=week)
            if proposal.complete and not busy & {to_local(s.starts_at).date() for s in proposal.sessions}:
                break
        else:
            continue
        series = lab_series.book_series(
            activity,
            request,
            period=period,
            week=week,
            expected=proposal.session_ids,
            actor=people[email] if email else None,
        )
        if confirmed:
            for lesson in db.session.scalars(select(Booking).where(Booking.series_id == series.id)):
                booking_services.take_step(lesson, "confirm", actor=people["lab@example.org"])


def _days_out(school_class: SchoolClass) -> set[date]:
    """The days the class already goes out for an activity."""
    starts = db.session.scalars(
        select(Session.starts_at)
        .join(Booking, Booking.session_id == Session.id)
        .where(Booking.school_class_id == school_class.id, Booking.status.in_(ACTIVE_STATUSES))
    )
    return {to_local(starts_at).date() for starts_at in starts}


def load_large_demo() -> dict[str, int]:
    from booking.demo_large import load

    return load()
