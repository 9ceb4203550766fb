"""The pages around bookings: the teacher's overview, the partner's queue and participant list, the
coordinator's region list and exports, evaluations."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from booking.bookings import services
from booking.bookings.models import BookingStatus
from booking.extensions import db
from booking.organisations.models import Grade
from tests.conftest import NOW, counting_queries


def read_csv(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_teacher_sees_upcoming_past_and_waiting_bookings(app, login, world, make_session, clock):
    past_session = make_session(world.activity, NOW + timedelta(days=10))
    past = world.book(world.class_8b, session=past_session)
    upcoming = world.book(world.class_7a)
    world.book(world.other_class)
    waiting = world.book(world.class_8b, waitlist=True)
    teacher = login(world.people["teacher"], c=app.test_client())
    clock.move_to(NOW + timedelta(days=11))
    page = teacher.get("/bookings").get_data(as_text=True)
    assert f"/bookings/{upcoming.id}" in page and f"/bookings/{past.id}" not in page
    assert f"/bookings/{waiting.id}" not in page and "Groep 7</td>" not in page  # not the other school's
    assert f"/bookings/{past.id}" in teacher.get("/bookings?show=past").get_data(as_text=True)
    waiting_page = teacher.get("/bookings?show=waiting").get_data(as_text=True)
    assert f"/bookings/{waiting.id}" in waiting_page and f"/bookings/{upcoming.id}" not in waiting_page
    assert teacher.get("/bookings?show=nonsense&page=-4").status_code == 200


def test_partner_answers_requests_from_the_queue(app, login, world):
    booking = world.book()
    partner = login(world.people["partner"], c=app.test_client())
    page = partner.get("/requests").get_data(as_text=True)
    assert "OBS De Regenboog" in page and "Groep 7A" in page
    response = partner.post(f"/bookings/{booking.id}/confirm", data={"next": "/requests"})
    assert response.location.endswith("/requests")
    db.session.expire_all()
    assert booking.status is BookingStatus.CONFIRMED
    assert "No open requests." in partner.get("/requests").get_data(as_text=True)
    other = login(world.people["other_partner"], c=app.test_client())
    assert "OBS De Regenboog" not in other.get("/requests").get_data(as_text=True)


def test_a_next_link_off_the_site_is_ignored(app, login, world):
    booking = world.book()
    partner = login(world.people["partner"], c=app.test_client())
    response = partner.post(f"/bookings/{booking.id}/confirm", data={"next": "https://evil.example/"})
    assert response.location.endswith(f"/bookings/{booking.id}")


def test_participant_list_and_csv(app, login, world):
    booking = world.book()
    services.take_step(booking, "confirm", actor=world.people["partner"])
    booking.notes = '=HYPERLINK("http://x")'
    booking.contact_phone = "06 12345678"
    world.book(world.other_class)
    db.session.commit()
    partner = login(world.people["partner"], c=app.test_client())
    page = partner.get(f"/sessions/{world.session.id}/participants").get_data(as_text=True)
    assert "OBS De Regenboog" in page and "CBS Het Kompas" in page and "data-print" in page
    response = partner.get(f"/sessions/{world.session.id}/participants.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0][:4] == ["School", "BRIN", "Class", "Grade"]
    assert rows[1][:6] == ["OBS De Regenboog", world.school.brin_code, "Groep 7A", "Groep 7", "27", "2"]
    assert rows[1][6:] == ["06 12345678", "Confirmed", '\'=HYPERLINK("http://x")']  # no formula in Excel
    assert rows[2][7] == "Requested"
    for person, expected in [("other_partner", 403), ("teacher", 403), ("coordinator", 200),
                             ("other_coordinator", 403)]:  # fmt: skip
        client = login(world.people[person], c=app.test_client())
        assert client.get(f"/sessions/{world.session.id}/participants.csv").status_code == expected


def test_coordinator_filters_the_regions_bookings_and_exports_them(app, login, world):
    first = world.book()
    world.book(world.other_class)
    services.take_step(first, "confirm", actor=world.people["partner"])
    db.session.commit()
    coordinator = login(world.people["coordinator"], c=app.test_client())
    page = coordinator.get("/coordination/bookings").get_data(as_text=True)
    assert "2 bookings" in page
    page = coordinator.get(f"/coordination/bookings?status=confirmed&school={world.school.id}").get_data(as_text=True)
    assert "1 booking" in page and "OBS De Regenboog" in page
    page = coordinator.get("/coordination/bookings?q=robot&from=2026-12-01&to=2026-12-31").get_data(as_text=True)
    assert "2 bookings" in page
    page = coordinator.get("/coordination/bookings?from=2027-01-01").get_data(as_text=True)
    assert "0 bookings" in page
    page = coordinator.get("/coordination/bookings?status=bogus&from=not-a-date&school=x").get_data(as_text=True)
    assert "Enter a date like 2027-03-15." in page and "2 bookings" in page
    rows = read_csv(coordinator.get("/coordination/bookings.csv?status=confirmed"))
    assert len(rows) == 2 and rows[1][3] == "Robots bouwen" and rows[1][12] == "Confirmed"
    other = login(world.people["other_coordinator"], c=app.test_client())
    assert "0 bookings" in other.get("/coordination/bookings").get_data(as_text=True)
    teacher = login(world.people["teacher"], c=app.test_client())
    assert teacher.get("/coordination/bookings").status_code == 403


@pytest.mark.parametrize("path", ["/coordination/bookings", "/bookings", "/requests"])
def test_list_pages_use_the_same_number_of_queries_for_few_and_many_rows(app, login, world, make_session,
                                                                         make_class, path):  # fmt: skip
    def add_bookings(count, offset):
        for n in range(count):
            session = make_session(world.activity, NOW + timedelta(days=20, hours=offset + n))
            school_class = make_class(world.school, f"Groep 7-{offset + n}", Grade.GROEP_7, 20)
            world.book(school_class, session=session)

    person = {"/coordination/bookings": "coordinator", "/bookings": "teacher", "/requests": "partner"}[path]
    client = login(world.people[person], c=app.test_client())
    add_bookings(1, 0)
    with counting_queries() as few:
        assert client.get(path).status_code == 200
    add_bookings(24, 1)
    with counting_queries() as many:
        assert client.get(path).status_code == 200
    assert len(few) > 3  # the request's own queries are counted
    assert len(many) == len(few), many


def test_evaluation_after_an_attended_session(app, login, world, clock):
    booking = world.book()
    services.take_step(booking, "confirm", actor=world.people["partner"])
    db.session.commit()
    teacher = login(world.people["teacher"], c=app.test_client())
    assert teacher.get(f"/bookings/{booking.id}/evaluate").status_code == 403  # not attended yet
    clock.move_to(world.session.ends_at + timedelta(hours=2))
    services.take_step(booking, "attended", actor=world.people["partner"])
    db.session.commit()
    teacher = login(world.people["teacher"], c=app.test_client())  # a month later: a sign-in lasts 30 days
    for rating in ("0", "6", "abc", ""):
        response = teacher.post(f"/bookings/{booking.id}/evaluate", data={"rating": rating})
        assert "Choose a rating from 1 to 5." in response.get_data(as_text=True) or "Not a valid choice" in \
            response.get_data(as_text=True)  # fmt: skip
    response = teacher.post(f"/bookings/{booking.id}/evaluate", data={"rating": "4", "comment": "Erg leerzaam!"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (booking.evaluation.rating, booking.evaluation.comment) == (4, "Erg leerzaam!")
    assert teacher.get(f"/bookings/{booking.id}/evaluate").status_code == 403  # once
    other_teacher = login(world.people["other_teacher"], c=app.test_client())
    assert other_teacher.get(f"/bookings/{booking.id}/evaluate").status_code == 403
    partner = login(world.people["partner"], c=app.test_client())
    page = partner.get("/evaluations").get_data(as_text=True)
    assert "Robots bouwen" in page and "4.0" in page and "Erg leerzaam!" in page
    other_partner = login(world.people["other_partner"], c=app.test_client())
    assert "Erg leerzaam!" not in other_partner.get("/evaluations").get_data(as_text=True)
    coordinator = login(world.people["coordinator"], c=app.test_client())
    assert "Erg leerzaam!" in coordinator.get("/evaluations").get_data(as_text=True)
    other_coordinator = login(world.people["other_coordinator"], c=app.test_client())
    assert "Erg leerzaam!" not in other_coordinator.get("/evaluations").get_data(as_text=True)
    assert teacher.get("/evaluations").status_code == 403


def test_averages_per_activity(world, clock):
    ratings = [5, 4, 2]
    classes = [world.class_7a, world.class_8b, world.other_class]
    world.session.max_classes = 3
    world.session.capacity_pupils = 90
    db.session.commit()
    bookings = [world.book(c) for c in classes]
    clock.move_to(world.session.ends_at + timedelta(hours=1))
    for booking in bookings:
        booking.status = BookingStatus.ATTENDED  # the marking itself is tested in the state machine tests
    db.session.flush()
    for booking, rating in zip(bookings, ratings, strict=True):
        services.evaluate(booking, author=world.people["teacher"], rating=rating, comment=f"Cijfer {rating}")
        db.session.commit()
    [summary] = services.evaluation_summary(world.people["admin"], comments_per_activity=2)
    assert (summary.activity.title, round(summary.average, 2), summary.count) == ("Robots bouwen", 3.67, 3)
    assert [e.comment for e in summary.comments] == ["Cijfer 2", "Cijfer 4"]  # the latest two


def test_the_menu_marks_bookings_not_the_region_on_the_region_bookings_page(app, login, world):
    coordinator = login(world.people["coordinator"], c=app.test_client())
    page = coordinator.get("/coordination/bookings").get_data(as_text=True)
    assert page.count('aria-current="page"') == 1
    assert 'href="/coordination/bookings" aria-current="page"' in page
