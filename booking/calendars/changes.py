"""Every change a calendar shows raises the record's SEQUENCE and stamps its last change.

Calendar clients only take an update when SEQUENCE goes up (and use DTSTAMP/LAST-MODIFIED to order
them), and unchanged data must export byte-identical. So sessions and bookings carry
``calendar_sequence`` and ``calendar_changed_at``, kept here, in one place, by the ORM's flush:

- a session's time, place or status → the session and every booking on it;
- an activity's title → its sessions and their bookings;
- a booking's status, or the session it is on (a moved lesson) → the booking.

Changes that no calendar shows (places taken, reminders sent) leave them alone.
"""

from __future__ import annotations

from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session as OrmSession

from booking.bookings.models import Booking
from booking.catalogue.models import Activity, Session
from booking.core.time import utcnow

SESSION_FIELDS = ("starts_at", "ends_at", "place", "status")
ACTIVITY_FIELDS = ("title",)
BOOKING_FIELDS = ("status", "session", "session_id")
_PENDING = "calendar_cascade"


def _changed(obj, names) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _bump(obj, now) -> None:
    obj.calendar_sequence = (obj.calendar_sequence or 0) + 1
    obj.calendar_changed_at = now


@event.listens_for(OrmSession, "before_flush")
def _before_flush(session, flush_context, instances) -> None:
    now = utcnow()
    sessions, activities = set(), set()
    for obj in session.dirty:
        if isinstance(obj, Session) and _changed(obj, SESSION_FIELDS):
            _bump(obj, now)
            sessions.add(obj.id)
        elif isinstance(obj, Booking) and _changed(obj, BOOKING_FIELDS):
            _bump(obj, now)
        elif isinstance(obj, Activity) and _changed(obj, ACTIVITY_FIELDS):
            activities.add(obj.id)
    if sessions or activities:
        pending = session.info.setdefault(_PENDING, {"sessions": set(), "activities": set(), "now": now})
        pending["sessions"] |= sessions
        pending["activities"] |= activities


@event.listens_for(OrmSession, "after_flush")
def _after_flush(session, flush_context) -> None:
    """The records that follow a change elsewhere, in two UPDATEs, whatever their number."""
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    now = pending["now"]
    connection = session.connection()
    values = {"calendar_sequence": Session.calendar_sequence + 1, "calendar_changed_at": now}
    session_ids = set(pending["sessions"])
    if pending["activities"]:
        of_activities = select(Session.id).where(Session.activity_id.in_(pending["activities"]))
        connection.execute(
            update(Session).where(Session.id.in_(of_activities), Session.id.not_in(session_ids)).values(**values)
        )
        session_ids |= set(connection.scalars(of_activities))
    if session_ids:
        connection.execute(
            update(Booking)
            .where(Booking.session_id.in_(session_ids))
            .values(calendar_sequence=Booking.calendar_sequence + 1, calendar_changed_at=now)
        )
    # Objects already loaded read the new values from the database next time.
    stamped = ["calendar_sequence", "calendar_changed_at"]
    for obj in list(session.identity_map.values()):
        if (isinstance(obj, Booking) and obj.session_id in session_ids) or (
            isinstance(obj, Session) and obj.activity_id in pending["activities"]
        ):
            session.expire(obj, stamped)
