"""Booking benchmark: bookings per second and latency of the booking form at the large demo size.

    .venv/bin/python bench/bookings.py                      # temporary SQLite database
    .venv/bin/python bench/bookings.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_bookings

The database is migrated and filled with ``flask demo --size large`` (80,000 sessions, about 150,000
bookings) unless that data is already there. The benchmark adds teachers for some of its schools and
a coordinator, signs them in, and posts the booking form for open future sessions that the rules
allow (published activity, bookings still open, a targeted grade of the session's school year,
places left, no waiting list), one request at a time through the whole Flask stack (routing, login,
form, booking engine, outbox, SQL) in this process, so the figures are per core. Mail is queued in
the outbox but not delivered. Then it times the booking lists of teachers and coordinators.
The bookings are real: use a database you can throw away.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import app_with_large_demo, percentile

PASSWORD = "bench-password-123"
PAGES = [
    ("teacher: upcoming", "teacher", "/bookings"),
    ("teacher: past", "teacher", "/bookings?show=past"),
    ("coordinator: all", "coordinator", "/coordination/bookings"),
    ("coordinator: page 20", "coordinator", "/coordination/bookings?page=20"),
    ("coordinator: filtered", "coordinator", "/coordination/bookings?status=attended&q=robot"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a new SQLite file in a temporary folder")
    parser.add_argument("--bookings", type=int, default=500, help="booking forms to post (default 500)")
    parser.add_argument("--teachers", type=int, default=30, help="schools with a signed-in teacher (default 30)")
    parser.add_argument("--requests", type=int, default=50, help="requests per list page (default 50)")
    parser.add_argument("--csv-requests", type=int, default=3, help="requests of the CSV export (default 3)")
    args = parser.parse_args()

    from sqlalchemy import func, select

    from booking.bookings.models import Booking
    from booking.catalogue.models import Session
    from booking.extensions import db

    app = app_with_large_demo(
        args.database_url,
        WTF_CSRF_ENABLED=False,
        OUTBOX_SEND_AFTER_REQUEST=False,
        PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",  # only the sign-in, which is not timed
    )
    with app.app_context():
        teachers, coordinator = make_users(args.teachers)
        plan = plan_bookings(teachers, args.bookings)
        counts = (
            db.session.scalar(select(func.count(Session.id))),
            db.session.scalar(select(func.count(Booking.id))),
        )
    print(f"Database: {app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]}")
    print(f"Data: {counts[0]:,} sessions, {counts[1]:,} bookings; {len(teachers)} teachers, {len(plan)} to book")
    if len(plan) < args.bookings:
        print(f"(only {len(plan)} open sessions fit the benchmark's classes)")

    clients = {school_id: signed_in(app, email) for school_id, email in teachers.items()}
    clients["coordinator"] = signed_in(app, coordinator)
    print()
    book_all(clients, plan)
    print()
    print(f"{'page':<24} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'KB':>8}")
    teacher = clients[next(iter(teachers))]
    for name, who, path in PAGES:
        client = teacher if who == "teacher" else clients["coordinator"]
        time_page(client, name, path, args.requests)
    time_page(clients["coordinator"], "coordinator: CSV", "/coordination/bookings.csv", args.csv_requests)


def make_users(teachers: int) -> tuple[dict[int, str], str]:
    """A teacher for each of the first schools of the large demo (every region, primary and
    secondary) and a coordinator of the Eindhoven region; found again on a second run."""
    from sqlalchemy import select

    from booking.accounts.models import Language, Role, User
    from booking.accounts.services import add_membership, find_user
    from booking.demo_large import MARKER_REGION, REGIONS
    from booking.extensions import db
    from booking.organisations.models import Region, School

    def user(email: str, role: Role, organisation) -> str:
        if find_user(email) is None:
            account = User(email=email, name=email.split("@")[0], language=Language.EN)
            account.set_password(PASSWORD)
            db.session.add(account)
            add_membership(account, role, organisation)
        return email

    regions = [name for name, _, _ in REGIONS]
    schools = db.session.scalars(
        select(School).join(Region).where(Region.name.in_(regions)).order_by(School.id).limit(teachers)
    ).all()
    emails = {school.id: user(f"bench-teacher-{school.id}@example.org", Role.TEACHER, school) for school in schools}
    marker = db.session.scalar(select(Region).where(Region.name == MARKER_REGION))
    coordinator = user("bench-coordinator@example.org", Role.COORDINATOR, marker)
    db.session.commit()
    return emails, coordinator


def plan_bookings(teachers: dict[int, str], wanted: int) -> list[dict]:
    """One booking per open session the engine would accept: a class of a teacher's school in one of
    the activity's regions, in a targeted grade and the session's school year, not yet on it."""
    from datetime import timedelta

    from sqlalchemy import exists, select

    from booking.bookings.models import ACTIVE_STATUSES, Booking, BookingStatus
    from booking.catalogue.models import Activity, ActivityGrade, ActivityStatus, Session, SessionStatus
    from booking.catalogue.models import activity_regions as regions_table
    from booking.core.time import school_year_of, to_local, utcnow
    from booking.extensions import db
    from booking.organisations.models import School, SchoolClass

    waiting = exists().where(Booking.session_id == Session.id, Booking.status == BookingStatus.WAITLISTED)
    sessions = db.session.execute(
        select(Session, Activity)
        .join(Activity, Activity.id == Session.activity_id)
        .where(
            Session.status == SessionStatus.SCHEDULED,
            Activity.status == ActivityStatus.PUBLISHED,
            # Past every activity's booking_closes_days (14 at most), with a day to spare.
            Session.starts_at > utcnow() + timedelta(days=15),
            Session.booked_classes < Session.max_classes,
            ~waiting,
        )
        .order_by(Session.id)
    ).all()
    grades, regions = {}, {}
    for activity_id, grade in db.session.execute(select(ActivityGrade.activity_id, ActivityGrade.grade)):
        grades.setdefault(activity_id, set()).add(grade)
    for activity_id, region_id in db.session.execute(select(regions_table.c.activity_id, regions_table.c.region_id)):
        regions.setdefault(activity_id, set()).add(region_id)
    classes = {}
    for school_class, region_id in db.session.execute(
        select(SchoolClass, School.region_id).join(School).where(SchoolClass.school_id.in_(teachers))
    ):
        classes.setdefault((region_id, school_class.school_year, school_class.grade), []).append(school_class)
    booked = set(
        db.session.execute(
            select(Booking.session_id, Booking.school_class_id).where(
                Booking.school_id.in_(teachers), Booking.status.in_(list(ACTIVE_STATUSES))
            )
        ).all()
    )
    rng = random.Random(7)
    rng.shuffle(sessions)
    plan = []
    for session, activity in sessions:
        year = school_year_of(to_local(session.starts_at).date())
        fitting = [
            school_class
            for region_id in regions.get(activity.id, ())
            for grade in grades.get(activity.id, ())
            for school_class in classes.get((region_id, year, grade), ())
            if (session.id, school_class.id) not in booked
            and activity.min_pupils <= min(school_class.pupils, activity.max_pupils) <= session.places_left
        ]
        if not fitting:
            continue
        school_class = rng.choice(fitting)
        plan.append(
            {
                "school_id": school_class.school_id,
                "session_id": session.id,
                "school_class": school_class.id,
                "pupils": min(school_class.pupils, activity.max_pupils),
            }
        )
        if len(plan) == wanted:
            break
    return plan


def signed_in(app, email: str):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    if response.status_code != 302:
        raise SystemExit(f"{email} could not sign in ({response.status_code})")
    return client


def book_all(clients: dict, plan: list[dict]) -> None:
    """Post the booking form once per planned booking; a redirect to the new booking is a success."""
    latencies, outcomes, samples = [], {"booked": 0, "full": 0, "refused": 0, "error": 0}, []
    started = time.perf_counter()
    for n, item in enumerate(plan):
        form = {
            "school_class": item["school_class"],
            "pupils": item["pupils"],
            "adults": 2,
            "contact_phone": "040 123 45 67",
            "notes": "Benchmark" if n % 3 == 0 else "",
            "submit": "Book",
        }
        begun = time.perf_counter()
        response = clients[item["school_id"]].post(f"/sessions/{item['session_id']}/book", data=form)
        body = response.get_data(as_text=True)
        latencies.append(time.perf_counter() - begun)
        if response.status_code == 302 and "/bookings/" in response.headers.get("Location", ""):
            outcome = "booked"
        elif response.status_code == 200 and "This session is full" in body:
            outcome = "full"
        elif response.status_code == 200:
            outcome = "refused"
        else:
            outcome = "error"
        outcomes[outcome] += 1
        if outcome != "booked" and len(samples) < 3:
            samples.append(f"  {outcome}: session {item['session_id']} answered {response.status_code}")
    elapsed = time.perf_counter() - started
    if not latencies:
        print("No open session fits the benchmark's classes.")
        return
    print(
        f"Booking form: {len(plan)} posts in {elapsed:.1f} s: {outcomes['booked']} booked, {outcomes['full']} full, "
        f"{outcomes['refused']} refused by the rules, {outcomes['error']} errors"
    )
    print(
        f"  {outcomes['booked'] / elapsed:.1f} bookings/s, p50 {statistics.median(latencies) * 1000:.1f} ms, "
        f"p95 {percentile(latencies, 95) * 1000:.1f} ms"
    )
    for sample in samples:
        print(sample)


def time_page(client, name: str, path: str, requests: int) -> None:
    response = client.get(path)  # warm-up, and a sanity check
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code}")
    size = len(response.get_data()) / 1024
    latencies = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(path).get_data()
        latencies.append(time.perf_counter() - started)
    print(
        f"{name:<24} {len(latencies) / sum(latencies):>8.1f} {statistics.median(latencies) * 1000:>8.1f} "
        f"{percentile(latencies, 95) * 1000:>8.1f} {size:>8.0f}"
    )


if __name__ == "__main__":
    main()
