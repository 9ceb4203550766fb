"""Regions, schools, school classes and partners, with who may do what to them."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql import select

from booking.core.time import school_year_label, school_year_of, utcnow
from booking.core.types import UTCDateTime, enum_type
from booking.extensions import db


class HolidayRegion(enum.Enum):
    """The school-holiday regions: the three Dutch ones, and Flanders (one calendar)."""

    NOORD = "noord"
    MIDDEN = "midden"
    ZUID = "zuid"
    FLANDERS = "flanders"

    @property
    def label(self):
        return HOLIDAY_REGION_LABELS[self]


HOLIDAY_REGION_LABELS = {
    HolidayRegion.NOORD: _l("Netherlands – north"),
    HolidayRegion.MIDDEN: _l("Netherlands – middle"),
    HolidayRegion.ZUID: _l("Netherlands – south"),
    HolidayRegion.FLANDERS: _l("Flanders"),
}


class EducationLevel(enum.Enum):
    PO = "po"
    SO = "so"
    VO = "vo"
    MBO = "mbo"

    @property
    def label(self):
        return EDUCATION_LEVEL_LABELS[self]


EDUCATION_LEVEL_LABELS = {
    EducationLevel.PO: _l("Primary education (PO)"),
    EducationLevel.SO: _l("Special education (SO)"),
    EducationLevel.VO: _l("Secondary education (VO)"),
    EducationLevel.MBO: _l("Vocational education (MBO)"),
}


class Grade(enum.Enum):
    """Grades a class can be in: groep 1–8, VO leerjaar 1–6, MBO niveau 1–4."""

    GROEP_1 = "groep-1"
    GROEP_2 = "groep-2"
    GROEP_3 = "groep-3"
    GROEP_4 = "groep-4"
    GROEP_5 = "groep-5"
    GROEP_6 = "groep-6"
    GROEP_7 = "groep-7"
    GROEP_8 = "groep-8"
    VO_1 = "vo-1"
    VO_2 = "vo-2"
    VO_3 = "vo-3"
    VO_4 = "vo-4"
    VO_5 = "vo-5"
    VO_6 = "vo-6"
    MBO_1 = "mbo-1"
    MBO_2 = "mbo-2"
    MBO_3 = "mbo-3"
    MBO_4 = "mbo-4"

    @property
    def stage(self) -> str:
        return self.value.split("-")[0]

    @property
    def number(self) -> int:
        return int(self.value.split("-")[1])

    @property
    def label(self):
        """Lazy, so a label put in a form's choices at import time still speaks the user's language."""
        return GRADE_STAGE_LABELS[self.stage](self.number)


GRADE_STAGE_LABELS = {
    "groep": lambda n: _l("Groep %(n)s", n=n),
    "vo": lambda n: _l("Secondary year %(n)s", n=n),
    "mbo": lambda n: _l("MBO level %(n)s", n=n),
}

GRADE_STAGES_BY_LEVEL = {
    EducationLevel.PO: {"groep"},
    EducationLevel.SO: {"groep", "vo"},
    EducationLevel.VO: {"vo"},
    EducationLevel.MBO: {"mbo"},
}


def grades_for(level: EducationLevel) -> list[Grade]:
    """The grades a class at a school of this education level can be in."""
    return [grade for grade in Grade if grade.stage in GRADE_STAGES_BY_LEVEL[level]]


class PartnerKind(enum.Enum):
    COMPANY = "company"
    SCIENCE_CENTRE = "science_centre"
    TECHNIEKLOKAAL = "technieklokaal"
    OTHER = "other"

    @property
    def label(self):
        return PARTNER_KIND_LABELS[self]


PARTNER_KIND_LABELS = {
    PartnerKind.COMPANY: _l("Company"),
    PartnerKind.SCIENCE_CENTRE: _l("Science centre"),
    PartnerKind.TECHNIEKLOKAAL: _l("Technieklokaal"),
    PartnerKind.OTHER: _l("Other"),
}


partner_regions = Table(
    "partner_regions",
    db.metadata,
    Column("partner_id", ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True),
    Column("region_id", ForeignKey("regions.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Region(db.Model):
    """The coordinating unit (a municipality or service point) with its holiday region."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    holiday_region: Mapped[HolidayRegion] = mapped_column(enum_type(HolidayRegion, "holiday_region"))
    # Whether a waiting-list entry too large for the freed places lets smaller ones behind it go first.
    waitlist_allows_skipping: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    schools: Mapped[list[School]] = relationship(back_populates="region", order_by="School.name")
    partners: Mapped[list[Partner]] = relationship(
        secondary=partner_regions, back_populates="regions", order_by="Partner.name"
    )
    municipality_rows: Mapped[list[RegionMunicipality]] = relationship(
        cascade="all, delete-orphan", order_by="RegionMunicipality.name"
    )

    @property
    def municipalities(self) -> list[str]:
        """The municipalities whose schools belong to the region (the DUO import keeps to them)."""
        return [row.name for row in self.municipality_rows]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def can_create(user) -> bool:
        return user.is_admin

    def can_view(self, user) -> bool:
        return user.is_admin or self.id in user.coordinated_region_ids

    def can_edit(self, user) -> bool:
        return user.is_admin

    def can_set_rules(self, user) -> bool:
        """The region's own coordinators decide how the programme runs (waiting lists)."""
        return self.can_view(user)

    def can_import_schools(self, user) -> bool:
        """The region's coordinators keep its school register (municipalities, DUO's file)."""
        return self.can_view(user)

    def can_invite(self, user) -> bool:
        """Coordinators are appointed by admins."""
        return user.is_admin


class RegionMunicipality(db.Model):
    """A municipality of a region, by the name DUO gives it ("Utrecht", "Stichtse Vecht")."""

    __tablename__ = "region_municipalities"

    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), primary_key=True)


class School(db.Model):
    __tablename__ = "schools"
    __table_args__ = (
        # One school per BRIN and location; no location counts as one (a plain unique constraint
        # would let any number of (brin, NULL) rows through).
        Index("uq_schools_brin_location_number", "brin", text("coalesce(location_number, '')"), unique=True),
        CheckConstraint("length(brin) = 4", name="brin_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    brin: Mapped[str] = mapped_column(String(4), index=True)
    location_number: Mapped[str | None] = mapped_column(String(2))
    municipality: Mapped[str] = mapped_column(String(120))
    education_level: Mapped[EducationLevel] = mapped_column(enum_type(EducationLevel, "education_level"))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"), index=True)
    # Holiday regions are set per municipality; empty means the region's.
    holiday_region_override: Mapped[HolidayRegion | None] = mapped_column(
        enum_type(HolidayRegion, "holiday_region_override")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    region: Mapped[Region] = relationship(back_populates="schools")
    classes: Mapped[list[SchoolClass]] = relationship(
        back_populates="school",
        cascade="all, delete-orphan",
        order_by="(SchoolClass.school_year.desc(), SchoolClass.grade, SchoolClass.label)",
    )
    blocked_dates: Mapped[list[BlockedDate]] = relationship(
        back_populates="school", cascade="all, delete-orphan", order_by="BlockedDate.starts_on"
    )

    def __str__(self) -> str:
        return self.name

    @property
    def brin_code(self) -> str:
        """The BRIN code with its location number, as DUO writes it (``02QZ00``)."""
        return self.brin + (self.location_number or "")

    @property
    def holiday_region(self) -> HolidayRegion:
        return self.holiday_region_override or self.region.holiday_region

    @property
    def grade_choices(self) -> list[Grade]:
        return grades_for(self.education_level)

    @staticmethod
    def can_create(user) -> bool:
        return user.is_admin or bool(user.coordinated_region_ids)

    def can_view(self, user) -> bool:
        return self.can_edit(user) or self.id in user.school_ids

    def can_edit(self, user) -> bool:
        return user.is_admin or self.region_id in user.coordinated_region_ids

    def can_manage_classes(self, user) -> bool:
        return self.can_view(user)

    def can_invite(self, user) -> bool:
        return self.can_edit(user)


class SchoolClass(db.Model):
    """A class in one school year: a label, a grade and a number of pupils, never names."""

    __tablename__ = "school_classes"
    __table_args__ = (
        UniqueConstraint("school_id", "school_year", "label"),
        CheckConstraint("pupils > 0 AND pupils <= 60", name="pupils_range"),
        CheckConstraint("school_year >= 2000 AND school_year <= 2100", name="school_year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    school_year: Mapped[int]
    label: Mapped[str] = mapped_column(String(40))
    grade: Mapped[Grade] = mapped_column(enum_type(Grade, "grade"))
    pupils: Mapped[int]
    teacher_name: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    school: Mapped[School] = relationship(back_populates="classes")

    def __str__(self) -> str:
        return self.label

    @property
    def school_year_label(self) -> str:
        return school_year_label(self.school_year)

    def can_edit(self, user) -> bool:
        return self.school.can_manage_classes(user)


class Partner(db.Model):
    """A company, science centre or technieklokaal that offers activities."""

    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[PartnerKind] = mapped_column(enum_type(PartnerKind, "partner_kind"))
    contact_name: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    website: Mapped[str | None] = mapped_column(String(255))
    address: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    regions: Mapped[list[Region]] = relationship(
        secondary=partner_regions, back_populates="partners", order_by="Region.name"
    )

    def __str__(self) -> str:
        return self.name

    @property
    def region_ids(self) -> set[int]:
        return {region.id for region in self.regions}

    @staticmethod
    def can_create(user) -> bool:
        return user.is_admin or bool(user.coordinated_region_ids)

    def can_view(self, user) -> bool:
        return self.can_edit(user) or self.id in user.partner_ids

    def can_edit(self, user) -> bool:
        return user.is_admin or bool(self.region_ids & user.coordinated_region_ids)

    def can_invite(self, user) -> bool:
        return self.can_edit(user)


class Holiday(db.Model):
    """A school holiday of one holiday region: whole days, both ends included."""

    __tablename__ = "holidays"
    __table_args__ = (
        UniqueConstraint("holiday_region", "name", "starts_on"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    holiday_region: Mapped[HolidayRegion] = mapped_column(enum_type(HolidayRegion, "holiday_region"))
    name: Mapped[str] = mapped_column(String(80))
    starts_on: Mapped[date]
    ends_on: Mapped[date] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __str__(self) -> str:
        return self.name

    @property
    def school_year_label(self) -> str:
        return school_year_label(school_year_of(self.starts_on))

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

    @staticmethod
    def can_manage(user) -> bool:
        """Holidays are shared reference data: any coordinator sees them all and keeps some up to date."""
        return user.is_admin or bool(user.coordinated_region_ids)

    @staticmethod
    def managed_regions(user) -> list[HolidayRegion]:
        """The holiday regions whose dates the user may change: an admin all of them, a coordinator
        those of the regions they coordinate (Regio Utrecht: midden), never Vlaanderen's for a Dutch one."""
        if user.is_admin:
            return list(HolidayRegion)
        if not user.coordinated_region_ids:
            return []
        own = set(db.session.scalars(select(Region.holiday_region).where(Region.id.in_(user.coordinated_region_ids))))
        return [region for region in HolidayRegion if region in own]

    def can_edit(self, user) -> bool:
        return self.holiday_region in Holiday.managed_regions(user)


class DayPart(enum.Enum):
    """Which part of a day a blocked date takes: the whole day, or only the morning or afternoon."""

    WHOLE_DAY = "whole_day"
    MORNING = "morning"
    AFTERNOON = "afternoon"

    @property
    def label(self):
        return DAY_PART_LABELS[self]

    @property
    def hours(self) -> tuple[time, time]:
        """The wall-clock hours the part covers. A morning lesson ends by 12:00 and an afternoon one
        starts from 12:30 (DOMAIN: "dagdelen"), so the two overlap around lunch on purpose: a lesson
        from 11:00 to 13:00 is in both."""
        return DAY_PART_HOURS[self]


DAY_PART_LABELS = {
    DayPart.WHOLE_DAY: _l("Whole day"),
    DayPart.MORNING: _l("Morning"),
    DayPart.AFTERNOON: _l("Afternoon"),
}
DAY_PART_HOURS = {
    DayPart.WHOLE_DAY: (time(0, 0), time.max),
    DayPart.MORNING: (time(0, 0), time(12, 30)),
    DayPart.AFTERNOON: (time(12, 0), time.max),
}

blocked_date_classes = Table(
    "blocked_date_classes",
    db.metadata,
    Column("blocked_date_id", ForeignKey("blocked_dates.id", ondelete="CASCADE"), primary_key=True),
    Column("class_id", ForeignKey("school_classes.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class BlockedDate(db.Model):
    """A day or range of days (or only their mornings or afternoons) a school, or some of its classes,
    cannot come: a study day, Cito, a sports day, swimming lessons. No classes means the whole school."""

    __tablename__ = "blocked_dates"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date] = mapped_column(index=True)
    day_part: Mapped[DayPart] = mapped_column(enum_type(DayPart, "day_part"), default=DayPart.WHOLE_DAY)
    reason: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    school: Mapped[School] = relationship(back_populates="blocked_dates")
    classes: Mapped[list[SchoolClass]] = relationship(
        secondary=blocked_date_classes, order_by="(SchoolClass.grade, SchoolClass.label)"
    )

    def __str__(self) -> str:
        return self.reason

    @property
    def is_whole_school(self) -> bool:
        return not self.classes

    def applies_to(self, school_class: SchoolClass) -> bool:
        return school_class.school_id == self.school_id and (
            self.is_whole_school or any(c.id == school_class.id for c in self.classes)
        )

    def blocks(self, day: date, starts_at: time = time(0, 0), ends_at: time = time.max) -> bool:
        """Whether the local day and hours (of a lesson, say) fall in this blocked date."""
        if not self.starts_on <= day <= self.ends_on:
            return False
        begins, ends = self.day_part.hours
        return starts_at < ends and ends_at > begins

    def can_edit(self, user) -> bool:
        return self.school.can_manage_classes(user)
