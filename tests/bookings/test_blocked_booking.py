"""Booking a session on a day the class cannot come (its school's blocked dates) asks first."""

from sqlalchemy import func, select

from booking.bookings.models import Booking
from booking.core.time import to_local
from booking.extensions import db
from booking.organisations.blocked_dates import save_blocked_date
from booking.organisations.models import DayPart


def block_session_day(world, *, classes, day_part=DayPart.WHOLE_DAY, reason="Cito"):
    day = to_local(world.session.starts_at).date()
    save_blocked_date(world.school, None, starts_on=day, ends_on=None, day_part=day_part, reason=reason,
                      classes=classes)  # fmt: skip
    db.session.commit()


def form(world, school_class, **extra):
    return {"school_class": school_class.id, "pupils": school_class.pupils, "adults": 2, **extra}


def bookings() -> int:
    return db.session.scalar(select(func.count()).select_from(Booking))


def test_the_form_says_which_class_cannot_come_that_day(client, login, world):
    block_session_day(world, classes=[world.class_7a])
    login(world.people["teacher"])
    page = client.get(f"/sessions/{world.session.id}/book?class={world.class_7a.id}").get_data(as_text=True)
    assert "Groep 7A cannot come that day: Cito." in page
    assert "cannot come: Cito" in page  # the marker in the class's option
    assert 'name="despite_blocked"' in page


def test_booking_a_blocked_class_asks_first_and_books_after_yes(client, login, world):
    block_session_day(world, classes=[world.class_7a])
    login(world.people["teacher"])
    url = f"/sessions/{world.session.id}/book"
    page = client.post(url, data=form(world, world.class_7a)).get_data(as_text=True)
    assert "Groep 7A cannot come that day: Cito. Tick “Book anyway” if the class comes all the same." in page
    assert bookings() == 0
    assert client.post(url, data=form(world, world.class_7a, despite_blocked="y")).status_code == 302
    assert bookings() == 1


def test_another_class_of_the_school_books_without_a_question(client, login, world):
    block_session_day(world, classes=[world.class_7a])
    login(world.people["teacher"])
    page = client.get(f"/sessions/{world.session.id}/book?class={world.class_8b.id}").get_data(as_text=True)
    assert "Groep 8B cannot come" not in page
    assert client.post(f"/sessions/{world.session.id}/book", data=form(world, world.class_8b)).status_code == 302
    assert bookings() == 1


def test_a_morning_block_does_not_hold_up_an_afternoon_session(client, login, world):
    starts = to_local(world.session.starts_at).time()
    other_part = DayPart.AFTERNOON if starts.hour < 12 else DayPart.MORNING
    block_session_day(world, classes=[], day_part=other_part, reason="Sportdag")
    login(world.people["teacher"])
    assert client.post(f"/sessions/{world.session.id}/book", data=form(world, world.class_7a)).status_code == 302


def test_a_whole_school_block_holds_up_every_class_and_the_waiting_list_too(client, login, world):
    block_session_day(world, classes=[], reason="Studiedag")
    login(world.people["teacher"])
    url = f"/sessions/{world.session.id}/book"
    page = client.post(url, data=form(world, world.class_8b, join_waitlist="y")).get_data(as_text=True)
    assert "Groep 8B cannot come that day: Studiedag." in page
    assert bookings() == 0
