"""What the benchmarks share: an app on a database with the large demo loaded, and percentiles."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def app_with_large_demo(database_url: str | None, **config):
    """An app on ``database_url`` (default: a new SQLite file), migrated and with the large demo."""
    from flask_migrate import upgrade

    from booking import create_app
    from booking.demo import load_demo, load_large_demo
    from booking.extensions import db

    url = database_url or f"sqlite:///{tempfile.mkdtemp(prefix='techniekrooster-bench-')}/bench.sqlite"
    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, **config})
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        load_demo()
        db.session.commit()
        if load_large_demo():
            print(f"Large demo loaded in {time.perf_counter() - started:.1f} s")
        db.session.commit()
    return app


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]
