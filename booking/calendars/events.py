"""Calendar events of bookings and sessions: what a teacher, a partner or a coordinator sees in
their calendar, in the language of whoever the calendar is for (the caller sets the locale)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from booking.bookings.models import Booking, BookingStatus
from booking.calendars.ical import CalendarEvent, uid_for
from booking.catalogue.models import Session

# How long a cancelled booking or session stays in feeds (as STATUS:CANCELLED) before it drops out.
CANCELLED_KEPT_DAYS = 30


def host() -> str:
    """The installation's domain, for UIDs: from BASE_URL, so it never depends on the request."""
    return urlsplit(current_app.config["BASE_URL"]).hostname or "techniekrooster.local"


def zone_name() -> str:
    return current_app.config["TIMEZONE"]


def absolute_url(endpoint: str, **values) -> str:
    """A link for a calendar or an email: always on BASE_URL, so the output is the same whoever asks."""
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        return url_for(endpoint, _external=True, **values)


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
