"""Wrong passwords are counted once for all worker processes when the counters are shared (Redis):
with per-process counters 4 workers let 14 of 24 guesses through; now the limit holds across them."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request

import pytest

from booking.extensions import limiter
from tests.processes import serving

WORKERS = 4
REDIS = "redis://127.0.0.1:6379/14"


def _serve(db_url: str, port: int) -> None:
    from werkzeug.serving import make_server

    from booking import create_app

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": db_url, "RATELIMIT_STORAGE_URI": REDIS})
    make_server("127.0.0.1", port, app, threaded=True).serve_forever()


def _post(base: str, data: dict) -> int:
    request = urllib.request.Request(base + "/login", data=urllib.parse.urlencode(data).encode())
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def redis_limits(make_app):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=1).flushdb()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    yield
    redis.Redis.from_url(REDIS).flushdb()
    limiter.reset()


def test_guesses_spread_over_worker_processes_meet_one_limit(db_url, users, redis_limits):
    with serving(_serve, db_url, WORKERS) as bases:
        guess = {"email": users["teacher"].email, "password": "wrong-password"}
        statuses = [_post(bases[n % WORKERS], guess) for n in range(24)]
    # 3 per minute for one account from one address, whichever worker answers.
    assert statuses.count(200) == 3, statuses
    assert statuses.count(429) == 21, statuses
