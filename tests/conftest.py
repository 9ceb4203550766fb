"""Test fixtures: one migrated database per run (SQLite, or PostgreSQL with TEST_DATABASE_URL), and
one per worker under pytest-xdist, emptied after every test, plus factories for the people and
organisations tests need. ``TEST_TODAY`` runs the whole suite as if it were another day."""

from __future__ import annotations

import os
import socket
import tempfile
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.engine import Engine

from booking import create_app
from booking.accounts.models import Language, Role, User
from booking.accounts.services import add_membership
from booking.core.outbox import OutboxMessage
from booking.extensions import db, limiter
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

PASSWORD = "correct-horse-battery"


# The whole session on another day ------------------------------------------------------------


def suite_today() -> datetime | None:
    """The instant ``TEST_TODAY`` names: a date (09:00 in Amsterdam that day) or an ISO date and time."""
    value = os.environ.get("TEST_TODAY", "").strip()
    if not value:
        return None
    if len(value) == 10:
        return datetime.combine(date.fromisoformat(value), time(9, 0), ZoneInfo("Europe/Amsterdam"))
    instant = datetime.fromisoformat(value)
    return instant if instant.tzinfo else instant.replace(tzinfo=ZoneInfo("Europe/Amsterdam"))


def _travel_to_test_today():
    """With ``TEST_TODAY`` set, travel there as soon as this module is imported (time keeps ticking), so
    the suite can be run as if it were any day. The distance travelled goes into the environment, so
    pytest-xdist workers and the processes race tests start (they import this module) keep one clock."""
    offset = os.environ.get("TEST_TODAY_OFFSET_SECONDS")
    if offset is None:
        today = suite_today()
        if today is None:
            return None
        offset = str((today - datetime.now(UTC)).total_seconds())
        os.environ["TEST_TODAY_OFFSET_SECONDS"] = offset
    import time_machine

    traveller = time_machine.travel(datetime.now(UTC) + timedelta(seconds=float(offset)), tick=True)
    traveller.start()
    return traveller


_traveller = _travel_to_test_today()


def pytest_unconfigure(config):
    if _traveller is not None:
        _traveller.stop()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """For pytest-xdist (``-n auto --dist loadgroup``): the browser tests share one live server and stay
    together on one worker, in their order; a worker starts with the slowest tests, so both finish together."""
    for item in items:
        if item.nodeid.startswith("tests/browser/"):
            item.add_marker(pytest.mark.xdist_group("browser"))
    if os.environ.get("PYTEST_XDIST_WORKER"):
        items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_report_header(config):
    return [f"TEST_TODAY: the suite runs as if it were {datetime.now(UTC).isoformat()}"] if _traveller else []


try:
    from hypothesis import settings
except ImportError:  # pragma: no cover
    pass
else:
    # The same examples on every run and every machine; no deadline, as a database round trip varies.
    settings.register_profile(
        "techniekrooster",
        derandomize=True,
        max_examples=100,
        deadline=None,
        database=None,
    )
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "techniekrooster"))


# Databases -------------------------------------------------------------------------------------


@event.listens_for(Engine, "connect")
def _sqlite_without_fsync(dbapi_connection, connection_record) -> None:
    """A test database need not survive a power cut: SQLite skips its fsync per commit (the app's own
    connect hook sets WAL and foreign keys; this runs after it). About a sixth of the suite's time."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.execute("PRAGMA synchronous=OFF")


def database_url() -> str:
    """SQLite in a temporary file of this process, or ``TEST_DATABASE_URL``; a pytest-xdist worker on
    PostgreSQL gets a database of its own next to it (``<name>_gw0``, ...), created when missing."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        directory = tempfile.mkdtemp(prefix="techniekrooster-tests-")
        return f"sqlite:///{directory}/test.sqlite"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise pytest.UsageError("With pytest-xdist TEST_DATABASE_URL must be a PostgreSQL database")
    own = parsed.set(database=f"{parsed.database}_{worker}")
    engine = create_engine(parsed, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": own.database})
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{own.database}"'))
    finally:
        engine.dispose()
    return own.render_as_string(hide_password=False)


def reset_database(app) -> None:
    """An empty database, built by the real migrations."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade()


@pytest.fixture(scope="session")
def db_url() -> str:
    return database_url()


@pytest.fixture(scope="session")
def app(db_url):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": db_url})
    reset_database(app)
    return app


@pytest.fixture(scope="session")
def data_app(app, db_url):
    """A second app on the same database, whose context the test body runs in.

    Flask reuses an active context of the *same* app for requests, which would share ``g`` (and
    the signed-in user) between test clients; requests to ``app`` get fresh contexts this way.
    """
    return create_app("testing", {"SQLALCHEMY_DATABASE_URI": db_url})


@pytest.fixture(autouse=True)
def _clean(app, data_app):
    """Each test runs in an app context and leaves an empty database and fresh rate limits."""
    with data_app.app_context():
        yield
        db.session.rollback()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
        db.session.remove()
    limiter.reset()


@pytest.fixture
def client(app):
    """A browser that asks for English, so assertions read like the source strings."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def make_app(db_url):
    """Another app on the same database, with other settings."""

    def factory(config_name: str = "testing", **overrides):
        return create_app(config_name, {"SQLALCHEMY_DATABASE_URI": db_url, **overrides})

    return factory


# Factories -----------------------------------------------------------------------------------


@pytest.fixture
def region():
    region = Region(name="Regio Utrecht", holiday_region=HolidayRegion.MIDDEN)
    db.session.add(region)
    db.session.commit()
    return region


@pytest.fixture
def make_region():
    def factory(name: str = "Regio Eindhoven", holiday_region=HolidayRegion.ZUID) -> Region:
        region = Region(name=name, holiday_region=holiday_region)
        db.session.add(region)
        db.session.commit()
        return region

    return factory


@pytest.fixture
def make_school(region):
    counter = iter(range(10, 100))

    def factory(name: str | None = None, *, region=region, level=EducationLevel.PO, brin: str | None = None) -> School:
        n = next(counter)
        school = School(
            name=name or f"Basisschool {n}",
            brin=brin or f"{n}AA",
            location_number="00",
            municipality="Utrecht",
            education_level=level,
            region=region,
        )
        db.session.add(school)
        db.session.commit()
        return school

    return factory


@pytest.fixture
def school(make_school):
    return make_school("OBS De Regenboog")


@pytest.fixture
def make_class():
    def factory(school, label="Groep 7A", grade=Grade.GROEP_7, pupils=27, school_year=None) -> SchoolClass:
        from booking.core.time import current_school_year

        school_class = SchoolClass(
            school=school, label=label, grade=grade, pupils=pupils, school_year=school_year or current_school_year()
        )
        db.session.add(school_class)
        db.session.commit()
        return school_class

    return factory


@pytest.fixture
def make_partner(region):
    def factory(name: str = "Van Dijk Techniek", *, regions=None, kind=PartnerKind.COMPANY) -> Partner:
        partner = Partner(name=name, kind=kind, regions=list(regions) if regions is not None else [region])
        db.session.add(partner)
        db.session.commit()
        return partner

    return factory


@pytest.fixture
def partner(make_partner):
    return make_partner()


@pytest.fixture
def make_user():
    counter = iter(range(1, 10_000))

    def factory(
        role: Role | None = None, organisation=None, *, email=None, name=None, language=Language.EN, password=PASSWORD
    ):
        n = next(counter)
        user = User(email=email or f"user{n}@example.org", name=name or f"User {n}", language=language)
        user.set_password(password)
        db.session.add(user)
        if role is not None:
            add_membership(user, role, organisation)
        db.session.commit()
        return user

    return factory


@pytest.fixture
def users(make_user, school, partner, region):
    """One user per role, in the same region."""
    return {
        "teacher": make_user(Role.TEACHER, school, email="teacher@example.org"),
        "partner": make_user(Role.PARTNER, partner, email="partner@example.org"),
        "coordinator": make_user(Role.COORDINATOR, region, email="coordinator@example.org"),
        "admin": make_user(Role.ADMIN, email="admin@example.org"),
    }


@pytest.fixture
def login(client):
    def do_login(user, password: str = PASSWORD, c=None):
        c = c or client
        response = c.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, "login failed"
        return c

    return do_login


@pytest.fixture
def outbox():
    """The messages queued so far, oldest first."""

    def messages() -> list[OutboxMessage]:
        db.session.expire_all()
        return db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)).all()

    return messages


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A real SMTP server on localhost that keeps what it receives."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    class Collector(Message):
        def __init__(self):
            super().__init__()
            self.messages = []

        def handle_message(self, message):
            self.messages.append(message)

    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    controller.stop()


@contextmanager
def counting_queries():
    """Every SQL statement run meanwhile, on any engine: the test body's (``data_app``) and the one
    that serves the requests (``app``), which are two different engines on the same database."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", count)


def aware(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# Catalogue -----------------------------------------------------------------------------------

# "Today" for catalogue tests: a Monday in autumn 2026, before both DST changes of the school year.
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    """Freeze the start of the test at NOW (time keeps ticking), so dates in tests never go stale."""
    import time_machine

    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def make_theme():
    def factory(name: str = "Robotica"):
        from booking.catalogue.models import Theme

        theme = Theme(name=name)
        db.session.add(theme)
        db.session.commit()
        return theme

    return factory


@pytest.fixture
def make_activity(partner, region):
    """An activity with sensible defaults; ``status`` and keyword fields override them."""

    def factory(title: str = "Robots bouwen", *, partner=partner, regions=None, grades=None, themes=(), **fields):
        from booking.catalogue.models import Activity, ActivityStatus, LocationType

        activity = Activity(
            partner=partner,
            title=title,
            summary=fields.pop("summary", f"Samenvatting van {title}"),
            description=fields.pop("description", "Beschrijving."),
            duration_minutes=fields.pop("duration_minutes", 90),
            min_pupils=fields.pop("min_pupils", 10),
            max_pupils=fields.pop("max_pupils", 32),
            location_type=fields.pop("location_type", LocationType.AT_PARTNER),
            address=fields.pop("address", "Industrieweg 1, Utrecht"),
            status=fields.pop("status", ActivityStatus.PUBLISHED),
            **fields,
        )
        activity.regions = list(regions) if regions is not None else [region]
        activity.grades = grades if grades is not None else [Grade.GROEP_7, Grade.GROEP_8]
        activity.themes = list(themes)
        activity.refresh_search_text()
        db.session.add(activity)
        db.session.commit()
        return activity

    return factory


@pytest.fixture
def make_session():
    def factory(activity, starts_at, *, minutes: int = 120, place: str | None = None, capacity: int = 30, **fields):
        from datetime import timedelta

        from booking.catalogue.models import Session

        session = Session(
            activity=activity,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=minutes),
            place=place or activity.address or "Op school",
            capacity_pupils=capacity,
            max_classes=fields.pop("max_classes", 1),
            **fields,
        )
        db.session.add(session)
        db.session.commit()
        return session

    return factory
