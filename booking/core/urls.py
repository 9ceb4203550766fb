"""Reading what a URL carries: ids in the path, numbers, pages and years in the query string.

Every value is checked against what the databases can hold (the smallest integer column is
PostgreSQL's 32-bit ``integer``) and what the domain can mean, so a forged or mistyped address
answers 404 or falls back to a default instead of reaching the database and failing there.
"""

from __future__ import annotations

import re

from flask import abort, request
from werkzeug.routing import IntegerConverter, ValidationError

MAX_ID = 2**31 - 1  # PostgreSQL's integer; SQLite's is 2**63 - 1
FIRST_YEAR, LAST_YEAR = 2000, 2100  # the dates the application can sensibly be about
MAX_PAGE = 10_000

_DIGITS = re.compile(r"[0-9]{1,10}")
_NUMBER = re.compile(r"\s*-?[0-9]{1,19}\s*")


class IdConverter(IntegerConverter):
    """``<int:…>`` for the whole app: an id no table can hold answers 404, like one that does not exist."""

    def to_python(self, value: str) -> int:
        if not _DIGITS.fullmatch(value):
            raise ValidationError()
        number = int(value)
        if number > MAX_ID:
            raise ValidationError()
        return number


def parse_int(value, *, minimum: int, maximum: int) -> int | None:
    """A whole number from text within [minimum, maximum], or None (ASCII digits only, an optional minus)."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _NUMBER.fullmatch(value):
        number = int(value)
    else:
        return None
    return number if minimum <= number <= maximum else None


def as_id(value) -> int | None:
    """An id from a select or the query string, or None when it cannot be one."""
    return parse_int(value, minimum=1, maximum=MAX_ID)


def id_arg(name: str) -> int | None:
    return as_id(request.args.get(name))


def year_arg(name: str = "year", default: int | None = None) -> int | None:
    """A school year (its first calendar year) from the query string; out of range means the default."""
    return parse_int(request.args.get(name), minimum=FIRST_YEAR, maximum=LAST_YEAR) or default


def page_arg() -> int:
    """The ``page`` of a list: below 1 or unreadable is the first page, a huge one the last we count to."""
    raw = request.args.get("page", "").strip()
    if not (raw.isascii() and raw.isdigit()):
        return 1
    return MAX_PAGE if len(raw) > 5 else max(1, min(int(raw), MAX_PAGE))


def refuse_nul_in_url() -> None:
    """A NUL byte has no place in an address; PostgreSQL cannot even compare text containing one."""
    if "\x00" in request.path or any("\x00" in key or "\x00" in value for key, value in request.args.items(multi=True)):
        abort(400)


def init_app(app) -> None:
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul_in_url)


def register_upload_limits(app) -> None:
    """Let the few pages that take large files (``UPLOAD_LIMITS``, by endpoint) read more than the
    site-wide ``MAX_CONTENT_LENGTH``; everything else keeps the small limit."""

    @app.before_request
    def _upload_limit():
        limit = app.config.get("UPLOAD_LIMITS", {}).get(request.endpoint)
        if limit:
            request.max_content_length = limit
