"""Techniekrooster: schools book STEM activities and technieklokaal slots from partners."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from config import CONFIGS, DEV_SECRET_KEY

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    config_name = config_name or os.environ.get("APP_ENV", "development")
    if config_name not in CONFIGS:
        raise RuntimeError(f"APP_ENV must be one of {', '.join(CONFIGS)}, not {config_name!r}.")
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=os.environ.get("INSTANCE_PATH") or str(ROOT / "instance"),
    )
    app.config.from_object(CONFIGS[config_name])
    app.config.update(overrides or {})
    app.config["APP_ENV"] = config_name
    if config_name == "production" and app.config["SECRET_KEY"] in ("", DEV_SECRET_KEY):
        raise RuntimeError("Refusing to start: set SECRET_KEY to a long random value (the development key is public).")
    if config_name == "production":
        from booking.core.ratelimit import refuse_per_process_storage

        refuse_per_process_storage(app.config)
    _configure_database(app)

    from booking import extensions
    from booking.core import i18n, outbox, urls
    from booking.core.errors import register_error_handlers
    from booking.core.security import register_security_headers
    from booking.core.types import include_in_migrations, render_migration_item

    app.jinja_env.add_extension("jinja2.ext.do")
    extensions.db.init_app(app)
    extensions.migrate.init_app(
        app,
        extensions.db,
        directory=str(ROOT / "migrations"),
        render_as_batch=True,
        compare_type=True,
        render_item=render_migration_item,
        include_object=include_in_migrations,
    )
    urls.register_upload_limits(app)  # before CSRF protection, which reads the request body first
    extensions.csrf.init_app(app)
    extensions.limiter.init_app(app)
    i18n.init_app(app)
    _configure_login(app)
    outbox.init_app(app)
    register_error_handlers(app)
    register_security_headers(app)
    urls.init_app(app)  # before the blueprints: their <int:…> rules use its converter

    from booking.accounts import bp as accounts_bp
    from booking.accounts import views as _accounts_views  # noqa: F401
    from booking.bookings import bp as bookings_bp
    from booking.bookings import views as _bookings_views  # noqa: F401
    from booking.calendars import bp as calendars_bp
    from booking.calendars import changes as _calendar_changes  # noqa: F401  (keeps SEQUENCE and DTSTAMP)
    from booking.calendars import models as _calendar_models  # noqa: F401
    from booking.calendars import views as _calendar_views  # noqa: F401
    from booking.catalogue import bp as catalogue_bp
    from booking.catalogue import views as _catalogue_views  # noqa: F401
    from booking.core import bp as core_bp
    from booking.core import views as _core_views  # noqa: F401
    from booking.labs import bp as labs_bp
    from booking.labs import views as _labs_views  # noqa: F401
    from booking.organisations import blocked_date_views as _blocked_date_views  # noqa: F401
    from booking.organisations import bp as organisations_bp
    from booking.organisations import duo_views as _duo_views  # noqa: F401
    from booking.organisations import views as _organisations_views  # noqa: F401

    app.register_blueprint(core_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(organisations_bp)
    app.register_blueprint(catalogue_bp)
    app.register_blueprint(bookings_bp)
    app.register_blueprint(labs_bp)
    app.register_blueprint(calendars_bp)

    from booking import cli

    cli.init_app(app)
    return app


def _configure_database(app: Flask) -> None:
    url = app.config.get("SQLALCHEMY_DATABASE_URI") or ""
    if not url:
        os.makedirs(app.instance_path, exist_ok=True)
        url = f"sqlite:///{os.path.join(app.instance_path, 'techniekrooster.sqlite')}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    if url.startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {}
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        if not event.contains(Engine, "connect", _sqlite_pragmas):
            event.listen(Engine, "connect", _sqlite_pragmas)


def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """Foreign keys on, WAL so readers never block the writer, and wait for locks."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def _configure_login(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from booking.accounts import sessions
    from booking.accounts.models import AnonymousUser
    from booking.extensions import login_manager

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.anonymous_user = AnonymousUser

    @login_manager.user_loader
    def load_user(login_token: str):
        return sessions.user_for(login_token)
