"""Local-time helpers: the installation's time zone is applied at the edges only."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def to_local(instant: datetime) -> datetime:
    return instant.astimezone(local_zone())


def school_year_of(day: date) -> int:
    """The school year (1 August – 31 July) a day falls in, named by the year it starts."""
    return day.year if day.month >= 8 else day.year - 1


def current_school_year() -> int:
    return school_year_of(to_local(utcnow()).date())


def school_year_label(start_year: int) -> str:
    return f"{start_year}–{start_year + 1}"


class NonexistentLocalTime(ValueError):
    """A wall-clock time skipped by the change to summer time (02:30 on the last Sunday of March)."""


def from_local(day: date, wall_time: time) -> datetime:
    """The UTC instant of a local date and wall-clock time; an ambiguous time means its first occurrence."""
    zone = local_zone()
    local = datetime.combine(day, wall_time, tzinfo=zone)
    instant = local.astimezone(UTC)
    back = instant.astimezone(zone)
    if (back.date(), back.time()) != (day, wall_time.replace(tzinfo=None)):
        raise NonexistentLocalTime(f"{day} {wall_time} does not exist in {zone.key}")
    return instant


def local_today() -> date:
    return to_local(utcnow()).date()
