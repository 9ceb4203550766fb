"""Routes of the calendars: downloads of one booking, session or series, and subscription feeds."""

from __future__ import annotations

from booking.calendars import bp  # noqa: F401

# Downloads ---------------------------------------------------------------------------------------


# Subscription feeds ------------------------------------------------------------------------------
