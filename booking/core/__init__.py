"""Cross-cutting pieces: time, types, outbox mail, errors, i18n, and the site-wide pages."""

from flask import Blueprint

bp = Blueprint("core", __name__)
