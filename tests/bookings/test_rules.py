"""Every booking rule, with the message the teacher sees."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from booking.bookings import services
from booking.bookings.models import Booking, BookingStatus
from booking.catalogue.models import ActivityStatus, Session, SessionStatus
from booking.core.errors import DomainError
from booking.extensions import db
from booking.organisations.models import Grade
from tests.conftest import NOW


def form(world, school_class=None, **fields):
    school_class = school_class or world.class_7a
    data = {"school_class": str(school_class.id), "pupils": "25", "adults": "2", "contact_phone": "", "notes": ""}
    data.update({key: str(value) for key, value in fields.items()})
    return data


def post_booking(client, world, **fields):
    return client.post(f"/sessions/{world.session.id}/book", data=form(world, **fields))


def booking_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Booking))


def test_teacher_books_a_class_and_the_places_are_held_until_the_partner_decides(client, login, world):
    login(world.people["teacher"])
    response = post_booking(client, world, pupils=25, adults=3, contact_phone="030 123 45 67", notes="Rolstoel")
    booking = db.session.scalars(select(Booking)).one()
    assert response.status_code == 302 and response.location.endswith(f"/bookings/{booking.id}")
    assert booking.status is BookingStatus.REQUESTED
    assert (booking.class_label, booking.grade, booking.pupils, booking.adults) == ("Groep 7A", Grade.GROEP_7, 25, 3)
    assert booking.contact_phone == "030 123 45 67" and booking.notes == "Rolstoel"
    assert booking.school_year == 2026 and booking.school_id == world.school.id
    db.session.refresh(world.session)
    assert (world.session.booked_pupils, world.session.booked_classes) == (25, 1)
    page = client.get(f"/bookings/{booking.id}").get_data(as_text=True)
    assert "Waiting for the partner to confirm" in page and "Rolstoel" in page


def test_booking_is_confirmed_at_once_when_the_activity_needs_no_confirmation(world):
    world.activity.requires_confirmation = False
    db.session.commit()
    assert world.book().status is BookingStatus.CONFIRMED
    assert [e.step for e in world.book(world.class_8b).history] == ["book"]


def test_pupils_are_taken_from_the_class_and_may_be_lowered(client, login, world):
    login(world.people["teacher"])
    page = client.get(f"/sessions/{world.session.id}/book").get_data(as_text=True)
    assert 'name="pupils" type="number" value="27"' in page or 'value="27"' in page
    post_booking(client, world, pupils=20)
    assert db.session.scalars(select(Booking.pupils)).one() == 20


@pytest.mark.parametrize(
    ("pupils", "message"),
    [
        ("0", "Enter the number of pupils who come, from 1 to 60."),
        ("-3", "Enter the number of pupils who come, from 1 to 60."),
        ("abc", "Enter the number of pupils who come, from 1 to 60."),
        ("", "Enter the number of pupils who come, from 1 to 60."),
        ("28", "Groep 7A has 27 pupils; you cannot book more."),
        ("8", "This activity takes groups of 10 to 32 pupils."),
    ],
)
def test_bad_pupil_numbers_are_refused_with_a_clear_message(client, login, world, pupils, message):
    login(world.people["teacher"])
    response = post_booking(client, world, pupils=pupils)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert booking_count() == 0
    db.session.refresh(world.session)
    assert world.session.booked_pupils == 0


def test_more_pupils_than_the_activity_takes_is_refused(client, login, world, make_class):
    big = make_class(world.school, "Groep 8 combi", Grade.GROEP_8, 40)
    login(world.people["teacher"])
    response = post_booking(client, world, school_class=big, pupils=40)
    assert "This activity takes groups of 10 to 32 pupils." in response.get_data(as_text=True)
    assert booking_count() == 0


def test_a_grade_the_activity_does_not_target_is_not_offered_and_is_refused(client, login, world):
    login(world.people["teacher"])
    page = client.get(f"/sessions/{world.session.id}/book").get_data(as_text=True)
    assert "Groep 7A" in page and "Groep 8B" in page and "Groep 5A" not in page
    response = post_booking(client, world, school_class=world.class_5a, pupils=20)  # a stale or forged form
    assert response.status_code == 200 and booking_count() == 0
    with pytest.raises(DomainError, match=r"This activity is for Groep 7, Groep 8; Groep 5A is in Groep 5\."):
        world.book(world.class_5a)  # the rule itself, whatever the form offered


def test_a_school_without_a_class_of_the_grades_is_told_so(client, login, world):
    world.activity.grades = [Grade.GROEP_3]
    db.session.commit()
    login(world.people["teacher"])
    page = client.get(f"/sessions/{world.session.id}/book").get_data(as_text=True)
    assert "None of your classes is in Groep 3, the grades this activity is for." in page


def test_the_pupil_count_follows_the_chosen_class_without_javascript(client, login, world):
    """The form shows Groep 7A's 27; the teacher picks Groep 8B (25) and leaves the count alone."""
    login(world.people["teacher"])
    page = client.get(f"/sessions/{world.session.id}/book").get_data(as_text=True)
    assert 'value="27"' in page and f'name="pupils_from" type="hidden" value="{world.class_7a.id}"' in page
    response = post_booking(client, world, school_class=world.class_8b, pupils=27, pupils_from=world.class_7a.id)
    assert response.status_code == 302
    assert db.session.scalars(select(Booking)).one().pupils == 25


def test_a_count_the_teacher_typed_stays_when_the_class_changes(client, login, world):
    login(world.people["teacher"])
    post_booking(client, world, school_class=world.class_8b, pupils=20, pupils_from=world.class_7a.id)
    assert db.session.scalars(select(Booking)).one().pupils == 20


def test_the_class_options_carry_their_size_for_the_page_script(client, login, world):
    login(world.people["teacher"])
    page = client.get(f"/sessions/{world.session.id}/book").get_data(as_text=True)
    assert (
        f'data-pupils="25" value="{world.class_8b.id}"' in page
        or f'value="{world.class_8b.id}" data-pupils="25"' in page
    )


def test_bookings_close_the_set_number_of_days_before_the_session(client, login, world, clock):
    clock.move_to(world.session.starts_at - timedelta(days=7, minutes=-1))
    login(world.people["teacher"])
    page = client.get(f"/sessions/{world.session.id}/book").get_data(as_text=True)
    assert "Bookings for this session closed 7 days before it starts." in page
    response = post_booking(client, world)
    assert "Bookings for this session closed 7 days before it starts." in response.get_data(as_text=True)
    assert booking_count() == 0


def test_a_class_cannot_hold_two_active_bookings_on_one_session(client, login, world):
    world.book()
    login(world.people["teacher"])
    response = post_booking(client, world)
    assert "Groep 7A already has a booking for this session." in response.get_data(as_text=True)
    assert booking_count() == 1


def test_a_cancelled_booking_lets_the_class_book_again(world):
    booking = world.book()
    services.take_step(booking, "cancel", actor=world.people["teacher"])
    db.session.commit()
    assert world.book().status is BookingStatus.REQUESTED
    assert booking_count() == 2


def test_the_quota_set_by_the_coordinator_is_enforced(client, login, world, make_activity, make_session):
    db.session.add(world.school)
    services.set_quota(world.school, 2026, 1)
    db.session.commit()
    world.book()
    login(world.people["teacher"])
    response = post_booking(client, world, school_class=world.class_8b)
    assert (
        "OBS De Regenboog has used its 1 bookings for school year 2026–2027. Ask your coordinator if you need more."
        in response.get_data(as_text=True)
    )
    assert booking_count() == 1
    db.session.refresh(world.session)
    assert world.session.booked_pupils == 27  # the refused booking's places were given back


def test_the_quota_counts_only_its_own_school_and_year(world):
    services.set_quota(world.school, 2027, 0)
    services.set_quota(world.other_school, 2026, 0)
    db.session.commit()
    assert world.book().status is BookingStatus.REQUESTED


def test_coordinator_sets_a_quota_and_a_teacher_cannot(app, client, login, world):
    teacher = login(world.people["teacher"], c=app.test_client())
    assert teacher.get(f"/schools/{world.school.id}/quota").status_code == 403
    login(world.people["coordinator"])
    response = client.post(f"/schools/{world.school.id}/quota", data={"school_year": "2026", "max_bookings": "4"})
    assert response.status_code == 302
    assert services.quota_of(world.school, 2026).max_bookings == 4
    response = client.post(f"/schools/{world.school.id}/quota", data={"school_year": "2026", "max_bookings": "-1"})
    assert "Enter a number from 0 to 10000." in response.get_data(as_text=True)
    client.post(f"/schools/{world.school.id}/quota", data={"school_year": "2026", "max_bookings": ""})
    assert services.quota_of(world.school, 2026) is None


def test_a_class_of_another_school_year_is_refused(world, make_class):
    next_year = make_class(world.school, "Groep 7A", Grade.GROEP_7, 27, school_year=2027)
    with pytest.raises(DomainError, match=r"Groep 7A is a class of another school year than this session\."):
        world.book(next_year)


def test_a_cancelled_session_or_unpublished_activity_cannot_be_booked(world):
    world.session.status = SessionStatus.CANCELLED
    db.session.commit()
    with pytest.raises(DomainError, match=r"This session has been cancelled\."):
        world.book()
    world.session.status = SessionStatus.SCHEDULED
    world.activity.status = ActivityStatus.ARCHIVED
    db.session.commit()
    with pytest.raises(DomainError, match="This activity is not in the catalogue"):
        world.book()


def test_a_full_session_offers_the_waiting_list(client, login, world):
    world.book(world.class_7a)
    world.book(world.other_class)  # two classes: the session's maximum
    login(world.people["teacher"])
    page = client.get(f"/sessions/{world.session.id}/book").get_data(as_text=True)
    assert "This session is full." in page and "Join the waiting list" in page
    response = post_booking(client, world, school_class=world.class_8b, submit="Book")
    assert "This session is full. Join the waiting list?" in response.get_data(as_text=True)
    assert booking_count() == 2
    response = client.post(
        f"/sessions/{world.session.id}/book",
        data={**form(world, school_class=world.class_8b), "join_waitlist": "Join the waiting list"},
    )
    waiting = db.session.scalars(select(Booking).where(Booking.status == BookingStatus.WAITLISTED)).one()
    assert response.location.endswith(f"/bookings/{waiting.id}")
    assert "Number 1 on the waiting list" in client.get(response.location).get_data(as_text=True)
    db.session.refresh(world.session)
    assert (world.session.booked_pupils, world.session.booked_classes) == (55, 2)


def test_capacity_in_pupils_is_never_exceeded(world, make_session):
    small = make_session(world.activity, NOW + timedelta(days=31), capacity=40, max_classes=3)
    world.book(world.class_7a, session=small)
    with pytest.raises(services.SessionFull):
        world.book(world.class_8b, session=small)  # 27 + 25 > 40
    db.session.rollback()
    world.book(world.class_8b, session=small, pupils=13)
    db.session.refresh(small)
    assert (small.booked_pupils, small.booked_classes) == (40, 2)


def test_the_database_refuses_overbooking_even_past_the_service(world):
    from sqlalchemy import update
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        db.session.execute(update(Session).where(Session.id == world.session.id).values(booked_pupils=61))
        db.session.flush()
    db.session.rollback()


def test_a_double_submit_creates_one_booking(client, login, world):
    login(world.people["teacher"])
    first = post_booking(client, world)
    second = post_booking(client, world)
    assert booking_count() == 1
    assert first.status_code == 302
    assert "Groep 7A already has a booking for this session." in second.get_data(as_text=True)


def test_forged_ids_and_tampered_fields_change_nothing(client, login, world, make_activity, make_session):
    login(world.people["teacher"])
    # A class of another school is not one of the choices.
    response = post_booking(client, world, school_class=world.other_class)
    assert "Not a valid choice." in response.get_data(as_text=True)
    response = client.post(f"/sessions/{world.session.id}/book", data={**form(world), "school_class": "1 OR 1=1"})
    assert "Not a valid choice." in response.get_data(as_text=True)
    # A session that does not exist, or one of an unpublished activity.
    assert client.post("/sessions/99999/book", data=form(world)).status_code == 404
    draft = make_activity("Nog niet klaar", status=ActivityStatus.DRAFT)
    draft_session = make_session(draft, NOW + timedelta(days=20))
    assert client.post(f"/sessions/{draft_session.id}/book", data=form(world)).status_code == 403
    # Extra fields cannot set the status, the school or the counters.
    response = post_booking(client, world, status="confirmed", school_id=world.other_school.id, booked_pupils=0)
    booking = db.session.scalars(select(Booking)).one()
    assert booking.status is BookingStatus.REQUESTED and booking.school_id == world.school.id
    assert response.status_code == 302


def test_adults_and_phone_are_validated(client, login, world):
    login(world.people["teacher"])
    response = post_booking(client, world, adults="-1", contact_phone="call me")
    page = response.get_data(as_text=True)
    assert "Enter the number of adults, from 0 to 20." in page
    assert "Enter a phone number, like 030 123 45 67." in page
    assert booking_count() == 0


def test_only_teachers_book(app, client, login, world):
    for person in ("partner", "coordinator", "other_partner"):
        other = login(world.people[person], c=app.test_client())
        assert other.get(f"/sessions/{world.session.id}/book").status_code == 403
    assert client.get(f"/sessions/{world.session.id}/book").status_code == 302  # to the sign-in page


def test_the_booking_form_warns_when_free_cancellation_has_already_ended(client, login, world, clock):
    """Bookings close 7 days before, free cancellation ends 14 days before: a class booking in between
    can no longer cancel for free, and is told so before booking."""
    login(world.people["teacher"])
    assert "Free cancellation of this session ended" not in client.get(f"/sessions/{world.session.id}/book").get_data(
        as_text=True
    )
    clock.move_to(world.session.starts_at - timedelta(days=10))
    page = client.get(f"/sessions/{world.session.id}/book").get_data(as_text=True)
    assert "Free cancellation of this session ended on" in page
    assert "if you cancel after booking, the partner sees your reason." in page


def test_a_new_activity_lets_a_late_booker_still_cancel_for_free(client, login, world):
    login(world.people["partner"])
    page = client.get("/activities/new").get_data(as_text=True)
    closes = re.search(r'name="booking_closes_days"[^>]*value="(\d+)"', page).group(1)
    free = re.search(r'name="free_cancellation_days"[^>]*value="(\d+)"', page).group(1)
    assert int(free) <= int(closes)


def test_the_booking_form_shows_the_quota_left_before_booking(client, login, world):
    services.set_quota(world.school, 2026, 2)
    db.session.commit()
    world.book(world.class_8b)
    login(world.people["teacher"])
    page = client.get(f"/sessions/{world.session.id}/book").get_data(as_text=True)
    assert "Bookings left" in page and "1 of 2 this school year" in page
    world.book(world.class_7a, session=_another_session(world))
    page = client.get(f"/sessions/{world.session.id}/book").get_data(as_text=True)
    assert "0 of 2 this school year" in page
    assert "OBS De Regenboog has used all its 2 bookings for this school year" in page


def _another_session(world):
    from booking.catalogue.models import Session

    session = Session(activity=world.activity, starts_at=world.session.starts_at + timedelta(days=7),
                      ends_at=world.session.ends_at + timedelta(days=7), place="Werkplaats", capacity_pupils=60,
                      max_classes=2)  # fmt: skip
    db.session.add(session)
    db.session.commit()
    return session


def test_a_class_with_a_booking_at_the_same_time_is_marked_before_booking(client, login, world, make_activity):
    from booking.catalogue.models import Session

    other = make_activity("Bruggen bouwen")
    clash = Session(activity=other, starts_at=world.session.starts_at, ends_at=world.session.ends_at,
                    place="Elders", capacity_pupils=60, max_classes=2)  # fmt: skip
    db.session.add(clash)
    db.session.commit()
    world.book(world.class_7a, session=clash)
    login(world.people["teacher"])
    page = client.get(f"/sessions/{world.session.id}/book").get_data(as_text=True)
    assert "Groep 7A · Groep 7 · 27 pupils · already has a booking at this time" in page
    assert "Groep 8B · Groep 8 · 25 pupils</option>" in page
    assert "This class already has a booking at this time." in page  # Groep 7A is the one chosen
