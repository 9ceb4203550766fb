"""Calendar benchmark: building a 2,000-event calendar from real bookings, and answering a conditional
GET of a calendar with 304.

    .venv/bin/python bench/calendars.py                      # temporary SQLite database
    .venv/bin/python bench/calendars.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_calendars

The database is migrated and filled with ``flask demo --size large`` unless that data is already
there. The build is timed in three parts: loading the bookings (one query with their sessions,
activities, partners and schools), turning them into events (``booking_event``, with the texts in
English) and writing the calendar (``build_calendar``: VTIMEZONE, escaping, folding). The requests go
through the whole Flask stack in this process, so the figures are per core: the downloads of a booking,
a busy session and the longest lesson series (``/bookings/<id>.ics`` …) as a signed-in administrator,
first in full (200) and then with the ETag of the first answer (304); and, when the subscription feeds
are there, the feed of the demo's marker region (``/calendars/<token>.ics``), built in full once.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import app_with_large_demo, percentile

PASSWORD = "bench-password-123"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a new SQLite file in a temporary folder")
    parser.add_argument("--events", type=int, default=2000, help="events in the built calendar (default 2000)")
    parser.add_argument("--builds", type=int, default=10, help="times the calendar is built (default 10)")
    parser.add_argument("--requests", type=int, default=200, help="conditional requests per address (default 200)")
    parser.add_argument("--full-requests", type=int, default=5, help="full (200) requests per download (default 5)")
    args = parser.parse_args()

    from sqlalchemy import func, select

    from booking.bookings.models import Booking
    from booking.catalogue.models import Session
    from booking.extensions import db

    app = app_with_large_demo(
        args.database_url,
        WTF_CSRF_ENABLED=False,
        PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",  # sign-in is not timed
    )
    with app.app_context():
        counts = (
            db.session.scalar(select(func.count(Session.id))),
            db.session.scalar(select(func.count(Booking.id))),
        )
        admin, coordinator, region_id = make_users()
        paths = download_paths()
    print(f"Database: {app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]}")
    print(f"Data: {counts[0]:,} sessions, {counts[1]:,} bookings")
    print()
    with app.app_context():
        time_build(args.events, args.builds)
    print()
    print(f"{'request':<34} {'answer':>6} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'KB':>8}")
    client = signed_in(app, admin)
    for name, path in paths:
        time_requests(client, name, path, args.full_requests, args.requests)
    if "calendars.feed" in app.view_functions:
        with app.app_context():
            token = region_feed(coordinator, region_id)
        # A region's feed of the large demo is big: the first build writes every event, the second
        # (as after a change elsewhere in the region) takes the events already written.
        time_requests(app.test_client(), "feed: region (no sign-in)", f"/calendars/{token}.ics", 1, args.requests)
        started = time.perf_counter()
        assert app.test_client().get(f"/calendars/{token}.ics").status_code == 200
        print(f"{'feed: region, built again':<34} {'200':>6} {'':>8} {(time.perf_counter() - started) * 1000:>8.1f}")
    else:
        print("(no subscription feed endpoint yet: /calendars/<token>.ics not measured)")


def make_users() -> tuple[str, str, int]:
    """An administrator (may download everything) and a coordinator of the marker region; found again
    on a second run."""
    from sqlalchemy import select

    from booking.accounts.models import Language, Role, User
    from booking.accounts.services import add_membership, find_user
    from booking.demo_large import MARKER_REGION
    from booking.extensions import db
    from booking.organisations.models import Region

    region = db.session.scalar(select(Region).where(Region.name == MARKER_REGION))
    for email, role, organisation in (
        ("bench-calendar-admin@example.org", Role.ADMIN, None),
        ("bench-calendar-coordinator@example.org", Role.COORDINATOR, region),
    ):
        if find_user(email) is None:
            account = User(email=email, name=email.split("@")[0], language=Language.EN)
            account.set_password(PASSWORD)
            db.session.add(account)
            add_membership(account, role, organisation)
    db.session.commit()
    return "bench-calendar-admin@example.org", "bench-calendar-coordinator@example.org", region.id


def download_paths() -> list[tuple[str, str]]:
    """A booking, the session with the most bookings and the series with the most lessons."""
    from sqlalchemy import func, select

    from booking.bookings.models import Booking
    from booking.extensions import db

    booking_id = db.session.scalar(select(func.min(Booking.id)))
    session_id = db.session.scalar(
        select(Booking.session_id).group_by(Booking.session_id).order_by(func.count().desc(), Booking.session_id)
    )
    series_id = db.session.scalar(
        select(Booking.series_id)
        .where(Booking.series_id.is_not(None))
        .group_by(Booking.series_id)
        .order_by(func.count().desc(), Booking.series_id)
    )
    paths = [("download: booking", f"/bookings/{booking_id}.ics"), ("download: session", f"/sessions/{session_id}.ics")]
    if series_id is not None:
        paths.append(("download: lesson series", f"/series/{series_id}.ics"))
    return paths


def time_build(events: int, builds: int) -> None:
    """Load ``events`` bookings, make their events and write the calendar, ``builds`` times."""
    from flask_babel import force_locale
    from sqlalchemy import select
    from sqlalchemy.orm import joinedload

    from booking.bookings.models import Booking
    from booking.calendars.events import booking_event, zone_name
    from booking.calendars.ical import build_calendar
    from booking.catalogue.models import Activity, Session
    from booking.extensions import db

    query = (
        select(Booking)
        .options(
            joinedload(Booking.session).joinedload(Session.activity).joinedload(Activity.partner),
            joinedload(Booking.school),
        )
        .order_by(Booking.id)
        .limit(events)
    )
    timings: dict[str, list[float]] = {"load": [], "events": [], "calendar": [], "total": []}
    size, count = 0, 0
    with force_locale("en"):
        for _ in range(builds):
            db.session.expunge_all()  # every build loads its bookings afresh
            started = time.perf_counter()
            bookings = db.session.scalars(query).unique().all()
            loaded = time.perf_counter()
            calendar_events = [booking_event(booking, with_school=True) for booking in bookings]
            made = time.perf_counter()
            data = build_calendar(calendar_events, zone_name=zone_name(), name="Benchmark")
            done = time.perf_counter()
            for part, seconds in zip(
                timings, (loaded - started, made - loaded, done - made, done - started), strict=True
            ):
                timings[part].append(seconds)
            size, count = len(data), len(calendar_events)
    print(f"Building a calendar of {count:,} events ({size / 1024:,.0f} KB), {builds} builds:")
    print(f"  {'part':<44} {'p50 ms':>8} {'p95 ms':>8}")
    labels = {
        "load": "load the bookings (one query)",
        "events": "make the events (booking_event)",
        "calendar": "write the calendar (build_calendar)",
        "total": "total",
    }
    for part, values in timings.items():
        print(f"  {labels[part]:<44} {statistics.median(values) * 1000:>8.1f} {percentile(values, 95) * 1000:>8.1f}")


def region_feed(coordinator: str, region_id: int) -> str:
    """The coordinator's region feed, made once (straight on the model, whatever the feed pages offer)."""
    from sqlalchemy import select

    from booking.accounts.services import find_user
    from booking.calendars.models import CalendarFeed, FeedKind
    from booking.extensions import db

    user = find_user(coordinator)
    feed = db.session.scalar(
        select(CalendarFeed).where(
            CalendarFeed.user_id == user.id,
            CalendarFeed.kind == FeedKind.REGION,
            CalendarFeed.subject_id == region_id,
            CalendarFeed.revoked_at.is_(None),
        )
    )
    if feed is None:
        feed = CalendarFeed(user_id=user.id, kind=FeedKind.REGION, subject_id=region_id)
        db.session.add(feed)
        db.session.commit()
    return feed.token


def signed_in(app, email: str):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    if response.status_code != 302:
        raise SystemExit(f"{email} could not sign in ({response.status_code})")
    return client


def time_requests(client, name: str, path: str, full: int, conditional: int) -> None:
    """The full answer ``full`` times (at least the first one), then ``conditional`` requests with its
    ETag, which must get 304."""
    started = time.perf_counter()
    first = client.get(path)
    first_latency = time.perf_counter() - started
    if first.status_code != 200:
        raise SystemExit(f"{path} answered {first.status_code}")
    size = len(first.get_data()) / 1024
    etag = first.headers["ETag"]
    for label, count, headers, expected in (
        ("200", max(full - 1, 0), {}, 200),
        ("304", conditional, {"If-None-Match": etag}, 304),
    ):
        latencies = [first_latency] if expected == 200 else []
        for _ in range(count):
            started = time.perf_counter()
            response = client.get(path, headers=headers)
            response.get_data()
            latencies.append(time.perf_counter() - started)
            if response.status_code != expected:
                raise SystemExit(f"{path} answered {response.status_code}, not {expected}")
        print(
            f"{name:<34} {label:>6} {len(latencies) / sum(latencies):>8.1f} "
            f"{statistics.median(latencies) * 1000:>8.1f} {percentile(latencies, 95) * 1000:>8.1f} "
            f"{size if expected == 200 else 0:>8.0f}"
        )


if __name__ == "__main__":
    main()
