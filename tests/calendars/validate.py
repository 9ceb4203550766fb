"""Checks every calendar output against ``shared/CALENDARS.md``: on the raw bytes, and through four
independent parsers (icalendar, vobject, ical, recurring-ical-events) that must agree with each other.

``assert_valid_calendar(data)`` raises ``AssertionError`` naming the first rule broken and returns the
icalendar ``Calendar``; ``event_views(data)`` gives what each parser read of every event, for tests
that check text and times came through intact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import icalendar
import recurring_ical_events
import vobject
from ical.calendar_stream import IcsCalendarStream

from booking.calendars.ical import PRODID

MAX_OCTETS = 75
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_NAME = re.compile(r"[A-Za-z0-9-]+")
_DATE = re.compile(r"\d{8}")
_DATE_TIME = re.compile(r"\d{8}T\d{6}Z?")
_UTC_DATE_TIME = re.compile(r"\d{8}T\d{6}Z")
_DURATION = re.compile(r"[+-]?P(?:\d+W|(?=\d|T\d)(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+S)?)?)")
# Properties whose values are dates or date-times (RFC 5545 §3.8.2, §3.8.5, §3.8.7).
_TIME_PROPERTIES = {
    "DTSTART", "DTEND", "DUE", "RECURRENCE-ID", "EXDATE", "RDATE", "DTSTAMP", "CREATED", "LAST-MODIFIED",
    "COMPLETED",
}  # fmt: skip
# Only these may be local times without a TZID: a VTIMEZONE's observances are in its own zone.
_OBSERVANCES = {"STANDARD", "DAYLIGHT"}
_WIDE = (datetime(1900, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC))


def fail(message: str):
    raise AssertionError(message)


def check(condition, message: str) -> None:
    if not condition:
        fail(message)


# Raw bytes -------------------------------------------------------------------------------------


@dataclass
class ContentLine:
    name: str
    params: dict[str, str]
    value: str

    def __str__(self) -> str:
        return f"{self.name}:{self.value}"


@dataclass
class Component:
    name: str
    lines: list[ContentLine] = field(default_factory=list)
    children: list[Component] = field(default_factory=list)

    def all(self, name: str) -> list[ContentLine]:
        return [line for line in self.lines if line.name == name]

    def one(self, name: str, where: str) -> ContentLine:
        found = self.all(name)
        check(len(found) == 1, f"{where}: {len(found)} {name} properties, need exactly one")
        return found[0]


def _parse_line(line: str) -> ContentLine:
    """``NAME;PARAM=value;PARAM="quoted":value`` (RFC 5545 §3.1), parameter names upper-cased."""
    match = _NAME.match(line)
    check(match, f"not a content line: {line[:60]!r}")
    name, rest, params = match.group().upper(), line[match.end() :], {}
    while rest.startswith(";"):
        param = _NAME.match(rest, 1)
        check(param and rest[param.end() : param.end() + 1] == "=", f"bad parameter in {line[:60]!r}")
        position, values = param.end() + 1, []
        while True:
            if rest[position : position + 1] == '"':
                end = rest.find('"', position + 1)
                check(end > 0, f"unterminated quoted parameter in {line[:60]!r}")
                values.append(rest[position + 1 : end])
                position = end + 1
            else:
                end = position
                while end < len(rest) and rest[end] not in ';:,"':
                    end += 1
                values.append(rest[position:end])
                position = end
            if rest[position : position + 1] != ",":
                break
            position += 1
        params[param.group().upper()] = ",".join(values)
        rest = rest[position:]
    check(rest.startswith(":"), f"no value in {line[:60]!r}")
    return ContentLine(name, params, rest[1:])


def raw_calendar(data: bytes) -> Component:
    """Property 1 on the bytes, then the component tree of the unfolded lines."""
    check(isinstance(data, bytes), f"a calendar is bytes, not {type(data).__name__}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        fail(f"not valid UTF-8: {error}")
    check(re.search(r"\r(?!\n)|(?<!\r)\n", text) is None, "a line ends with a bare LF or CR instead of CRLF")
    check(text.endswith("\r\n"), "the last line does not end with CRLF")
    physical = text[:-2].split("\r\n")
    for number, line in enumerate(physical, 1):
        octets = len(line.encode("utf-8"))
        check(octets <= MAX_OCTETS, f"line {number} has {octets} octets, more than {MAX_OCTETS}: {line[:40]!r}…")
        control = _CONTROL.search(line)
        check(control is None, f"line {number} has a control character {control and control.group()!r}: {line[:40]!r}")
        check(line, f"line {number} is empty")
    lines = [_parse_line(line) for line in re.sub(r"\r\n[ \t]", "", text)[:-2].split("\r\n")]
    check(str(lines[0]).upper() == "BEGIN:VCALENDAR", "the first line is not BEGIN:VCALENDAR")
    check(str(lines[-1]).upper() == "END:VCALENDAR", "the last line is not END:VCALENDAR")
    stack: list[Component] = []
    root = None
    for line in lines:
        if line.name == "BEGIN":
            component = Component(line.value.upper())
            if stack:
                stack[-1].children.append(component)
            else:
                check(root is None, "more than one VCALENDAR")
                root = component
            stack.append(component)
        elif line.name == "END":
            check(stack and stack[-1].name == line.value.upper(), f"END:{line.value} closes nothing open")
            stack.pop()
        else:
            check(stack, f"{line.name} outside any component")
            stack[-1].lines.append(line)
    check(not stack, f"{stack[-1].name if stack else ''} is never closed")
    return root


def _is_date(line: ContentLine) -> bool:
    return line.params.get("VALUE", "").upper() == "DATE" or _DATE.fullmatch(line.value) is not None


def check_raw(root: Component, *, feed: bool, method: str | None) -> None:
    """Properties 2, 3, 5, 6, 8 and 13 on the component tree."""
    check(root.name == "VCALENDAR", "the calendar is not a VCALENDAR")
    check(root.one("VERSION", "VCALENDAR").value == "2.0", "VERSION is not 2.0")
    check(root.one("PRODID", "VCALENDAR").value == PRODID, f"PRODID does not name this product ({PRODID})")

    events = [c for c in root.children if c.name == "VEVENT"]
    first_event = next((i for i, c in enumerate(root.children) if c.name == "VEVENT"), len(root.children))
    zones_before = {c.one("TZID", "VTIMEZONE").value for c in root.children[:first_event] if c.name == "VTIMEZONE"}
    uids = []
    for event in events:
        uid = event.one("UID", "VEVENT").value
        where = f"VEVENT {uid}"
        check(uid.strip(), f"{where}: empty UID")
        uids.append(uid)
        check(_UTC_DATE_TIME.fullmatch(event.one("DTSTAMP", where).value), f"{where}: DTSTAMP is not a UTC time")
        start = event.one("DTSTART", where)
        ends = event.all("DTEND")
        check(len(ends) <= 1, f"{where}: more than one DTEND")
        check(not (ends and event.all("DURATION")), f"{where}: both DTEND and DURATION")
        if ends:
            check(_is_date(ends[0]) == _is_date(start), f"{where}: DTEND is not of the same type as DTSTART")
        for sequence in event.all("SEQUENCE"):
            check(sequence.value.isdigit(), f"{where}: SEQUENCE {sequence.value!r} is not a number")
        check(len(event.all("SEQUENCE")) <= 1, f"{where}: more than one SEQUENCE")
        if method:
            event.one("ORGANIZER", where)
            check(event.all("ATTENDEE"), f"{where}: an invitation without ATTENDEE")
            event.one("SEQUENCE", where)
            event.one("SUMMARY", where)
    check(len(uids) == len(set(uids)), "two events share a UID")
    _check_times(root, zones_before)

    names = {line.name for line in root.lines}
    methods = root.all("METHOD")
    if method:
        check([m.value for m in methods] == [method], f"METHOD is {[m.value for m in methods]}, not [{method!r}]")
        check("X-WR-CALNAME" not in names, "an invitation has X-WR-CALNAME")
    else:
        check(not methods, "METHOD in a calendar that is not an invitation")
    if feed:
        check(not methods, "METHOD in a subscription feed")
        root.one("NAME", "a feed")
        root.one("X-WR-CALNAME", "a feed")
        refresh = root.one("REFRESH-INTERVAL", "a feed")
        check(refresh.params.get("VALUE", "").upper() == "DURATION", "REFRESH-INTERVAL without ;VALUE=DURATION")
        check(_DURATION.fullmatch(refresh.value), f"REFRESH-INTERVAL {refresh.value!r} is not a duration")
        ttl = root.one("X-PUBLISHED-TTL", "a feed").value
        check(_DURATION.fullmatch(ttl), f"X-PUBLISHED-TTL {ttl!r} is not a duration")
        check("X-WR-TIMEZONE" not in names, "a feed has X-WR-TIMEZONE")
    else:
        check(not names & {"REFRESH-INTERVAL", "X-PUBLISHED-TTL"}, "feed properties outside a feed")


def _check_times(component: Component, zones: set[str]) -> None:
    """No floating times: UTC, a DATE, or a TZID whose VTIMEZONE comes before the first event."""
    if component.name in _OBSERVANCES:
        return
    for line in component.lines:
        if line.name not in _TIME_PROPERTIES or _is_date(line):
            continue
        for value in line.value.split(","):
            check(_DATE_TIME.fullmatch(value), f"{component.name} {line.name}: {value!r} is not a date-time")
            if value.endswith("Z"):
                continue
            tzid = line.params.get("TZID")
            check(tzid, f"{component.name} {line.name}:{value} is a floating time (no Z, no TZID)")
            check(tzid in zones, f"{component.name} {line.name}: TZID {tzid} has no VTIMEZONE before the first event")
    for child in component.children:
        _check_times(child, zones)


# Parsers ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventView:
    """One event as a parser read it; times as UTC instants (or dates)."""

    summary: str | None
    location: str | None
    description: str | None
    starts_at: datetime | date
    ends_at: datetime | date | None
    sequence: int | None
    status: str | None


def _instant(value):
    if isinstance(value, datetime):
        check(value.tzinfo is not None, f"a parser read {value} as a floating time")
        return value.astimezone(UTC)
    return value


def _text(value) -> str | None:
    return None if value is None else str(value)


def _icalendar_views(calendar: icalendar.Calendar) -> dict[str, EventView]:
    views = {}
    for event in calendar.walk("VEVENT"):
        views[str(event["UID"])] = EventView(
            _text(event.get("SUMMARY")),
            _text(event.get("LOCATION")),
            _text(event.get("DESCRIPTION")),
            _instant(event.start),
            _instant(event.end) if "DTEND" in event or "DURATION" in event else None,
            int(event["SEQUENCE"]) if "SEQUENCE" in event else None,
            _text(event.get("STATUS")),
        )
    return views


def _vobject_views(text: str) -> dict[str, EventView]:
    # vobject keeps the first VTIMEZONE it ever read for a TZID, for good: forget this calendar's
    # zones, so it reads the times with the calendar's own VTIMEZONE (and catches a wrong one).
    registry = vars(vobject.icalendar)["__tzidMap"]
    for tzid in set(re.findall(r"^TZID:([^\r]*)", text, flags=re.M)):
        registry.pop(tzid, None)
    try:
        calendar = vobject.readOne(text, validate=True)
    except Exception as error:
        fail(f"vobject refuses the calendar: {type(error).__name__}: {error}")
    views = {}
    for event in getattr(calendar, "vevent_list", []):

        def value(name, event=event):
            found = getattr(event, name, None)
            return None if found is None else found.value

        views[value("uid")] = EventView(
            value("summary"),
            value("location"),
            value("description"),
            _instant(value("dtstart")),
            _instant(value("dtend")) if value("dtend") is not None else None,
            int(value("sequence")) if value("sequence") is not None else None,
            value("status"),
        )
    return views


def _ical_views(text: str) -> dict[str, EventView]:
    try:
        calendar = IcsCalendarStream.calendar_from_ics(text)
    except Exception as error:
        fail(f"ical refuses the calendar: {type(error).__name__}: {error}")
    return {
        event.uid: EventView(
            event.summary,
            event.location,
            event.description,
            _instant(event.dtstart),
            _instant(event.dtend) if event.dtend is not None else None,
            event.sequence,
            event.status.value if event.status is not None else None,
        )
        for event in calendar.events
    }


def _expanded_views(calendar: icalendar.Calendar) -> dict[str, EventView]:
    """What a client shows: each event must come out of the expansion exactly once."""
    try:
        occurrences = recurring_ical_events.of(calendar).between(*_WIDE)
    except Exception as error:
        fail(f"recurring-ical-events cannot expand the calendar: {type(error).__name__}: {error}")
    uids = [str(event["UID"]) for event in occurrences]
    for uid in set(uids):
        check(uids.count(uid) == 1, f"recurring-ical-events expands {uid} {uids.count(uid)} times")
    expanded = icalendar.Calendar()
    for event in occurrences:
        expanded.add_component(event)
    return _icalendar_views(expanded)


def event_views(data: bytes) -> dict[str, dict[str, EventView]]:
    """Every event (by UID) as each parser read it: ``{"icalendar": {uid: view}, "vobject": ...}``."""
    calendar = icalendar.Calendar.from_ical(data)
    text = data.decode("utf-8")
    return {
        "icalendar": _icalendar_views(calendar),
        "vobject": _vobject_views(text),
        "ical": _ical_views(text),
        "recurring-ical-events": _expanded_views(calendar),
    }


def calendar_names(data: bytes) -> dict[str, str]:
    """The calendar's name (NAME, X-WR-CALNAME) as the parsers that unescape it read it."""
    text = data.decode("utf-8")
    names = {}
    calendar = vobject.readOne(text)
    for prop in ("name", "x-wr-calname"):
        for line in calendar.contents.get(prop, []):
            names[f"vobject {prop}"] = line.value
    for index, name in enumerate(IcsCalendarStream.calendar_from_ics(text).name):
        names[f"ical NAME {index}"] = name
    return names


def assert_valid_calendar(data: bytes, *, feed: bool = False, method: str | None = None) -> icalendar.Calendar:
    """All of CALENDARS.md that one output can show, or an ``AssertionError`` saying what is wrong.

    ``feed=True`` for a subscription feed, ``method="REQUEST"`` (or "CANCEL") for an invitation.
    """
    root = raw_calendar(data)
    check_raw(root, feed=feed, method=method)

    try:
        calendar = icalendar.Calendar.from_ical(data)
    except Exception as error:
        fail(f"icalendar refuses the calendar: {type(error).__name__}: {error}")
    for component in calendar.walk():
        check(not component.errors, f"icalendar: {component.name} has errors {component.errors}")
    for event in calendar.walk("VEVENT"):
        end = event.end if "DTEND" in event else None
        if end is not None:
            check(type(event.start) is type(end), f"VEVENT {event['UID']}: DTEND and DTSTART differ in type")
            check(end > event.start, f"VEVENT {event['UID']}: DTEND {end} is not after DTSTART {event.start}")

    names = calendar_names(data)
    check(len(set(names.values())) <= 1, f"the parsers read different calendar names: {names}")
    views = event_views(data)
    uids = [component.one("UID", "VEVENT").value for component in root.children if component.name == "VEVENT"]
    for parser, events in views.items():
        check(sorted(events) == sorted(uids), f"{parser} reads the events {sorted(events)}, not {sorted(uids)}")
        for uid, view in events.items():
            reference = views["icalendar"][uid]
            check(view == reference, f"{parser} reads {uid} as {view}, icalendar as {reference}")
    return calendar
