"""Real OS processes for race tests, started quickly: forked from a server process that has
already imported the application (a spawned process spends seconds importing it again)."""

from __future__ import annotations

import multiprocessing

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
