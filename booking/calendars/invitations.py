"""Email invitations (iTIP over email: RFC 5546, RFC 6047): the calendar an email carries, so mail
clients offer "add to calendar" and later update or remove the event (``../shared/CALENDARS.md``,
properties 13 and 14).

What carries what:

- The teacher who booked gets the booking's event (UID ``booking-<id>``) as ``METHOD:REQUEST`` when
  the booking takes places: ``STATUS:CONFIRMED`` when confirmed, ``STATUS:TENTATIVE`` while the
  partner decides on a request (the slot is held in the teacher's calendar, as the places are held
  in the session). Confirming, moving the lesson or changing the session's time or place sends the
  event again: same UID, higher SEQUENCE. Cancelling or rejecting a booking that held places sends
  ``METHOD:CANCEL`` with ``STATUS:CANCELLED``. The waiting list holds no place and gets nothing.
- The partner gets the session's event (UID ``session-<id>``, with the classes booked on it) as
  ``METHOD:REQUEST`` with the mails about a new booking or request, a cancelled booking and a moved
  lesson; ``METHOD:CANCEL`` when the session itself is cancelled.
- A lab series: one email for the series, with one calendar holding a VEVENT per lesson.
- Reminders and evaluation requests change nothing and carry nothing.

ORGANIZER is the address the mail is sent from (``MAIL_DEFAULT_SENDER``), ATTENDEE the recipient.
Attendees carry no ``RSVP=TRUE``: nobody reads replies to the sending address; a booking is
answered on the site. The event text is in the recipient's language: the caller builds the
invitation inside ``force_locale``. Everything is flushed first, so SEQUENCE and DTSTAMP are the ones
the change gives (``booking.calendars.changes`` raises them during the flush).
"""

from __future__ import annotations

from email.utils import parseaddr

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from booking.bookings.models import Booking
from booking.calendars.events import booking_event, host, session_event, zone_name
from booking.calendars.ical import CalendarEvent, Person, build_calendar
from booking.catalogue.models import Session
from booking.extensions import db

REQUEST = "REQUEST"
CANCEL = "CANCEL"

# (METHOD, the calendar's bytes): what ``queue_email(calendar=...)`` takes.
Invitation = tuple[str, bytes]


def organizer() -> Person:
    """The sending address, and the name it is sent under ("Techniekrooster")."""
    name, address = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
    return Person(email=address or f"noreply@{host()}", name=name or "Techniekrooster")


def booking_invitation(bookings: list[Booking], attendee: Person, method: str) -> Invitation:
    """The teacher's invitation for one booking, or for the lessons of a series."""
    db.session.flush()
    return _invitation([booking_event(booking) for booking in bookings], attendee, method)


def session_invitation(sessions: list[Session], attendee: Person) -> Invitation:
    """The partner's invitation for sessions: CANCEL once they are cancelled, else REQUEST."""
    db.session.flush()
    ids = [session.id for session in sessions]
    by_session: dict[int, list[Booking]] = {session_id: [] for session_id in ids}
    for booking in db.session.scalars(
        select(Booking).where(Booking.session_id.in_(ids)).options(joinedload(Booking.school)).order_by(Booking.id)
    ):
        by_session[booking.session_id].append(booking)
    method = CANCEL if all(session.is_cancelled for session in sessions) else REQUEST
    return _invitation([session_event(session, by_session[session.id]) for session in sessions], attendee, method)


def _invitation(events: list[CalendarEvent], attendee: Person, method: str) -> Invitation:
    sender = organizer()
    for event in events:
        event.organizer = sender
        event.attendees = [attendee]
        if method == CANCEL:
            event.status = "CANCELLED"
    return method, build_calendar(events, zone_name=zone_name(), method=method)
