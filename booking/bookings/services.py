"""The booking engine: capacity, the state machine, waiting lists, reminders and evaluations.

Places are taken with one conditional UPDATE on the session's counters::

    UPDATE sessions SET booked_pupils = booked_pupils + :pupils, booked_classes = booked_classes + 1
    WHERE id = :id AND status = 'scheduled'
      AND booked_pupils + :pupils <= capacity_pupils AND booked_classes + 1 <= max_classes

The database evaluates the condition and the increment as one step on the row: PostgreSQL locks
the row and re-checks the condition against the newest committed version when another
transaction got there first, and SQLite lets one writer at a time in. So two requests for the last
places can never both succeed, with no lock held while the page is rendered and no retry loop. The
``not_overbooked`` CHECK on ``sessions`` is the last word should a bug ever slip past this.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from booking.bookings.models import (
    ACTIVE_STATUSES,
    HOLDING_STATUSES,
    STEPS,
    Booking,
    BookingEvent,
    BookingQuota,
    BookingStatus,
    Evaluation,
)
from booking.calendars import invitations
from booking.calendars.events import absolute_url
from booking.calendars.ical import Person
from booking.calendars.invitations import CANCEL, REQUEST
from booking.catalogue.models import Activity, ActivityStatus, Session, SessionStatus, activity_regions, search_key
from booking.core.errors import DomainError
from booking.core.outbox import queue_email
from booking.core.time import current_school_year, from_local, school_year_of, to_local, utcnow
from booking.extensions import db
from booking.labs.models import LabQuota
from booking.organisations.blocked_dates import blocked_sentence, blocks_for_lesson
from booking.organisations.models import Partner, Region, School, SchoolClass


class SessionFull(DomainError):
    """No room left: the view offers the waiting list."""


# Places ------------------------------------------------------------------------------------------


def _take_places(session: Session, pupils: int) -> bool:
    result = db.session.execute(
        update(Session)
        .where(
            Session.id == session.id,
            Session.status == SessionStatus.SCHEDULED,
            Session.booked_pupils + pupils <= Session.capacity_pupils,
            Session.booked_classes + 1 <= Session.max_classes,
        )
        .values(booked_pupils=Session.booked_pupils + pupils, booked_classes=Session.booked_classes + 1)
        .execution_options(synchronize_session=False)
    )
    taken = result.rowcount == 1
    if taken:
        db.session.refresh(session, ["booked_pupils", "booked_classes"])
    return taken


def _release_places(session: Session, pupils: int) -> None:
    db.session.execute(
        update(Session)
        .where(Session.id == session.id)
        .values(booked_pupils=Session.booked_pupils - pupils, booked_classes=Session.booked_classes - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(session, ["booked_pupils", "booked_classes"])


# Booking -----------------------------------------------------------------------------------------


@dataclass
class BookingRequest:
    school_class: SchoolClass
    pupils: int
    adults: int = 1
    notes: str | None = None
    contact_phone: str | None = None
    # The teacher saw that the class cannot come that day (Cito, a study day) and books anyway.
    despite_blocked: bool = False


def bookable_classes(user, session: Session) -> list[SchoolClass]:
    """The classes of the user's schools in the session's school year, whatever their grade."""
    if not user.school_ids:
        return []
    year = school_year_of(to_local(session.starts_at).date())
    return list(
        db.session.scalars(
            select(SchoolClass)
            .join(School)
            .where(SchoolClass.school_id.in_(user.school_ids), SchoolClass.school_year == year)
            .options(joinedload(SchoolClass.school))
            .order_by(School.name, SchoolClass.grade, SchoolClass.label)
        )
    )


def check_session_open(session: Session) -> None:
    activity = session.activity
    if session.is_cancelled:
        raise DomainError(_("This session has been cancelled."))
    if activity.status is not ActivityStatus.PUBLISHED:
        raise DomainError(_("This activity is not in the catalogue, so it cannot be booked."))
    if session.starts_at <= utcnow():
        raise DomainError(_("This session has already started."))
    if utcnow() >= session.bookings_close_at:
        raise DomainError(
            ngettext(
                "Bookings for this session closed %(num)d day before it starts.",
                "Bookings for this session closed %(num)d days before it starts.",
                activity.booking_closes_days,
            )
        )


def offered_to_any(activity: Activity, school_ids) -> bool:
    """Whether a teacher of these schools may book the activity; true for someone with no school."""
    if not school_ids or activity.is_open_to_all_regions:
        return True
    schools = db.session.scalars(select(School).where(School.id.in_(school_ids)))
    return any(activity.is_offered_to(school) for school in schools)


def check_offered_to_schools(activity: Activity, school_ids) -> None:
    """Before the booking form: a teacher whose schools are all outside the activity's regions is
    told so at once (``check_class_fits`` refuses such a class on booking, whatever the form said)."""
    if not offered_to_any(activity, school_ids):
        raise DomainError(
            _(
                "This activity is for schools in %(regions)s. Your school is in another region, so it cannot "
                "book it here; your coordinator knows the offer in your region.",
                regions=activity.region_names,
            )
        )


def _check_request(session: Session, request: BookingRequest) -> None:
    school_class = request.school_class
    check_session_open(session)
    if school_class.school_year != school_year_of(to_local(session.starts_at).date()):
        raise DomainError(
            _("%(label)s is a class of another school year than this session.", label=school_class.label),
            field="school_class",
        )
    check_class_fits(session.activity, request)
    if request.pupils > session.capacity_pupils:
        raise DomainError(
            _("This session has room for %(count)s pupils at most.", count=session.capacity_pupils), field="pupils"
        )
    existing = active_booking_of_class(session, school_class)
    if existing is not None:
        raise DomainError(already_booked_message(existing), field="school_class")


def check_not_blocked(session: Session, school_class: SchoolClass) -> None:
    """A lesson on a day the class cannot come (its school's study day, its Cito) is booked only
    when the teacher says so; the message says which day it is."""
    blocked = blocks_for_lesson(school_class, session.starts_at, session.ends_at)
    if blocked:
        raise DomainError(
            _(
                "%(why)s Tick “Book anyway” if the class comes all the same.",
                why=blocked_sentence(school_class, blocked[0]),
            ),
            field="despite_blocked",
        )


def check_class_fits(activity: Activity, request: BookingRequest) -> None:
    """The activity's own rules for a class: its regions, its grades, its group size, and the class's size."""
    school_class = request.school_class
    if not activity.is_offered_to(school_class.school):
        raise DomainError(
            _(
                "%(title)s is for schools in %(regions)s; %(school)s is in %(region)s.",
                title=activity.title,
                regions=activity.region_names,
                school=school_class.school.name,
                region=school_class.school.region.name,
            ),
            field="school_class",
        )
    if school_class.grade not in activity.grades:
        raise DomainError(
            _(
                "This activity is for %(grades)s; %(label)s is in %(grade)s.",
                grades=", ".join(str(grade.label) for grade in activity.grades),
                label=school_class.label,
                grade=school_class.grade.label,
            ),
            field="school_class",
        )
    if request.pupils < 1:
        raise DomainError(_("Enter at least 1 pupil."), field="pupils")
    if request.pupils > school_class.pupils:
        raise DomainError(
            _("%(label)s has %(count)s pupils; you cannot book more.", label=school_class.label,
              count=school_class.pupils),
            field="pupils",
        )  # fmt: skip
    if request.pupils < activity.min_pupils or request.pupils > activity.max_pupils:
        raise DomainError(
            _(
                "This activity takes groups of %(min)s to %(max)s pupils.",
                min=activity.min_pupils,
                max=activity.max_pupils,
            ),
            field="pupils",
        )
    if request.adults < 0:
        raise DomainError(_("The number of adults cannot be negative."), field="adults")


def already_booked_message(booking: Booking) -> str:
    if booking.status is BookingStatus.WAITLISTED:
        return _("%(label)s is already on the waiting list for this session.", label=booking.class_label)
    return _("%(label)s already has a booking for this session.", label=booking.class_label)


def active_booking_of_class(session: Session, school_class: SchoolClass) -> Booking | None:
    return db.session.scalar(
        select(Booking).where(
            Booking.session_id == session.id,
            Booking.school_class_id == school_class.id,
            Booking.status.in_(ACTIVE_STATUSES),
        )
    )


def waiting_count(session: Session) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(Booking.session_id == session.id, Booking.status == BookingStatus.WAITLISTED)
    )


def _check_quota(school: School, school_year: int) -> None:
    """After this request's first write: on SQLite that write already keeps other writers out; on
    PostgreSQL the quota row is locked, so two teachers of one school cannot both take the last one."""
    query = select(BookingQuota).where(BookingQuota.school_id == school.id, BookingQuota.school_year == school_year)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    quota = db.session.scalar(query)
    if quota is None:
        return
    if bookings_used(school, school_year) > quota.max_bookings:
        raise DomainError(
            _(
                "%(school)s has used its %(count)s bookings for school year %(year)s. Ask your coordinator "
                "if you need more.",
                school=school.name,
                count=quota.max_bookings,
                year=f"{school_year}–{school_year + 1}",
            )
        )


def _admitted_status(session: Session) -> BookingStatus:
    """What a class that got places is: waiting for the partner, or confirmed at once."""
    return BookingStatus.REQUESTED if session.activity.requires_confirmation else BookingStatus.CONFIRMED


def book_session(
    session: Session, request: BookingRequest, *, actor, waitlist: bool = False, series=None, notify: bool = True
) -> Booking:
    """Book a session for a class, or (``waitlist=True``) put the class on its waiting list.

    Raises ``SessionFull`` when the places are gone (or other classes are already waiting for
    them); the caller then offers the waiting list. A lesson of a lab ``series`` is booked with
    ``notify=False``: the series sends one email for all its lessons.
    """
    _check_request(session, request)
    if series is None and not request.despite_blocked:
        check_not_blocked(session, request.school_class)
    if series is None and session.activity.series_length > 1:
        raise DomainError(
            _(
                "%(title)s is booked as a series of %(count)s lessons; book the series.",
                title=session.activity.title,
                count=session.activity.series_length,
            )
        )
    school_class = request.school_class
    booking = Booking(
        session=session,
        school_id=school_class.school_id,
        school_class_id=school_class.id,
        school_year=school_year_of(to_local(session.starts_at).date()),
        class_label=school_class.label,
        grade=school_class.grade,
        pupils=request.pupils,
        adults=request.adults,
        notes=request.notes,
        contact_phone=request.contact_phone,
        booked_by=actor,
        series_id=series.id if series is not None else None,
    )
    # Classes already waiting go first: a newcomer cannot take places they are waiting for. A class
    # sent to the waiting list of a session that has room (a stale page, a forged form) is booked.
    if not waiting_count(session) and _take_places(session, request.pupils):
        booking.status = _admitted_status(session)
        step = "request" if booking.status is BookingStatus.REQUESTED else "book"
    elif waitlist:
        booking.status = BookingStatus.WAITLISTED
        booking.waitlisted_at = utcnow()
        step = "waitlist"
    else:
        raise SessionFull(_("This session is full. Join the waiting list? You will be told when a place frees up."))
    booking.history.append(BookingEvent(actor=actor, from_status=None, to_status=booking.status, step=step))
    db.session.add(booking)
    try:
        db.session.flush()
    except IntegrityError:
        # The same class was booked a moment ago (a double click, a second tab): keep that one.
        db.session.rollback()
        raise DomainError(_("This class already has a booking for this session.")) from None
    _check_quota(school_class.school, booking.school_year)
    _check_lab_quota(session, school_class.school, booking.school_year)
    if notify:
        _notify_booked(booking)
    return booking


# The state machine ----------------------------------------------------------------------------


def take_step(booking: Booking, name: str, *, actor, reason: str | None = None, notify: bool = True) -> BookingEvent:
    """Move a booking along one step of ``STEPS``; the caller has checked ``booking.can_take``.
    ``notify=False`` when the caller sends one email for several bookings (a whole series)."""
    step = STEPS[name]
    if not booking.step_allowed_now(step):
        raise DomainError(_("This is not possible for a booking that is %(status)s.", status=booking.status.label))
    reason = (reason or "").strip() or None
    if reason is None and booking.needs_reason(name):
        if step.reason == "late":
            raise DomainError(
                _(
                    "The free cancellation period ended on %(day)s. Tell the partner why you cancel.",
                    day=to_local(booking.free_cancellation_until).strftime("%d-%m-%Y"),
                ),
                field="reason",
            )
        raise DomainError(_("Give a reason; the school sees it."), field="reason")
    event = _move(booking, step.target, name, actor=actor, reason=reason)
    if step.target in (BookingStatus.CANCELLED, BookingStatus.REJECTED):
        booking.status_reason = reason
    if notify:
        _notify_step(booking, name, held=event.from_status.holds_places)
    if event.from_status.holds_places and not step.target.holds_places:
        promote_waiting_list(booking.session)
    return event


def _move(booking: Booking, target: BookingStatus, step: str, *, actor, reason: str | None = None) -> BookingEvent:
    source = booking.status
    if source.holds_places and not target.holds_places:
        _release_places(booking.session, booking.pupils)
    booking.status = target
    event = BookingEvent(actor=actor, from_status=source, to_status=target, step=step, reason=reason)
    booking.history.append(event)
    return event


def cancel_session(session: Session, *, actor, reason: str | None) -> Session:
    """Cancel a session and every active booking and waiting-list entry on it; each school is told why."""
    if session.is_cancelled:
        raise DomainError(_("This session has already been cancelled."))
    reason = (reason or "").strip() or None
    bookings = db.session.scalars(
        select(Booking).where(
            Booking.session_id == session.id,
            Booking.status.in_([BookingStatus.REQUESTED, BookingStatus.CONFIRMED, BookingStatus.WAITLISTED]),
        )
    ).all()
    if bookings and not reason:
        raise DomainError(_("Give a reason; the schools with a booking see it."), field="reason")
    session.status = SessionStatus.CANCELLED  # first: the mails and their invitations say so
    held = [booking for booking in bookings if booking.status.holds_places]
    for booking in bookings:
        invite = CANCEL if booking.status.holds_places else None  # the waiting list had no invitation
        _move(booking, BookingStatus.CANCELLED, "session_cancelled", actor=actor, reason=reason)
        booking.status_reason = reason
        _notify_school(booking, "booking_cancelled", _l("Cancelled: %(title)s"), invite=invite)
    if held:
        _notify_partner_of_session(session, held, _l("Cancelled: %(title)s"), reason=reason)
    return session


def move_booking(booking: Booking, target: Session, *, actor, reason: str | None = None) -> BookingEvent:
    """Move an admitted booking to another session of the same activity, places and all. The new
    places are taken with the same conditional UPDATE as a booking, so a slot filled a moment ago
    is refused; the old session's waiting list moves up. The school and the partner are told."""
    old = booking.session
    if target.id == old.id:
        raise DomainError(_("That is the slot the lesson already has."), field="target")
    if target.activity_id != old.activity_id:
        raise DomainError(_("Choose a slot of the same activity."), field="target")
    if target.is_cancelled or target.starts_at <= utcnow():
        raise DomainError(_("That slot has been cancelled or has already started."), field="target")
    if booking.status not in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED) or booking.has_started:
        raise DomainError(_("Only a booking that has not started yet can move."))
    if booking.school_class_id is not None and db.session.scalar(
        select(Booking.id).where(
            Booking.session_id == target.id,
            Booking.school_class_id == booking.school_class_id,
            Booking.status.in_(ACTIVE_STATUSES),
        )
    ):
        raise DomainError(_("%(label)s already has a booking in that slot.", label=booking.class_label), field="target")
    if not _take_places(target, booking.pupils):
        raise DomainError(_("That slot is no longer free. Choose another one."), field="target")
    _release_places(old, booking.pupils)
    booking.session = target
    booking.reminder_sent_at = None  # the reminder is for the new date
    reason = (reason or "").strip() or None
    event = BookingEvent(actor=actor, from_status=booking.status, to_status=booking.status, step="move", reason=reason)
    booking.history.append(event)
    promote_waiting_list(old)
    moved_from = {"moved_from": old}
    _notify_school(booking, "lesson_moved", _l("Moved: %(title)s"), invite=REQUEST, **moved_from)
    _notify_partner(booking, "lesson_moved", _l("Moved: %(title)s"), invite=True, **moved_from)
    return event


# Waiting list ----------------------------------------------------------------------------------


def skipping_allowed(session: Session) -> bool:
    """A class may be passed over only when every region offering the activity allows it."""
    flags = db.session.scalars(
        select(Region.waitlist_allows_skipping)
        .join(activity_regions, activity_regions.c.region_id == Region.id)
        .where(activity_regions.c.activity_id == session.activity_id)
    ).all()
    return bool(flags) and all(flags)


def waiting_list(session: Session) -> list[Booking]:
    return list(
        db.session.scalars(
            select(Booking)
            .where(Booking.session_id == session.id, Booking.status == BookingStatus.WAITLISTED)
            .order_by(Booking.waitlisted_at, Booking.id)
        )
    )


def promote_waiting_list(session: Session) -> list[Booking]:
    """Give freed places to the waiting list, in order. In strict order the first entry that does
    not fit stops the promotion; with skipping allowed, smaller entries behind it may go first.
    Waiting lists stand still once bookings have closed: the partner has planned by then."""
    if session.is_cancelled or utcnow() >= session.bookings_close_at:
        return []
    db.session.flush()  # a raised capacity must be in the database before the conditional UPDATE
    skipping = None
    promoted = []
    for booking in waiting_list(session):
        if session.booked_classes >= session.max_classes:
            break
        if _take_places(session, booking.pupils):
            target = _admitted_status(session)
            booking.status = target
            booking.history.append(
                BookingEvent(actor=None, from_status=BookingStatus.WAITLISTED, to_status=target, step="promote")
            )
            _notify_school(booking, "booking_promoted", _l("A place for you: %(title)s"), invite=REQUEST)
            promoted.append(booking)
            continue
        if skipping is None:
            skipping = skipping_allowed(session)
        if not skipping:
            break
    return promoted


def waiting_position(booking: Booking) -> int | None:
    if booking.status is not BookingStatus.WAITLISTED:
        return None
    ahead = db.session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(
            Booking.session_id == booking.session_id,
            Booking.status == BookingStatus.WAITLISTED,
            (Booking.waitlisted_at < booking.waitlisted_at)
            | ((Booking.waitlisted_at == booking.waitlisted_at) & (Booking.id < booking.id)),
        )
    )
    return ahead + 1


# Quotas ------------------------------------------------------------------------------------------


def quota_of(school: School, school_year: int) -> BookingQuota | None:
    return db.session.scalar(
        select(BookingQuota).where(BookingQuota.school_id == school.id, BookingQuota.school_year == school_year)
    )


def bookings_used(school: School, school_year: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(
            Booking.school_id == school.id,
            Booking.school_year == school_year,
            Booking.status.in_(ACTIVE_STATUSES),
        )
    )


def quotas_left(school_ids, school_year: int) -> list[tuple[School, int, int]]:
    """Per school of the user that has a quota that year: the school, bookings left, its quota."""
    quotas = db.session.execute(
        select(School, BookingQuota.max_bookings)
        .join(BookingQuota, BookingQuota.school_id == School.id)
        .where(School.id.in_(school_ids), BookingQuota.school_year == school_year)
        .order_by(School.name)
    ).all()
    return [(school, max(0, most - bookings_used(school, school_year)), most) for school, most in quotas]


def classes_busy_at(class_ids, starts_at, ends_at) -> set[int]:
    """The classes that already have something then: an active booking (another activity, their own
    lab lesson) on a session that overlaps the time."""
    if not class_ids:
        return set()
    return set(
        db.session.scalars(
            select(Booking.school_class_id)
            .join(Session, Session.id == Booking.session_id)
            .where(
                Booking.school_class_id.in_(class_ids),
                Booking.status.in_(ACTIVE_STATUSES),
                Session.starts_at < ends_at,
                Session.ends_at > starts_at,
            )
        )
    )


def set_quota(school: School, school_year: int, max_bookings: int | None) -> None:
    """Set (or with ``None`` remove) a school's booking quota; bookings already made stay."""
    quota = quota_of(school, school_year)
    if max_bookings is None:
        if quota is not None:
            db.session.delete(quota)
        return
    if max_bookings < 0:
        raise DomainError(_("The quota cannot be negative."), field="max_bookings")
    if quota is None:
        quota = BookingQuota(school=school, school_year=school_year)
        db.session.add(quota)
    quota.max_bookings = max_bookings


# Evaluation --------------------------------------------------------------------------------------


# Lab quotas: lessons ("dagdelen") per school per school year in one lab ----------------------


def lab_quota_of(lab_id: int, school_id: int, school_year: int, *, for_update: bool = False) -> LabQuota | None:
    query = select(LabQuota).where(
        LabQuota.lab_id == lab_id, LabQuota.school_id == school_id, LabQuota.school_year == school_year
    )
    if for_update and db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return db.session.scalar(query)


def lab_lessons_used(lab_id: int, school_id: int, school_year: int) -> int:
    """Lessons the school holds in the lab that year: requested, confirmed, or already given."""
    return db.session.scalar(
        select(func.count())
        .select_from(Booking)
        .join(Session, Session.id == Booking.session_id)
        .where(
            Session.lab_id == lab_id,
            Booking.school_id == school_id,
            Booking.school_year == school_year,
            Booking.status.in_(HOLDING_STATUSES),
        )
    )


def set_lab_quota(lab_id: int, school: School, school_year: int, max_lessons: int | None) -> None:
    """``None`` removes the limit. A limit below what the school already holds is allowed: it
    stops new bookings and leaves the existing ones alone."""
    quota = lab_quota_of(lab_id, school.id, school_year)
    if max_lessons is None:
        if quota is not None:
            db.session.delete(quota)
        return
    if max_lessons < 0:
        raise DomainError(_("The quota cannot be negative."), field="max_lessons")
    quota = quota or LabQuota(lab_id=lab_id, school_id=school.id, school_year=school_year)
    quota.max_lessons = max_lessons
    db.session.add(quota)


def lab_quota_rows(lab_id: int) -> list[tuple[LabQuota, int]]:
    """The lab's quotas of this and later school years, each with the lessons the school holds."""
    used = (
        select(func.count())
        .select_from(Booking)
        .join(Session, Session.id == Booking.session_id)
        .where(
            Session.lab_id == LabQuota.lab_id,
            Booking.school_id == LabQuota.school_id,
            Booking.school_year == LabQuota.school_year,
            Booking.status.in_(HOLDING_STATUSES),
        )
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(LabQuota, used)
        .join(School, School.id == LabQuota.school_id)
        .where(LabQuota.lab_id == lab_id, LabQuota.school_year >= current_school_year())
        .options(joinedload(LabQuota.school))
        .order_by(LabQuota.school_year, School.name)
    )
    return [(quota, count) for quota, count in rows]


def lab_quota_schools(partner: Partner, user) -> list[School]:
    """Schools a coordinator may give a quota in the partner's lab: those of the regions the partner
    serves that the user coordinates (all of them for an admin)."""
    region_ids = set(partner.region_ids) if user.is_admin else partner.region_ids & user.coordinated_region_ids
    return list(db.session.scalars(select(School).where(School.region_id.in_(region_ids)).order_by(School.name)))


def lab_quota_message(quota: LabQuota, school: School, lab_name: str) -> str:
    return _(
        "%(school)s may book %(count)s lessons in %(lab)s in school year %(year)s and has used them. Ask your "
        "coordinator if you need more.",
        school=school.name,
        count=quota.max_lessons,
        lab=lab_name,
        year=quota.school_year_label,
    )


def _check_lab_quota(session: Session, school: School, school_year: int) -> None:
    """Like ``_check_quota``, after this request's first write, with the quota row locked on PostgreSQL."""
    if session.lab_id is None:
        return
    quota = lab_quota_of(session.lab_id, school.id, school_year, for_update=True)
    if quota is not None and lab_lessons_used(session.lab_id, school.id, school_year) > quota.max_lessons:
        raise DomainError(lab_quota_message(quota, school, session.lab.name))


def evaluate(booking: Booking, *, author, rating: int, comment: str | None) -> Evaluation:
    if booking.status is not BookingStatus.ATTENDED:
        raise DomainError(_("Only a session the class attended can be evaluated."))
    if booking.evaluation is not None:
        raise DomainError(_("This booking has already been evaluated."))
    if not 1 <= rating <= 5:
        raise DomainError(_("Choose a rating from 1 to 5."), field="rating")
    evaluation = Evaluation(booking=booking, rating=rating, comment=(comment or "").strip() or None, author=author)
    db.session.add(evaluation)
    return evaluation


# Reminders -------------------------------------------------------------------------------------


def send_reminders(*, now: datetime | None = None) -> tuple[int, int]:
    """Queue the reminders and evaluation requests that are due. Each goes out once, even when
    several runs overlap: a booking is claimed by a conditional UPDATE before its mail is queued."""
    now = now or utcnow()
    days = current_app.config["BOOKING_REMINDER_DAYS"]
    due_reminders = (
        select(Booking.id)
        .join(Session, Session.id == Booking.session_id)
        .where(
            Booking.status == BookingStatus.CONFIRMED,
            Booking.reminder_sent_at.is_(None),
            Session.starts_at > now,
            Session.starts_at <= now + timedelta(days=days),
        )
    )
    reminders = _claim(due_reminders, Booking.reminder_sent_at, now)
    for booking in reminders:
        _notify_school(booking, "booking_reminder", _l("Reminder: %(title)s"))
    due_evaluations = (
        select(Booking.id)
        .join(Session, Session.id == Booking.session_id)
        .outerjoin(Evaluation, Evaluation.booking_id == Booking.id)
        .where(
            Booking.status == BookingStatus.ATTENDED,
            Booking.evaluation_requested_at.is_(None),
            Evaluation.id.is_(None),
            Session.ends_at <= now,
        )
    )
    requests = _claim(due_evaluations, Booking.evaluation_requested_at, now)
    for booking in requests:
        _notify_school(booking, "evaluation_request", _l("Your evaluation, please: %(title)s"))
    db.session.commit()
    return len(reminders), len(requests)


def _claim(due, column, now: datetime) -> list[Booking]:
    ids = (
        db.session.execute(
            update(Booking)
            .where(Booking.id.in_(due.scalar_subquery()), column.is_(None))
            .values({column: now})
            .returning(Booking.id)
            .execution_options(synchronize_session=False)
        )
        .scalars()
        .all()
    )
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Booking)
            .where(Booking.id.in_(ids))
            .options(_with_session(), joinedload(Booking.school), joinedload(Booking.booked_by))
            .order_by(Booking.id)
        )
    )


# Email -------------------------------------------------------------------------------------------


def _notify_school(booking: Booking, template: str, subject, *, invite: str | None = None, **context) -> None:
    """Mail the teacher who booked, in their language. ``invite`` (REQUEST or CANCEL) sends the
    booking's calendar invitation along (``booking.calendars.invitations``)."""
    teacher = booking.booked_by
    if teacher is not None and teacher.is_active:
        calendar = None
        if invite:
            calendar = partial(invitations.booking_invitation, [booking], Person(teacher.email, teacher.name), invite)
        language = teacher.language.value
        _notify(booking, teacher.email, language, teacher.name, template, subject, calendar=calendar, **context)


def _notify_partner(booking: Booking, template: str, subject, *, invite: bool = False, **context) -> None:
    """Mail the partner's address, in the installation's default language. ``invite`` sends the
    session's calendar invitation along."""
    partner = booking.session.activity.partner
    if partner.email:
        language = current_app.config["BABEL_DEFAULT_LOCALE"]
        name = partner.contact_name or partner.name
        calendar = None
        if invite:
            calendar = partial(invitations.session_invitation, [booking.session], Person(partner.email, name))
        _notify(booking, partner.email, language, name, template, subject, calendar=calendar, **context)


def _notify_partner_of_session(session: Session, bookings: list[Booking], subject, **context) -> None:
    """Tell the partner that a session with classes on it changed time or place, or was cancelled,
    with the session's invitation (REQUEST, or CANCEL once cancelled) so their calendar follows."""
    partner = session.activity.partner
    if not partner.email:
        return
    language = current_app.config["BABEL_DEFAULT_LOCALE"]
    name = partner.contact_name or partner.name
    with force_locale(language):
        title = str(subject) % {"title": session.activity.title}
        calendar = invitations.session_invitation([session], Person(partner.email, name))
    queue_email(
        partner.email,
        title,
        "bookings/partner_session_changed",
        language,
        calendar=calendar,
        session=session,
        activity=session.activity,
        bookings=bookings,
        link=absolute_url("catalogue.activity", activity_id=session.activity_id),
        name=name,
        **context,
    )


def notify_session_changed(session: Session, was: dict) -> None:
    """The time or place of a session changed (``was``: its old ``starts_at``, ``ends_at`` and
    ``place``): every class holding places gets the update of its booking, and the partner that of
    the session. Changes no calendar shows (capacity) send nothing."""
    booked = db.session.scalars(
        select(Booking)
        .where(Booking.session_id == session.id, Booking.status.in_([BookingStatus.REQUESTED, BookingStatus.CONFIRMED]))
        .order_by(Booking.id)
    ).all()
    for booking in booked:
        _notify_school(booking, "session_changed", _l("Changed: %(title)s"), invite=REQUEST, was=was)
    if booked:
        _notify_partner_of_session(session, booked, _l("Changed: %(title)s"), was=was)


def _notify(
    booking: Booking, recipient: str, language: str, name: str, template: str, subject, *, calendar=None, **context
) -> None:
    """``calendar`` builds the invitation; it is called in the recipient's language."""
    with force_locale(language):
        title = str(subject) % {"title": booking.session.activity.title}
        invitation = calendar() if calendar is not None else None
    queue_email(
        recipient,
        title,
        f"bookings/{template}",
        language,
        calendar=invitation,
        booking=booking,
        session=booking.session,
        activity=booking.session.activity,
        link=absolute_url("bookings.booking", booking_id=booking.id),
        name=name,
        **context,
    )


def _notify_booked(booking: Booking) -> None:
    if booking.status is BookingStatus.WAITLISTED:
        _notify_school(booking, "booking_waitlisted", _l("On the waiting list: %(title)s"))
        return
    # A request holds its places too: it goes in the teacher's calendar as TENTATIVE until decided.
    if booking.status is BookingStatus.REQUESTED:
        _notify_school(booking, "booking_requested", _l("Request received: %(title)s"), invite=REQUEST)
        _notify_partner(booking, "partner_new_request", _l("New booking request: %(title)s"), invite=True)
    else:
        _notify_school(booking, "booking_confirmed", _l("Confirmed: %(title)s"), invite=REQUEST)
        _notify_partner(booking, "partner_new_booking", _l("New booking: %(title)s"), invite=True)


def _notify_step(booking: Booking, name: str, *, held: bool) -> None:
    """``held``: the booking held places before this step, so the teacher had its invitation."""
    removed = CANCEL if held else None
    if name == "confirm":
        _notify_school(booking, "booking_confirmed", _l("Confirmed: %(title)s"), invite=REQUEST)
    elif name == "reject":
        _notify_school(booking, "booking_rejected", _l("Not possible: %(title)s"), invite=removed)
    elif name == "withdraw":
        _notify_school(booking, "booking_cancelled", _l("Cancelled: %(title)s"), invite=removed)
    elif name == "cancel":
        _notify_school(booking, "booking_cancelled", _l("Cancelled: %(title)s"), invite=removed)
        _notify_partner(booking, "partner_booking_cancelled", _l("Booking cancelled: %(title)s"), invite=True)


# Lists for the pages -------------------------------------------------------------------------


def _with_session():
    return joinedload(Booking.session).joinedload(Session.activity).joinedload(Activity.partner)


def school_bookings(school_ids, show: str):
    """The bookings of the user's schools: ``upcoming``, ``past`` or ``waiting``."""
    now = utcnow()
    query = (
        select(Booking)
        .join(Session, Session.id == Booking.session_id)
        .where(Booking.school_id.in_(school_ids))
        .options(_with_session(), joinedload(Booking.school))
    )
    if show == "waiting":
        return query.where(Booking.status == BookingStatus.WAITLISTED).order_by(Session.starts_at, Booking.id)
    if show == "past":
        return query.where(Session.starts_at <= now, Booking.status != BookingStatus.WAITLISTED).order_by(
            Session.starts_at.desc(), Booking.id
        )
    return query.where(Session.starts_at > now, Booking.status != BookingStatus.WAITLISTED).order_by(
        Session.starts_at, Booking.id
    )


def next_school_bookings(school_ids, limit: int = 5) -> list[Booking]:
    if not school_ids:
        return []
    return list(db.session.scalars(school_bookings(school_ids, "upcoming").limit(limit)))


def partner_requests(partner_ids):
    """Requests waiting for a partner's answer, oldest first: the partner's inbox."""
    return (
        select(Booking)
        .join(Session, Session.id == Booking.session_id)
        .join(Activity, Activity.id == Session.activity_id)
        .where(Activity.partner_id.in_(partner_ids), Booking.status == BookingStatus.REQUESTED)
        .options(_with_session(), joinedload(Booking.school))
        .order_by(Session.starts_at, Booking.created_at, Booking.id)
    )


def request_count(partner_ids) -> int:
    if not partner_ids:
        return 0
    return db.session.scalar(select(func.count()).select_from(partner_requests(partner_ids).order_by(None).subquery()))


def participants(session: Session) -> list[Booking]:
    """Everyone expected (or who came): requested, confirmed, attended and no-show bookings."""
    return list(
        db.session.scalars(
            select(Booking)
            .where(Booking.session_id == session.id, Booking.status.in_(
                [BookingStatus.REQUESTED, BookingStatus.CONFIRMED, BookingStatus.ATTENDED, BookingStatus.NO_SHOW]
            ))
            .options(joinedload(Booking.school))
            .order_by(Booking.created_at, Booking.id)
        )
    )  # fmt: skip


@dataclass
class RegionFilters:
    status: BookingStatus | None = None
    school_id: int | None = None
    partner_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    text: str = ""


def region_bookings(user, filters: RegionFilters):
    """All bookings of schools in the coordinator's regions (every booking for an admin)."""
    query = select(Booking).options(_with_session(), joinedload(Booking.school))
    return _in_region(query, user, filters)


def region_booking_rows(user, filters: RegionFilters):
    """The same bookings as plain rows for the CSV export: no objects to build for 100,000 lines."""
    query = select(
        Session.starts_at,
        Session.ends_at,
        Activity.title,
        Partner.name.label("partner"),
        Session.place,
        School.name.label("school"),
        School.brin,
        School.location_number,
        Booking.class_label,
        Booking.grade,
        Booking.pupils,
        Booking.adults,
        Booking.status,
        Booking.created_at,
        Booking.status_reason,
    ).select_from(Booking)
    return _in_region(query, user, filters).join(Partner, Partner.id == Activity.partner_id)


def region_booking_count(user, filters: RegionFilters) -> int:
    """How many bookings the region list has: joins only what the filters need (a region holds tens
    of thousands of bookings, and SQLite does not drop unused joins itself)."""
    query = select(func.count(Booking.id)).select_from(Booking)
    return db.session.scalar(_in_region(query, user, filters, ordered=False))


def _in_region(query, user, filters: RegionFilters, *, ordered: bool = True):
    needs_activity = ordered or filters.partner_id or filters.text
    if needs_activity or filters.date_from or filters.date_to:
        query = query.join(Session, Session.id == Booking.session_id)
    if needs_activity:
        query = query.join(Activity, Activity.id == Session.activity_id)
    query = query.join(School, School.id == Booking.school_id)
    if not user.is_admin:
        query = query.where(School.region_id.in_(user.coordinated_region_ids))
    if filters.status is not None:
        query = query.where(Booking.status == filters.status)
    if filters.school_id:
        query = query.where(Booking.school_id == filters.school_id)
    if filters.partner_id:
        query = query.where(Activity.partner_id == filters.partner_id)
    if filters.date_from:
        query = query.where(Session.starts_at >= from_local(filters.date_from, datetime.min.time()))
    if filters.date_to:
        query = query.where(Session.starts_at < from_local(filters.date_to + timedelta(days=1), datetime.min.time()))
    if filters.text:
        query = query.where(Activity.search_text.contains(search_key(filters.text), autoescape=True))
    return query.order_by(Session.starts_at.desc(), Booking.id.desc()) if ordered else query


@dataclass
class ActivityRating:
    activity: Activity
    average: float
    count: int
    comments: list[Evaluation]


def evaluation_summary(user, comments_per_activity: int = 5) -> list[ActivityRating]:
    """Average rating per activity with the latest comments: a partner sees its own activities,
    a coordinator those booked by schools in their regions, an admin everything."""
    query = (
        select(Activity, func.avg(Evaluation.rating), func.count(Evaluation.id))
        .join(Session, Session.activity_id == Activity.id)
        .join(Booking, Booking.session_id == Session.id)
        .join(Evaluation, Evaluation.booking_id == Booking.id)
        .group_by(Activity.id)
        .order_by(Activity.title)
    )
    scope = _evaluation_scope(user)
    if scope is not None:
        query = query.where(scope)
    rows = db.session.execute(query).all()
    if not rows:
        return []
    # The latest few comments per activity, numbered in the database so only those are loaded.
    position = (
        func.row_number()
        .over(partition_by=Session.activity_id, order_by=(Evaluation.created_at.desc(), Evaluation.id.desc()))
        .label("position")
    )
    latest = (
        select(Evaluation.id, Session.activity_id, position)
        .join(Booking, Booking.id == Evaluation.booking_id)
        .join(Session, Session.id == Booking.session_id)
        .join(Activity, Activity.id == Session.activity_id)
        .where(Evaluation.comment.is_not(None), Session.activity_id.in_([row[0].id for row in rows]))
    )
    if scope is not None:
        latest = latest.where(scope)
    latest = latest.subquery()
    comment_query = (
        select(Evaluation, latest.c.activity_id)
        .join(latest, latest.c.id == Evaluation.id)
        .where(latest.c.position <= comments_per_activity)
        .options(joinedload(Evaluation.booking).joinedload(Booking.school))
        .order_by(latest.c.activity_id, latest.c.position)
    )
    comments: dict[int, list[Evaluation]] = {}
    for evaluation, activity_id in db.session.execute(comment_query):
        comments.setdefault(activity_id, []).append(evaluation)
    return [
        ActivityRating(activity=activity, average=float(average), count=count, comments=comments.get(activity.id, []))
        for activity, average, count in rows
    ]


def _evaluation_scope(user):
    if user.is_admin:
        return None
    conditions = []
    if user.partner_ids:
        conditions.append(Activity.partner_id.in_(user.partner_ids))
    if user.coordinated_region_ids:
        conditions.append(
            Booking.school_id.in_(select(School.id).where(School.region_id.in_(user.coordinated_region_ids)))
        )
    if not conditions:
        return Activity.id.is_(None)
    return or_(*conditions)


def can_view_evaluations(user) -> bool:
    return user.is_admin or bool(user.partner_ids) or bool(user.coordinated_region_ids)
