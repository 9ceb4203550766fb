"""The one domain error type, and the HTTP error pages."""

from __future__ import annotations

from flask import jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError


class DomainError(Exception):
    """A business rule said no. The message is shown to the user as is (already translated)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


ERROR_TITLES = {
    400: _l("Bad request"),
    403: _l("No access"),
    404: _l("Page not found"),
    405: _l("Not allowed"),
    413: _l("Too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
}

ERROR_TEXTS = {
    400: _l("The request could not be understood. Go back and try again."),
    403: _l("You do not have access to this page. Sign in with another account or ask your coordinator."),
    404: _l("This page does not exist (any more). Check the address or start again from the home page."),
    405: _l("This action is not possible on this page."),
    413: _l("What you sent is too large."),
    429: _l("Too many attempts in a short time. Wait a few minutes and try again."),
    500: _l("An unexpected error occurred. It has been logged; please try again in a moment."),
}


def render_error(code: int, text: str | None = None):
    if request.accept_mimetypes.best == "application/json" or request.path.startswith("/healthz"):
        return jsonify({"status": "error", "code": code}), code
    return (
        render_template(
            "errors/error.html",
            code=code,
            title=ERROR_TITLES.get(code, ERROR_TITLES[500]),
            text=text or ERROR_TEXTS.get(code, ERROR_TEXTS[500]),
        ),
        code,
    )


def register_error_handlers(app) -> None:
    for code in ERROR_TITLES:
        if code == 500:
            continue
        app.register_error_handler(code, lambda error, code=code: render_error(code))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, _l("The form had expired or was sent from elsewhere. Reload the page and try again."))

    @app.errorhandler(500)
    def server_error(error):
        from booking.extensions import db

        db.session.rollback()
        return render_error(500)
