"""SEQUENCE and the last change of sessions and bookings follow what calendars show, and only that."""

from __future__ import annotations

from datetime import timedelta

from booking.bookings import services as bookings
from booking.bookings.models import Booking
from booking.catalogue.models import Session
from booking.extensions import db
from tests.conftest import NOW


def reload(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def test_visible_changes_raise_sequence_and_stamp_and_unrelated_ones_do_not(
    clock, users, school, make_class, make_activity, make_session
):
    activity = make_activity()
    session = make_session(activity, NOW + timedelta(days=30), capacity=60, max_classes=2)
    booking = bookings.book_session(session, bookings.BookingRequest(make_class(school), 25), actor=users["teacher"])
    db.session.commit()
    booking, session = reload(booking), reload(session)
    assert (booking.calendar_sequence, session.calendar_sequence) == (0, 0)
    first_stamp = booking.calendar_changed_at

    # Places taken by another class, a reminder sent: nothing a calendar shows.
    bookings.book_session(session, bookings.BookingRequest(make_class(school, "Groep 8B"), 20), actor=users["teacher"])
    reload(booking).reminder_sent_at = NOW
    db.session.commit()
    booking = reload(booking)
    assert booking.calendar_sequence == 0 and booking.calendar_changed_at == first_stamp

    # The partner confirms: the booking changes.
    clock.shift(timedelta(minutes=5))
    bookings.take_step(booking, "confirm", actor=users["partner"])
    db.session.commit()
    booking = reload(booking)
    assert booking.calendar_sequence == 1 and booking.calendar_changed_at > first_stamp

    # The session moves an hour: the session and both its bookings.
    clock.shift(timedelta(minutes=5))
    session = reload(session)
    session.starts_at += timedelta(hours=1)
    session.ends_at += timedelta(hours=1)
    db.session.commit()
    assert reload(session).calendar_sequence == 1
    assert sorted(b.calendar_sequence for b in db.session.scalars(db.select(Booking))) == [1, 2]

    # The activity is renamed: its sessions and their bookings.
    reload(activity).title = "Robots bouwen en programmeren"
    db.session.commit()
    assert reload(session).calendar_sequence == 2
    assert sorted(b.calendar_sequence for b in db.session.scalars(db.select(Booking))) == [2, 3]
    # Counters of other sessions stay as they were.
    assert all(s.calendar_sequence in (2,) for s in db.session.scalars(db.select(Session)))
