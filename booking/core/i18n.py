"""Language choice: the user's preference, then the visitor's choice, then the browser, then Dutch."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_babel import format_currency, format_date, format_datetime, get_locale
from flask_login import current_user

from booking.extensions import babel


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated:
        return current_user.language.value
    chosen = session.get("language")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]


def init_app(app) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(app.root_path + "/translations"),
    )
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.filters["date"] = lambda value, style="medium": format_date(value, style) if value else ""
    app.jinja_env.filters["datetime"] = lambda value, style="medium": format_datetime(value, style) if value else ""
    app.jinja_env.filters["euros"] = lambda cents: format_currency((cents or 0) / 100, "EUR")
