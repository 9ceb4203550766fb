"""Reading holidays and closures from .ics files: what is read, what is reported as not imported,
and which files are refused outright (so that nothing is imported from them)."""

from __future__ import annotations

import itertools
import random
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from booking.calendars.imports import (
    MAX_FILE_SIZE,
    DayRange,
    NothingToImport,
    pack_upload,
    read_day_ranges,
    unpack_upload,
)
from booking.core.errors import DomainError

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DATA = Path(__file__).parent / "data"
HOLIDAYS_MIDDEN = DATA / "schoolvakanties-2026-2027-midden.ics"
UIDS = itertools.count(1)


def ics(*parts: str) -> bytes:
    """A calendar around the given components, with the CRLF line endings of RFC 5545."""
    body = "\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Techniekrooster tests//NL", *parts, "END:VCALENDAR"])
    return (body.strip() + "\n").replace("\n", "\r\n").encode()


def event(summary: str | None = "Studiedag", *lines: str) -> str:
    summary_line = [f"SUMMARY:{summary}"] if summary is not None else []
    return "\n".join(["BEGIN:VEVENT", f"UID:{next(UIDS)}@tests", *summary_line, *lines, "END:VEVENT"])


def read(data: bytes, **kwargs):
    return read_day_ranges(data, tz=AMSTERDAM, **kwargs)


def days(result) -> list[tuple[str, date, date]]:
    return [(r.name, r.first_day, r.last_day) for r in result.ranges]


# A valid calendar ------------------------------------------------------------------------------


def test_an_official_holiday_calendar_gives_every_holiday_with_its_last_day_included():
    result = read(HOLIDAYS_MIDDEN.read_bytes())

    assert days(result) == [
        ("Herfstvakantie", date(2026, 10, 17), date(2026, 10, 25)),
        ("Kerstvakantie", date(2026, 12, 19), date(2027, 1, 3)),
        ("Voorjaarsvakantie", date(2027, 2, 20), date(2027, 2, 28)),
        ("Meivakantie", date(2027, 4, 24), date(2027, 5, 2)),
        ("Zomervakantie", date(2027, 7, 17), date(2027, 8, 29)),
    ]
    assert result.ranges[0].uid == "herfstvakantie-2026-midden@schoolvakanties.example"
    assert result.ranges[-1].days == 44
    assert result.ignored == []


def test_an_all_day_event_without_end_is_one_day_and_a_duration_counts_whole_days():
    result = read(
        ics(
            event("Studiedag", "DTSTART;VALUE=DATE:20261105"),
            event("Toetsweek", "DTSTART;VALUE=DATE:20270125", "DURATION:P5D"),
            event("Open dag", "DTSTART;VALUE=DATE:20270130", "DTEND;VALUE=DATE:20270130"),
        )
    )

    assert days(result) == [
        ("Studiedag", date(2026, 11, 5), date(2026, 11, 5)),
        ("Toetsweek", date(2027, 1, 25), date(2027, 1, 29)),
        ("Open dag", date(2027, 1, 30), date(2027, 1, 30)),
    ]


@pytest.mark.parametrize(
    "start, end, first, last",
    [
        # A school day in Amsterdam: that day.
        ("DTSTART;TZID=Europe/Amsterdam:20261105T083000", "DTEND;TZID=Europe/Amsterdam:20261105T150000", 5, 5),
        # Local midnight written in UTC (the day before, 23:00Z in winter): the local days.
        ("DTSTART:20261104T230000Z", "DTEND:20261106T230000Z", 5, 6),
        # Midnight to midnight as written, in UTC: the days as written, not one more in Amsterdam.
        ("DTSTART:20261105T000000Z", "DTEND:20261107T000000Z", 5, 6),
        # A time without a zone is local; an evening into the night touches two days.
        ("DTSTART:20261105T200000", "DTEND:20261106T020000", 5, 6),
        # 16:00 UTC to 23:30 UTC is 17:00 to 00:30 local: into the next day.
        ("DTSTART:20261105T160000Z", "DTEND:20261105T233000Z", 5, 6),
        # Without an end, or with a duration.
        ("DTSTART;TZID=Europe/Amsterdam:20261105T090000", "", 5, 5),
        ("DTSTART;TZID=Europe/Amsterdam:20261105T090000", "DURATION:P1DT2H", 5, 6),
    ],
)
def test_a_timed_event_covers_the_local_days_it_touches(start, end, first, last):
    result = read(ics(event("Onderhoud", start, end)))

    assert days(result) == [("Onderhoud", date(2026, 11, first), date(2026, 11, last))]


def test_a_time_zone_defined_in_the_file_is_used():
    timezone = """BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE"""
    result = read(
        ics(
            timezone,
            event(
                "Studiedag",
                "DTSTART;TZID=W. Europe Standard Time:20270315T083000",
                "DTEND;TZID=W. Europe Standard Time:20270315T160000",
            ),
        )
    )

    assert days(result) == [("Studiedag", date(2027, 3, 15), date(2027, 3, 15))]
    assert result.ignored == []  # the time zone is used, not reported


def test_long_names_are_shortened_to_the_column_and_whitespace_is_tidied():
    long_name = "Studiedag " + "heel erg lang " * 20
    result = read(ics(event(long_name, "DTSTART;VALUE=DATE:20261105")), max_name_length=80)

    name = result.ranges[0].name
    assert len(name) == 80
    assert name.startswith("Studiedag heel erg lang")
    assert name.endswith("…")
    assert read(ics(event("Studie\\n  dag ", "DTSTART;VALUE=DATE:20261105"))).ranges[0].name == "Studie dag"


def test_a_file_from_windows_with_a_byte_order_mark_is_read():
    data = b"\xef\xbb\xbf" + ics(event("Kerstvakantie", "DTSTART;VALUE=DATE:20261219", "DTEND;VALUE=DATE:20270104"))
    assert days(read(data)) == [("Kerstvakantie", date(2026, 12, 19), date(2027, 1, 3))]
    utf16 = ics(event("Meivakantie", "DTSTART;VALUE=DATE:20270424")).decode().encode("utf-16")
    assert days(read(utf16)) == [("Meivakantie", date(2027, 4, 24), date(2027, 4, 24))]


# Parts that are not imported ---------------------------------------------------------------------

MIXED = ics(
    event("Herfstvakantie", "DTSTART;VALUE=DATE:20261017", "DTEND;VALUE=DATE:20261026"),
    event("Teamoverleg", "DTSTART;TZID=Europe/Amsterdam:20261102T150000", "DURATION:PT1H", "RRULE:FREQ=WEEKLY"),
    event("Koningsdag", "DTSTART;VALUE=DATE:20270427", "RDATE;VALUE=DATE:20280427"),
    event("Teamoverleg", "DTSTART;TZID=Europe/Amsterdam:20261109T160000", "RECURRENCE-ID:20261109T150000"),
    event("Ouderavond", "DTSTART;TZID=Europe/Amsterdam:20261112T190000", "DTEND;TZID=Europe/Amsterdam:20261112T210000"),
    event("Sportdag", "DTSTART;VALUE=DATE:20270610", "STATUS:CANCELLED"),
    event("Studiedag zonder datum"),
    event(None, "DTSTART;VALUE=DATE:20270301"),
    event("Omgekeerd", "DTSTART;VALUE=DATE:20270310", "DTEND;VALUE=DATE:20270305"),
    event("Verbouwing", "DTSTART;VALUE=DATE:20270101", "DTEND;VALUE=DATE:20280601"),
    event("Kapotte datum", "DTSTART;VALUE=DATE:2027-13-45"),
    event("Herfstvakantie", "DTSTART;VALUE=DATE:20261017", "DTEND;VALUE=DATE:20261026"),
    "BEGIN:VTODO\nSUMMARY:Verf kopen\nDUE;VALUE=DATE:20261101\nEND:VTODO",
    "BEGIN:VJOURNAL\nSUMMARY:Notulen\nDTSTART;VALUE=DATE:20261101\nEND:VJOURNAL",
)


def test_unsupported_parts_are_each_reported_and_the_good_events_still_read():
    result = read(MIXED)

    assert days(result) == [
        ("Herfstvakantie", date(2026, 10, 17), date(2026, 10, 25)),
        ("Ouderavond", date(2026, 11, 12), date(2026, 11, 12)),
    ]
    assert [(part.summary, part.reason, part.first_day) for part in result.ignored] == [
        ("Teamoverleg", "repeating event: only one-off events are imported", date(2026, 11, 2)),
        ("Koningsdag", "repeating event: only one-off events are imported", date(2027, 4, 27)),
        ("Teamoverleg", "changes one date of a repeating event", date(2026, 11, 9)),
        ("Sportdag", "cancelled", date(2027, 6, 10)),
        ("Studiedag zonder datum", "no start date", None),
        ("(no name)", "no name", date(2027, 3, 1)),
        ("Omgekeerd", "ends before it starts", date(2027, 3, 10)),
        ("Verbouwing", "longer than a year", date(2027, 1, 1)),
        ("Kapotte datum", "the dates cannot be read", None),
        ("Herfstvakantie", "same as an earlier event in this file", date(2026, 10, 17)),
        ("Verf kopen", "a to-do (VTODO), not an event", None),
        ("Notulen", "a journal entry (VJOURNAL), not an event", None),
    ]


def test_a_calendar_with_only_unusable_events_is_refused_and_says_what_was_in_it():
    data = ics(event("Teamoverleg", "DTSTART;VALUE=DATE:20261102", "RRULE:FREQ=WEEKLY"), "BEGIN:VTODO\nEND:VTODO")

    with pytest.raises(NothingToImport) as refused:
        read(data)

    assert refused.value.message == "The file contains no events that can be imported."
    assert [part.summary for part in refused.value.ignored] == ["Teamoverleg", "(no name)"]


# Files that are refused --------------------------------------------------------------------------

NOT_ICALENDAR = "This file is not an iCalendar (.ics) file."


@pytest.mark.parametrize(
    "data, message",
    [
        (random.Random(5545).randbytes(4000), NOT_ICALENDAR),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", NOT_ICALENDAR),
        (b"<!DOCTYPE html><html><body><h1>Schoolvakanties</h1></body></html>", NOT_ICALENDAR),
        (b"Herfstvakantie;17-10-2026;25-10-2026\nKerstvakantie;19-12-2026;03-01-2027\n", NOT_ICALENDAR),
        (b"BEGIN:VEVENT\r\nSUMMARY:Studiedag\r\nDTSTART;VALUE=DATE:20261105\r\nEND:VEVENT\r\n", NOT_ICALENDAR),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00BEGIN:VCALENDAR", NOT_ICALENDAR),
        (b"", "The file is empty."),
        (b"  \r\n\r\n", "The file is empty."),
        (
            b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY:Studiedag\r\n",
            "This iCalendar (.ics) file is damaged and cannot be read. Export it again and retry.",
        ),
        (
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:Caf\xe9 dicht\r\nDTSTART;VALUE=DATE:20261105\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n".encode("latin-1"),
            "The file is not in UTF-8, the character encoding of iCalendar files. Export it again as UTF-8.",
        ),
        (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", "The file contains no events that can be imported."),
    ],
    ids=[
        "random-bytes",
        "png",
        "html",
        "csv",
        "event-without-calendar",
        "zip",
        "empty",
        "blank",
        "calendar-without-end",
        "not-utf8",
        "no-events",
    ],
)
def test_a_file_that_is_not_a_usable_calendar_is_refused_with_a_clear_message(data, message):
    with pytest.raises(DomainError) as refused:
        read(data)

    assert refused.value.message == message
    assert refused.value.field == "file"


def test_a_file_over_one_megabyte_is_refused():
    padding = "X-FILLER:" + "x" * 70
    big = ics(event("Studiedag", "DTSTART;VALUE=DATE:20261105"), *[padding] * (MAX_FILE_SIZE // 70))
    assert len(big) > MAX_FILE_SIZE

    with pytest.raises(DomainError) as refused:
        read(big)

    assert refused.value.message.startswith("The file is larger than 1 MB.")


# Carrying the file from the preview to the import ------------------------------------------------


def test_the_packed_file_is_read_back_as_it_was():
    data = HOLIDAYS_MIDDEN.read_bytes()
    packed = pack_upload(data)

    assert packed.isascii()
    assert len(packed) < len(data)
    assert unpack_upload(packed) == data


@pytest.mark.parametrize("packed", ["", "not base64 at all!", "AAAA", pack_upload(b"BEGIN:VCALENDAR" * 100)[:-12], "é"])
def test_a_damaged_packed_file_is_refused(packed):
    with pytest.raises(DomainError) as refused:
        unpack_upload(packed)

    assert refused.value.message == "The file got lost between the preview and the import. Upload it again."


def test_day_ranges_count_both_ends():
    assert DayRange("Studiedag", date(2026, 11, 5), date(2026, 11, 5)).days == 1
