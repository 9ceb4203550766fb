"""Events are written once and remembered: the cache never changes what a calendar says."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from booking.calendars import ical
from tests.calendars.validate import assert_valid_calendar


def events(count: int) -> list[ical.CalendarEvent]:
    start = datetime(2027, 3, 22, 8, 0, tzinfo=UTC)
    return [
        ical.CalendarEvent(
            uid=f"booking-{n}@techniekrooster.test",
            sequence=n % 3,
            changed_at=datetime(2026, 11, 22, 10, 0, tzinfo=UTC),
            starts_at=start + timedelta(days=n),
            ends_at=start + timedelta(days=n, hours=3),
            summary=f"Robots bouwen, groep {n}",
            location="Lokaal 1; Utrecht",
        )
        for n in range(count)
    ]


def test_a_remembered_event_gives_the_same_bytes_and_a_changed_one_is_written_again(monkeypatch):
    monkeypatch.setattr(ical, "_WRITTEN", type(ical._WRITTEN)())
    first = ical.build_calendar(events(5), zone_name="Europe/Amsterdam", name="Feed", feed=True)
    assert len(ical._WRITTEN) == 5
    again = ical.build_calendar(events(5), zone_name="Europe/Amsterdam", name="Feed", feed=True)
    assert again == first
    changed = events(5)
    changed[2] = replace(changed[2], summary="Robots bouwen (verplaatst)", sequence=7)
    output = ical.build_calendar(changed, zone_name="Europe/Amsterdam", name="Feed", feed=True)
    calendar = assert_valid_calendar(output, feed=True)
    assert [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")][2] == "Robots bouwen (verplaatst)"
    assert output.count(b"BEGIN:VEVENT") == 5 and len(ical._WRITTEN) == 6
    # The same event as an invitation or in UTC is another entry, not the feed's bytes.
    utc = ical.build_calendar(events(1), zone_name="America/New_York", name="Feed")
    assert b"DTSTART:20270322T080000Z" in utc


def test_the_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(ical, "_WRITTEN", type(ical._WRITTEN)())
    monkeypatch.setattr(ical, "_WRITTEN_MAX", 10)
    ical.build_calendar(events(25), zone_name="Europe/Amsterdam", name="Feed", feed=True)
    assert len(ical._WRITTEN) == 10
