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
