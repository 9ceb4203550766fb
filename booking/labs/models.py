"""Technieklokalen: rooms run by a partner, their weekly timetable of periods ("dagdelen") per school
year, and the dates they are closed. Lab slots are sessions of the lab's activities."""

from __future__ import annotations

from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.core.time import school_year_label, utcnow
from booking.core.types import UTCDateTime, enum_type
from booking.extensions import db
from booking.organisations.models import HolidayRegion, Partner, PartnerKind, School

WEEKDAY_NAMES = [_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"),
                 _l("Sunday")]  # fmt: skip


class Lab(db.Model):
    """A technology classroom of a technieklokaal partner."""

    __tablename__ = "labs"
    __table_args__ = (
        UniqueConstraint("partner_id", "name"),
        CheckConstraint("capacity_pupils > 0 AND capacity_pupils <= 60", name="capacity_range"),
        CheckConstraint("classes_at_once >= 1 AND classes_at_once <= 4", name="classes_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(255))
    capacity_pupils: Mapped[int] = mapped_column(default=32)
    classes_at_once: Mapped[int] = mapped_column(default=1)
    equipment: Mapped[str | None] = mapped_column(Text)
    contact_name: Mapped[str | None] = mapped_column(String(120))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    # Whose school holidays the lab follows (its schools' region).
    holiday_region: Mapped[HolidayRegion] = mapped_column(enum_type(HolidayRegion, "holiday_region"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partner: Mapped[Partner] = relationship()
    periods: Mapped[list[LabPeriod]] = relationship(
        back_populates="lab",
        cascade="all, delete-orphan",
        order_by="(LabPeriod.school_year, LabPeriod.weekday, LabPeriod.starts_at)",
    )
    closures: Mapped[list[LabClosure]] = relationship(
        back_populates="lab", cascade="all, delete-orphan", order_by="LabClosure.starts_on"
    )

    def __str__(self) -> str:
        return self.name

    def periods_in(self, school_year: int) -> list[LabPeriod]:
        return [period for period in self.periods if period.school_year == school_year]

    def closure_on(self, day: date) -> LabClosure | None:
        return next((closure for closure in self.closures if closure.covers(day)), None)

    # Who may do what ---------------------------------------------------------------------------

    @staticmethod
    def can_list(user) -> bool:
        """Who gets the labs overview: technieklokaal staff, coordinators, admins."""
        if not user.is_authenticated:
            return False
        return (
            user.is_admin
            or bool(user.coordinated_region_ids)
            or any(m.partner is not None and m.partner.kind is PartnerKind.TECHNIEKLOKAAL for m in user.memberships)
        )

    @staticmethod
    def can_create_for(partner: Partner, user) -> bool:
        return partner.kind is PartnerKind.TECHNIEKLOKAAL and (partner.id in user.partner_ids or partner.can_edit(user))

    def can_view(self, user) -> bool:
        return user.is_authenticated

    def can_manage(self, user) -> bool:
        """The lab's own staff and the coordinators of the regions it serves keep its timetable."""
        return self.partner_id in user.partner_ids or self.partner.can_edit(user)

    def can_see_bookers(self, user) -> bool:
        """Which school and class took a slot: the lab's staff and coordinators. Teachers see only
        their own school's bookings (the week grid adds those); everyone else sees "taken"."""
        return self.can_manage(user)

    def can_set_quotas(self, user) -> bool:
        """How many lessons a school gets is the coordinators' call, not the lab's."""
        return self.partner.can_edit(user)


class LabPeriod(db.Model):
    """A named period of one weekday in a lab's timetable for a school year ("ochtend" 08:30–11:30)."""

    __tablename__ = "lab_periods"
    __table_args__ = (
        UniqueConstraint("lab_id", "school_year", "weekday", "name"),
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_range"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lab_id: Mapped[int] = mapped_column(ForeignKey("labs.id", ondelete="CASCADE"), index=True)
    school_year: Mapped[int]
    weekday: Mapped[int]
    name: Mapped[str] = mapped_column(String(40))
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)

    lab: Mapped[Lab] = relationship(back_populates="periods")

    def __str__(self) -> str:
        return f"{self.name} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"

    @property
    def weekday_name(self):
        return WEEKDAY_NAMES[self.weekday]

    @property
    def school_year_label(self) -> str:
        return school_year_label(self.school_year)

    def overlaps(self, starts_at: time, ends_at: time) -> bool:
        return starts_at < self.ends_at and self.starts_at < ends_at


class LabClosure(db.Model):
    """Days a lab is closed (maintenance, an exam week in its host school), both ends included."""

    __tablename__ = "lab_closures"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lab_id: Mapped[int] = mapped_column(ForeignKey("labs.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    reason: Mapped[str] = mapped_column(String(200))

    lab: Mapped[Lab] = relationship(back_populates="closures")

    def __str__(self) -> str:
        return self.reason

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


class LabSeries(db.Model):
    """A class's lesson series in a lab: the bookings of one class on several lab sessions of one
    activity, booked together (weekday, period and start week chosen by the teacher). The lessons
    are ordinary bookings with ``series_id`` set; each can be cancelled or moved on its own."""

    __tablename__ = "lab_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    lab_id: Mapped[int] = mapped_column(ForeignKey("labs.id", ondelete="RESTRICT"), index=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="RESTRICT"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="RESTRICT"), index=True)
    class_label: Mapped[str] = mapped_column(String(40))
    school_year: Mapped[int]
    # What the teacher asked for: "Tuesday ochtend", from the start week on.
    weekday: Mapped[int]
    period_name: Mapped[str] = mapped_column(String(40))
    first_day: Mapped[date]
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lab: Mapped[Lab] = relationship()
    activity = relationship("Activity")
    school: Mapped[School] = relationship()
    booked_by = relationship("User")
    lessons = relationship("Booking", back_populates="series", order_by="Booking.id")

    def __str__(self) -> str:
        return f"{self.class_label} – {self.activity.title}"

    @property
    def weekday_name(self):
        return WEEKDAY_NAMES[self.weekday]

    # Who may do what: the lessons' own permissions decide; these are the series-wide ones.

    @staticmethod
    def can_book(activity, user) -> bool:
        """Teachers book a series of an activity in a lab that has more than one lesson."""
        return (
            bool(user.school_ids) and activity.is_published and activity.lab_id is not None
            and activity.series_length > 1
        )  # fmt: skip

    def can_view(self, user) -> bool:
        return any(lesson.can_view(user) for lesson in self.lessons)

    def can_cancel(self, user) -> bool:
        return any(lesson.can_take(user, "cancel") or lesson.can_take(user, "withdraw") for lesson in self.lessons)


class LabQuota(db.Model):
    """The most lessons ("dagdelen") a school may hold in a lab in one school year, set by a
    coordinator. No row: no limit."""

    __tablename__ = "lab_quotas"
    __table_args__ = (
        UniqueConstraint("lab_id", "school_id", "school_year"),
        CheckConstraint("max_lessons >= 0", name="max_lessons_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lab_id: Mapped[int] = mapped_column(ForeignKey("labs.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    school_year: Mapped[int]
    max_lessons: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    lab: Mapped[Lab] = relationship()
    school: Mapped[School] = relationship()

    @property
    def school_year_label(self) -> str:
        return school_year_label(self.school_year)
