"""Business operations of the catalogue: activities and their workflow, sessions, themes, and search."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, nulls_last, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload, with_expression

from booking.bookings.services import notify_session_changed
from booking.catalogue.models import (
    SUBSTANTIAL_FIELDS,
    TRANSITIONS,
    Activity,
    ActivityEvent,
    ActivityGrade,
    ActivityStatus,
    CostType,
    LocationType,
    Session,
    SessionStatus,
    Theme,
    activity_regions,
    activity_themes,
    search_key,
)
from booking.core.errors import DomainError
from booking.core.time import NonexistentLocalTime, from_local, utcnow
from booking.extensions import db
from booking.labs.models import Lab
from booking.organisations.models import Grade, Holiday, HolidayRegion, Partner, Region

MAX_GENERATED_SESSIONS = 400


# Themes ----------------------------------------------------------------------------------------


def save_theme(theme: Theme | None, *, name: str) -> Theme:
    query = select(Theme.id).where(func.lower(Theme.name) == name.lower())
    if theme is not None:
        query = query.where(Theme.id != theme.id)
    if db.session.scalar(query) is not None:
        raise DomainError(_("There is already a theme called %(name)s.", name=name), field="name")
    theme = theme or Theme()
    theme.name = name
    db.session.add(theme)
    return theme


def delete_theme(theme: Theme) -> None:
    used = db.session.scalar(
        select(func.count()).select_from(activity_themes).where(activity_themes.c.theme_id == theme.id)
    )
    if used:
        raise DomainError(
            ngettext(
                "%(name)s is used by %(num)d activity; rename it instead of deleting it.",
                "%(name)s is used by %(num)d activities; rename it instead of deleting it.",
                used,
                name=theme.name,
            )
        )
    db.session.delete(theme)


# Activities --------------------------------------------------------------------------------------


@dataclass
class ActivityData:
    """The fields of an activity as a partner enters them."""

    title: str
    summary: str
    description: str
    themes: list[Theme]
    grades: list[Grade]
    duration_minutes: int
    min_pupils: int
    max_pupils: int
    location_type: LocationType
    address: str | None
    cost_type: CostType
    cost_cents: int
    preparation_notes: str | None
    accessibility_notes: str | None
    booking_closes_days: int
    free_cancellation_days: int
    requires_confirmation: bool
    regions: list[Region] = field(default_factory=list)
    is_open_to_all_regions: bool = False
    # A technieklokaal activity's room, and how many lessons a class books as one series.
    lab_id: int | None = None
    series_length: int = 1


def _validate_activity(partner: Partner, data: ActivityData) -> None:
    if data.min_pupils > data.max_pupils:
        raise DomainError(_("The minimum group size cannot be larger than the maximum."), field="min_pupils")
    if data.location_type.needs_address and not data.address:
        raise DomainError(_("Enter the address where the activity takes place."), field="address")
    if data.cost_type is not CostType.FREE and data.cost_cents <= 0:
        raise DomainError(_("Enter the price, or choose free."), field="cost")
    if not data.grades:
        raise DomainError(_("Choose at least one grade."), field="grades")
    if not data.regions:
        raise DomainError(_("Choose at least one region."), field="regions")
    outside = {region.id for region in data.regions} - partner.region_ids
    if outside:
        raise DomainError(_("You can only offer activities in regions your organisation serves."), field="regions")
    if data.lab_id is not None:
        if data.location_type is not LocationType.TECHNIEKLOKAAL:
            raise DomainError(_("Only an activity in a technieklokaal takes place in a lab."), field="lab_id")
        if db.session.scalar(select(Lab.partner_id).where(Lab.id == data.lab_id)) != partner.id:
            raise DomainError(_("Choose one of your own labs."), field="lab_id")
    if not 1 <= data.series_length <= 20:
        raise DomainError(_("A series has 1 to 20 lessons."), field="series_length")
    if data.series_length > 1 and data.lab_id is None:
        raise DomainError(_("Only an activity in a lab is booked as a series; choose the lab."), field="lab_id")


def _comparable(activity: Activity) -> dict:
    return {
        "title": activity.title,
        "description": activity.description,
        "grades": set(activity.grades),
        "duration_minutes": activity.duration_minutes,
        "min_pupils": activity.min_pupils,
        "max_pupils": activity.max_pupils,
        "location_type": activity.location_type,
        "address": activity.address,
        "cost_type": activity.cost_type,
        "cost_cents": activity.cost_cents,
        "booking_closes_days": activity.booking_closes_days,
        "free_cancellation_days": activity.free_cancellation_days,
        "requires_confirmation": activity.requires_confirmation,
        "regions": activity.region_ids,
        "is_open_to_all_regions": activity.is_open_to_all_regions,
        "lab_id": activity.lab_id,
        "series_length": activity.series_length,
    }


def save_activity(activity: Activity | None, *, partner: Partner, actor, data: ActivityData) -> Activity:
    """Create or change an activity. Changes to a published activity's substance stay live and are logged."""
    _validate_activity(partner, data)
    before = _comparable(activity) if activity is not None and activity.id else None
    if activity is None:
        activity = Activity(partner=partner, status=ActivityStatus.DRAFT)
        activity.history.append(ActivityEvent(actor=actor, from_status=None, to_status=ActivityStatus.DRAFT))
        db.session.add(activity)
    activity.title = data.title
    activity.summary = data.summary
    activity.description = data.description
    activity.themes = list(data.themes)
    activity.grades = data.grades
    activity.duration_minutes = data.duration_minutes
    activity.min_pupils = data.min_pupils
    activity.max_pupils = data.max_pupils
    activity.location_type = data.location_type
    activity.address = data.address if data.location_type.needs_address or data.address else None
    activity.cost_type = data.cost_type
    activity.cost_cents = 0 if data.cost_type is CostType.FREE else data.cost_cents
    activity.preparation_notes = data.preparation_notes
    activity.accessibility_notes = data.accessibility_notes
    activity.booking_closes_days = data.booking_closes_days
    activity.free_cancellation_days = data.free_cancellation_days
    activity.requires_confirmation = data.requires_confirmation
    activity.regions = list(data.regions)
    activity.is_open_to_all_regions = data.is_open_to_all_regions
    if activity.id and data.lab_id != activity.lab_id and _has_upcoming_sessions(activity):
        raise DomainError(
            _("This activity has upcoming sessions; cancel them before it moves to another lab or place."),
            field="lab_id",
        )
    activity.lab_id = data.lab_id
    activity.series_length = data.series_length
    activity.refresh_search_text()
    if before is not None and activity.status is ActivityStatus.PUBLISHED:
        after = _comparable(activity)
        changed = [name for name in SUBSTANTIAL_FIELDS if before[name] != after[name]]
        if changed:
            activity.history.append(
                ActivityEvent(
                    actor=actor,
                    from_status=activity.status,
                    to_status=activity.status,
                    changed_fields=",".join(changed),
                )
            )
    return activity


def _has_upcoming_sessions(activity: Activity) -> bool:
    upcoming = select(Session.id).where(
        Session.activity_id == activity.id, Session.status == SessionStatus.SCHEDULED, Session.ends_at > utcnow()
    )
    return db.session.scalar(upcoming.limit(1)) is not None


def transition(activity: Activity, name: str, *, actor, comment: str | None = None) -> ActivityEvent:
    """Move an activity through the approval workflow; every step is logged with who, when and why."""
    step = TRANSITIONS.get(name)
    if step is None or not activity.can_transition(actor, name):
        raise DomainError(_("This step is not possible for this activity now."))
    comment = (comment or "").strip() or None
    if step.needs_comment and not comment:
        raise DomainError(_("Say what needs to change, so the partner knows what to do."), field="comment")
    if name == "submit":
        _validate_activity(activity.partner, _data_of(activity))
    event = ActivityEvent(actor=actor, from_status=activity.status, to_status=step.target, comment=comment)
    activity.history.append(event)
    activity.status = step.target
    return event


def _data_of(activity: Activity) -> ActivityData:
    return ActivityData(
        **{name: getattr(activity, name) for name in ActivityData.__dataclass_fields__ if name != "regions"},
        regions=list(activity.regions),
    )


def offered_in(region_ids):
    """SQL condition: the activity is offered in one of these regions."""
    return (
        select(activity_regions.c.activity_id)
        .where(activity_regions.c.activity_id == Activity.id, activity_regions.c.region_id.in_(region_ids))
        .exists()
    )


def _awaiting_review_by(user) -> list:
    conditions = [Activity.status == ActivityStatus.SUBMITTED]
    if not user.is_admin:
        conditions.append(offered_in(user.coordinated_region_ids))
    return conditions


def review_queue(user) -> list[Activity]:
    """Activities waiting for a decision by this coordinator, oldest change first."""
    query = (
        select(Activity)
        .join(Activity.partner)
        .options(contains_eager(Activity.partner), selectinload(Activity.regions))
        .where(*_awaiting_review_by(user))
        .order_by(Activity.updated_at, Activity.id)
    )
    return list(db.session.scalars(query))


# Sessions ----------------------------------------------------------------------------------------


@dataclass
class SessionData:
    starts_at: datetime
    ends_at: datetime
    place: str
    capacity_pupils: int
    max_classes: int


def _validate_session(activity: Activity, data: SessionData, session: Session | None = None) -> None:
    if data.ends_at <= data.starts_at:
        raise DomainError(_("The end must be after the start."), field="end_time")
    if data.starts_at < utcnow():
        raise DomainError(_("A session cannot start in the past."), field="day")
    if data.capacity_pupils < activity.min_pupils:
        raise DomainError(
            _(
                "The capacity must be at least the minimum group size of this activity (%(count)s pupils).",
                count=activity.min_pupils,
            ),
            field="capacity_pupils",
        )
    if data.max_classes < 1:
        raise DomainError(_("At least one class must fit."), field="max_classes")
    if session is not None and (
        data.capacity_pupils < session.booked_pupils or data.max_classes < session.booked_classes
    ):
        raise DomainError(
            _("%(count)s pupils are already booked; the capacity cannot be lower.", count=session.booked_pupils),
            field="capacity_pupils",
        )
    if _duplicate_exists(activity, data.starts_at, data.place, exclude=session):
        raise DomainError(_("There is already a session at this time and place."), field="day")


def _duplicate_exists(activity: Activity, starts_at: datetime, place: str, exclude: Session | None = None) -> bool:
    query = select(Session.id).where(
        Session.activity_id == activity.id,
        Session.starts_at == starts_at,
        Session.place == place,
        Session.status == SessionStatus.SCHEDULED,
    )
    if exclude is not None:
        query = query.where(Session.id != exclude.id)
    return db.session.scalar(query) is not None


def save_session(session: Session | None, *, activity: Activity, data: SessionData) -> Session:
    if activity.status is ActivityStatus.ARCHIVED:
        raise DomainError(_("An archived activity gets no new sessions."))
    if session is not None and session.is_cancelled:
        raise DomainError(_("A cancelled session cannot be changed."))
    _validate_session(activity, data, session)
    was = None
    if session is not None:
        was = {"starts_at": session.starts_at, "ends_at": session.ends_at, "place": session.place}
        if was == {"starts_at": data.starts_at, "ends_at": data.ends_at, "place": data.place}:
            was = None  # only the capacity changed: no calendar shows that
    session = session or Session(activity=activity)
    session.lab_id = activity.lab_id  # a lab activity's sessions hold its room (the labs guard checks it)
    session.starts_at = data.starts_at
    session.ends_at = data.ends_at
    session.place = data.place
    session.capacity_pupils = data.capacity_pupils
    session.max_classes = data.max_classes
    db.session.add(session)
    if was is not None:  # the booked schools and the partner get the update, with its invitation
        notify_session_changed(session, was)
    return session


def local_span(day: date, start: time, end: time) -> tuple[datetime, datetime]:
    """Start and end instants of a session entered in local time on one day."""
    try:
        return from_local(day, start), from_local(day, end)
    except NonexistentLocalTime:
        raise DomainError(
            _("This time does not exist on %(day)s because the clocks go forward.", day=day.isoformat()),
            field="start_time",
        ) from None


@dataclass
class PlannedSession:
    day: date
    starts_at: datetime | None
    ends_at: datetime | None
    skip_reason: str | None = None

    @property
    def will_be_created(self) -> bool:
        return self.skip_reason is None


@dataclass
class WeeklyPlan:
    sessions: list[PlannedSession]

    @property
    def to_create(self) -> list[PlannedSession]:
        return [planned for planned in self.sessions if planned.will_be_created]

    @property
    def skipped(self) -> list[PlannedSession]:
        return [planned for planned in self.sessions if not planned.will_be_created]


def holidays_between(holiday_region: HolidayRegion, first: date, last: date) -> list[Holiday]:
    return list(
        db.session.scalars(
            select(Holiday)
            .where(Holiday.holiday_region == holiday_region, Holiday.ends_on >= first, Holiday.starts_on <= last)
            .order_by(Holiday.starts_on)
        )
    )


def plan_weekly_sessions(
    activity: Activity,
    *,
    first_day: date,
    last_day: date,
    weekdays: set[int],
    times: list[tuple[time, time]],
    place: str,
    holiday_region: HolidayRegion | None,
) -> WeeklyPlan:
    """Every chosen weekday and time between two dates, in local time, with the dates that will be skipped.

    Times are combined with each date in the installation's time zone, so a weekly 09:00 session
    stays 09:00 local when the clocks change.
    """
    if last_day < first_day:
        raise DomainError(_("The last date must be on or after the first date."), field="last_day")
    if (last_day - first_day).days > 366:
        raise DomainError(_("Plan at most one year at a time."), field="last_day")
    if not weekdays:
        raise DomainError(_("Choose at least one weekday."), field="weekdays")
    for start, end in times:
        if end <= start:
            raise DomainError(_("The end must be after the start."), field="times")
    holidays = holidays_between(holiday_region, first_day, last_day) if holiday_region else []
    now = utcnow()
    existing = set(
        db.session.scalars(
            select(Session.starts_at).where(
                Session.activity_id == activity.id,
                Session.place == place,
                Session.status == SessionStatus.SCHEDULED,
                Session.starts_at >= from_local(first_day, time(0)),
                Session.starts_at < from_local(last_day + timedelta(days=1), time(0)),
            )
        )
    )
    lab_sessions = _lab_sessions_between(activity.lab_id, first_day, last_day) if activity.lab_id else []
    planned: list[PlannedSession] = []
    day = first_day
    while day <= last_day:
        if day.weekday() in weekdays:
            holiday = next((h for h in holidays if h.covers(day)), None)
            for start, end in sorted(times):
                if holiday is not None:
                    planned.append(PlannedSession(day, None, None, _("school holiday: %(name)s", name=holiday.name)))
                    continue
                try:
                    starts_at, ends_at = from_local(day, start), from_local(day, end)
                except NonexistentLocalTime:
                    planned.append(PlannedSession(day, None, None, _("this time does not exist that day")))
                    continue
                reason = None
                in_lab = next((s for s in lab_sessions if s.starts_at < ends_at and starts_at < s.ends_at), None)
                if starts_at < now:
                    reason = _("in the past")
                elif starts_at in existing:
                    reason = _("there is already a session at this time and place")
                elif in_lab is not None:
                    reason = _("the lab is taken then by %(title)s", title=in_lab.activity.title)
                planned.append(PlannedSession(day, starts_at, ends_at, reason))
        day += timedelta(days=1)
    plan = WeeklyPlan(planned)
    if len(plan.to_create) > MAX_GENERATED_SESSIONS:
        raise DomainError(
            _("That would create more than %(count)s sessions; choose a shorter period.", count=MAX_GENERATED_SESSIONS),
            field="last_day",
        )
    return plan


def _lab_sessions_between(lab_id: int, first_day: date, last_day: date) -> list[Session]:
    """What already holds the lab: the preview says so (the labs guard refuses it on saving anyway)."""
    return list(
        db.session.scalars(
            select(Session)
            .where(
                Session.lab_id == lab_id,
                Session.status == SessionStatus.SCHEDULED,
                Session.starts_at < from_local(last_day + timedelta(days=1), time(0)),
                Session.ends_at > from_local(first_day, time(0)),
            )
            .options(joinedload(Session.activity))
        )
    )


def create_planned_sessions(
    activity: Activity, plan: WeeklyPlan, *, place: str, capacity_pupils: int, max_classes: int
) -> list[Session]:
    if not plan.to_create:
        raise DomainError(_("There are no dates to create sessions on."))
    created = []
    for planned in plan.to_create:
        data = SessionData(planned.starts_at, planned.ends_at, place, capacity_pupils, max_classes)
        created.append(save_session(None, activity=activity, data=data))
    return created


def upcoming_sessions(activity: Activity, *, include_cancelled: bool = False, limit: int = 200) -> list[Session]:
    query = (
        select(Session)
        .where(Session.activity_id == activity.id, Session.ends_at >= utcnow())
        .order_by(Session.starts_at, Session.id)
        .limit(limit)
    )
    if not include_cancelled:
        query = query.where(Session.status == SessionStatus.SCHEDULED)
    return list(db.session.scalars(query))


# The public catalogue ----------------------------------------------------------------------------


@dataclass
class CatalogueFilters:
    text: str = ""
    theme_id: int | None = None
    grade: Grade | None = None
    location_type: LocationType | None = None
    region_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    free_places: bool = False

    @property
    def restricts_sessions(self) -> bool:
        return bool(self.date_from or self.date_to or self.free_places)


def catalogue_query(filters: CatalogueFilters):
    """Published activities matching the filters, soonest next session first, in one statement.

    The next-session date and the number of matching sessions are computed in the same statement,
    so a page costs the same number of queries however many activities match.
    """
    now = utcnow()
    session_conditions = [Session.status == SessionStatus.SCHEDULED, Session.starts_at >= now]
    if filters.date_from:
        session_conditions.append(Session.starts_at >= max(now, from_local(filters.date_from, time(0))))
    if filters.date_to:
        session_conditions.append(Session.starts_at < from_local(filters.date_to + timedelta(days=1), time(0)))
    if filters.free_places:
        session_conditions.append(Session.has_places_condition())

    def over_sessions(aggregate):
        return select(aggregate).where(Session.activity_id == Activity.id, *session_conditions).scalar_subquery()

    # Correlated subqueries: one index seek per activity on (activity_id, starts_at), cheaper than
    # grouping every upcoming session of the country when only a page of activities is shown.
    next_at = over_sessions(func.min(Session.starts_at))
    query = (
        select(Activity)
        .join(Activity.partner)
        .options(
            contains_eager(Activity.partner),
            with_expression(Activity.next_session_at, next_at),
            with_expression(Activity.upcoming_session_count, over_sessions(func.count(Session.id))),
            selectinload(Activity.themes),
            selectinload(Activity.grade_rows),
        )
        .where(Activity.status == ActivityStatus.PUBLISHED)
        .order_by(nulls_last(next_at.asc()), Activity.title, Activity.id)
    )
    if filters.restricts_sessions:
        query = query.where(next_at.is_not(None))
    for term in search_key(filters.text).split():
        query = query.where(Activity.search_text.contains(term, autoescape=True))
    if filters.theme_id:
        query = query.where(
            select(activity_themes.c.activity_id)
            .where(activity_themes.c.activity_id == Activity.id, activity_themes.c.theme_id == filters.theme_id)
            .exists()
        )
    if filters.grade:
        query = query.where(
            select(ActivityGrade.activity_id)
            .where(ActivityGrade.activity_id == Activity.id, ActivityGrade.grade == filters.grade)
            .exists()
        )
    if filters.location_type:
        query = query.where(Activity.location_type == filters.location_type)
    if filters.region_id:
        query = query.where(offered_in([filters.region_id]))
    return query


# Dashboards --------------------------------------------------------------------------------------


def partner_activities(partner_ids) -> dict[int, dict[ActivityStatus, list[Activity]]]:
    """Each partner's activities grouped by status, with how many upcoming sessions each has."""
    if not partner_ids:
        return {}
    upcoming = (
        select(func.count(Session.id))
        .where(
            Session.activity_id == Activity.id,
            Session.status == SessionStatus.SCHEDULED,
            Session.starts_at >= utcnow(),
        )
        .scalar_subquery()
    )
    activities = db.session.scalars(
        select(Activity)
        .where(Activity.partner_id.in_(partner_ids))
        .options(with_expression(Activity.upcoming_session_count, upcoming))
        .order_by(Activity.title, Activity.id)
    )
    grouped: dict[int, dict[ActivityStatus, list[Activity]]] = {}
    for activity in activities:
        by_status = grouped.setdefault(activity.partner_id, {status: [] for status in ActivityStatus})
        by_status[activity.status].append(activity)
    return grouped


def partner_upcoming_sessions(partner_ids, limit: int = 15) -> dict[int, list[Session]]:
    """The next scheduled sessions of each partner, with their activity."""
    if not partner_ids:
        return {}
    rows = db.session.scalars(
        select(Session)
        .join(Session.activity)
        .options(contains_eager(Session.activity))
        .where(
            Activity.partner_id.in_(partner_ids),
            Session.status == SessionStatus.SCHEDULED,
            Session.starts_at >= utcnow(),
        )
        .order_by(Session.starts_at, Session.id)
        .limit(limit * len(partner_ids))
    )
    grouped: dict[int, list[Session]] = {}
    for session in rows:
        sessions = grouped.setdefault(session.activity.partner_id, [])
        if len(sessions) < limit:
            sessions.append(session)
    return grouped


def review_count(user) -> int:
    if not (user.is_admin or user.coordinated_region_ids):
        return 0
    return db.session.scalar(select(func.count(Activity.id)).where(*_awaiting_review_by(user)))
