"""Catalogue benchmark: requests per second and latency of the public catalogue at the large demo size.

    .venv/bin/python bench/catalogue.py                      # temporary SQLite database
    .venv/bin/python bench/catalogue.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

The database is migrated and filled with ``flask demo --size large`` (about 2,000 activities and
80,000 sessions) unless that data is already there. Requests go through the whole Flask stack
(routing, session, templates, SQL) in this process, one at a time, so the figures are per core.
Everything in the named database is kept; use an empty database.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import app_with_large_demo, percentile

SCENARIOS = [
    ("first page", "/catalogue"),
    ("page 10", "/catalogue?page=10"),
    ("free text", "/catalogue?q=robot"),
    ("theme + grade", "/catalogue?theme={theme}&grade=groep-7"),
    ("region + free places", "/catalogue?region={region}&free=y"),
    ("date range", "/catalogue?from={month_start}&to={month_end}"),
    ("everything", "/catalogue?q=bouwen&theme={theme}&grade=groep-6&location=at_partner&region={region}&free=y"),
    ("activity page", "/activities/{activity}"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a new SQLite file in a temporary folder")
    parser.add_argument("--requests", type=int, default=100, help="requests per scenario (default 100)")
    args = parser.parse_args()

    from datetime import timedelta

    from sqlalchemy import func, select

    from booking.catalogue.models import Activity, ActivityStatus, Session, Theme
    from booking.core.time import local_today
    from booking.extensions import db
    from booking.organisations.models import Region

    app = app_with_large_demo(args.database_url)
    with app.app_context():
        counts = (
            db.session.scalar(select(func.count(Activity.id)).where(Activity.status == ActivityStatus.PUBLISHED)),
            db.session.scalar(select(func.count(Session.id))),
        )
        today = local_today().replace(day=1)
        ids = {
            "theme": db.session.scalar(select(Theme.id).where(Theme.name == "Robotica")),
            "region": db.session.scalar(select(Region.id).where(Region.name == "Regio Eindhoven")),
            "activity": db.session.scalar(
                select(Activity.id).where(Activity.status == ActivityStatus.PUBLISHED).order_by(Activity.id)
            ),
            "month_start": (today + timedelta(days=62)).replace(day=1).isoformat(),
            "month_end": ((today + timedelta(days=93)).replace(day=1) - timedelta(days=1)).isoformat(),
        }
    print(f"Database: {app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]}")
    print(f"Data: {counts[0]:,} published activities, {counts[1]:,} sessions; {args.requests} requests per scenario")
    print()
    print(f"{'scenario':<22} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'results':>9}")

    client = app.test_client()
    all_latencies = []
    for name, pattern in SCENARIOS:
        path = pattern.format(**ids)
        response = client.get(path)  # warm-up, and a sanity check
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
        body = response.get_data(as_text=True)
        results = body.count('class="card activity-card"') if path.startswith("/catalogue") else "-"
        latencies = []
        for _ in range(args.requests):
            started = time.perf_counter()
            client.get(path)
            latencies.append(time.perf_counter() - started)
        all_latencies += latencies
        print(
            f"{name:<22} {len(latencies) / sum(latencies):>8.1f} {statistics.median(latencies) * 1000:>8.1f} "
            f"{percentile(latencies, 95) * 1000:>8.1f} {results!s:>9}"
        )
    print(
        f"{'all':<22} {len(all_latencies) / sum(all_latencies):>8.1f} {statistics.median(all_latencies) * 1000:>8.1f} "
        f"{percentile(all_latencies, 95) * 1000:>8.1f}"
    )


if __name__ == "__main__":
    main()
