import pytest

from booking import create_app
from config import DEV_SECRET_KEY


def test_production_refuses_the_development_secret_key():
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", {"SECRET_KEY": DEV_SECRET_KEY})


def test_production_starts_with_a_real_secret_key(db_url):
    app = create_app(
        "production", {"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": db_url, "RATELIMIT_ALLOW_PER_PROCESS": True}
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["DEV_MAILBOX"] is False


def test_production_refuses_per_process_rate_limits_and_says_why(db_url):
    with pytest.raises(RuntimeError, match="memory://, which counts per process") as refused:
        create_app("production", {"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": db_url})
    assert "RATELIMIT_STORAGE_URI=redis://" in str(refused.value)
    assert "RATELIMIT_ALLOW_PER_PROCESS=true" in str(refused.value)


def test_production_starts_with_shared_rate_limits(db_url, make_app):
    settings = {"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": db_url}
    try:
        app = create_app("production", {**settings, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15"})
        assert app.config["RATELIMIT_STORAGE_URI"].startswith("redis://")
    finally:
        make_app()  # the limiter is shared: back to in-memory storage for the other tests


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
