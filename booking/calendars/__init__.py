"""iCalendar feeds, downloads, invitations and imports."""

from flask import Blueprint

bp = Blueprint("calendars", __name__)
