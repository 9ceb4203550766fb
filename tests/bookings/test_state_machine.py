"""The booking state machine: who may take each step, when, with which reason, and its history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from booking.bookings import services
from booking.bookings.models import STEPS, BookingEvent, BookingStatus
from booking.extensions import db

PEOPLE = ["teacher", "other_teacher", "partner", "other_partner", "coordinator", "other_coordinator"]

# step -> (status the booking is in first, whether the session has started, who may take the step)
MATRIX = {
    "confirm": (BookingStatus.REQUESTED, False, {"partner"}),
    "reject": (BookingStatus.REQUESTED, False, {"partner"}),
    "cancel": (BookingStatus.CONFIRMED, False, {"teacher"}),
    "leave": (BookingStatus.WAITLISTED, False, {"teacher"}),
    "withdraw": (BookingStatus.CONFIRMED, False, {"partner", "coordinator"}),
    "attended": (BookingStatus.CONFIRMED, True, {"partner"}),
    "no_show": (BookingStatus.CONFIRMED, True, {"partner"}),
}


def test_the_matrix_covers_every_step():
    assert set(MATRIX) == set(STEPS)


def _booking_in(world, status):
    if status is BookingStatus.WAITLISTED:
        world.book(world.class_8b)
        world.book(world.other_class)  # the session's two classes are in
        return world.book(waitlist=True)
    booking = world.book()
    if status is BookingStatus.CONFIRMED:
        services.take_step(booking, "confirm", actor=world.people["partner"])
        db.session.commit()
    return booking


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("step", list(MATRIX))
def test_who_may_take_each_step(app, login, world, clock, step, person):
    source, after_start, allowed = MATRIX[step]
    booking = _booking_in(world, source)
    if after_start:
        clock.move_to(world.session.starts_at + timedelta(minutes=30))
    client = login(world.people[person], c=app.test_client())
    response = client.post(f"/bookings/{booking.id}/{step}", data={"reason": "Een geldige reden"})
    db.session.expire_all()
    if person in allowed:
        assert response.status_code == 302
        assert booking.status is STEPS[step].target
        event = booking.history[-1]
        assert (event.actor_id, event.from_status, event.to_status, event.step) == (
            world.people[person].id,
            source,
            STEPS[step].target,
            step,
        )
    else:
        assert response.status_code == 403
        assert booking.status is source


@pytest.mark.parametrize("person", PEOPLE)
def test_who_may_see_a_booking(app, login, world, person):
    booking = world.book()
    client = login(world.people[person], c=app.test_client())
    expected = 200 if person in ("teacher", "partner", "coordinator") else 403
    assert client.get(f"/bookings/{booking.id}").status_code == expected


def test_an_admin_may_do_what_partner_and_coordinator_may(app, login, world):
    booking = world.book()
    client = login(world.people["admin"], c=app.test_client())
    assert client.post(f"/bookings/{booking.id}/confirm").status_code == 302
    db.session.expire_all()
    assert booking.status is BookingStatus.CONFIRMED


def test_attendance_is_marked_only_after_the_session_started(world):
    booking = _booking_in(world, BookingStatus.CONFIRMED)
    assert not booking.can_take(world.people["partner"], "attended")
    with pytest.raises(Exception, match="not possible"):
        services.take_step(booking, "attended", actor=world.people["partner"])


def test_the_school_cannot_cancel_after_the_session_started(world, clock):
    booking = _booking_in(world, BookingStatus.CONFIRMED)
    clock.move_to(world.session.starts_at + timedelta(minutes=1))
    assert not booking.can_take(world.people["teacher"], "cancel")
    assert booking.can_take(world.people["coordinator"], "withdraw")


def test_attendance_can_be_corrected(world, clock):
    booking = _booking_in(world, BookingStatus.CONFIRMED)
    clock.move_to(world.session.ends_at + timedelta(hours=1))
    services.take_step(booking, "no_show", actor=world.people["partner"])
    services.take_step(booking, "attended", actor=world.people["partner"])
    db.session.commit()
    assert [e.step for e in booking.history] == ["request", "confirm", "no_show", "attended"]
    db.session.refresh(world.session)
    assert world.session.booked_pupils == 27  # attended and no-show still count as taken places


def test_rejecting_needs_a_reason_that_the_school_sees(app, login, world):
    booking = world.book()
    partner = login(world.people["partner"], c=app.test_client())
    response = partner.post(f"/bookings/{booking.id}/reject", data={"reason": "  "}, follow_redirects=True)
    assert "Give a reason; the school sees it." in response.get_data(as_text=True)
    db.session.expire_all()
    assert booking.status is BookingStatus.REQUESTED
    partner.post(f"/bookings/{booking.id}/reject", data={"reason": "Die dag is onze hal verhuurd."})
    db.session.expire_all()
    assert booking.status is BookingStatus.REJECTED and booking.status_reason == "Die dag is onze hal verhuurd."
    teacher = login(world.people["teacher"], c=app.test_client())
    page = teacher.get(f"/bookings/{booking.id}").get_data(as_text=True)
    assert "Die dag is onze hal verhuurd." in page
    db.session.refresh(world.session)
    assert world.session.booked_pupils == 0


def test_cancelling_within_the_free_period_needs_no_reason(app, login, world):
    booking = _booking_in(world, BookingStatus.CONFIRMED)
    teacher = login(world.people["teacher"], c=app.test_client())
    assert teacher.post(f"/bookings/{booking.id}/cancel").status_code == 302
    db.session.expire_all()
    assert booking.status is BookingStatus.CANCELLED
    db.session.refresh(world.session)
    assert (world.session.booked_pupils, world.session.booked_classes) == (0, 0)


def test_cancelling_late_needs_a_reason_that_the_partner_sees(app, login, world, clock):
    booking = _booking_in(world, BookingStatus.CONFIRMED)
    clock.move_to(world.session.starts_at - timedelta(days=13))  # free cancellation ends 14 days before
    teacher = login(world.people["teacher"], c=app.test_client())
    page = teacher.get(f"/bookings/{booking.id}").get_data(as_text=True)
    assert "The free cancellation period has ended; the partner sees your reason." in page
    response = teacher.post(f"/bookings/{booking.id}/cancel", follow_redirects=True)
    assert "The free cancellation period ended on" in response.get_data(as_text=True)
    db.session.expire_all()
    assert booking.status is BookingStatus.CONFIRMED
    teacher.post(f"/bookings/{booking.id}/cancel", data={"reason": "De bus is uitgevallen."})
    db.session.expire_all()
    assert booking.status is BookingStatus.CANCELLED
    partner = login(world.people["partner"], c=app.test_client())
    assert "De bus is uitgevallen." in partner.get(f"/bookings/{booking.id}").get_data(as_text=True)


def test_partner_and_coordinator_must_give_a_reason_to_cancel(world):
    booking = _booking_in(world, BookingStatus.CONFIRMED)
    with pytest.raises(Exception, match="Give a reason"):
        services.take_step(booking, "withdraw", actor=world.people["coordinator"])


def test_a_step_from_the_wrong_state_is_refused(app, login, world):
    booking = _booking_in(world, BookingStatus.CONFIRMED)
    partner = login(world.people["partner"], c=app.test_client())
    assert partner.post(f"/bookings/{booking.id}/confirm").status_code == 403
    assert partner.post(f"/bookings/{booking.id}/explode").status_code == 404


def test_every_transition_is_logged_and_shown_on_the_booking_page(app, login, world):
    booking = world.book()
    services.take_step(booking, "confirm", actor=world.people["partner"])
    services.take_step(booking, "withdraw", actor=world.people["coordinator"], reason="Storm op komst.")
    db.session.commit()
    events = db.session.scalars(
        select(BookingEvent).where(BookingEvent.booking_id == booking.id).order_by(BookingEvent.id)
    ).all()
    assert [(e.step, e.from_status, e.to_status, e.actor.name, e.reason) for e in events] == [
        ("request", None, BookingStatus.REQUESTED, "Anna de Vries", None),
        ("confirm", BookingStatus.REQUESTED, BookingStatus.CONFIRMED, "Piet van Dijk", None),
        ("withdraw", BookingStatus.CONFIRMED, BookingStatus.CANCELLED, "Carla Coördinator", "Storm op komst."),
    ]
    page = login(world.people["teacher"], c=app.test_client()).get(f"/bookings/{booking.id}").get_data(as_text=True)
    assert "Piet van Dijk" in page and "Requested → Confirmed" in page and "Storm op komst." in page


def test_cancelling_a_session_cancels_its_bookings_with_the_reason(app, login, world, outbox):
    booking = world.book()
    waiting = world.book(world.other_class, waitlist=True)
    partner = login(world.people["partner"], c=app.test_client())
    response = partner.post(f"/sessions/{world.session.id}/cancel", data={"reason": ""})
    assert "Give a reason; the schools with a booking see it." in response.get_data(as_text=True)
    response = partner.post(f"/sessions/{world.session.id}/cancel", data={"reason": "De docent is ziek."})
    assert response.status_code == 302
    db.session.expire_all()
    assert booking.status is BookingStatus.CANCELLED and waiting.status is BookingStatus.CANCELLED
    assert booking.status_reason == "De docent is ziek."
    assert world.session.is_cancelled and world.session.booked_pupils == 0
    cancelled_mail = [m for m in outbox() if m.subject.startswith("Cancelled")]
    assert {m.recipient for m in cancelled_mail} == {"teacher@example.org", "other.teacher@example.org"}
    assert "De docent is ziek." in cancelled_mail[0].body_text
