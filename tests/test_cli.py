from booking.accounts.models import Role, User
from booking.demo import DEMO_PASSWORD
from booking.extensions import db
from booking.organisations.models import Partner, PartnerKind, Region, School, SchoolClass


def counts():
    return [
        db.session.scalar(db.select(db.func.count()).select_from(m))
        for m in (User, Region, School, SchoolClass, Partner)
    ]


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
    assert first[1:] == [1, 3, 9, 2]
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


def test_large_demo_builds_the_promised_sizes_once(app):
    from booking.bookings.models import Booking, BookingStatus, Evaluation
    from booking.catalogue.models import Activity, Session

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
    again = runner.invoke(args=["demo", "--size", "large"])
    assert "already loaded" in again.output
    assert db.session.scalar(db.select(db.func.count(Session.id))) < 80100


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
