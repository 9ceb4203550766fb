"""Waiting lists: who moves up, in which order, and who is told."""

from __future__ import annotations

from datetime import timedelta

import pytest

from booking.bookings import services
from booking.bookings.models import BookingStatus
from booking.catalogue.services import SessionData, save_session
from booking.extensions import db
from booking.organisations.models import Grade
from tests.conftest import NOW


@pytest.fixture
def crowded(world, make_session, make_class, make_school, make_user):
    """A session for 60 pupils and 3 classes: two classes in, three waiting (30, 12 and 20 pupils)."""
    from booking.accounts.models import Role

    session = make_session(world.activity, NOW + timedelta(days=40), capacity=60, max_classes=3)
    classes = {}
    for name, pupils in [("in_a", 25), ("in_b", 25), ("wait_30", 30), ("wait_12", 12), ("wait_20", 20)]:
        school = make_school(f"School {name}")
        make_user(Role.TEACHER, school, email=f"{name}@example.org")
        classes[name] = make_class(school, "Groep 7", Grade.GROEP_7, pupils)
    bookings = {}
    for name in ("in_a", "in_b"):
        bookings[name] = world.book(classes[name], session=session, actor=world.people["admin"])
    for name in ("wait_30", "wait_12", "wait_20"):
        with pytest.raises(services.SessionFull):  # waiting classes go first
            world.book(classes[name], session=session, actor=world.people["admin"])
        db.session.rollback()
        bookings[name] = world.book(classes[name], session=session, waitlist=True, actor=world.people["admin"])
    return session, bookings


def statuses(bookings):
    db.session.expire_all()
    return {name: booking.status for name, booking in bookings.items()}


def test_a_newcomer_cannot_take_places_the_waiting_list_waits_for(crowded):
    session, bookings = crowded
    db.session.refresh(session)
    assert session.booked_pupils == 50 and session.places_left == 10
    assert [b.class_label for b in services.waiting_list(session)] == ["Groep 7"] * 3
    assert [services.waiting_position(bookings[n]) for n in ("wait_30", "wait_12", "wait_20")] == [1, 2, 3]


def test_freed_places_go_to_the_first_entries_that_fit_in_order(world, crowded):
    _, bookings = crowded
    services.take_step(bookings["in_a"], "withdraw", actor=world.people["coordinator"], reason="Dubbel geboekt")
    db.session.commit()
    # 35 places and 2 classes free: the 30 moves up; the 12 does not fit in the 5 left, and strict order stops there.
    assert statuses(bookings) == {
        "in_a": BookingStatus.CANCELLED,
        "in_b": BookingStatus.REQUESTED,
        "wait_30": BookingStatus.REQUESTED,
        "wait_12": BookingStatus.WAITLISTED,
        "wait_20": BookingStatus.WAITLISTED,
    }
    assert bookings["wait_30"].history[-1].step == "promote"


def test_strict_order_lets_nobody_pass_a_class_that_does_not_fit(world, crowded):
    session, bookings = crowded
    session.capacity_pupils = 70  # 20 free: the 30 does not fit; the 12 behind it would, but must wait
    db.session.commit()
    assert services.promote_waiting_list(session) == []
    db.session.commit()
    assert statuses(bookings)["wait_12"] is BookingStatus.WAITLISTED


def test_with_skipping_allowed_smaller_classes_may_pass(world, crowded):
    session, bookings = crowded
    world.region.waitlist_allows_skipping = True
    session.capacity_pupils = 70  # 20 free: the 30 does not fit, the 12 does, then the 20 no longer does
    db.session.commit()
    promoted = services.promote_waiting_list(session)
    db.session.commit()
    assert [p.id for p in promoted] == [bookings["wait_12"].id]
    assert statuses(bookings)["wait_30"] is BookingStatus.WAITLISTED


def test_raising_the_capacity_promotes_the_waiting_list(world, crowded, app, login):
    session, bookings = crowded
    partner = login(world.people["partner"], c=app.test_client())
    response = partner.post(
        f"/sessions/{session.id}/edit",
        data={
            "day": "2027-01-02",
            "start_time": "09:00",
            "end_time": "11:00",
            "place": session.place,
            "capacity_pupils": "92",
            "max_classes": "5",
        },
        follow_redirects=True,
    )
    assert "2 classes moved up from the waiting list." in response.get_data(as_text=True)
    assert statuses(bookings)["wait_30"] is BookingStatus.REQUESTED
    assert statuses(bookings)["wait_12"] is BookingStatus.REQUESTED
    assert statuses(bookings)["wait_20"] is BookingStatus.WAITLISTED


def test_promotion_confirms_at_once_when_no_confirmation_is_needed(world, crowded, outbox):
    _, bookings = crowded
    world.activity.requires_confirmation = False
    services.take_step(bookings["in_a"], "withdraw", actor=world.people["partner"], reason="Ziek")
    db.session.commit()
    assert statuses(bookings)["wait_30"] is BookingStatus.CONFIRMED
    [mail] = [m for m in outbox() if m.subject == "A place for you: Robots bouwen"]
    assert mail.recipient == "admin@example.org"  # who put the class on the list
    assert "Your booking is confirmed." in mail.body_text


def test_the_waiting_list_stands_still_once_bookings_close(world, crowded, clock):
    session, bookings = crowded
    clock.move_to(session.starts_at - timedelta(days=6))
    services.take_step(bookings["in_a"], "withdraw", actor=world.people["partner"], reason="Ziek")
    db.session.commit()
    assert statuses(bookings)["wait_30"] is BookingStatus.WAITLISTED


def test_a_teacher_can_leave_the_waiting_list(app, login, world):
    world.book(world.class_7a)
    world.book(world.other_class)
    waiting = world.book(world.class_8b, waitlist=True)
    teacher = login(world.people["teacher"], c=app.test_client())
    assert teacher.post(f"/bookings/{waiting.id}/leave").status_code == 302
    db.session.expire_all()
    assert waiting.status is BookingStatus.CANCELLED
    assert services.waiting_list(world.session) == []


def test_promoted_teacher_is_notified(world, outbox):
    first = world.book(world.class_7a)
    world.book(world.other_class)
    waiting = world.book(world.class_8b, waitlist=True)
    services.take_step(first, "cancel", actor=world.people["teacher"])
    db.session.commit()
    db.session.expire_all()
    assert waiting.status is BookingStatus.REQUESTED
    mail = [m for m in outbox() if m.subject.startswith("A place for you")]
    assert [m.recipient for m in mail] == ["teacher@example.org"]
    assert "moved up from the waiting list" in mail[0].body_text


def test_capacity_change_below_booked_is_refused(world):
    world.book()
    db.session.refresh(world.session)
    with pytest.raises(Exception, match="27"):
        save_session(
            world.session,
            activity=world.activity,
            data=SessionData(world.session.starts_at, world.session.ends_at, world.session.place, 20, 2),
        )


def test_the_regions_coordinator_decides_whether_waiting_lists_may_skip(app, login, world):
    for person, expected in [("teacher", 403), ("partner", 403), ("other_coordinator", 403), ("coordinator", 302)]:
        client = login(world.people[person], c=app.test_client())
        response = client.post(f"/regions/{world.region.id}/rules", data={"waitlist_allows_skipping": "y"})
        assert response.status_code == expected, person
    db.session.expire_all()
    assert world.region.waitlist_allows_skipping is True
    coordinator = login(world.people["coordinator"], c=app.test_client())
    assert "Waiting lists may skip a class that does not fit" in coordinator.get(
        f"/regions/{world.region.id}"
    ).get_data(as_text=True)
    coordinator.post(f"/regions/{world.region.id}/rules", data={})
    db.session.expire_all()
    assert world.region.waitlist_allows_skipping is False


def test_asking_for_the_waiting_list_of_a_session_with_room_books_the_class(world):
    booking = world.book(world.class_7a, waitlist=True)
    assert booking.status is BookingStatus.REQUESTED
    assert services.waiting_list(world.session) == []
