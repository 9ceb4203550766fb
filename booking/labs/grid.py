"""A lab's week as a grid: the periods of its timetable down, the weekdays across, and in each cell
whether the lab is free, taken, on holiday or closed.

Which school took a slot is shown to whoever may see it (``Lab.can_see_bookers``); a teacher sees
their own school's bookings and only "taken" for the others, so the names of other schools never
reach their page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from booking.bookings.models import HOLDING_STATUSES, Booking, BookingStatus
from booking.catalogue.models import Activity, Session, SessionStatus
from booking.catalogue.services import holidays_between
from booking.core.time import from_local, local_today, school_year_of, to_local
from booking.extensions import db
from booking.labs.models import Lab, LabClosure, LabPeriod
from booking.organisations.models import Holiday

WEEKDAYS = range(5)  # Monday–Friday are always shown; a weekend day only when the lab has lessons then
WEEK_PATTERN = re.compile(r"(\d{4})-W(\d{1,2})")
# Weeks outside these years are refused rather than computed: nobody plans a lab in them, and the
# time-zone arithmetic of the far past and future is not worth trusting.
WEEK_YEARS = range(2000, 2200)


# Which week ----------------------------------------------------------------------------------


def parse_week(value: str) -> date | None:
    """The Monday of an ISO week written as ``2027-W05`` (what ``<input type="week">`` sends)."""
    match = WEEK_PATTERN.fullmatch(value.strip())
    if match is None:
        return None
    year, number = int(match[1]), int(match[2])
    if year not in WEEK_YEARS:
        return None
    try:
        return date.fromisocalendar(year, number, 1)
    except ValueError:
        return None


def default_week(today: date | None = None) -> date:
    """This week's Monday; at the weekend the coming week's, since this one has no lessons left."""
    today = today or local_today()
    monday = today - timedelta(days=today.weekday())
    return monday + timedelta(weeks=1) if today.weekday() >= 5 else monday


def week_label(week_start: date) -> str:
    year, number, _ = week_start.isocalendar()
    return f"{year}-W{number:02d}"


# The grid ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowKey:
    name: str
    starts_at: time
    ends_at: time

    def overlaps(self, starts_at: time, ends_at: time) -> bool:
        return starts_at < self.ends_at and self.starts_at < ends_at


@dataclass
class GridBooking:
    """A class on a slot as the viewer may see it: without school and class when they may not."""

    status: BookingStatus
    school_name: str | None = None
    class_label: str | None = None
    is_own_school: bool = False
    booking_id: int | None = None  # set when the viewer may open the booking

    @property
    def is_visible(self) -> bool:
        return self.school_name is not None


@dataclass
class GridSlot:
    session: Session
    starts_at: time
    ends_at: time
    # None when the viewer may not see the activity (not in the catalogue yet).
    title: str | None
    bookings: list[GridBooking]
    # The session's times differ from its row's period (stranded after a timetable change).
    off_period: bool = False
    # The viewer is a teacher who can book this slot now.
    bookable: bool = False

    @property
    def is_free(self) -> bool:
        """Free while a class fits: a lab taking two classes at once stays free after the first."""
        session = self.session
        return session.booked_classes < session.max_classes and session.places_left > 0

    @property
    def is_partly_booked(self) -> bool:
        return self.is_free and bool(self.bookings)

    @property
    def hidden_bookings(self) -> int:
        return sum(1 for booking in self.bookings if not booking.is_visible)

    @property
    def visible_bookings(self) -> list[GridBooking]:
        return [booking for booking in self.bookings if booking.is_visible]


@dataclass
class GridCell:
    day: date
    has_period: bool
    holiday: Holiday | None = None
    closure: LabClosure | None = None
    slots: list[GridSlot] = field(default_factory=list)

    @property
    def state(self) -> str:
        """What the cell is, for its words and its colour: free, taken, holiday, closed, no-slot or no-lesson."""
        if self.slots:
            return "free" if any(slot.is_free for slot in self.slots) else "taken"
        if self.holiday is not None:
            return "holiday"
        if self.closure is not None:
            return "closed"
        return "no-slot" if self.has_period else "no-lesson"


@dataclass
class GridRow:
    key: RowKey | None  # None: the row of sessions at other times than the timetable's
    cells: list[GridCell]

    @property
    def is_other_times(self) -> bool:
        return self.key is None


@dataclass
class WeekGrid:
    lab: Lab
    week_start: date
    days: list[date]
    rows: list[GridRow]
    may_see_bookers: bool
    today: date = field(default_factory=local_today)

    @property
    def week(self) -> str:
        return week_label(self.week_start)

    @property
    def week_number(self) -> int:
        return self.week_start.isocalendar()[1]

    @property
    def previous_week(self) -> str:
        return week_label(self.week_start - timedelta(weeks=1))

    @property
    def next_week(self) -> str:
        return week_label(self.week_start + timedelta(weeks=1))

    @property
    def slot_count(self) -> int:
        return sum(len(cell.slots) for row in self.rows for cell in row.cells)


def week_grid(lab: Lab, week_start: date, viewer) -> WeekGrid:
    """The lab's week from ``week_start`` (a Monday) as the viewer may see it.

    Sessions are placed by their local wall-clock time, so a period at 08:30 lines up in winter and
    in summer time alike. A session that fits no period's times goes in the row of the period it
    overlaps, or in a last row of other times. The number of queries does not depend on the number
    of sessions or bookings.
    """
    week = [week_start + timedelta(days=n) for n in range(7)]
    periods_by_day = {
        day: [p for p in lab.periods_in(school_year_of(day)) if p.weekday == day.weekday()] for day in week
    }
    sessions = _sessions_of_week(lab, week[0], week[-1])
    session_days = {to_local(session.starts_at).date() for session in sessions}
    days = [day for day in week if day.weekday() in WEEKDAYS or periods_by_day[day] or day in session_days]

    keys = sorted(
        {_key(p) for day in days for p in periods_by_day[day]}, key=lambda k: (k.starts_at, k.ends_at, k.name)
    )
    holidays = holidays_between(lab.holiday_region, days[0], days[-1])
    may_see_bookers = lab.can_see_bookers(viewer)
    bookings = _holding_bookings([session.id for session in sessions])

    def cell(day: date, key: RowKey | None) -> GridCell:
        return GridCell(
            day=day,
            has_period=key is not None and any(_key(p) == key for p in periods_by_day[day]),
            holiday=next((h for h in holidays if h.starts_on <= day <= h.ends_on), None),
            closure=lab.closure_on(day),
        )

    rows = [GridRow(key, [cell(day, key) for day in days]) for key in keys]
    other_times = GridRow(None, [cell(day, None) for day in days])
    column = {day: n for n, day in enumerate(days)}
    for session in sessions:
        starts_at, ends_at = to_local(session.starts_at), to_local(session.ends_at)
        day = starts_at.date()
        start = starts_at.time()
        end = ends_at.time() if ends_at.date() == day else time.max
        row = _row_for(rows, periods_by_day[day], start, end) or other_times
        slot = GridSlot(
            session=session,
            starts_at=start,
            ends_at=ends_at.time(),
            title=session.activity.title if session.activity.can_view(viewer) else None,
            bookings=[_as_seen_by(viewer, booking, may_see_bookers) for booking in bookings.get(session.id, [])],
            off_period=row.key is None or (row.key.starts_at, row.key.ends_at) != (start, ends_at.time()),
            bookable=bool(viewer.school_ids) and session.is_open_for_booking and session.can_book(viewer),
        )
        row.cells[column[day]].slots.append(slot)
    if any(c.slots for c in other_times.cells):
        rows.append(other_times)
    return WeekGrid(lab=lab, week_start=week_start, days=days, rows=rows, may_see_bookers=may_see_bookers)


def _key(period: LabPeriod) -> RowKey:
    return RowKey(period.name, period.starts_at, period.ends_at)


def _row_for(rows: list[GridRow], periods_that_day: list[LabPeriod], start: time, end: time) -> GridRow | None:
    """The row a session belongs in: its own period that day, else one it overlaps (that day's first)."""
    own = {_key(p) for p in periods_that_day}
    candidates = [row for row in rows if row.key.overlaps(start, end)]
    if not candidates:
        return None
    return min(
        candidates,
        key=lambda row: (
            row.key not in own,
            (row.key.starts_at, row.key.ends_at) != (start, end),
            rows.index(row),
        ),
    )


def _sessions_of_week(lab: Lab, first: date, last: date) -> list[Session]:
    starts, ends = from_local(first, time(0, 0)), from_local(last + timedelta(days=1), time(0, 0))
    return list(
        db.session.scalars(
            select(Session)
            .where(
                Session.lab_id == lab.id,
                Session.status == SessionStatus.SCHEDULED,
                Session.starts_at >= starts,
                Session.starts_at < ends,
            )
            .options(joinedload(Session.activity).selectinload(Activity.regions))
            .order_by(Session.starts_at)
        )
    )


def _holding_bookings(session_ids: list[int]) -> dict[int, list[Booking]]:
    if not session_ids:
        return {}
    by_session: dict[int, list[Booking]] = {}
    for booking in db.session.scalars(
        select(Booking)
        .where(Booking.session_id.in_(session_ids), Booking.status.in_(HOLDING_STATUSES))
        .options(joinedload(Booking.school))
        .order_by(Booking.created_at, Booking.id)
    ):
        by_session.setdefault(booking.session_id, []).append(booking)
    return by_session


def _as_seen_by(viewer, booking: Booking, may_see_bookers: bool) -> GridBooking:
    own = booking.school_id in viewer.school_ids
    if not (may_see_bookers or own):
        return GridBooking(status=booking.status)
    return GridBooking(
        status=booking.status,
        school_name=booking.school.name,
        class_label=booking.class_label,
        is_own_school=own,
        booking_id=booking.id if booking.can_view(viewer) else None,
    )
