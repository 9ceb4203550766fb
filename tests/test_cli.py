from datetime import UTC, datetime
from itertools import pairwise

import pytest

from booking.accounts.models import Role, User
from booking.bookings.models import Booking, BookingEvent
from booking.catalogue.models import Activity, Session
from booking.demo import DEMO_PASSWORD
from booking.extensions import db
from booking.labs.models import Lab, LabClosure, LabPeriod, LabQuota, LabSeries
from booking.organisations.models import Partner, PartnerKind, Region, School, SchoolClass

MODELS = (User, Region, School, SchoolClass, Partner, Activity, Session, Booking, BookingEvent, Lab, LabPeriod,
          LabClosure, LabSeries, LabQuota)  # fmt: skip


def counts():
    return {m.__name__: db.session.scalar(db.select(db.func.count()).select_from(m)) for m in MODELS}


def test_demo_loads_the_promised_logins_and_is_idempotent(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    for email in [
        "admin@example.org",
        "coordinator@example.org",
        "teacher@example.org",
        "partner@example.org",
        "lab@example.org",
    ]:
        assert email in result.output
        response = app.test_client().post("/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
    first = counts()
    # Nine classes a school year: this one, and in the summer also the last or the next.
    years = db.session.scalars(db.select(SchoolClass.school_year).distinct()).all()
    assert [first[name] for name in ("Region", "School", "SchoolClass", "Partner")] == [1, 3, 9 * len(years), 2]
    assert first["Lab"] == 1 and first["LabSeries"] == 2 and first["LabQuota"] == 1
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert counts() == first
    kinds = {p.kind for p in db.session.scalars(db.select(Partner))}
    assert PartnerKind.TECHNIEKLOKAAL in kinds


def test_create_admin(app):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "--email", "Boss@Example.org", "--name", "Bea Baas"],
        input="a strong admin password\na strong admin password\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(db.select(User).where(User.email == "boss@example.org"))
    assert user.is_admin and Role.ADMIN in user.roles


def test_create_admin_refuses_a_weak_password(app):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "--email", "boss@example.org", "--name", "Bea"], input="short\nshort\n"
    )
    assert result.exit_code != 0
    assert db.session.scalar(db.select(User)) is None


def test_demo_includes_a_catalogue_with_sessions_that_skip_holidays(app, client):
    from booking.catalogue.models import Activity, ActivityStatus, Session
    from booking.organisations.models import Holiday

    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    statuses = {a.title: a.status for a in db.session.scalars(db.select(Activity))}
    assert list(statuses.values()).count(ActivityStatus.PUBLISHED) == 3
    assert ActivityStatus.SUBMITTED in statuses.values() and ActivityStatus.DRAFT in statuses.values()
    holidays = db.session.scalars(db.select(Holiday)).all()
    assert len(holidays) >= 30
    starts = [s.starts_at.date() for s in db.session.scalars(db.select(Session))]
    assert starts
    midden = [h for h in holidays if h.holiday_region.value == "midden"]
    assert not any(h.covers(day) for h in midden for day in starts)
    assert "Hoe werkt een warmtepomp?" in client.get("/catalogue").get_data(as_text=True)


def test_holidays_load_is_idempotent_and_names_its_source(app):
    from booking.organisations.models import Holiday

    runner = app.test_cli_runner()
    first = runner.invoke(args=["holidays", "load"])
    assert first.exit_code == 0, first.output
    assert "Rijksoverheid" in first.output
    added = db.session.scalar(db.select(db.func.count(Holiday.id)))
    assert f"{added} holidays added" in first.output
    assert "0 holidays added" in runner.invoke(args=["holidays", "load"]).output


@pytest.mark.slow
def test_large_demo_builds_the_promised_sizes_once(app, clock):
    """On the clock's day: which sessions are past, and so how the labs' series fall, depend on today."""
    from booking.bookings.models import BookingStatus, Evaluation

    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "--size", "large"])
    assert result.exit_code == 0, result.output
    assert "1,200 schools" in result.output and "2,000 activities" in result.output
    assert db.session.scalar(db.select(db.func.count(Activity.id))) >= 2000
    assert db.session.scalar(db.select(db.func.count(Session.id))) >= 80000
    statuses = dict(db.session.execute(db.select(Booking.status, db.func.count()).group_by(Booking.status)).all())
    assert 140_000 <= sum(statuses.values()) <= 160_000
    assert set(statuses) == set(BookingStatus)
    assert statuses[BookingStatus.ATTENDED] > 10 * statuses[BookingStatus.NO_SHOW] > 0
    evaluated = db.session.scalar(db.select(db.func.count(Evaluation.id)))
    assert 0.5 < evaluated / statuses[BookingStatus.ATTENDED] < 0.7
    assert_bookings_obey_the_engine_rules()
    assert_the_large_labs_are_planned_and_mostly_booked(result.output)
    loaded = counts()
    again = runner.invoke(args=["demo", "--size", "large"])
    assert "already loaded" in again.output
    assert counts() == loaded


def assert_bookings_obey_the_engine_rules():
    """The large demo writes bookings in bulk, past the engine: the counters, the one-active-booking
    rule, waiting lists and the class rules must hold as if each had gone through ``book_session``."""
    from booking.bookings.models import ACTIVE_STATUSES, HOLDING_STATUSES, Booking, BookingStatus
    from booking.catalogue.models import ActivityGrade, Session, activity_regions
    from booking.core.time import school_year_of, to_local

    count = db.func.count
    held = (
        db.select(Booking.session_id, db.func.sum(Booking.pupils).label("pupils"), count().label("classes"))
        .where(Booking.status.in_(list(HOLDING_STATUSES)))
        .group_by(Booking.session_id)
        .subquery()
    )
    miscounted = db.select(count()).select_from(Session).outerjoin(held, held.c.session_id == Session.id)
    miscounted = miscounted.where(
        (Session.booked_pupils != db.func.coalesce(held.c.pupils, 0))
        | (Session.booked_classes != db.func.coalesce(held.c.classes, 0))
    )
    assert db.session.scalar(miscounted) == 0
    assert db.session.scalar(db.select(count()).where(Session.booked_classes > 0)) > 50_000
    doubles = (
        db.select(Booking.session_id, Booking.school_class_id)
        .where(Booking.status.in_(list(ACTIVE_STATUSES)))
        .group_by(Booking.session_id, Booking.school_class_id)
        .having(count() > 1)
        .subquery()
    )
    assert db.session.scalar(db.select(count()).select_from(doubles)) == 0
    waiting_with_room = (
        db.select(count())
        .select_from(Booking)
        .join(Session, Session.id == Booking.session_id)
        .where(Booking.status == BookingStatus.WAITLISTED, Session.booked_classes < Session.max_classes)
    )
    assert db.session.scalar(waiting_with_room) == 0
    untargeted = (
        db.select(count())
        .select_from(Booking)
        .join(Session, Session.id == Booking.session_id)
        .outerjoin(
            ActivityGrade,
            (ActivityGrade.activity_id == Session.activity_id) & (ActivityGrade.grade == Booking.grade),
        )
        .where(ActivityGrade.activity_id.is_(None))
    )
    assert db.session.scalar(untargeted) == 0
    elsewhere = (
        db.select(count())
        .select_from(Booking)
        .join(Session, Session.id == Booking.session_id)
        .join(School, School.id == Booking.school_id)
        .outerjoin(
            activity_regions,
            (activity_regions.c.activity_id == Session.activity_id)
            & (activity_regions.c.region_id == School.region_id),
        )
        .where(activity_regions.c.activity_id.is_(None))
    )
    assert db.session.scalar(elsewhere) == 0
    other_class = (
        db.select(count())
        .select_from(Booking)
        .join(SchoolClass, SchoolClass.id == Booking.school_class_id)
        .where(
            (SchoolClass.school_year != Booking.school_year)
            | (SchoolClass.school_id != Booking.school_id)
            | (SchoolClass.grade != Booking.grade)
            | (Booking.pupils > SchoolClass.pupils)
        )
    )
    assert db.session.scalar(other_class) == 0
    years = db.session.execute(
        db.select(Session.starts_at, Booking.school_year).join(Booking, Booking.session_id == Session.id).distinct()
    )
    assert all(school_year_of(to_local(starts_at).date()) == year for starts_at, year in years)
    assert_labs_are_consistent()


# Technieklokalen ----------------------------------------------------------------------------------


def test_demo_has_a_lab_with_a_timetable_slots_and_two_booked_series(app):
    from booking.bookings.models import ACTIVE_STATUSES, BookingStatus
    from booking.core.time import current_school_year
    from booking.organisations.models import Holiday

    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    lab = db.session.scalar(db.select(Lab))
    assert (lab.name, lab.partner.name, lab.capacity_pupils, lab.classes_at_once) == (
        "Lokaal 1", "Technieklokaal Utrecht-West", 30, 1,
    )  # fmt: skip
    year = current_school_year()
    for school_year in (year, year + 1):
        periods = {
            (p.weekday, p.name, f"{p.starts_at:%H:%M}", f"{p.ends_at:%H:%M}") for p in lab.periods_in(school_year)
        }
        assert periods == {(day, "ochtend", "08:30", "11:30") for day in range(5)} | {
            (day, "middag", "12:45", "15:15") for day in (0, 1, 3)
        }
    assert [closure.reason for closure in lab.closures] == ["Onderhoud lasersnijder"]

    series_activity = db.session.scalar(db.select(Activity).where(Activity.title == "Lessenreeks Techniek groep 7-8"))
    assert series_activity.lab_id == lab.id and series_activity.series_length == 4 and series_activity.is_published
    slots = db.session.scalars(db.select(Session).where(Session.activity_id == series_activity.id)).all()
    assert len(slots) > 20 and all(slot.lab_id == lab.id for slot in slots)
    lego = db.session.scalar(db.select(Activity).where(Activity.title == "Robots bouwen met LEGO"))
    assert lego.lab_id == lab.id and lego.sessions
    midden = db.session.scalars(db.select(Holiday).where(Holiday.holiday_region == lab.holiday_region)).all()
    assert not any(h.covers(s.starts_at.date()) or lab.closure_on(s.starts_at.date()) for h in midden for s in slots)

    all_series = db.session.scalars(db.select(LabSeries).order_by(LabSeries.id)).all()
    assert len({series.school_id for series in all_series}) == 2
    for series in all_series:
        active = [lesson for lesson in series.lessons if lesson.status in ACTIVE_STATUSES]
        assert len(active) == series.activity.series_length == 4
    regenboog = all_series[0]
    assert (regenboog.school.name, regenboog.class_label, regenboog.booked_by.email) == (
        "OBS De Regenboog", "Groep 7A", "teacher@example.org",
    )  # fmt: skip
    assert {lesson.status for lesson in regenboog.lessons} == {BookingStatus.CONFIRMED}
    assert {lesson.status for lesson in all_series[1].lessons} == {BookingStatus.REQUESTED}
    quota = db.session.scalar(db.select(LabQuota))
    assert (quota.school_id, quota.school_year, quota.max_lessons) == (regenboog.school_id, regenboog.school_year, 8)
    assert_labs_are_consistent()


@pytest.mark.parametrize("day", ["2027-06-14", "2027-07-12", "2027-08-09"])
def test_demo_in_the_summer_books_the_series_in_the_next_school_year(app, day):
    """From about June this school year has no weeks left for a series: the demo books them in 2027–2028."""
    import time_machine

    today = datetime.fromisoformat(day).replace(hour=8, tzinfo=UTC)
    with time_machine.travel(today, tick=True):
        result = app.test_cli_runner().invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        series = db.session.scalars(db.select(LabSeries)).all()
        assert len(series) == 2 and {s.school_year for s in series} == {2027}
        assert all(s.first_day > today.date() for s in series)
        assert all(s.activity.lab.periods_in(2027) for s in series)
        assert_labs_are_consistent()
        loaded = counts()
        assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
        assert counts() == loaded


def assert_labs_are_consistent():
    """No two scheduled sessions of a lab overlap, session counters equal the places their bookings hold,
    and every lesson of a series is its class's booking on a slot of its activity in its lab."""
    from booking.bookings.models import HOLDING_STATUSES
    from booking.catalogue.models import SessionStatus

    slots = db.session.execute(
        db.select(Session.id, Session.lab_id, Session.starts_at, Session.ends_at, Session.booked_pupils,
                  Session.booked_classes)
        .where(Session.lab_id.is_not(None), Session.status == SessionStatus.SCHEDULED)
        .order_by(Session.lab_id, Session.starts_at)
    ).all()  # fmt: skip
    assert slots
    for before, after in pairwise(slots):
        assert before.lab_id != after.lab_id or before.ends_at <= after.starts_at, (before, after)
    held: dict[int, list[int]] = {}
    for session_id, pupils in db.session.execute(
        db.select(Booking.session_id, Booking.pupils)
        .join(Session, Session.id == Booking.session_id)
        .where(Session.lab_id.is_not(None), Booking.status.in_(list(HOLDING_STATUSES)))
    ):
        held.setdefault(session_id, []).append(pupils)
    assert all((slot.booked_pupils, slot.booked_classes) == (sum(held.get(slot.id, [])), len(held.get(slot.id, [])))
               for slot in slots)  # fmt: skip
    lessons = db.session.execute(
        db.select(Booking.series_id, Booking.school_class_id, Booking.school_id, Booking.class_label,
                  Booking.school_year, Session.activity_id, Session.lab_id, LabSeries.school_id,
                  LabSeries.class_label, LabSeries.school_year, LabSeries.activity_id, LabSeries.lab_id)
        .join(Session, Session.id == Booking.session_id)
        .join(LabSeries, LabSeries.id == Booking.series_id)
    ).all()  # fmt: skip
    assert lessons
    classes: dict[int, set[int]] = {}
    for lesson in lessons:
        assert tuple(lesson[2:7]) == tuple(lesson[7:12]), lesson
        classes.setdefault(lesson.series_id, set()).add(lesson.school_class_id)
    assert all(len(class_ids) == 1 for class_ids in classes.values())
    assert set(classes) == set(db.session.scalars(db.select(LabSeries.id)))


def assert_the_large_labs_are_planned_and_mostly_booked(output: str):
    """Six labs, each with a timetable for this school year and its slots planned through the school year,
    60–80% of them booked as series of the activity's length."""
    from booking.core.time import current_school_year

    assert "6 labs" in output
    year = current_school_year()
    labs = db.session.scalars(db.select(Lab).join(Partner).where(Partner.name != "Technieklokaal Utrecht-West")).all()
    assert len(labs) == 6 and len({lab.holiday_region for lab in labs}) == 3
    for lab in labs:
        assert len(lab.periods_in(year)) == 8 and lab.closures
        slots = db.session.execute(
            db.select(Session.starts_at, Session.booked_classes).where(Session.lab_id == lab.id)
        ).all()
        assert {starts_at.month for starts_at, _ in slots} >= {9, 10, 11, 12, 1, 2, 3, 4, 5, 6}, lab.name
        assert 0.6 <= sum(1 for _, booked in slots if booked) / len(slots) <= 0.8, lab.name
    lengths = db.session.execute(
        db.select(LabSeries.id, Activity.series_length, db.func.count(Booking.id))
        .join(Activity, Activity.id == LabSeries.activity_id)
        .join(Booking, Booking.series_id == LabSeries.id)
        .group_by(LabSeries.id, Activity.series_length)
    ).all()
    assert len(lengths) > 200
    assert all(length == lessons and 4 <= length <= 8 for _, length, lessons in lengths)
