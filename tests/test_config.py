import pytest

from booking import create_app
from config import DEV_SECRET_KEY


def test_production_refuses_the_development_secret_key():
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", {"SECRET_KEY": DEV_SECRET_KEY})


def test_production_starts_with_a_real_secret_key(db_url):
    app = create_app("production", {"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": db_url})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["DEV_MAILBOX"] is False


def test_database_defaults_to_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": ""})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/techniekrooster.sqlite"


def test_postgres_urls_use_psycopg_3():
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "postgres://u@db.example/booking"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/booking"


def test_defaults_are_dutch_and_amsterdam(app):
    assert app.config["BABEL_DEFAULT_LOCALE"] == "nl"
    assert app.config["TIMEZONE"] == "Europe/Amsterdam"


def test_unknown_environment_is_refused():
    with pytest.raises(RuntimeError, match="APP_ENV"):
        create_app("staging")
