"""Routes of the calendars: downloads of one booking, session or series, and subscription feeds."""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from booking.bookings.models import Booking
from booking.calendars import bp, events
from booking.calendars import services as feed_services
from booking.calendars.forms import FeedForm
from booking.calendars.models import CalendarFeed, FeedKind
from booking.catalogue.models import Session
from booking.core.files import download_name
from booking.core.permissions import authorize, load_or_404, safe_next
from booking.core.time import to_local
from booking.extensions import db, limiter
from booking.labs.models import LabSeries
from booking.labs.series import lesson_sessions

# Downloads ---------------------------------------------------------------------------------------


@bp.route("/bookings/<int:booking_id>.ics")
@login_required
def booking_ics(booking_id):
    booking = load_or_404(Booking, booking_id)
    authorize(booking.can_view(current_user))
    day = to_local(booking.session.starts_at).date().isoformat()
    return _download(
        events.booking_calendar(booking),
        events.last_changed(booking),
        f"{booking.session.activity.title}-{booking.class_label}-{day}",
    )


@bp.route("/sessions/<int:session_id>.ics")
@login_required
def session_ics(session_id):
    """The partner and the region's coordinators see every class on the session; a teacher whose
    school booked it sees the session with their own school's classes only."""
    session = load_or_404(Session, session_id)
    bookings = list(
        db.session.scalars(
            select(Booking)
            .where(Booking.session_id == session.id)
            .options(joinedload(Booking.school))
            .order_by(Booking.id)
        )
    )
    if not session.can_view_participants(current_user):
        bookings = [b for b in bookings if b.school_id in current_user.school_ids]
        authorize(bool(bookings))
    day = to_local(session.starts_at).date().isoformat()
    return _download(
        events.session_calendar(session, bookings),
        events.last_changed(session, *bookings),
        f"{session.activity.title}-{day}",
    )


@bp.route("/series/<int:series_id>.ics")
@login_required
def series_ics(series_id):
    series = load_or_404(LabSeries, series_id)
    authorize(series.can_view(current_user))
    lessons = lesson_sessions(series)
    return _download(
        events.series_calendar(series, lessons),
        events.last_changed(*lessons),
        f"{series.activity.title}-{series.class_label}",
    )


def _download(data: bytes, changed_at: datetime, name: str) -> Response:
    """An .ics attachment with a strong ETag (the bytes' hash: they depend on the reader's language
    too) and Last-Modified (the newest change); a matching conditional request gets 304."""
    response = Response(data, content_type="text/calendar; charset=utf-8")
    filename = download_name(name or "calendar", extension="ics")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-cache"
    response.set_etag(hashlib.sha256(data).hexdigest())
    response.last_modified = changed_at
    return response.make_conditional(request)


# Subscription feeds ------------------------------------------------------------------------------


FEED_CONTENT_TYPE = "text/calendar; charset=utf-8"
FEED_CACHE_CONTROL = "private, max-age=300"


class FeedResponse(Response):
    """Werkzeug drops Last-Modified from a 304; a feed's 304 keeps it, so a client that only knows
    If-Modified-Since sees the date its copy is current as of."""

    def get_wsgi_headers(self, environ):
        headers = super().get_wsgi_headers(environ)
        if self.status_code == 304 and "Last-Modified" in self.headers:
            headers["Last-Modified"] = self.headers["Last-Modified"]
        return headers


def _feed_limit() -> str:
    return current_app.config["RATELIMIT_FEED_PER_TOKEN"]


def _feed_key() -> str:
    """Per address, not per client IP: a school's teachers may all poll from one IP address, and one
    calendar service (Google's) polls for many people."""
    return "feed:" + (request.view_args or {}).get("token", "")


@bp.route("/calendars/<token>.ics")
@limiter.limit(_feed_limit, key_func=_feed_key)
def feed(token):
    """A subscription feed. No login and no cookie: the token is the key. Never touches the session
    or ``current_user``, so the response sets no cookie.

    Cache-Control ``private``: the feed is personal (class bookings) and must not sit in a shared
    cache; ``max-age=300``: a client that polls in a loop is answered from its own cache for five
    minutes, well inside the hour clients are asked to wait (REFRESH-INTERVAL), and anything older is
    a cheap conditional request answered 304 from one aggregate query.
    """
    calendar_feed = feed_services.resolve(token)
    if calendar_feed is None:
        return _feed_not_found()
    with db.session.no_autoflush:
        current = feed_services.fingerprint(calendar_feed)
        last_modified = feed_services.advance(calendar_feed, current)
        if _not_modified(current, last_modified):
            response = FeedResponse(status=304)
        else:
            response = FeedResponse(feed_services.feed_calendar(calendar_feed), content_type=FEED_CONTENT_TYPE)
    db.session.commit()  # the new fingerprint and Last-Modified, when they changed
    response.set_etag(current)
    response.last_modified = last_modified
    response.headers["Cache-Control"] = FEED_CACHE_CONTROL
    return response


def _not_modified(etag: str, last_modified: datetime) -> bool:
    """If-None-Match decides when sent (``*`` or a matching tag); otherwise If-Modified-Since."""
    if request.if_none_match:
        return request.if_none_match.contains_weak(etag)
    since = request.if_modified_since
    return since is not None and last_modified <= since


def _feed_not_found() -> Response:
    """A plain 404 for calendar clients: the HTML error page would start a session for its forms (and
    the usual language choice reads the session too)."""
    language = request.accept_languages.best_match(current_app.config["LANGUAGES"])
    with force_locale(language or current_app.config["BABEL_DEFAULT_LOCALE"]):
        text = _("This calendar address does not exist (any more). Ask the person who gave it to you for a new one.")
    return Response(text + "\n", status=404, content_type="text/plain; charset=utf-8")


bp.app_template_global("feed_urls")(feed_services.feed_urls)


@bp.route("/calendars")
@login_required
def feeds():
    offers = feed_services.available_feeds(current_user)
    return render_template("calendars/feeds.html", offers=offers, form=FeedForm())


def _after_feed_change(anchor: str):
    return redirect(safe_next(default_url=url_for("calendars.feeds", _anchor=anchor)))


@bp.post("/calendars/feeds/<kind>")
@bp.post("/calendars/feeds/<kind>/<int:subject_id>")
@login_required
def create_feed(kind, subject_id=None):
    try:
        feed_kind = FeedKind(kind)
    except ValueError:
        abort(404)
    offer = feed_services.find_offer(current_user, feed_kind, subject_id)
    authorize(offer is not None)
    if FeedForm().validate_on_submit():
        feed_services.feed_for(current_user, feed_kind, subject_id)
        db.session.commit()
        flash(_("The address for %(feed)s is ready. Add it to your calendar app.", feed=offer.title), "success")
    return _after_feed_change(offer.key)


def _owned_feed(feed_id: int) -> CalendarFeed:
    calendar_feed = load_or_404(CalendarFeed, feed_id)
    authorize(feed_services.can_manage(calendar_feed, current_user))
    return calendar_feed


@bp.post("/calendars/feeds/<int:feed_id>/renew")
@login_required
def renew_feed(feed_id):
    calendar_feed = _owned_feed(feed_id)
    if FeedForm().validate_on_submit():
        feed_services.renew(calendar_feed)
        db.session.commit()
        flash(_("The calendar has a new address. Replace the old one in your calendar app."), "success")
    return _after_feed_change(f"{calendar_feed.kind.value}-{calendar_feed.subject_id or 0}")


@bp.post("/calendars/feeds/<int:feed_id>/revoke")
@login_required
def revoke_feed(feed_id):
    calendar_feed = _owned_feed(feed_id)
    if FeedForm().validate_on_submit():
        feed_services.revoke(calendar_feed)
        db.session.commit()
        flash(_("The address has been revoked. Calendars subscribed to it no longer get updates."), "success")
    return _after_feed_change(f"{calendar_feed.kind.value}-{calendar_feed.subject_id or 0}")
