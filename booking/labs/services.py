"""Labs, their timetables and closures, and the slots (sessions) generated from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func, inspect, select, update
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import joinedload

from booking.bookings.models import Booking
from booking.calendars.imports import DayRange, ImportResult, ImportRow
from booking.catalogue.models import Activity, ActivityStatus, LocationType, Session, SessionStatus
from booking.catalogue.services import holidays_between
from booking.core.database import CONSTRAINT_MESSAGES
from booking.core.errors import DomainError
from booking.core.time import NonexistentLocalTime, from_local, local_today
from booking.extensions import db
from booking.labs.models import WEEKDAY_NAMES, Lab, LabClosure, LabPeriod
from booking.organisations.models import HolidayRegion, Partner, PartnerKind

# Labs --------------------------------------------------------------------------------------------


@dataclass
class LabData:
    name: str
    address: str
    capacity_pupils: int
    classes_at_once: int
    holiday_region: HolidayRegion
    equipment: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None


def save_lab(lab: Lab | None, *, partner: Partner, data: LabData) -> Lab:
    if partner.kind is not PartnerKind.TECHNIEKLOKAAL:
        raise DomainError(_("Only a technieklokaal has labs."))
    taken = select(Lab.id).where(Lab.partner_id == partner.id, func.lower(Lab.name) == data.name.lower())
    if lab is not None and lab.id:
        taken = taken.where(Lab.id != lab.id)
    if db.session.scalar(taken) is not None:
        raise DomainError(_("%(partner)s already has a lab called %(name)s.", partner=partner.name, name=data.name),
                          field="name")  # fmt: skip
    lab = lab or Lab(partner=partner)
    for name, value in vars(data).items():
        setattr(lab, name, value)
    db.session.add(lab)
    return lab


# Timetable ---------------------------------------------------------------------------------------


def save_period(
    lab: Lab, period: LabPeriod | None, *, school_year: int, weekday: int, name: str, starts_at: time, ends_at: time
) -> LabPeriod:
    """Add or change a period; periods of one weekday may not overlap."""
    if ends_at <= starts_at:
        raise DomainError(_("The end must be after the start."), field="ends_at")
    for other in lab.periods_in(school_year):
        if other is period or other.weekday != weekday:
            continue
        if other.name.lower() == name.lower():
            raise DomainError(
                _("%(day)s already has a period called %(name)s.", day=WEEKDAY_NAMES[weekday], name=name),
                field="name",
            )
        if other.overlaps(starts_at, ends_at):
            raise DomainError(
                _(
                    "This overlaps %(period)s on %(day)s (%(start)s–%(end)s).",
                    period=other.name,
                    day=WEEKDAY_NAMES[weekday],
                    start=f"{other.starts_at:%H:%M}",
                    end=f"{other.ends_at:%H:%M}",
                ),
                field="starts_at",
            )
    period = period or LabPeriod(lab=lab)
    period.school_year, period.weekday, period.name = school_year, weekday, name
    period.starts_at, period.ends_at = starts_at, ends_at
    db.session.add(period)
    return period


def add_periods_on_weekdays(
    lab: Lab, *, school_year: int, weekdays: set[int], name: str, starts_at: time, ends_at: time
) -> list[LabPeriod]:
    """The same period on several weekdays at once (Monday–Friday "ochtend")."""
    if not weekdays:
        raise DomainError(_("Choose at least one weekday."), field="weekdays")
    return [
        save_period(lab, None, school_year=school_year, weekday=day, name=name, starts_at=starts_at, ends_at=ends_at)
        for day in sorted(weekdays)
    ]


def save_closure(lab: Lab, closure: LabClosure | None, *, starts_on: date, ends_on: date, reason: str) -> LabClosure:
    if ends_on < starts_on:
        raise DomainError(_("The last day cannot be before the first."), field="ends_on")
    closure = closure or LabClosure(lab=lab)
    closure.starts_on, closure.ends_on, closure.reason = starts_on, ends_on, reason
    db.session.add(closure)
    return closure


# Slots -------------------------------------------------------------------------------------------


@dataclass
class PlannedSlot:
    day: date
    period: LabPeriod
    starts_at: datetime | None
    ends_at: datetime | None
    skip_reason: str | None = None
    existing: Session | None = None

    @property
    def will_be_created(self) -> bool:
        return self.skip_reason is None and self.existing is None


@dataclass
class SlotPlan:
    slots: list[PlannedSlot]
    # Booked slots that no longer fit the timetable: left alone, for the coordinator to look at.
    stranded: list[Session] = field(default_factory=list)
    # Unbooked slots that no longer fit the timetable: removed when the plan is carried out.
    obsolete: list[Session] = field(default_factory=list)

    @property
    def to_create(self) -> list[PlannedSlot]:
        return [slot for slot in self.slots if slot.will_be_created]

    @property
    def skipped(self) -> list[PlannedSlot]:
        return [slot for slot in self.slots if slot.skip_reason]


def lab_activities(lab: Lab) -> list[Activity]:
    return list(
        db.session.scalars(
            select(Activity)
            .where(Activity.lab_id == lab.id, Activity.status != ActivityStatus.ARCHIVED)
            .order_by(Activity.title)
        )
    )


def plan_slots(lab: Lab, activity: Activity, school_year: int) -> SlotPlan:
    """Every period of the school year's timetable from tomorrow on, skipping holidays and closures.

    The wall-clock times are combined with each date in the installation's time zone, so a 08:30
    lesson stays 08:30 across the change to and from summer time. Existing slots of this activity
    that still fit are kept; ones that no longer fit are removed if nobody booked them, and
    reported if somebody did.
    """
    if activity.lab_id != lab.id:
        raise DomainError(_("This activity does not take place in this lab."))
    periods = lab.periods_in(school_year)
    if not periods:
        raise DomainError(_("The lab has no timetable for this school year yet."))
    first = max(date(school_year, 8, 1), local_today() + timedelta(days=1))
    last = date(school_year + 1, 7, 31)
    holidays = holidays_between(lab.holiday_region, first, last)
    existing = {
        session.starts_at: session
        for session in db.session.scalars(
            select(Session).where(
                Session.activity_id == activity.id,
                Session.lab_id == lab.id,
                Session.status == SessionStatus.SCHEDULED,
                Session.starts_at >= from_local(first, time(0, 0)),
                Session.starts_at < from_local(last + timedelta(days=1), time(0, 0)),
            )
        )
    }
    taken = _taken_by_others(lab, activity, first, last)
    slots = []
    day = first
    while day <= last:
        for period in (p for p in periods if p.weekday == day.weekday()):
            slots.append(_plan_one(lab, day, period, holidays, existing, taken))
        day += timedelta(days=1)
    kept = {slot.existing.id for slot in slots if slot.existing is not None}
    leftovers = [session for session in existing.values() if session.id not in kept]
    booked = _sessions_with_bookings([session.id for session in leftovers])
    return SlotPlan(
        slots=slots,
        stranded=[session for session in leftovers if session.id in booked],
        obsolete=[session for session in leftovers if session.id not in booked],
    )


def _taken_by_others(lab: Lab, activity: Activity, first: date, last: date) -> list[Session]:
    """Sessions in the lab a new slot may not overlap: other activities' slots, and this activity's
    own booked slots (they never move, even when the timetable did)."""
    booked_here = select(Booking.session_id).where(Booking.session_id == Session.id).exists()
    return list(
        db.session.scalars(
            select(Session)
            .where(
                Session.lab_id == lab.id,
                (Session.activity_id != activity.id) | booked_here,
                Session.status == SessionStatus.SCHEDULED,
                Session.starts_at < from_local(last + timedelta(days=1), time(0, 0)),
                Session.ends_at > from_local(first, time(0, 0)),
            )
            .options(joinedload(Session.activity))
        )
    )


def _plan_one(lab: Lab, day: date, period: LabPeriod, holidays, existing, taken) -> PlannedSlot:
    holiday = next((h for h in holidays if h.covers(day)), None)
    if holiday is not None:
        return PlannedSlot(day, period, None, None, skip_reason=_("holiday: %(name)s", name=holiday.name))
    closure = lab.closure_on(day)
    if closure is not None:
        return PlannedSlot(day, period, None, None, skip_reason=_("closed: %(reason)s", reason=closure.reason))
    try:
        starts_at, ends_at = from_local(day, period.starts_at), from_local(day, period.ends_at)
    except NonexistentLocalTime:
        return PlannedSlot(day, period, None, None, skip_reason=_("this time does not exist that night (summer time)"))
    found = existing.get(starts_at)
    if found is not None and found.ends_at != ends_at:
        found = None  # same start, other end: the period changed; the old slot is left over
    if found is None:
        other = next((s for s in taken if s.starts_at < ends_at and starts_at < s.ends_at), None)
        if other is not None:
            return PlannedSlot(day, period, starts_at, ends_at, skip_reason=_("taken by %(title)s",
                                                                              title=other.activity.title))  # fmt: skip
    return PlannedSlot(day, period, starts_at, ends_at, existing=found)


def _sessions_with_bookings(session_ids: list[int]) -> set[int]:
    if not session_ids:
        return set()
    return set(db.session.scalars(select(Booking.session_id).where(Booking.session_id.in_(session_ids)).distinct()))


@dataclass
class SlotResult:
    created: int
    removed: int
    stranded: list[Session]


def carry_out(lab: Lab, activity: Activity, plan: SlotPlan) -> SlotResult:
    """Create the planned slots and remove the unbooked ones that no longer fit. Booked slots are
    never touched: they are returned, so the page can say which ones could not move."""
    if activity.location_type is not LocationType.TECHNIEKLOKAAL:
        raise DomainError(_("Only an activity in a technieklokaal gets lab slots."))
    for session in plan.obsolete:
        db.session.delete(session)
    db.session.flush()  # their time is free before the new slots claim it (a flush inserts before it deletes)
    created = 0
    for slot in plan.to_create:
        add_slot(lab, activity, slot.starts_at, slot.ends_at)
        created += 1
    return SlotResult(created=created, removed=len(plan.obsolete), stranded=plan.stranded)


# One room, one session at a time -------------------------------------------------------------

ROOM_FIELDS = ("starts_at", "ends_at", "lab_id", "status")


def add_slot(lab: Lab, activity: Activity, starts_at: datetime, ends_at: datetime) -> Session:
    """A session of the activity in the lab, if the room is free then (the guard below checks)."""
    session = Session(
        activity=activity,
        lab_id=lab.id,
        starts_at=starts_at,
        ends_at=ends_at,
        place=f"{lab.name}, {lab.address}",
        capacity_pupils=lab.capacity_pupils,
        max_classes=lab.classes_at_once,
    )
    db.session.add(session)
    db.session.flush()
    return session


@event.listens_for(OrmSession, "before_flush")
def _guard_rooms(orm_session, flush_context, instances) -> None:
    """The one guard of a lab's time, whatever path writes a session: slots, a session form, the
    weekly generator, a regenerated timetable, or a path added later.

    Every scheduled session in a lab that is new, or whose time, lab or status changed, is checked
    against the lab's other sessions (and against the others in this flush) with the lab locked
    first (``lock_lab``), so a check and another request's write cannot interleave. A clash raises a
    DomainError naming the session it clashes with; the flush writes nothing. On PostgreSQL the
    exclusion constraint ``ex_sessions_no_overlap_in_lab`` has the last word should anything write
    around the ORM (its message is in ``CONSTRAINT_MESSAGES``).
    """
    claims = [obj for obj in (*orm_session.new, *orm_session.dirty) if isinstance(obj, Session) and _claims_room(obj)]
    if not claims:
        return
    with orm_session.no_autoflush:
        for lab_id in sorted({claim.lab_id for claim in claims}):
            lock_lab(lab_id)
        for n, claim in enumerate(claims):
            other = next((c for c in claims[:n] if c.lab_id == claim.lab_id and _overlap(c, claim)), None)
            other = other or _overlapping_session(claim)
            if other is not None:
                raise _taken(db.session.get(Lab, claim.lab_id), other)


def _claims_room(session: Session) -> bool:
    if session.lab_id is None or session.status not in (None, SessionStatus.SCHEDULED):  # None: the default
        return False
    state = inspect(session)
    return state.pending or any(state.attrs[name].history.has_changes() for name in ROOM_FIELDS)


def _overlap(a: Session, b: Session) -> bool:
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


def _overlapping_session(session: Session) -> Session | None:
    query = select(Session).where(
        Session.lab_id == session.lab_id,
        Session.status == SessionStatus.SCHEDULED,
        Session.starts_at < session.ends_at,
        Session.ends_at > session.starts_at,
    )
    if session.id is not None:
        query = query.where(Session.id != session.id)
    return db.session.scalar(query.options(joinedload(Session.activity)).order_by(Session.starts_at).limit(1))


def lock_lab(lab: Lab | int) -> None:
    """Serialise changes to one lab's sessions until the transaction ends. On PostgreSQL a row lock
    on the lab: without it two overlapping inserts wait on each other's exclusion check and one dies
    of a deadlock instead of getting a message. On SQLite a no-op write takes the database's write
    lock, which is what keeps other writers out there."""
    lab_id = lab if isinstance(lab, int) else lab.id
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(Lab.id).where(Lab.id == lab_id).with_for_update())
    else:
        db.session.execute(update(Lab).where(Lab.id == lab_id).values(id=Lab.id))


def _taken(lab: Lab, other: Session) -> DomainError:
    return DomainError(
        _(
            "%(lab)s is taken on %(day)s from %(start)s to %(end)s by %(title)s.",
            lab=lab.name,
            day=format_date(other.starts_at, "EEEE d MMMM yyyy"),
            start=format_datetime(other.starts_at, "HH:mm"),
            end=format_datetime(other.ends_at, "HH:mm"),
            title=other.activity.title,
        ),
        field="start_time",
    )


CONSTRAINT_MESSAGES["ex_sessions_no_overlap_in_lab"] = _l(
    "The lab was booked for that time a moment ago by someone else. Choose another time."
)


# Importing closures from an .ics file ------------------------------------------------------------


def preview_closure_import(lab: Lab, ranges: list[DayRange]) -> list[ImportRow]:
    """Per range of the file: a new closure, or one already there (same first day, last day and reason)."""
    existing = {
        (closure.starts_on, closure.ends_on, closure.reason): closure
        for closure in db.session.scalars(select(LabClosure).where(LabClosure.lab_id == lab.id))
    }
    return [ImportRow(r, existing=existing.get((r.first_day, r.last_day, r.name))) for r in ranges]


def import_closures(lab: Lab, ranges: list[DayRange]) -> ImportResult:
    """Add the new closures of the file. The lab is locked first, so two imports at once add each once."""
    lock_lab(lab)
    rows = preview_closure_import(lab, ranges)
    for row in rows:
        if row.will_be_added:
            db.session.add(
                LabClosure(lab=lab, starts_on=row.range.first_day, ends_on=row.range.last_day, reason=row.range.name)
            )
    added = sum(1 for row in rows if row.will_be_added)
    return ImportResult(added=added, skipped_existing=len(rows) - added)
