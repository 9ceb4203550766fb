"""Activities, their sessions, the approval workflow and the coordinator-managed themes."""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Index, String, Table, Text, false, text
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from booking.core.time import utcnow
from booking.core.types import UTCDateTime, enum_type
from booking.extensions import db
from booking.organisations.models import Grade, Partner, Region


class LocationType(enum.Enum):
    AT_PARTNER = "at_partner"
    AT_SCHOOL = "at_school"
    TECHNIEKLOKAAL = "technieklokaal"
    ONLINE = "online"

    @property
    def label(self):
        return LOCATION_TYPE_LABELS[self]

    @property
    def needs_address(self) -> bool:
        return self in (LocationType.AT_PARTNER, LocationType.TECHNIEKLOKAAL)


LOCATION_TYPE_LABELS = {
    LocationType.AT_PARTNER: _l("At the partner"),
    LocationType.AT_SCHOOL: _l("At the school"),
    LocationType.TECHNIEKLOKAAL: _l("In a technieklokaal"),
    LocationType.ONLINE: _l("Online"),
}


class CostType(enum.Enum):
    FREE = "free"
    PER_PUPIL = "per_pupil"
    PER_CLASS = "per_class"

    @property
    def label(self):
        return COST_TYPE_LABELS[self]


COST_TYPE_LABELS = {
    CostType.FREE: _l("Free"),
    CostType.PER_PUPIL: _l("Per pupil"),
    CostType.PER_CLASS: _l("Per class"),
}


class ActivityStatus(enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    PUBLISHED = "published"
    ARCHIVED = "archived"

    @property
    def label(self):
        return ACTIVITY_STATUS_LABELS[self]


ACTIVITY_STATUS_LABELS = {
    ActivityStatus.DRAFT: _l("Draft"),
    ActivityStatus.SUBMITTED: _l("Waiting for review"),
    ActivityStatus.CHANGES_REQUESTED: _l("Changes requested"),
    ActivityStatus.PUBLISHED: _l("Published"),
    ActivityStatus.ARCHIVED: _l("Archived"),
}


class Actor(enum.Enum):
    """Who may perform a workflow step: the partner's own staff, or a reviewer of the activity."""

    OWNER = "owner"
    REVIEWER = "reviewer"


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[ActivityStatus]
    target: ActivityStatus
    actors: frozenset[Actor]
    label: str
    needs_comment: bool = False


S = ActivityStatus
TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition("submit", frozenset({S.DRAFT, S.CHANGES_REQUESTED}), S.SUBMITTED, frozenset({Actor.OWNER}),
                   _l("Submit for review")),
        Transition("withdraw", frozenset({S.SUBMITTED}), S.DRAFT, frozenset({Actor.OWNER}), _l("Withdraw")),
        Transition("publish", frozenset({S.SUBMITTED}), S.PUBLISHED, frozenset({Actor.REVIEWER}), _l("Publish")),
        Transition("request_changes", frozenset({S.SUBMITTED}), S.CHANGES_REQUESTED, frozenset({Actor.REVIEWER}),
                   _l("Request changes"), needs_comment=True),
        Transition("archive", frozenset({S.PUBLISHED}), S.ARCHIVED, frozenset({Actor.OWNER, Actor.REVIEWER}),
                   _l("Archive")),
        Transition("restore", frozenset({S.ARCHIVED}), S.DRAFT, frozenset({Actor.OWNER}), _l("Restore as draft")),
    )
}  # fmt: skip
del S

# Changing these on a published activity changes what schools agreed to; the change is logged.
SUBSTANTIAL_FIELDS = {
    "title": _l("Title"),
    "description": _l("Description"),
    "grades": _l("Grades"),
    "duration_minutes": _l("Duration"),
    "min_pupils": _l("Minimum pupils"),
    "max_pupils": _l("Maximum pupils"),
    "location_type": _l("Location"),
    "address": _l("Address"),
    "cost_type": _l("Cost"),
    "cost_cents": _l("Cost"),
    "booking_closes_days": _l("Bookings close"),
    "free_cancellation_days": _l("Free cancellation"),
    "requires_confirmation": _l("Partner confirms each request"),
    "regions": _l("Regions"),
    "is_open_to_all_regions": _l("Open to all regions"),
    "lab_id": _l("Lab"),
    "series_length": _l("Lessons in a series"),
}


def search_key(value: str) -> str:
    """Lower case without accents, so "coordinator" finds "Coördinator"."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


activity_themes = Table(
    "activity_themes",
    db.metadata,
    Column("activity_id", ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id", ondelete="RESTRICT"), primary_key=True, index=True),
)

activity_regions = Table(
    "activity_regions",
    db.metadata,
    Column("activity_id", ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True),
    Column("region_id", ForeignKey("regions.id", ondelete="RESTRICT"), primary_key=True, index=True),
)


class Theme(db.Model):
    """A subject in the catalogue (programmeren, robotica, ...), managed by coordinators."""

    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def can_manage(user) -> bool:
        return user.is_admin or bool(user.coordinated_region_ids)


class ActivityGrade(db.Model):
    """A grade an activity is meant for; a row per grade so the catalogue can filter with an index."""

    __tablename__ = "activity_grades"

    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True)
    grade: Mapped[Grade] = mapped_column(enum_type(Grade, "grade"), primary_key=True, index=True)


class Activity(db.Model):
    """What a partner offers, in the catalogue once a coordinator of one of its regions publishes it."""

    __tablename__ = "activities"
    __table_args__ = (
        CheckConstraint("min_pupils >= 1 AND min_pupils <= max_pupils AND max_pupils <= 60", name="group_size"),
        CheckConstraint("duration_minutes > 0 AND duration_minutes <= 1440", name="duration_range"),
        CheckConstraint("cost_cents >= 0", name="cost_not_negative"),
        CheckConstraint("cost_type <> 'free' OR cost_cents = 0", name="free_costs_nothing"),
        CheckConstraint("booking_closes_days >= 0 AND free_cancellation_days >= 0", name="booking_days_not_negative"),
        CheckConstraint("series_length >= 1 AND series_length <= 20", name="series_length_range"),
        Index("ix_activities_status_location_type", "status", "location_type"),
        # Trigram index so the free-text filter (LIKE '%term%') stays fast on PostgreSQL.
        Index(
            "ix_activities_search_text_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="RESTRICT"), index=True)
    status: Mapped[ActivityStatus] = mapped_column(
        enum_type(ActivityStatus, "activity_status"), default=ActivityStatus.DRAFT
    )
    title: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)
    duration_minutes: Mapped[int]
    min_pupils: Mapped[int] = mapped_column(default=1)
    max_pupils: Mapped[int] = mapped_column(default=35)
    location_type: Mapped[LocationType] = mapped_column(enum_type(LocationType, "location_type"))
    address: Mapped[str | None] = mapped_column(String(255))
    cost_type: Mapped[CostType] = mapped_column(enum_type(CostType, "cost_type"), default=CostType.FREE)
    cost_cents: Mapped[int] = mapped_column(default=0)
    preparation_notes: Mapped[str | None] = mapped_column(Text)
    accessibility_notes: Mapped[str | None] = mapped_column(Text)
    booking_closes_days: Mapped[int] = mapped_column(default=7)
    free_cancellation_days: Mapped[int] = mapped_column(default=14)
    requires_confirmation: Mapped[bool] = mapped_column(Boolean, default=True)
    # Coordinators fund their own region's programme: only schools in the activity's regions book it,
    # unless its partner opens it to schools of every region.
    is_open_to_all_regions: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The technieklokaal room an activity takes place in; its slots come from the room's timetable.
    lab_id: Mapped[int | None] = mapped_column(ForeignKey("labs.id", ondelete="SET NULL"), index=True)
    # How many lessons ("dagdelen") a class books at once: a lab's lesson series is 4 to 12 of them.
    series_length: Mapped[int] = mapped_column(default=1, server_default="1")
    # Lower-cased, accent-free title, summary, description and partner name for the free-text filter.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # Filled in by the catalogue query: the first matching upcoming session, and how many there are.
    next_session_at: Mapped[datetime | None] = query_expression()
    upcoming_session_count: Mapped[int | None] = query_expression()

    partner: Mapped[Partner] = relationship()
    lab = relationship("Lab")
    themes: Mapped[list[Theme]] = relationship(secondary=activity_themes, order_by="Theme.name")
    regions: Mapped[list[Region]] = relationship(secondary=activity_regions, order_by="Region.name")
    grade_rows: Mapped[list[ActivityGrade]] = relationship(cascade="all, delete-orphan", order_by="ActivityGrade.grade")
    sessions: Mapped[list[Session]] = relationship(back_populates="activity", order_by="Session.starts_at")
    history: Mapped[list[ActivityEvent]] = relationship(
        back_populates="activity",
        cascade="all, delete-orphan",
        order_by="(ActivityEvent.created_at.desc(), ActivityEvent.id.desc())",
    )

    def __str__(self) -> str:
        return self.title

    @property
    def grades(self) -> list[Grade]:
        order = list(Grade)
        return sorted((row.grade for row in self.grade_rows), key=order.index)

    @grades.setter
    def grades(self, grades) -> None:
        wanted = set(grades)
        self.grade_rows = [row for row in self.grade_rows if row.grade in wanted]
        present = {row.grade for row in self.grade_rows}
        self.grade_rows.extend(ActivityGrade(grade=grade) for grade in Grade if grade in wanted - present)

    @property
    def region_ids(self) -> set[int]:
        return {region.id for region in self.regions}

    @property
    def is_published(self) -> bool:
        return self.status is ActivityStatus.PUBLISHED

    def is_offered_to(self, school) -> bool:
        """Schools book in the regions the activity is offered in (their coordinators fund it there)."""
        return self.is_open_to_all_regions or school.region_id in self.region_ids

    @property
    def region_names(self) -> str:
        return ", ".join(sorted(region.name for region in self.regions))

    def refresh_search_text(self) -> None:
        parts = [self.title, self.summary, self.description, self.partner.name if self.partner else ""]
        self.search_text = search_key(" ".join(part or "" for part in parts))

    # Who may do what ---------------------------------------------------------------------------

    @staticmethod
    def can_create(user) -> bool:
        return bool(user.partner_ids)

    def is_owner(self, user) -> bool:
        return user.is_admin or self.partner_id in user.partner_ids

    def is_reviewer(self, user) -> bool:
        return user.is_admin or bool(self.region_ids & user.coordinated_region_ids)

    def can_view(self, user) -> bool:
        return self.is_published or self.is_owner(user) or self.is_reviewer(user)

    def can_edit(self, user) -> bool:
        return self.status is not ActivityStatus.ARCHIVED and self.is_owner(user)

    def can_manage_sessions(self, user) -> bool:
        return self.status is not ActivityStatus.ARCHIVED and self.is_owner(user)

    def can_view_history(self, user) -> bool:
        return self.is_owner(user) or self.is_reviewer(user)

    def can_transition(self, user, name: str) -> bool:
        transition = TRANSITIONS[name]
        if self.status not in transition.sources:
            return False
        return (Actor.OWNER in transition.actors and self.is_owner(user)) or (
            Actor.REVIEWER in transition.actors and self.is_reviewer(user)
        )

    def transitions_for(self, user) -> list[Transition]:
        return [t for t in TRANSITIONS.values() if self.can_transition(user, t.name)]


class ActivityEvent(db.Model):
    """One line of an activity's history: a workflow step, or a logged change to a published activity."""

    __tablename__ = "activity_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    from_status: Mapped[ActivityStatus | None] = mapped_column(enum_type(ActivityStatus, "from_status"))
    to_status: Mapped[ActivityStatus] = mapped_column(enum_type(ActivityStatus, "to_status"))
    comment: Mapped[str | None] = mapped_column(Text)
    # Names of the substantial fields changed, comma-separated, for edits of a published activity.
    changed_fields: Mapped[str | None] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    activity: Mapped[Activity] = relationship(back_populates="history")
    actor = relationship("User")

    @property
    def is_edit(self) -> bool:
        return self.changed_fields is not None

    @property
    def changed_field_labels(self) -> list[str]:
        names = (self.changed_fields or "").split(",")
        labels = []
        for name in names:
            label = SUBSTANTIAL_FIELDS.get(name)
            if label is not None and str(label) not in labels:
                labels.append(str(label))
        return labels


class SessionStatus(enum.Enum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"

    @property
    def label(self):
        return SESSION_STATUS_LABELS[self]


SESSION_STATUS_LABELS = {
    SessionStatus.SCHEDULED: _l("Scheduled"),
    SessionStatus.CANCELLED: _l("Cancelled"),
}


class Session(db.Model):
    """One occurrence of an activity. Places are counted in pupils, and optionally in classes.

    ``booked_pupils`` and ``booked_classes`` are counters the booking engine raises with a
    conditional UPDATE; the CHECK constraints are the database's last word against overbooking.
    """

    __tablename__ = "sessions"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity_pupils > 0 AND max_classes > 0", name="capacity_positive"),
        CheckConstraint(
            "booked_pupils >= 0 AND booked_pupils <= capacity_pupils "
            "AND booked_classes >= 0 AND booked_classes <= max_classes",
            name="not_overbooked",
        ),
        Index("ix_sessions_activity_id_starts_at", "activity_id", "starts_at"),
        Index("ix_sessions_starts_at", "starts_at"),
        # A technieklokaal is one room: two scheduled sessions in it may never overlap. PostgreSQL
        # enforces it (btree_gist); on SQLite the labs service checks under the database's write lock.
        ExcludeConstraint(
            ("lab_id", "="),
            (text("tstzrange(starts_at, ends_at)"), "&&"),
            using="gist",
            where=text("status = 'scheduled' AND lab_id IS NOT NULL"),
            name="ex_sessions_no_overlap_in_lab",
        ).ddl_if(dialect="postgresql"),
        # No two scheduled sessions of one activity at the same time and place; cancelled ones may repeat.
        Index(
            "uq_sessions_activity_id_starts_at_place",
            "activity_id",
            "starts_at",
            "place",
            unique=True,
            sqlite_where=text("status = 'scheduled'"),
            postgresql_where=text("status = 'scheduled'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    # Set for a technieklokaal slot: the room the session takes up.
    lab_id: Mapped[int | None] = mapped_column(ForeignKey("labs.id", ondelete="RESTRICT"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(200))
    capacity_pupils: Mapped[int]
    max_classes: Mapped[int] = mapped_column(default=1)
    booked_pupils: Mapped[int] = mapped_column(default=0, server_default="0")
    booked_classes: Mapped[int] = mapped_column(default=0, server_default="0")
    status: Mapped[SessionStatus] = mapped_column(
        enum_type(SessionStatus, "session_status"), default=SessionStatus.SCHEDULED
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Calendar identity: raised and stamped on every change a calendar shows (booking.calendars.changes).
    calendar_sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    calendar_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    activity: Mapped[Activity] = relationship(back_populates="sessions")
    lab = relationship("Lab")

    @property
    def places_left(self) -> int:
        if self.status is not SessionStatus.SCHEDULED or self.booked_classes >= self.max_classes:
            return 0
        return self.capacity_pupils - self.booked_pupils

    @property
    def bookings_close_at(self) -> datetime:
        return self.starts_at - timedelta(days=self.activity.booking_closes_days)

    @property
    def is_open_for_booking(self) -> bool:
        return (
            self.status is SessionStatus.SCHEDULED and self.activity.is_published and utcnow() < self.bookings_close_at
        )

    @property
    def fill_rate(self) -> float:
        return self.booked_pupils / self.capacity_pupils if self.capacity_pupils else 0.0

    @property
    def is_cancelled(self) -> bool:
        return self.status is SessionStatus.CANCELLED

    @classmethod
    def has_places_condition(cls):
        return (
            (cls.status == SessionStatus.SCHEDULED)
            & (cls.booked_pupils < cls.capacity_pupils)
            & (cls.booked_classes < cls.max_classes)
        )

    def can_edit(self, user) -> bool:
        return self.activity.can_manage_sessions(user)

    def can_book(self, user) -> bool:
        """Teachers book; whether the rules allow it right now is the booking engine's answer."""
        return bool(user.school_ids) and self.activity.is_published

    def can_view_participants(self, user) -> bool:
        return self.activity.is_owner(user) or self.activity.is_reviewer(user)
