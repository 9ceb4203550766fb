"""Steps that cannot be undone ask first, and say what follows from them."""

from __future__ import annotations

import html
import re
from datetime import timedelta


def questions(page: str) -> list[str]:
    return [html.unescape(q) for q in re.findall(r'data-confirm="([^"]*)"', page)]


def test_cancelling_in_time_says_the_places_go_to_the_waiting_list_and_it_is_free(client, login, world):
    booking = world.book()
    login(world.people["teacher"])
    [question] = questions(client.get(f"/bookings/{booking.id}").get_data(as_text=True))
    assert question.startswith(
        "Cancel the booking of Groep 7A? Its 27 places are released; classes on the waiting list move up. "
        "Cancelling is free of charge until "
    )


def test_cancelling_late_says_the_partner_sees_the_reason(client, login, world, clock):
    booking = world.book()
    clock.move_to(world.session.starts_at - timedelta(days=13))  # free cancellation ends 14 days before
    login(world.people["teacher"])
    [question] = questions(client.get(f"/bookings/{booking.id}").get_data(as_text=True))
    assert question.endswith("The free cancellation period has ended, so the partner sees your reason.")


def test_the_partner_is_asked_before_declining_or_cancelling(client, login, world):
    booking = world.book()
    login(world.people["partner"])
    asked = questions(client.get(f"/bookings/{booking.id}").get_data(as_text=True))
    assert any(q.startswith("Decline the request of Groep 7A? Its 27 places are released") for q in asked), asked
    assert all(q.endswith("The school is emailed with your reason.") for q in asked), asked


def test_leaving_the_waiting_list_asks_first(client, login, world):
    world.session.capacity_pupils = 27
    world.session.max_classes = 1
    booking = world.book()
    waiting = world.book(world.class_8b, waitlist=True)
    assert booking.id != waiting.id
    login(world.people["teacher"])
    asked = questions(client.get(f"/bookings/{waiting.id}").get_data(as_text=True))
    assert asked == ["Take Groep 8B off the waiting list? Its place in the queue is given up."]


def test_the_partner_sees_a_request_as_theirs_to_decide(client, login, world):
    booking = world.book()
    login(world.people["partner"])
    page = client.get(f"/bookings/{booking.id}").get_data(as_text=True)
    assert "OBS De Regenboog asks to come with Groep 7A. Confirm the request, or decline it" in page
    assert "Waiting for the partner to confirm" not in page
    assert ">Reject</button>" in page and ">Confirm</button>" in page
    assert ">Cancel booking</button>" not in page  # declining is the one way to say no to a request
    assert page.count("<textarea") == 1


def test_the_teacher_still_waits_for_the_partner(client, login, world):
    booking = world.book()
    login(world.people["teacher"])
    page = client.get(f"/bookings/{booking.id}").get_data(as_text=True)
    assert "Waiting for the partner to confirm" in page and ">Cancel booking</button>" in page


def test_every_step_has_its_own_done_sentence():
    """A step without one would fail after it was taken (a KeyError, so a 500)."""
    from booking.bookings.models import STEPS
    from booking.bookings.views import STEP_DONE
    from booking.catalogue.models import TRANSITIONS
    from booking.catalogue.views import TRANSITION_DONE

    assert set(STEP_DONE) == set(STEPS)
    assert set(TRANSITION_DONE) == set(TRANSITIONS)
