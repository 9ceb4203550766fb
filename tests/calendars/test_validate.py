"""The validation harness can fail: every broken sample is caught, for the reason it is broken."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from booking.calendars.ical import CalendarEvent, Person, build_calendar
from tests.calendars.validate import _ical_views, _vobject_views, assert_valid_calendar, event_views


def sample(*, method: str | None = None, feed: bool = False) -> bytes:
    """A good calendar: one event on the Monday after the change to summer time, 09:00–11:00 local."""
    event = CalendarEvent(
        uid="booking-1@techniekrooster.example",
        sequence=2,
        changed_at=datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
        starts_at=datetime(2027, 3, 29, 7, 0, tzinfo=UTC),
        ends_at=datetime(2027, 3, 29, 9, 0, tzinfo=UTC),
        summary="Robots bouwen",
        location="Industrieweg 1, Utrecht",
        description="Groep 7A (OBS De Regenboog)\n" + "Lange notitie " * 15,
        organizer=Person("noreply@techniekrooster.example", "Techniekrooster"),
        attendees=[Person("teacher@example.org", "Anna de Vries")],
    )
    name = None if method else "Mijn boekingen"
    return build_calendar([event], zone_name="Europe/Amsterdam", name=name, method=method, feed=feed)


def replace(data: bytes, pattern: str, replacement: str, count: int = 1) -> bytes:
    changed, made = re.subn(pattern, replacement, data.decode(), count=count, flags=re.S)
    assert made, f"{pattern!r} not in the sample"
    return changed.encode()


def test_good_samples_pass():
    assert_valid_calendar(sample())
    assert_valid_calendar(sample(feed=True), feed=True)
    assert_valid_calendar(sample(method="REQUEST"), method="REQUEST")


BROKEN = {
    "LF line endings": (lambda d: d.replace(b"\r\n", b"\n"), "bare LF"),
    "a bare CR": (lambda d: d.replace(b"SUMMARY:Robots", b"SUMMARY:Rob\rots"), "bare LF or CR"),
    "not UTF-8": (lambda d: d.replace(b"Robots", "Robôts".encode("latin-1")), "not valid UTF-8"),
    "a floating time": (lambda d: replace(d, r"DTSTART;TZID=Europe/Amsterdam:", "DTSTART:"), "floating time"),
    "a TZID without VTIMEZONE": (lambda d: replace(d, r"TZID=Europe/Amsterdam:", "TZID=Europe/Brussels:"),
                                 "TZID Europe/Brussels has no VTIMEZONE"),
    "the VTIMEZONE after the event": (
        lambda d: replace(d, r"(BEGIN:VTIMEZONE.*?END:VTIMEZONE\r\n)(BEGIN:VEVENT.*?END:VEVENT\r\n)", r"\2\1"),
        "no VTIMEZONE before the first event"),
    "missing DTSTAMP": (lambda d: replace(d, r"DTSTAMP:[^\r]*\r\n", ""), "0 DTSTAMP"),
    "a DTSTAMP in local time": (lambda d: replace(d, r"(DTSTAMP:\d{8}T\d{6})Z", r"\1"), "DTSTAMP is not a UTC"),
    "missing UID": (lambda d: replace(d, r"UID:[^\r]*\r\n", ""), "0 UID"),
    "two UIDs": (lambda d: replace(d, r"(UID:[^\r]*\r\n)", r"\1\1"), "2 UID"),
    "missing DTSTART": (lambda d: replace(d, r"DTSTART;[^\r]*\r\n(?=DTEND)", ""), "0 DTSTART"),
    "DTEND before DTSTART": (
        lambda d: replace(d, r"(DTEND;TZID=Europe/Amsterdam:)20270329T110000", r"\g<1>20270329T080000"),
        "not after DTSTART"),
    "a DATE end with a DATE-TIME start": (
        lambda d: replace(d, r"DTEND;TZID=Europe/Amsterdam:20270329T110000", "DTEND;VALUE=DATE:20270330"),
        "not of the same type"),
    "DTEND and DURATION": (lambda d: replace(d, r"(DTEND[^\r]*\r\n)", r"\1DURATION:PT2H\r\n"),
                           "both DTEND and DURATION"),
    "an unfolded 200-character line": (
        lambda d: replace(d, r"DESCRIPTION:[^\r]*(\r\n [^\r]*)*", "DESCRIPTION:" + "x" * 200), "more than 75"),
    "a control character": (lambda d: d.replace(b"Robots bouwen", b"Robots\x07 bouwen"), "control character"),
    "a form feed": (
        lambda d: d.replace(b"Robots bouwen", b"Robots\x0c bouwen"), "control character"),
    "two VERSIONs": (lambda d: replace(d, r"(VERSION:2.0\r\n)", r"\1\1"), "2 VERSION"),
    "VERSION 1.0": (lambda d: replace(d, r"VERSION:2.0", "VERSION:1.0"), "VERSION is not 2.0"),
    "another PRODID": (lambda d: replace(d, r"PRODID:[^\r]*", "PRODID:-//Other//EN"), "PRODID"),
    "no END:VCALENDAR": (lambda d: replace(d, r"END:VCALENDAR\r\n$", ""), "last line is not END:VCALENDAR"),
    "an unclosed VEVENT": (lambda d: replace(d, r"END:VEVENT\r\n", ""), "closes nothing"),
    "METHOD in a download": (lambda d: replace(d, r"(PRODID:[^\r]*\r\n)", r"\1METHOD:PUBLISH\r\n"), "METHOD"),
    "an event that repeats": (lambda d: replace(d, r"(DTSTAMP:[^\r]*\r\n)", r"\1RRULE:FREQ=DAILY;COUNT=2\r\n"),
                              "expands booking-1@techniekrooster.example 2 times"),
    "a VTIMEZONE that disagrees with the zone's rules": (
        lambda d: replace(d, r"TZOFFSETTO:\+0200", "TZOFFSETTO:+0300"), "vobject reads"),
}  # fmt: skip


@pytest.mark.parametrize("name", BROKEN)
def test_broken_sample_is_caught(name):
    breaks, reason = BROKEN[name]
    data = breaks(sample())
    assert data != sample()
    with pytest.raises(AssertionError, match=re.escape(reason)):
        assert_valid_calendar(data)


FEED_BROKEN = {
    "no METHOD in a feed": (lambda d: replace(d, r"(PRODID:[^\r]*\r\n)", r"\1METHOD:PUBLISH\r\n"), "METHOD"),
    "no NAME": (lambda d: replace(d, r"NAME:[^\r]*\r\n", ""), "0 NAME"),
    "no X-WR-CALNAME": (lambda d: replace(d, r"X-WR-CALNAME:[^\r]*\r\n", ""), "0 X-WR-CALNAME"),
    "REFRESH-INTERVAL without VALUE=DURATION": (
        lambda d: replace(d, r"REFRESH-INTERVAL;VALUE=DURATION:", "REFRESH-INTERVAL:"), "VALUE=DURATION"),
    "X-PUBLISHED-TTL as a clock time": (
        lambda d: replace(d, r"X-PUBLISHED-TTL:PT1H", "X-PUBLISHED-TTL:1:00:00"), "not a duration"),
    "X-WR-TIMEZONE": (lambda d: replace(d, r"(PRODID:[^\r]*\r\n)", r"\1X-WR-TIMEZONE:Europe/Amsterdam\r\n"),
                      "X-WR-TIMEZONE"),
}  # fmt: skip


@pytest.mark.parametrize("name", FEED_BROKEN)
def test_broken_feed_is_caught(name):
    breaks, reason = FEED_BROKEN[name]
    with pytest.raises(AssertionError, match=re.escape(reason)):
        assert_valid_calendar(breaks(sample(feed=True)), feed=True)


def test_a_download_is_not_a_feed():
    with pytest.raises(AssertionError, match="0 REFRESH-INTERVAL"):
        assert_valid_calendar(sample(), feed=True)
    with pytest.raises(AssertionError, match="feed properties outside a feed"):
        assert_valid_calendar(sample(feed=True))


INVITATION_BROKEN = {
    "no METHOD": (lambda d: replace(d, r"METHOD:REQUEST\r\n", ""), "METHOD is []"),
    "another METHOD": (lambda d: replace(d, r"METHOD:REQUEST", "METHOD:CANCEL"), "METHOD is ['CANCEL']"),
    "no ORGANIZER": (lambda d: replace(d, r"ORGANIZER[^\r]*(\r\n [^\r]*)*\r\n", ""), "0 ORGANIZER"),
    "no ATTENDEE": (lambda d: replace(d, r"ATTENDEE[^\r]*(\r\n [^\r]*)*\r\n", ""), "without ATTENDEE"),
    "no SEQUENCE": (lambda d: replace(d, r"SEQUENCE:[^\r]*\r\n", ""), "0 SEQUENCE"),
    "X-WR-CALNAME": (lambda d: replace(d, r"(PRODID:[^\r]*\r\n)", r"\1X-WR-CALNAME:Boekingen\r\n"), "X-WR-CALNAME"),
}  # fmt: skip


@pytest.mark.parametrize("name", INVITATION_BROKEN)
def test_broken_invitation_is_caught(name):
    breaks, reason = INVITATION_BROKEN[name]
    with pytest.raises(AssertionError, match=re.escape(reason)):
        assert_valid_calendar(breaks(sample(method="REQUEST")), method="REQUEST")


def test_the_parsers_are_a_second_line_of_defence():
    """Without the raw checks, vobject alone refuses an event without DTSTAMP, and ical alone a DATE
    end with a DATE-TIME start."""
    data = replace(sample(), r"DTSTAMP:[^\r]*\r\n", "")
    with pytest.raises(AssertionError, match="vobject refuses"):
        _vobject_views(data.decode())
    data = replace(sample(), r"DTEND;TZID=Europe/Amsterdam:20270329T110000", "DTEND;VALUE=DATE:20270330")
    with pytest.raises(AssertionError, match="ical refuses"):
        _ical_views(data.decode())


def test_every_parser_reads_the_same_event():
    views = event_views(sample())
    assert set(views) == {"icalendar", "vobject", "ical", "recurring-ical-events"}
    for events in views.values():
        (event,) = events.values()
        assert event.starts_at == datetime(2027, 3, 29, 7, 0, tzinfo=UTC)
        assert event.summary == "Robots bouwen"
        assert event.description.startswith("Groep 7A (OBS De Regenboog)\nLange notitie")
