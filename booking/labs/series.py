"""Lesson series in a lab: propose N weekly lessons for a class, book them all or none, cancel the
series, and move one lesson to another free slot.

A series is the teacher's choice of a weekday and period ("Tuesday ochtend") from a start week on.
Each week gets the slot at that time when it is free. When it is not (another school has it, or
the lab has no slot then), the nearest free slot of the same activity in that same week is offered
instead, so the class still comes once a week; a week with no free slot at all, and a week with a
holiday or closure on the chosen day, is skipped and the series runs a week longer. The lessons are
ordinary bookings (with ``series_id``), booked through the booking engine in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from functools import partial

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from booking.bookings import services as bookings
from booking.bookings.models import ACTIVE_STATUSES, Booking, BookingStatus
from booking.calendars import invitations
from booking.calendars.events import absolute_url
from booking.calendars.ical import Person
from booking.catalogue.models import Activity, Session, SessionStatus
from booking.catalogue.services import holidays_between
from booking.core.errors import DomainError
from booking.core.outbox import queue_email
from booking.core.time import NonexistentLocalTime, from_local, school_year_label, school_year_of, to_local, utcnow
from booking.extensions import db
from booking.labs.models import Lab, LabPeriod, LabSeries
from booking.labs.services import lock_lab
from booking.organisations.blocked_dates import blocked_dates_between
from booking.organisations.models import BlockedDate, SchoolClass

FREE, ALTERNATIVE, SKIPPED = "free", "alternative", "skipped"


class ProposalChanged(DomainError):
    """A slot of the proposal the teacher saw was taken meanwhile: show the new proposal."""


@dataclass
class ProposedLesson:
    day: date  # the asked-for day: the chosen weekday of that week
    kind: str  # FREE, ALTERNATIVE or SKIPPED
    session: Session | None = None
    note: str | None = None  # why the asked-for slot was not used

    @property
    def counts(self) -> bool:
        return self.session is not None


@dataclass
class SeriesProposal:
    activity: Activity
    lab: Lab
    period: LabPeriod
    first_day: date
    rows: list[ProposedLesson] = field(default_factory=list)

    @property
    def lessons(self) -> list[ProposedLesson]:
        return [row for row in self.rows if row.counts]

    @property
    def sessions(self) -> list[Session]:
        return [row.session for row in self.lessons]

    @property
    def session_ids(self) -> list[int]:
        return [session.id for session in self.sessions]

    @property
    def complete(self) -> bool:
        return len(self.lessons) == self.activity.series_length

    @property
    def problem(self) -> str | None:
        if self.complete:
            return None
        return _(
            "Only %(found)s of the %(count)s lessons fit between this start week and the end of the school year. "
            "Choose an earlier start week or another period.",
            found=len(self.lessons),
            count=self.activity.series_length,
        )


# Choices for the form ------------------------------------------------------------------------


def series_periods(lab: Lab, school_years: list[int]) -> list[LabPeriod]:
    return [period for period in lab.periods if period.school_year in school_years]


def first_bookable_day(activity: Activity) -> date:
    """The earliest day a lesson can still be booked, given when bookings close."""
    return to_local(utcnow() + timedelta(days=activity.booking_closes_days)).date() + timedelta(days=1)


# Proposing ------------------------------------------------------------------------------------


def _check_series(activity: Activity, request: bookings.BookingRequest, period: LabPeriod, week: date) -> Lab:
    lab = activity.lab
    if lab is None or activity.series_length < 2:
        raise DomainError(_("This activity is not booked as a series."))
    if not activity.is_published:
        raise DomainError(_("This activity is not in the catalogue, so it cannot be booked."))
    if period.lab_id != lab.id:
        raise DomainError(_("Choose a period of this lab's timetable."), field="period")
    first_day = week + timedelta(days=period.weekday)
    year = school_year_of(first_day)
    if period.school_year != year:
        raise DomainError(
            _(
                "%(period)s belongs to the timetable of %(year)s; choose a start week in that school year.",
                period=f"{period.weekday_name} {period}",
                year=period.school_year_label,
            ),
            field="first_week",
        )
    school_class = request.school_class
    if school_class.school_year != year:
        raise DomainError(
            _(
                "%(label)s is a class of school year %(class_year)s; the series starts in %(year)s.",
                label=school_class.label,
                class_year=school_year_label(school_class.school_year),
                year=school_year_label(year),
            ),
            field="school_class",
        )
    earliest = first_bookable_day(activity)
    if first_day < earliest:
        raise DomainError(
            ngettext(
                "Bookings close %(num)d day before a lesson; the first lesson can be on %(day)s at the earliest.",
                "Bookings close %(num)d days before a lesson; the first lesson can be on %(day)s at the earliest.",
                activity.booking_closes_days,
                day=earliest.strftime("%d-%m-%Y"),
            ),
            field="first_week",
        )
    bookings.check_class_fits(activity, request)
    return lab


def propose_series(
    activity: Activity, request: bookings.BookingRequest, *, period: LabPeriod, week: date
) -> SeriesProposal:
    """The lessons a series starting in ``week`` (its Monday) would get; nothing is booked."""
    lab = _check_series(activity, request, period, week)
    first_day = week + timedelta(days=period.weekday)
    last_day = date(period.school_year + 1, 7, 31)
    sessions = list(
        db.session.scalars(
            select(Session)
            .where(
                Session.activity_id == activity.id,
                Session.lab_id == lab.id,
                Session.status == SessionStatus.SCHEDULED,
                Session.starts_at >= from_local(week, time(0, 0)),
                Session.starts_at < from_local(last_day + timedelta(days=1), time(0, 0)),
            )
            .order_by(Session.starts_at)
        )
    )
    class_has = set(
        db.session.scalars(
            select(Booking.session_id).where(
                Booking.school_class_id == request.school_class.id,
                Booking.session_id.in_([session.id for session in sessions]),
                Booking.status.in_(ACTIVE_STATUSES),
            )
        )
    ) if sessions else set()  # fmt: skip
    by_week: dict[date, list[Session]] = {}
    at: dict[tuple[date, time], Session] = {}
    for session in sessions:
        local = to_local(session.starts_at)
        by_week.setdefault(local.date() - timedelta(days=local.weekday()), []).append(session)
        at[(local.date(), local.time())] = session
    holidays = holidays_between(lab.holiday_region, first_day, last_day)
    blocked = blocked_dates_between(request.school_class, first_day, last_day)

    def blocked_on(day: date, starts_at: time, ends_at: time) -> BlockedDate | None:
        return next((b for b in blocked if b.blocks(day, starts_at, ends_at)), None)

    def is_free(session: Session) -> bool:
        start, end = to_local(session.starts_at), to_local(session.ends_at)
        return (
            session.id not in class_has
            and blocked_on(start.date(), start.time(), end.time()) is None
            and session.is_open_for_booking
            and session.booked_classes < session.max_classes
            and session.booked_pupils + request.pupils <= session.capacity_pupils
        )

    proposal = SeriesProposal(activity=activity, lab=lab, period=period, first_day=first_day)
    day = first_day
    while len(proposal.lessons) < activity.series_length and day <= last_day:
        proposal.rows.append(_propose_week(lab, period, day, holidays, blocked_on, at, by_week, is_free))
        day += timedelta(days=7)
    return proposal


def _propose_week(lab, period, day, holidays, blocked_on, at, by_week, is_free) -> ProposedLesson:
    holiday = next((h for h in holidays if h.covers(day)), None)
    if holiday is not None:
        return ProposedLesson(day, SKIPPED, note=_("holiday: %(name)s", name=holiday.name))
    blocked = blocked_on(day, period.starts_at, period.ends_at)
    if blocked is not None:
        return ProposedLesson(day, SKIPPED, note=_("the class cannot come: %(reason)s", reason=blocked.reason))
    closure = lab.closure_on(day)
    if closure is not None:
        return ProposedLesson(day, SKIPPED, note=_("lab closed: %(reason)s", reason=closure.reason))
    asked = at.get((day, period.starts_at))
    if asked is not None and is_free(asked):
        return ProposedLesson(day, FREE, session=asked)
    note = _("no slot at this time") if asked is None else _("taken")
    try:
        target = from_local(day, period.starts_at)
    except NonexistentLocalTime:
        target = from_local(day, time(12, 0))
    week = day - timedelta(days=day.weekday())
    free = [session for session in by_week.get(week, []) if session is not asked and is_free(session)]
    if not free:
        return ProposedLesson(day, SKIPPED, note=_("%(why)s; no free slot that week", why=note))
    nearest = min(free, key=lambda session: (abs(session.starts_at - target), session.starts_at))
    return ProposedLesson(day, ALTERNATIVE, session=nearest, note=note)


# Booking ----------------------------------------------------------------------------------------


def book_series(
    activity: Activity,
    request: bookings.BookingRequest,
    *,
    period: LabPeriod,
    week: date,
    expected: list[int],
    actor,
) -> LabSeries:
    """Book every lesson of the proposal, or none: any refusal raises, and the caller rolls the
    transaction back. ``expected`` are the slots the teacher saw; if the proposal changed since,
    ``ProposalChanged`` is raised and nothing is booked."""
    proposal = propose_series(activity, request, period=period, week=week)
    if not proposal.complete:
        raise DomainError(proposal.problem)
    if proposal.session_ids != expected:
        raise ProposalChanged(
            _("Some lessons were booked by another school while you looked. Check the new proposal and book again.")
        )
    lab = proposal.lab
    school_class = request.school_class
    # One series at a time per lab, so the quota check below cannot interleave with another's.
    lock_lab(lab)
    _check_quota_room(lab, school_class, activity.series_length)
    series = LabSeries(
        lab_id=lab.id,
        activity=activity,
        school_id=school_class.school_id,
        class_label=school_class.label,
        school_year=school_class.school_year,
        weekday=period.weekday,
        period_name=period.name,
        first_day=proposal.first_day,
        booked_by=actor,
    )
    db.session.add(series)
    db.session.flush()
    lessons = []
    for session in proposal.sessions:
        try:
            lessons.append(bookings.book_session(session, request, actor=actor, series=series, notify=False))
        except bookings.SessionFull:
            raise ProposalChanged(
                _("A lesson on %(day)s was booked by another school a moment ago. Nothing has been booked; "
                  "check the new proposal.", day=to_local(session.starts_at).strftime("%d-%m-%Y"))
            ) from None  # fmt: skip
    requested = any(lesson.status is BookingStatus.REQUESTED for lesson in lessons)
    subject = _l("Lesson series requested: %(title)s") if requested else _l("Lesson series booked: %(title)s")
    _notify_series(series, lessons, "series_booked", subject, partner_template="partner_new_series",
                   invite=invitations.REQUEST)  # fmt: skip
    return series


def _check_quota_room(lab: Lab, school_class: SchoolClass, lessons: int) -> None:
    quota = bookings.lab_quota_of(lab.id, school_class.school_id, school_class.school_year, for_update=True)
    if quota is None:
        return
    used = bookings.lab_lessons_used(lab.id, school_class.school_id, school_class.school_year)
    if used + lessons > quota.max_lessons:
        raise DomainError(
            _(
                "This series has %(count)s lessons, but %(school)s has only %(left)s of its %(max)s lessons in "
                "%(lab)s left for school year %(year)s. Ask your coordinator if you need more.",
                count=lessons,
                school=school_class.school.name,
                left=max(quota.max_lessons - used, 0),
                max=quota.max_lessons,
                lab=lab.name,
                year=quota.school_year_label,
            )
        )


# Cancelling and moving ------------------------------------------------------------------------


def open_lessons(series: LabSeries) -> list[Booking]:
    return [
        lesson
        for lesson in series.lessons
        if lesson.status in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED) and not lesson.has_started
    ]


def cancel_series(series: LabSeries, *, actor, reason: str | None) -> list[Booking]:
    """Cancel every lesson that has not started; lessons already given stay. The school cancels
    (a reason only after the free-cancellation deadline), the lab or coordinator withdraws (always
    with a reason). One email for the whole series."""
    lessons = open_lessons(series)
    if not lessons:
        raise DomainError(_("This series has no lessons left to cancel."))
    for lesson in lessons:
        step = "cancel" if lesson.can_take(actor, "cancel") else "withdraw"
        if not lesson.can_take(actor, step):
            raise DomainError(_("You cannot cancel this series."))
        bookings.take_step(lesson, step, actor=actor, reason=reason, notify=False)
    _notify_series(
        series, lessons, "series_cancelled", _l("Lesson series cancelled: %(title)s"),
        partner_template="series_cancelled", invite=invitations.CANCEL,
    )  # fmt: skip
    return lessons


def move_targets(lesson: Booking, limit: int = 40) -> list[Session]:
    """Free slots of the lesson's activity in its lab, nearest to the lesson first, shown in date order."""
    current = lesson.session
    year = school_year_of(to_local(current.starts_at).date())
    candidates = db.session.scalars(
        select(Session).where(
            Session.activity_id == current.activity_id,
            Session.lab_id == current.lab_id,
            Session.status == SessionStatus.SCHEDULED,
            Session.id != current.id,
            Session.starts_at > utcnow(),
            Session.starts_at < from_local(date(year + 1, 8, 1), time(0, 0)),
            Session.booked_classes < Session.max_classes,
            Session.booked_pupils + lesson.pupils <= Session.capacity_pupils,
        )
    ).all()
    nearest = sorted(candidates, key=lambda session: abs(session.starts_at - current.starts_at))[:limit]
    return sorted(nearest, key=lambda session: session.starts_at)


def move_lesson(lesson: Booking, target: Session, *, actor, reason: str | None = None):
    """Move one lesson to another free slot of its activity in the same lab; the school is told."""
    if target.lab_id != lesson.session.lab_id:
        raise DomainError(_("Choose a slot in the same lab."), field="target")
    lock_lab(target.lab)
    return bookings.move_booking(lesson, target, actor=actor, reason=reason)


# Email ------------------------------------------------------------------------------------------


def _notify_series(
    series: LabSeries, lessons: list[Booking], template: str, subject, *, partner_template: str, invite: str
) -> None:
    """One email for all lessons: to the teacher who booked, in their language, and to the lab. Each
    carries one invitation with a VEVENT per lesson: the teacher's the lessons (``invite``: REQUEST
    or CANCEL), the lab's the lessons' sessions (REQUEST: the slots stay)."""
    db.session.flush()
    context = {"series": series, "lessons": lessons, "activity": series.activity, "lab": series.lab,
               "link": absolute_url("labs.series", series_id=series.id),
               "requested": any(lesson.status is BookingStatus.REQUESTED for lesson in lessons),
               "requests_link": absolute_url("bookings.requests")}  # fmt: skip
    teacher = series.booked_by
    if teacher is not None and teacher.is_active:
        attendee = Person(teacher.email, teacher.name)
        calendar = partial(invitations.booking_invitation, lessons, attendee, invite)
        _send(teacher.email, teacher.language.value, teacher.name, template, subject, context, calendar)
    partner = series.activity.partner
    if partner.email:
        language = current_app.config["BABEL_DEFAULT_LOCALE"]
        name = partner.contact_name or partner.name
        sessions = [lesson.session for lesson in lessons]
        calendar = partial(invitations.session_invitation, sessions, Person(partner.email, name))
        _send(partner.email, language, name, partner_template, subject, context, calendar)


def _send(recipient: str, language: str, name: str, template: str, subject, context: dict, calendar) -> None:
    """``calendar`` builds the invitation, in the recipient's language."""
    with force_locale(language):
        title = str(subject) % {"title": context["activity"].title}
        invitation = calendar()
    queue_email(recipient, title, f"labs/{template}", language, calendar=invitation, name=name, **context)


def lesson_sessions(series: LabSeries) -> list[Booking]:
    """The series' lessons with their sessions, in date order, for its page."""
    return list(
        db.session.scalars(
            select(Booking)
            .join(Session, Session.id == Booking.session_id)
            .where(Booking.series_id == series.id)
            .options(joinedload(Booking.session))
            .order_by(Session.starts_at)
        )
    )


def series_classes(user, school_years: list[int]) -> list[SchoolClass]:
    """The classes of the user's schools in the given school years, for the series form."""
    if not user.school_ids:
        return []
    return list(
        db.session.scalars(
            select(SchoolClass)
            .where(SchoolClass.school_id.in_(user.school_ids), SchoolClass.school_year.in_(school_years))
            .options(joinedload(SchoolClass.school))
            .order_by(SchoolClass.school_year, SchoolClass.grade, SchoolClass.label)
        )
    )


def period_of(session: Session) -> LabPeriod | None:
    """The timetable period a lab slot was made from (same weekday and start), to start a series there."""
    if session.lab_id is None:
        return None
    start = to_local(session.starts_at)
    return db.session.scalar(
        select(LabPeriod).where(
            LabPeriod.lab_id == session.lab_id,
            LabPeriod.school_year == school_year_of(start.date()),
            LabPeriod.weekday == start.weekday(),
            LabPeriod.starts_at == start.time(),
        )
    )
