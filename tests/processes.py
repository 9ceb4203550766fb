"""Real OS processes for race tests, started quickly: forked from a server process that has
already imported the application (a spawned process spends seconds importing it again)."""

from __future__ import annotations

import multiprocessing
import socket
import time
import urllib.error
import urllib.request
from contextlib import contextmanager

PRELOAD = [
    "booking",
    "booking.extensions",
    "booking.cli",
    "booking.accounts.views",
    "booking.bookings.views",
    "booking.calendars.views",
    "booking.catalogue.views",
    "booking.core.views",
    "booking.labs.views",
    "booking.organisations.views",
    "werkzeug.serving",
]


def process_context():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(target, db_url: str, count: int):
    """``count`` OS processes, each running ``target(db_url, port)`` (a server of the app), until the
    block ends; yields their base URLs once every one answers /healthz."""
    context = process_context()
    ports = [_free_port() for _ in range(count)]
    processes = [context.Process(target=target, args=(db_url, port), daemon=True) for port in ports]
    for process in processes:
        process.start()
    try:
        deadline = time.monotonic() + 60
        for port in ports:
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                    break
                except (urllib.error.URLError, ConnectionError):
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for process in processes:
            process.terminate()
            process.join(timeout=10)
