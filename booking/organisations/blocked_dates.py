"""Blocked dates: the days a school or some of its classes cannot come, and the question whether a
lesson falls on one. Everything that picks a date for a class asks here."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from booking.calendars.imports import DayRange, ImportResult, ImportRow
from booking.core.errors import DomainError
from booking.core.time import local_today, to_local
from booking.extensions import db
from booking.organisations.models import BlockedDate, DayPart, School, SchoolClass

LONGEST_BLOCK = timedelta(days=366)


def save_blocked_date(
    school: School,
    blocked: BlockedDate | None,
    *,
    starts_on: date,
    ends_on: date | None,
    day_part: DayPart,
    reason: str,
    classes: list[SchoolClass],
) -> BlockedDate:
    ends_on = ends_on or starts_on
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the school cannot come, for example Cito or study day."), field="reason")
    if ends_on < starts_on:
        raise DomainError(_("The last day cannot be before the first day."), field="ends_on")
    if ends_on - starts_on > LONGEST_BLOCK:
        raise DomainError(_("A blocked period lasts at most a year; enter a shorter one."), field="ends_on")
    if any(c.school_id != school.id for c in classes):
        raise DomainError(_("Choose classes of this school."), field="classes")
    blocked = blocked or BlockedDate(school=school)
    blocked.starts_on, blocked.ends_on = starts_on, ends_on
    blocked.day_part, blocked.reason, blocked.classes = day_part, reason, list(classes)
    db.session.add(blocked)
    return blocked


def delete_blocked_date(blocked: BlockedDate) -> None:
    db.session.delete(blocked)


def blocked_dates_between(school_class: SchoolClass, first: date, last: date) -> list[BlockedDate]:
    """The blocked dates of the class (its own and the whole school's) that touch the days first–last."""
    rows = db.session.scalars(
        select(BlockedDate)
        .where(
            BlockedDate.school_id == school_class.school_id,
            BlockedDate.starts_on <= last,
            BlockedDate.ends_on >= first,
        )
        .options(selectinload(BlockedDate.classes))
        .order_by(BlockedDate.starts_on)
    )
    return [b for b in rows if b.applies_to(school_class)]


def _local_hours(starts_at: datetime, ends_at: datetime) -> tuple[date, time, time]:
    start, end = to_local(starts_at), to_local(ends_at)
    return start.date(), start.time(), end.time() if end.date() == start.date() else time.max


def blocks_for_lesson(school_class: SchoolClass, starts_at: datetime, ends_at: datetime) -> list[BlockedDate]:
    """The blocked dates that a lesson from starts_at to ends_at (UTC instants) falls on for the class."""
    day, begins, ends = _local_hours(starts_at, ends_at)
    return [b for b in blocked_dates_between(school_class, day, day) if b.blocks(day, begins, ends)]


def classes_blocked_at(classes: list[SchoolClass], starts_at: datetime, ends_at: datetime) -> dict[int, BlockedDate]:
    """Per class that cannot come to a lesson from starts_at to ends_at, the blocked date that says
    why; one query for all the classes."""
    if not classes:
        return {}
    day, begins, ends = _local_hours(starts_at, ends_at)
    candidates = [
        b
        for b in db.session.scalars(
            select(BlockedDate)
            .where(
                BlockedDate.school_id.in_({c.school_id for c in classes}),
                BlockedDate.starts_on <= day,
                BlockedDate.ends_on >= day,
            )
            .options(selectinload(BlockedDate.classes))
            .order_by(BlockedDate.starts_on)
        )
        if b.blocks(day, begins, ends)
    ]
    found = {}
    for school_class in classes:
        hit = next((b for b in candidates if b.applies_to(school_class)), None)
        if hit is not None:
            found[school_class.id] = hit
    return found


def blocked_lessons(
    school_class: SchoolClass, lessons: list[tuple[datetime, datetime]]
) -> dict[tuple[datetime, datetime], BlockedDate]:
    """For a list of lessons (start, end), the first blocked date each one falls on, in one query."""
    if not lessons:
        return {}
    hours = {lesson: _local_hours(*lesson) for lesson in lessons}
    days = [day for day, _begins, _ends in hours.values()]
    candidates = blocked_dates_between(school_class, min(days), max(days))
    found = {}
    for lesson, (day, begins, ends) in hours.items():
        hit = next((b for b in candidates if b.blocks(day, begins, ends)), None)
        if hit is not None:
            found[lesson] = hit
    return found


def blocked_sentence(school_class: SchoolClass, blocked: BlockedDate) -> str:
    """ "Groep 7A cannot come that morning: Cito." — the words a teacher sees before booking anyway."""
    words = {"label": school_class.label, "reason": blocked.reason}
    if blocked.day_part is DayPart.MORNING:
        return _("%(label)s cannot come that morning: %(reason)s.", **words)
    if blocked.day_part is DayPart.AFTERNOON:
        return _("%(label)s cannot come that afternoon: %(reason)s.", **words)
    return _("%(label)s cannot come that day: %(reason)s.", **words)


def upcoming_blocked_dates(school: School) -> list[BlockedDate]:
    """The school's blocked dates from today on, the first first."""
    today = local_today()
    return [b for b in school.blocked_dates if b.ends_on >= today]


def day_part_of(day_range: DayRange) -> DayPart:
    """A timed event in a school's calendar ("Studiemiddag", 12:30–15:00) blocks only that part."""
    if day_range.times is None or day_range.first_day != day_range.last_day:
        return DayPart.WHOLE_DAY
    starts, ends = day_range.times
    for part in (DayPart.MORNING, DayPart.AFTERNOON):
        begins, finishes = part.hours
        if begins <= starts and ends <= finishes:
            return part
    return DayPart.WHOLE_DAY


def preview_blocked_import(school: School, ranges: list[DayRange]) -> list[ImportRow]:
    """Per event of the file: a new blocked date for the whole school, or one already there (same
    days and part of the day, whatever it is called)."""
    existing = {(b.starts_on, b.ends_on, b.day_part): b for b in school.blocked_dates if b.is_whole_school}
    rows, planned = [], set()
    for day_range in ranges:
        key = (day_range.first_day, day_range.last_day, day_part_of(day_range))
        row = ImportRow(day_range, existing=existing.get(key))
        if row.existing is None and key in planned:
            row.skip_reason = _("another event in this file has the same days")
        planned.add(key)
        rows.append(row)
    return rows


def import_blocked_dates(school: School, ranges: list[DayRange]) -> ImportResult:
    rows = preview_blocked_import(school, ranges)
    added = 0
    for row in rows:
        if row.will_be_added:
            school.blocked_dates.append(
                BlockedDate(
                    starts_on=row.range.first_day,
                    ends_on=row.range.last_day,
                    day_part=day_part_of(row.range),
                    reason=row.range.name,
                )
            )
            added += 1
    return ImportResult(added=added, skipped_existing=sum(1 for row in rows if row.existing is not None))
