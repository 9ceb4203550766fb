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
    from booking.catalogue.models import Activity, Session

    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "--size", "large"])
    assert result.exit_code == 0, result.output
    assert "150 schools" in result.output and "2,000 activities" in result.output
    assert db.session.scalar(db.select(db.func.count(Activity.id))) >= 2000
    assert db.session.scalar(db.select(db.func.count(Session.id))) >= 40000
    again = runner.invoke(args=["demo", "--size", "large"])
    assert "already loaded" in again.output
    assert db.session.scalar(db.select(db.func.count(Session.id))) < 40100
