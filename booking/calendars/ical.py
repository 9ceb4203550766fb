"""Building iCalendar output that real clients accept (``../shared/CALENDARS.md``).

Everything that writes a calendar goes through ``build_calendar``: downloads, subscription feeds and
the invitations in emails. The rules that matter, and where they are kept:

- Stable identity: a UID per booking or session (``booking-12@host``), never random; DTSTAMP and
  LAST-MODIFIED are the record's last calendar-visible change (``calendar_changed_at``), never "now",
  so unchanged data gives byte-identical output; SEQUENCE is the record's ``calendar_sequence``,
  raised by ``booking.calendars.changes`` on every visible change.
- Times: local wall-clock times with ``TZID`` and one Outlook-shaped VTIMEZONE (one STANDARD and one
  DAYLIGHT block with yearly rules) for the European zones that follow the EU summer-time rule; any
  other installation zone is written in UTC. Never floating.
- Text: control characters are removed and line breaks normalised; escaping, folding at 75 octets and
  CRLF are the icalendar library's.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from threading import Lock
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vCalAddress, vDuration, vText

PRODID = "-//Techniekrooster//Techniekrooster//NL"
REFRESH = timedelta(hours=1)

# Zones that follow the EU rule: summer time from the last Sunday of March 01:00 UTC to the last
# Sunday of October 01:00 UTC. Their VTIMEZONE is written in the shape Outlook expects.
EU_ZONES = {
    "Europe/Amsterdam": ("+0100", "+0200", "CET", "CEST"),
    "Europe/Brussels": ("+0100", "+0200", "CET", "CEST"),
    "Europe/Luxembourg": ("+0100", "+0200", "CET", "CEST"),
    "Europe/Paris": ("+0100", "+0200", "CET", "CEST"),
    "Europe/Berlin": ("+0100", "+0200", "CET", "CEST"),
    "Europe/London": ("+0000", "+0100", "GMT", "BST"),
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str | None) -> str:
    """User text as calendars can carry it: no control characters, ``\\n`` line breaks."""
    if not value:
        return ""
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


class Text(vText):
    """TEXT escaped by RFC 5545 §3.3.11 and nothing else: icalendar's own escaping first turns a
    typed backslash-N ("Utrecht\\Noord") into a line break."""

    def to_ical(self) -> bytes:
        text = str(self).replace("\r\n", "\n").replace("\r", "\n")
        text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")
        return text.encode(self.encoding)


@dataclass(frozen=True)
class Person:
    email: str
    name: str | None = None


@dataclass
class CalendarEvent:
    """One VEVENT, in plain values; ``starts_at``/``ends_at``/``changed_at`` are aware datetimes."""

    uid: str
    sequence: int
    changed_at: datetime
    starts_at: datetime
    ends_at: datetime
    summary: str
    status: str = "CONFIRMED"  # CONFIRMED, TENTATIVE or CANCELLED
    location: str | None = None
    description: str | None = None
    url: str | None = None
    organizer: Person | None = None
    attendees: list[Person] = field(default_factory=list)


def uid_for(kind: str, record_id: int, host: str) -> str:
    """``booking-12@techniekrooster.example``: derived from the record, so it never changes."""
    return f"{kind}-{record_id}@{host}"


def _timezone(zone_name: str) -> Timezone | None:
    rule = EU_ZONES.get(zone_name)
    if rule is None:
        return None
    standard, daylight, standard_name, daylight_name = rule
    # The local time of the change: 01:00 UTC in local standard time, and in local summer time.
    hour = 1 + int(standard[:3])
    text = "\r\n".join(
        [
            "BEGIN:VTIMEZONE",
            f"TZID:{zone_name}",
            "BEGIN:DAYLIGHT",
            f"TZOFFSETFROM:{standard}",
            f"TZOFFSETTO:{daylight}",
            f"TZNAME:{daylight_name}",
            f"DTSTART:19810329T{hour:02d}0000",
            "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
            "END:DAYLIGHT",
            "BEGIN:STANDARD",
            f"TZOFFSETFROM:{daylight}",
            f"TZOFFSETTO:{standard}",
            f"TZNAME:{standard_name}",
            f"DTSTART:19961027T{hour + 1:02d}0000",
            "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
            "END:STANDARD",
            "END:VTIMEZONE",
            "",
        ]
    )
    return Timezone.from_ical(text)


def _stamp(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(microsecond=0)


def _event(item: CalendarEvent, zone: ZoneInfo | None, *, invitation: bool) -> Event:
    def when(value: datetime) -> datetime:
        value = value.replace(microsecond=0)
        return value.astimezone(zone) if zone is not None else value.astimezone(UTC)

    event = Event.new(
        uid=item.uid,
        stamp=_stamp(item.changed_at),
        last_modified=_stamp(item.changed_at),
        sequence=item.sequence,
        start=when(item.starts_at),
        end=when(item.ends_at),
        summary=Text(clean_text(item.summary)),
        status=item.status,
    )
    if item.location:
        event.add("location", Text(clean_text(item.location)))
    if item.description:
        event.add("description", Text(clean_text(item.description)))
    if item.url:
        event.add("url", item.url)
    if invitation and item.organizer is not None:
        organizer = vCalAddress(f"mailto:{item.organizer.email}")
        if item.organizer.name:
            organizer.params["CN"] = clean_text(item.organizer.name)
        event.add("organizer", organizer)
    if invitation:
        for person in item.attendees:
            attendee = vCalAddress(f"mailto:{person.email}")
            if person.name:
                attendee.params["CN"] = clean_text(person.name)
            attendee.params["ROLE"] = "REQ-PARTICIPANT"
            attendee.params["PARTSTAT"] = "ACCEPTED" if item.status == "CONFIRMED" else "NEEDS-ACTION"
            event.add("attendee", attendee)
    return event


def build_calendar(
    events: list[CalendarEvent],
    *,
    zone_name: str,
    name: str | None = None,
    method: str | None = None,
    feed: bool = False,
) -> bytes:
    """The calendar as bytes (UTF-8, CRLF, folded).

    ``name`` becomes NAME and X-WR-CALNAME; ``feed=True`` adds what subscriptions need
    (REFRESH-INTERVAL and X-PUBLISHED-TTL). ``method`` ("REQUEST", "CANCEL") makes it an iTIP
    invitation, which carries ORGANIZER and ATTENDEE and no calendar name.
    """
    timezone = _timezone(zone_name)
    zone = ZoneInfo(zone_name) if timezone is not None else None
    calendar = Calendar()  # not Calendar.new(): that adds a random UID, and output must be repeatable
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODID)
    if method:
        calendar.add("method", method)
    elif name:
        # One line, escaped as TEXT: icalendar writes these two unescaped (and refuses a line break).
        name = " ".join(clean_text(name).split())
        calendar.add("name", Text(name))
        calendar.add("x-wr-calname", Text(name))
    if feed:
        calendar.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vDuration(REFRESH).to_ical().decode())
    if timezone is not None and events:
        calendar.add_component(timezone)
    invitation = method is not None
    # The calendar's own lines, then each event's: the same bytes icalendar writes for the whole,
    # with each event's written once and remembered (feeds repeat mostly unchanged events every poll).
    head, end = calendar.to_ical().rsplit(b"END:VCALENDAR\r\n", 1)
    zone_key = zone_name if zone is not None else None
    body = [_event_bytes(item, zone_key, invitation) for item in sorted(events, key=lambda e: (e.starts_at, e.uid))]
    return b"".join([head, *body, b"END:VCALENDAR\r\n", end])


_WRITTEN: OrderedDict[tuple, bytes] = OrderedDict()
_WRITTEN_MAX = 50_000  # events; about 30 MB at most
_WRITTEN_LOCK = Lock()


def _event_bytes(item: CalendarEvent, zone_key: str | None, invitation: bool) -> bytes:
    """An event's bytes, from a bounded cache keyed by everything they depend on."""
    key = (
        item.uid, item.sequence, item.changed_at, item.starts_at, item.ends_at, item.summary, item.status,
        item.location, item.description, item.url, item.organizer, tuple(item.attendees), zone_key, invitation,
    )  # fmt: skip
    with _WRITTEN_LOCK:
        written = _WRITTEN.get(key)
        if written is not None:
            _WRITTEN.move_to_end(key)
            return written
    written = _event(item, ZoneInfo(zone_key) if zone_key else None, invitation=invitation).to_ical()
    with _WRITTEN_LOCK:
        _WRITTEN[key] = written
        if len(_WRITTEN) > _WRITTEN_MAX:
            _WRITTEN.popitem(last=False)
    return written
