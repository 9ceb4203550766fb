from booking.labs import bp, models  # noqa: F401
