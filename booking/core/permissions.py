"""The one place a view turns a ``can_<verb>(user)`` answer into a 403."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, request, url_for
from flask_login import current_user

from booking.extensions import db


def authorize(allowed: bool) -> None:
    if not allowed:
        abort(403 if current_user.is_authenticated else 401)


def load_or_404(model, object_id: int):
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def safe_next(default_endpoint: str = "core.home", *, default_url: str | None = None) -> str:
    """The ``next`` target if it stays on this site, otherwise the default page."""
    target = request.values.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.scheme and not parts.netloc:
        return target
    return default_url or url_for(default_endpoint)
