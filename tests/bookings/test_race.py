"""The last places of a popular session, fought over by many schools at once through several real
server processes: exactly the capacity is booked, everyone else is told it is full."""

from __future__ import annotations

import http.cookiejar
import threading
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from booking.accounts.models import Role
from booking.bookings.models import HOLDING_STATUSES, Booking
from booking.extensions import db
from booking.organisations.models import Grade
from tests.conftest import NOW, PASSWORD
from tests.processes import serving

PROCESSES = 4
SCHOOLS = 16


def _serve(db_url: str, port: int) -> None:
    import time_machine
    from werkzeug.serving import make_server

    from booking import create_app

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": db_url, "RATELIMIT_ENABLED": False})
    # The tests' clock: on the real one their sessions (NOW + 30 days) close for booking from mid-December 2026.
    with time_machine.travel(NOW, tick=True):
        make_server("127.0.0.1", port, app, threaded=True).serve_forever()


@pytest.fixture(scope="module")
def servers(db_url):
    """Several OS processes serving the app on the test database (started once for the module)."""
    with serving(_serve, db_url, PROCESSES) as bases:
        yield bases


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def post(self, path: str, data: dict) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(self.base + path, data=body, headers={"Accept-Language": "en"})
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


def _teachers_with_classes(make_school, make_user, make_class, count):
    people = []
    for n in range(count):
        school = make_school(f"Basisschool {n:02d}")
        teacher = make_user(Role.TEACHER, school, email=f"race{n}@example.org")
        people.append((teacher, make_class(school, "Groep 7", Grade.GROEP_7, 25)))
    return people


def _fire(requests):
    """Run the requests in threads that all start at the same moment."""
    barrier = threading.Barrier(len(requests))
    results = [None] * len(requests)

    def run(index, browser, path, data):
        barrier.wait()
        results[index] = browser.post(path, data)

    threads = [threading.Thread(target=run, args=(i, *request)) for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.parametrize("round_", range(3))
def test_many_schools_racing_for_the_last_places_never_overbook(
    servers, world, make_school, make_user, make_class, make_session, round_
):
    # Room for four classes of 25 in pupils (100) and up to ten classes: the pupils run out first.
    session = make_session(world.activity, NOW + timedelta(days=32 + round_), capacity=100, max_classes=10)
    people = _teachers_with_classes(make_school, make_user, make_class, SCHOOLS)
    requests = []
    for n, (teacher, school_class) in enumerate(people):
        browser = Browser(servers[n % len(servers)])
        status, _ = browser.post("/login", {"email": teacher.email, "password": PASSWORD})
        assert status == 200  # followed the redirect to the dashboard
        form = {"school_class": school_class.id, "pupils": 25, "adults": 2, "submit": "Book"}
        requests.append((browser, f"/sessions/{session.id}/book", form))

    results = _fire(requests)

    assert all(status == 200 for status, _ in results), [status for status, _ in results]
    booked = [page for _, page in results if "Your request has been sent." in page]
    full = [page for _, page in results if "This session is full. Join the waiting list?" in page]
    assert (len(booked), len(full)) == (4, SCHOOLS - 4)
    db.session.expire_all()
    db.session.refresh(session)
    assert (session.booked_pupils, session.booked_classes) == (100, 4)
    holding = db.session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(Booking.session_id == session.id, Booking.status.in_(HOLDING_STATUSES))
    )
    assert holding == 4


def test_classes_racing_for_the_last_class_slot_never_overbook(servers, world, make_school, make_user, make_class,
                                                               make_session):  # fmt: skip
    session = make_session(world.activity, NOW + timedelta(days=35), capacity=1000, max_classes=3)
    people = _teachers_with_classes(make_school, make_user, make_class, 12)
    requests = []
    for n, (teacher, school_class) in enumerate(people):
        browser = Browser(servers[n % len(servers)])
        browser.post("/login", {"email": teacher.email, "password": PASSWORD})
        requests.append((browser, f"/sessions/{session.id}/book", {"school_class": school_class.id, "pupils": 20,
                                                                    "adults": 1, "submit": "Book"}))  # fmt: skip
    _fire(requests)
    db.session.expire_all()
    db.session.refresh(session)
    assert (session.booked_pupils, session.booked_classes) == (60, 3)


def test_a_double_click_across_processes_creates_one_booking(servers, world):
    teacher = world.people["teacher"]
    browsers = []
    first = Browser(servers[0])
    first.post("/login", {"email": teacher.email, "password": PASSWORD})
    for base in servers:  # the same signed-in browser, its clicks landing on different processes
        browser = Browser(base)
        browser.opener = first.opener
        browsers.append(browser)
    form = {"school_class": world.class_7a.id, "pupils": 25, "adults": 2, "submit": "Book"}
    results = _fire([(browser, f"/sessions/{world.session.id}/book", form) for browser in browsers * 2])
    assert all(status == 200 for status, _ in results)
    db.session.expire_all()
    count = db.session.scalar(select(func.count()).select_from(Booking).where(Booking.session_id == world.session.id))
    assert count == 1
    db.session.refresh(world.session)
    assert (world.session.booked_pupils, world.session.booked_classes) == (25, 1)
