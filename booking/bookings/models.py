"""Bookings of a school class on a session, their state machine and history, evaluations, quotas."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.catalogue.models import Session
from booking.core.time import utcnow
from booking.core.types import UTCDateTime, enum_type
from booking.extensions import db
from booking.organisations.models import Grade, School, SchoolClass


class BookingStatus(enum.Enum):
    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    NO_SHOW = "no_show"

    @property
    def label(self):
        return BOOKING_STATUS_LABELS[self]

    @property
    def holds_places(self) -> bool:
        """Counted in the session's ``booked_pupils`` and ``booked_classes``."""
        return self in HOLDING_STATUSES

    @property
    def is_active(self) -> bool:
        return self not in (BookingStatus.REJECTED, BookingStatus.CANCELLED)


BOOKING_STATUS_LABELS = {
    BookingStatus.REQUESTED: _l("Requested"),
    BookingStatus.CONFIRMED: _l("Confirmed"),
    BookingStatus.WAITLISTED: _l("On the waiting list"),
    BookingStatus.REJECTED: _l("Rejected"),
    BookingStatus.CANCELLED: _l("Cancelled"),
    BookingStatus.ATTENDED: _l("Attended"),
    BookingStatus.NO_SHOW: _l("No-show"),
}

B = BookingStatus
HOLDING_STATUSES = frozenset({B.REQUESTED, B.CONFIRMED, B.ATTENDED, B.NO_SHOW})
ACTIVE_STATUSES = frozenset(status for status in BookingStatus if status.is_active)
ACTIVE_SQL = ", ".join(f"'{status.value}'" for status in BookingStatus if status.is_active)


class Actor(enum.Enum):
    """Who may take a step: the booking school's teachers, the partner running the session,
    the coordinator of the school's region, or the system (waiting-list promotion)."""

    SCHOOL = "school"
    PARTNER = "partner"
    COORDINATOR = "coordinator"
    SYSTEM = "system"


@dataclass(frozen=True)
class Step:
    name: str
    sources: frozenset[BookingStatus]
    target: BookingStatus
    actors: frozenset[Actor]
    label: str
    # "always", "never", or "late": a reason is needed from the school only after the free cancellation deadline.
    reason: str = "never"
    # "before" the session starts, "after" it started, or "any" time.
    when: str = "before"


A = Actor
STEPS: dict[str, Step] = {
    step.name: step
    for step in (
        Step("confirm", frozenset({B.REQUESTED}), B.CONFIRMED, frozenset({A.PARTNER}), _l("Confirm")),
        Step("reject", frozenset({B.REQUESTED}), B.REJECTED, frozenset({A.PARTNER}), _l("Reject"), reason="always"),
        Step("cancel", frozenset({B.REQUESTED, B.CONFIRMED}), B.CANCELLED, frozenset({A.SCHOOL}),
             _l("Cancel booking"), reason="late"),
        Step("leave", frozenset({B.WAITLISTED}), B.CANCELLED, frozenset({A.SCHOOL}), _l("Leave the waiting list")),
        Step("withdraw", frozenset({B.REQUESTED, B.CONFIRMED, B.WAITLISTED}), B.CANCELLED,
             frozenset({A.PARTNER, A.COORDINATOR}), _l("Cancel booking"), reason="always", when="any"),
        Step("attended", frozenset({B.CONFIRMED, B.NO_SHOW}), B.ATTENDED, frozenset({A.PARTNER}),
             _l("Mark attended"), when="after"),
        Step("no_show", frozenset({B.CONFIRMED, B.ATTENDED}), B.NO_SHOW, frozenset({A.PARTNER}),
             _l("Mark no-show"), when="after"),
    )
}  # fmt: skip
del A, B


class Booking(db.Model):
    """A school class on a session. The class's label, grade and pupils are copied in: the booking
    keeps what was agreed even when the class is edited or deleted later."""

    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint("pupils > 0 AND pupils <= 60", name="pupils_range"),
        CheckConstraint("adults >= 0 AND adults <= 20", name="adults_range"),
        # One active booking (or waiting-list entry) per class per session; a double-click cannot add a second.
        Index(
            "uq_bookings_session_id_school_class_id_active",
            "session_id",
            "school_class_id",
            unique=True,
            sqlite_where=text(f"status IN ({ACTIVE_SQL})"),
            postgresql_where=text(f"status IN ({ACTIVE_SQL})"),
        ),
        Index("ix_bookings_session_id_status", "session_id", "status"),
        Index("ix_bookings_school_id_school_year", "school_id", "school_year"),
        Index("ix_bookings_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="RESTRICT"))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="RESTRICT"))
    school_class_id: Mapped[int | None] = mapped_column(
        ForeignKey("school_classes.id", ondelete="SET NULL"), index=True
    )
    # The school year of the session, for quotas and reports.
    school_year: Mapped[int]
    class_label: Mapped[str] = mapped_column(String(40))
    grade: Mapped[Grade] = mapped_column(enum_type(Grade, "grade"))
    pupils: Mapped[int]
    adults: Mapped[int] = mapped_column(default=1)
    notes: Mapped[str | None] = mapped_column(Text)
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[BookingStatus] = mapped_column(enum_type(BookingStatus, "booking_status"))
    # The reason of the last rejection or cancellation, shown to the school and the partner.
    status_reason: Mapped[str | None] = mapped_column(Text)
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Waiting-list order: when the entry joined the list.
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    evaluation_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Calendar identity: raised and stamped on every change a calendar shows (booking.calendars.changes).
    calendar_sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    calendar_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A lesson of a lab series (booked together with the class's other lessons).
    series_id: Mapped[int | None] = mapped_column(ForeignKey("lab_series.id", ondelete="SET NULL"), index=True)

    session: Mapped[Session] = relationship()
    school: Mapped[School] = relationship()
    school_class: Mapped[SchoolClass | None] = relationship()
    booked_by = relationship("User")
    history: Mapped[list[BookingEvent]] = relationship(
        back_populates="booking",
        cascade="all, delete-orphan",
        order_by="(BookingEvent.created_at, BookingEvent.id)",
    )
    evaluation: Mapped[Evaluation | None] = relationship(back_populates="booking", cascade="all, delete-orphan")
    series = relationship("LabSeries", back_populates="lessons")

    def __str__(self) -> str:
        return f"{self.class_label} – {self.session.activity.title}"

    # Facts the rules and pages use -------------------------------------------------------------

    @property
    def has_started(self) -> bool:
        return self.session.starts_at <= utcnow()

    @property
    def free_cancellation_until(self) -> datetime:
        return self.session.starts_at - timedelta(days=self.session.activity.free_cancellation_days)

    @property
    def is_late_cancellation(self) -> bool:
        return utcnow() > self.free_cancellation_until

    # Who may do what ---------------------------------------------------------------------------

    @staticmethod
    def can_list_school(user) -> bool:
        return bool(user.school_ids)

    @staticmethod
    def can_list_requests(user) -> bool:
        return user.is_admin or bool(user.partner_ids)

    @staticmethod
    def can_list_region(user) -> bool:
        return user.is_admin or bool(user.coordinated_region_ids)

    def is_school_member(self, user) -> bool:
        return self.school_id in user.school_ids

    def is_partner(self, user) -> bool:
        return user.is_admin or self.session.activity.partner_id in user.partner_ids

    def is_coordinator(self, user) -> bool:
        return user.is_admin or self.school.region_id in user.coordinated_region_ids

    def actors_of(self, user) -> set[Actor]:
        actors = set()
        if self.is_school_member(user):
            actors.add(Actor.SCHOOL)
        if self.is_partner(user):
            actors.add(Actor.PARTNER)
        if self.is_coordinator(user):
            actors.add(Actor.COORDINATOR)
        return actors

    def can_view(self, user) -> bool:
        return bool(self.actors_of(user))

    def step_allowed_now(self, step: Step) -> bool:
        if self.status not in step.sources:
            return False
        if step.when == "before":
            return not self.has_started
        if step.when == "after":
            return self.has_started
        return True

    def can_take(self, user, name: str) -> bool:
        step = STEPS[name]
        return self.step_allowed_now(step) and bool(step.actors & self.actors_of(user))

    def steps_for(self, user) -> list[Step]:
        """The steps to offer the user. Who may decline a request declines it: cancelling it as well
        would be a second button with its own reason box for the same outcome."""
        steps = [step for step in STEPS.values() if self.can_take(user, step.name)]
        if any(step.name == "reject" for step in steps):
            steps = [step for step in steps if step.name != "withdraw"]
        return steps

    def needs_reason(self, name: str) -> bool:
        step = STEPS[name]
        return step.reason == "always" or (step.reason == "late" and self.is_late_cancellation)

    def can_move(self, user) -> bool:
        """A lab lesson moves to another free slot of its activity at the hand of the coordinator of
        the school's region or the lab itself, before it starts; the school is told."""
        return (
            self.session.lab_id is not None
            and self.status in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED)
            and not self.has_started
            and bool({Actor.COORDINATOR, Actor.PARTNER} & self.actors_of(user))
        )

    def can_evaluate(self, user) -> bool:
        return self.status is BookingStatus.ATTENDED and self.evaluation is None and self.is_school_member(user)

    def can_view_evaluation(self, user) -> bool:
        return self.can_view(user)


class BookingEvent(db.Model):
    """One line of a booking's history: who moved it from which state to which, when and why."""

    __tablename__ = "booking_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    from_status: Mapped[BookingStatus | None] = mapped_column(enum_type(BookingStatus, "from_status"))
    to_status: Mapped[BookingStatus] = mapped_column(enum_type(BookingStatus, "to_status"))
    step: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    booking: Mapped[Booking] = relationship(back_populates="history")
    actor = relationship("User")

    @property
    def step_label(self):
        return EVENT_LABELS.get(self.step, self.step)


EVENT_LABELS = {
    "request": _l("Requested"),
    "book": _l("Booked"),
    "waitlist": _l("Joined the waiting list"),
    "promote": _l("Promoted from the waiting list"),
    "session_cancelled": _l("Session cancelled"),
    "move": _l("Moved to another slot"),
    **{name: step.label for name, step in STEPS.items()},
}


class Evaluation(db.Model):
    """A teacher's rating (1–5) and comment on an attended booking."""

    __tablename__ = "evaluations"
    __table_args__ = (CheckConstraint("rating >= 1 AND rating <= 5", name="rating_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), unique=True)
    rating: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    booking: Mapped[Booking] = relationship(back_populates="evaluation")
    author = relationship("User")


class BookingQuota(db.Model):
    """The most bookings a school may hold in one school year, set by its coordinator."""

    __tablename__ = "booking_quotas"
    __table_args__ = (
        UniqueConstraint("school_id", "school_year"),
        CheckConstraint("max_bookings >= 0", name="max_bookings_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    school_year: Mapped[int]
    max_bookings: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    school: Mapped[School] = relationship()
