"""Calendar events of bookings and sessions: what a teacher, a partner or a coordinator sees in
their calendar, in the language of whoever the calendar is for (the caller sets the locale)."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from booking.bookings.models import Booking, BookingStatus
from booking.calendars.ical import CalendarEvent, build_calendar, uid_for
from booking.catalogue.models import Session
from booking.core.time import utcnow
from booking.labs.models import LabSeries

# How long a cancelled booking or session stays in feeds (as STATUS:CANCELLED) before it drops out.
CANCELLED_KEPT_DAYS = 30


def host() -> str:
    """The installation's domain, for UIDs: from BASE_URL, so it never depends on the request."""
    return urlsplit(current_app.config["BASE_URL"]).hostname or "techniekrooster.local"


def zone_name() -> str:
    return current_app.config["TIMEZONE"]


def absolute_url(endpoint: str, **values) -> str:
    """A link for a calendar or an email: always on BASE_URL, so the output is the same whoever asks.
    (The URL map bound to BASE_URL: a request context per link made 2,000 links cost 275 ms.)"""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def booking_status(booking: Booking) -> str:
    if booking.session.is_cancelled or booking.status in (BookingStatus.CANCELLED, BookingStatus.REJECTED):
        return "CANCELLED"
    if booking.status in (BookingStatus.REQUESTED, BookingStatus.WAITLISTED):
        return "TENTATIVE"
    return "CONFIRMED"


def booking_event(booking: Booking, *, with_school: bool = False) -> CalendarEvent:
    """A class's booking; ``with_school`` puts the school and class in the title (for the partner's,
    the lab's and the region's calendars, where many schools meet)."""
    session = booking.session
    activity = session.activity
    summary = activity.title
    if with_school:
        summary = f"{activity.title} – {booking.school.name}, {booking.class_label}"
    lines = [
        activity.partner.name,
        _("%(label)s (%(school)s)", label=booking.class_label, school=booking.school.name),
        ngettext("%(num)d pupil", "%(num)d pupils", booking.pupils)
        + ", "
        + ngettext("%(num)d adult", "%(num)d adults", booking.adults),
        _("Status: %(status)s", status=booking.status.label),
    ]
    if booking.status_reason and booking.status in (BookingStatus.CANCELLED, BookingStatus.REJECTED):
        lines.append(_("Reason: %(reason)s", reason=booking.status_reason))
    if activity.preparation_notes:
        lines.append(_("Preparation: %(notes)s", notes=activity.preparation_notes))
    if booking.notes:
        lines.append(_("Notes: %(notes)s", notes=booking.notes))
    link = absolute_url("bookings.booking", booking_id=booking.id)
    lines.append(link)
    return CalendarEvent(
        uid=uid_for("booking", booking.id, host()),
        sequence=booking.calendar_sequence,
        changed_at=booking.calendar_changed_at,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        summary=summary,
        status=booking_status(booking),
        location=session.place,
        description="\n".join(lines),
        url=link,
    )


def session_event(session: Session, bookings: list[Booking]) -> CalendarEvent:
    """A partner's session with the classes booked on it (those holding places)."""
    activity = session.activity
    booked = [b for b in bookings if b.status.holds_places]
    lines = [
        ngettext("%(num)d class booked", "%(num)d classes booked", len(booked))
        + " · "
        + ngettext("%(num)d pupil", "%(num)d pupils", sum(b.pupils for b in booked)),
    ]
    lines += [
        f"- {b.school.name}, {b.class_label}: "
        + ngettext("%(num)d pupil", "%(num)d pupils", b.pupils)
        + (f" ({b.status.label})" if b.status is not BookingStatus.CONFIRMED else "")
        for b in sorted(booked, key=lambda b: (b.school.name, b.class_label))
    ]
    link = absolute_url("catalogue.activity", activity_id=activity.id)
    lines.append(link)
    # The time, place or status raises SEQUENCE; a class booking or cancelling changes the text,
    # which the stamp follows.
    changed = max([session.calendar_changed_at, *(b.calendar_changed_at for b in bookings)])
    return CalendarEvent(
        uid=uid_for("session", session.id, host()),
        sequence=session.calendar_sequence,
        changed_at=changed,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        summary=activity.title,
        status="CANCELLED" if session.is_cancelled else "CONFIRMED",
        location=session.place,
        description="\n".join(lines),
        url=link,
    )


# Downloads: one booking, one session, one lesson series ------------------------------------------


def booking_calendar(booking: Booking) -> bytes:
    """A class's booking as a file to add to a calendar; a cancelled one comes out STATUS:CANCELLED."""
    event = booking_event(booking)
    name = f"{booking.session.activity.title} – {booking.class_label}"
    return build_calendar([event], zone_name=zone_name(), name=name)


def session_calendar(session: Session, bookings: list[Booking]) -> bytes:
    """A session with the classes in ``bookings``: all of them for its partner and coordinators, a
    teacher's own school's for a teacher (other schools' classes are not theirs to see)."""
    return build_calendar([session_event(session, bookings)], zone_name=zone_name(), name=session.activity.title)


def series_calendar(series: LabSeries, lessons: list[Booking]) -> bytes:
    """The lessons of a lab series. A cancelled lesson stays (STATUS:CANCELLED, so a calendar that has
    it strikes or removes it) for ``CANCELLED_KEPT_DAYS`` after its cancellation, as in the feeds."""
    kept_since = utcnow() - timedelta(days=CANCELLED_KEPT_DAYS)
    events = [
        event
        for event in (booking_event(lesson) for lesson in lessons)
        if event.status != "CANCELLED" or event.changed_at >= kept_since
    ]
    name = _("Lesson series of %(label)s", label=series.class_label) + f" – {series.activity.title}"
    return build_calendar(events, zone_name=zone_name(), name=name)


def last_changed(*records) -> datetime:
    """The newest calendar change of the records (sessions, bookings): a download's Last-Modified.
    Counts records left out of the calendar too, so it never goes back when one drops out."""
    return max(record.calendar_changed_at for record in records)
