"""Reading whole-day ranges (holidays, closures) from an uploaded iCalendar (.ics) file.

The one parser every import uses. It only reads: what becomes of the ranges (holidays of a region,
closures of a lab) is up to the services, which get the plain ``DayRange`` values from here.

What is read, and how:

- All-day events (DTSTART is a DATE): DTEND is exclusive, so the last day is DTEND − 1 day. No DTEND
  and no DURATION means one day; a DURATION counts whole days. A DTEND equal to DTSTART (some
  programs write that for a one-day event) is one day too.
- Timed events (DTSTART is a DATE-TIME) are taken as the whole local days they touch, because a day
  off or a closed lab is a whole day in this application, and official holiday calendars sometimes
  write their days as 00:00–00:00 times. Two refinements keep the dates right: an event that runs from
  midnight to midnight as written (in its own time zone, UTC included) keeps the dates it was written
  with, so "00:00Z to 00:00Z" does not grow by a day in Amsterdam; any other event is converted to the
  installation's time zone (times without a zone are local already) and covers the local dates from
  its start up to its end, an end at exactly local midnight not counting as a day.
- Everything else is reported in ``ignored`` with a reason the user can read, never dropped silently:
  repeating events (RRULE, RDATE, RECURRENCE-ID), cancelled events, events without a start or a name,
  events that end before they start or last longer than a year, unreadable dates, the same event twice,
  and components that are not events (VTODO, VJOURNAL, ...). Time zone definitions are used, not reported.
- A file that is not iCalendar at all, cannot be decoded, is too large, or has no event that can be
  imported raises ``DomainError`` (on the form field ``file``), so nothing is imported.
"""

from __future__ import annotations

import base64
import binascii
import math
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from flask_babel import gettext as _
from icalendar import Calendar

from booking.core.errors import DomainError

MAX_FILE_SIZE = 1_000_000  # bytes; an official holiday calendar is a few kilobytes
MAX_DAYS = 366
# Flask keeps form fields under MAX_FORM_MEMORY_SIZE (500 kB by default); the packed file must fit.
MAX_PACKED_SIZE = 450_000

COMPONENT_REASONS = {
    "VTODO": lambda: _("a to-do (VTODO), not an event"),
    "VJOURNAL": lambda: _("a journal entry (VJOURNAL), not an event"),
    "VFREEBUSY": lambda: _("free/busy information (VFREEBUSY), not an event"),
}


@dataclass(frozen=True)
class DayRange:
    """Whole days from ``first_day`` to ``last_day``, both included."""

    name: str
    first_day: date
    last_day: date
    uid: str | None = None
    # A timed event ("Studiedag (middag)", 12:30–15:00) touches whole days; its local hours are
    # kept, so the preview can say so and a blocked date can take only the morning or afternoon.
    times: tuple[time, time] | None = None

    @property
    def hours(self) -> str | None:
        return f"{self.times[0]:%H:%M}–{self.times[1]:%H:%M}" if self.times else None

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


@dataclass(frozen=True)
class Ignored:
    """A part of the file that is not imported, and why (in the user's language)."""

    summary: str
    reason: str
    first_day: date | None = None


@dataclass
class DayRangeImport:
    ranges: list[DayRange] = field(default_factory=list)
    ignored: list[Ignored] = field(default_factory=list)


class NothingToImport(DomainError):
    """A readable calendar without a single usable event; ``ignored`` says what was in it instead."""

    def __init__(self, message: str, ignored: list[Ignored]):
        super().__init__(message, field="file")
        self.ignored = ignored


@dataclass
class ImportRow:
    """One range of a preview: to be added, already there (``existing``), or skipped for a reason."""

    range: DayRange
    existing: Any = None
    skip_reason: str | None = None

    @property
    def will_be_added(self) -> bool:
        return self.existing is None and self.skip_reason is None


@dataclass(frozen=True)
class ImportResult:
    added: int
    skipped_existing: int


# Reading -----------------------------------------------------------------------------------------


def read_day_ranges(data: bytes, *, tz: tzinfo, max_name_length: int = 200) -> DayRangeImport:
    """The day ranges in an .ics file, sorted by first day, and the parts that were left out.

    ``tz`` is the installation's time zone, for timed events; names longer than ``max_name_length``
    (the column they go into) are shortened.
    """
    calendars = _parse(_decode(data))
    result = DayRangeImport()
    seen: set[tuple[str, date, date]] = set()
    for calendar in calendars:
        for component in calendar.subcomponents:
            if component.name == "VTIMEZONE":
                continue
            outcome = _read_component(component, tz, max_name_length)
            if isinstance(outcome, DayRange) and (outcome.name, outcome.first_day, outcome.last_day) in seen:
                outcome = Ignored(outcome.name, _("same as an earlier event in this file"), outcome.first_day)
            if isinstance(outcome, DayRange):
                seen.add((outcome.name, outcome.first_day, outcome.last_day))
                result.ranges.append(outcome)
            else:
                result.ignored.append(outcome)
    if not result.ranges:
        raise NothingToImport(_("The file contains no events that can be imported."), result.ignored)
    result.ranges.sort(key=lambda r: (r.first_day, r.last_day, r.name))
    return result


def _not_icalendar() -> DomainError:
    return DomainError(_("This file is not an iCalendar (.ics) file."), field="file")


def _decode(data: bytes) -> str:
    if len(data) > MAX_FILE_SIZE:
        raise DomainError(
            _("The file is larger than %(size)s. Import a smaller calendar, for example one school year.", size="1 MB"),
            field="file",
        )
    if not data.strip():
        raise DomainError(_("The file is empty."), field="file")
    try:
        encoding = "utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
        text = data.decode(encoding)
    except UnicodeDecodeError:
        if b"BEGIN:VCALENDAR" in data.upper():
            raise DomainError(
                _("The file is not in UTF-8, the character encoding of iCalendar files. Export it again as UTF-8."),
                field="file",
            ) from None
        raise _not_icalendar() from None
    if "\x00" in text:
        raise _not_icalendar()
    return text


def _parse(text: str) -> list[Calendar]:
    try:
        components = Calendar.from_ical(text, multiple=True)
    # icalendar reports bad input as ValueError; the others guard against input it did not foresee.
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError):
        components = []
    calendars = [component for component in components if component.name == "VCALENDAR"]
    if calendars:
        return calendars
    if text.lstrip().upper().startswith("BEGIN:VCALENDAR"):
        raise DomainError(
            _("This iCalendar (.ics) file is damaged and cannot be read. Export it again and retry."), field="file"
        )
    raise _not_icalendar()


class _Unusable(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _read_component(component, tz: tzinfo, max_name_length: int) -> DayRange | Ignored:
    summary = _summary(component, max_name_length)
    label = summary or _("(no name)")
    if component.name != "VEVENT":
        reason = COMPONENT_REASONS.get(component.name)
        return Ignored(label, reason() if reason else _("not an event (%(kind)s)", kind=component.name))
    try:
        start = _value(component, "DTSTART")
    except (ValueError, TypeError):
        return Ignored(label, _("the dates cannot be read"))
    if start is None:
        return Ignored(label, _("no start date"))
    start_day = _day_of(start)
    if "RRULE" in component or "RDATE" in component:
        return Ignored(label, _("repeating event: only one-off events are imported"), start_day)
    if "RECURRENCE-ID" in component:
        return Ignored(label, _("changes one date of a repeating event"), start_day)
    if str(component.get("STATUS", "")).upper() == "CANCELLED":
        return Ignored(label, _("cancelled"), start_day)
    if not summary:
        return Ignored(label, _("no name"), start_day)
    try:
        first_day, last_day = _days(component, start, tz)
    except _Unusable as unusable:
        return Ignored(label, unusable.reason, start_day)
    except (ValueError, TypeError, OverflowError):
        return Ignored(label, _("the dates cannot be read"), start_day)
    if (last_day - first_day).days + 1 > MAX_DAYS:
        return Ignored(label, _("longer than a year"), first_day)
    uid = component.get("UID")
    return DayRange(summary, first_day, last_day, str(uid) if uid else None, times=_times(component, start, tz))


def _times(component, start, tz: tzinfo) -> tuple[time, time] | None:
    """The local start and end time of a timed event that does not span whole days, else None."""
    if not isinstance(start, datetime):
        return None
    end = _value(component, "DTEND")
    if end is None and isinstance(_value(component, "DURATION"), timedelta):
        end = start + _value(component, "DURATION")
    local_start = _local(start, tz)
    local_end = _local(end, tz) if isinstance(end, datetime) else local_start
    if local_start.time() == local_end.time() == time(0, 0):
        return None
    return local_start.time(), local_end.time()


def _summary(component, max_name_length: int) -> str:
    value = component.get("SUMMARY")
    if isinstance(value, list):
        value = value[0] if value else None
    name = " ".join(str(value).split()) if value is not None else ""
    if len(name) > max_name_length:
        name = name[: max_name_length - 1].rstrip() + "…"
    return name


def _value(component, name: str):
    """A date-like property's value (``.dt`` raises ValueError for a broken one), or None."""
    prop = component.get(name)
    if isinstance(prop, list):
        prop = prop[0] if prop else None
    return None if prop is None else prop.dt


def _day_of(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def _days(component, start, tz: tzinfo) -> tuple[date, date]:
    end = _value(component, "DTEND")
    duration = _value(component, "DURATION") if end is None else None
    if not isinstance(start, date) or (end is not None and not isinstance(end, date)):
        raise ValueError("not a date")
    if duration is not None and not isinstance(duration, timedelta):
        raise ValueError("not a duration")
    if isinstance(start, datetime):
        if end is not None and not isinstance(end, datetime):
            raise _Unusable(_("starts at a time but ends on a date"))
        if duration is not None:
            end = start + duration
        return _timed_days(start, end if end is not None else start, tz)
    if isinstance(end, datetime):
        raise _Unusable(_("starts on a date but ends at a time"))
    if duration is not None:
        if duration < timedelta(0):
            raise _Unusable(_("ends before it starts"))
        end = start + timedelta(days=max(1, math.ceil(duration / timedelta(days=1))))
    if end is None or end == start:
        return start, start
    if end < start:
        raise _Unusable(_("ends before it starts"))
    return start, end - timedelta(days=1)


def _timed_days(start: datetime, end: datetime, tz: tzinfo) -> tuple[date, date]:
    local_start, local_end = _local(start, tz), _local(end, tz)
    if local_end < local_start:
        raise _Unusable(_("ends before it starts"))
    midnight = time(0, 0)
    if start.time() == midnight and end.time() == midnight:
        return start.date(), max(start.date(), end.date() - timedelta(days=1))
    last_day = local_end.date()
    if local_end.time() == midnight and local_end > local_start:
        last_day -= timedelta(days=1)
    return local_start.date(), last_day


def _local(moment: datetime, tz: tzinfo) -> datetime:
    """Wall-clock time in ``tz``; a time without a zone (a "floating" time) is local already."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(tz).replace(tzinfo=None)


# Carrying the file from the preview to the confirmation -----------------------------------------


def pack_upload(data: bytes) -> str:
    """The uploaded file as text for a hidden form field; the confirmation reads the file again."""
    packed = base64.urlsafe_b64encode(zlib.compress(data, 9)).decode("ascii")
    if len(packed) > MAX_PACKED_SIZE:
        raise DomainError(_("The file is too large to import in one go. Import a smaller calendar."), field="file")
    return packed


def unpack_upload(packed: str) -> bytes:
    try:
        inflater = zlib.decompressobj()
        data = inflater.decompress(base64.urlsafe_b64decode(packed.encode("ascii")), MAX_FILE_SIZE + 1)
        if not inflater.eof and len(data) <= MAX_FILE_SIZE:
            raise ValueError("truncated")
    except (ValueError, binascii.Error, zlib.error, UnicodeEncodeError):
        raise DomainError(_("The file got lost between the preview and the import. Upload it again.")) from None
    return data
