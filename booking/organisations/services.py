"""Creating and changing regions, schools, classes and partners, with their business rules."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from booking.calendars.imports import DayRange, ImportResult, ImportRow
from booking.core.database import refuse_duplicate, savepoint
from booking.core.errors import DomainError
from booking.extensions import db
from booking.organisations.models import (
    EducationLevel,
    Grade,
    Holiday,
    HolidayRegion,
    Partner,
    PartnerKind,
    Region,
    RegionMunicipality,
    School,
    SchoolClass,
    grades_for,
)


def _taken(model, *conditions, exclude_id: int | None = None) -> bool:
    query = select(func.count()).select_from(model).where(*conditions)
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return db.session.scalar(query) > 0


def save_region(region: Region | None, *, name: str, holiday_region: HolidayRegion) -> Region:
    if _taken(Region, func.lower(Region.name) == name.lower(), exclude_id=region.id if region else None):
        raise DomainError(_("There is already a region called %(name)s.", name=name), field="name")
    region = region or Region()
    region.name = name
    region.holiday_region = holiday_region
    db.session.add(region)
    return region


def set_municipalities(region: Region, text: str) -> list[str]:
    """The region's municipalities from one name a line (commas work too); duplicates once."""
    names: dict[str, str] = {}
    for part in (text or "").replace(",", "\n").splitlines():
        name = " ".join(part.split())
        if not name:
            continue
        if len(name) > 120:
            raise DomainError(_("A municipality name has at most 120 characters: %(name)s", name=name[:40] + "…"),
                              field="municipalities")  # fmt: skip
        names.setdefault(name.casefold(), name)
    keep = {row.name.casefold(): row for row in region.municipality_rows if row.name.casefold() in names}
    region.municipality_rows = [keep.get(key) or RegionMunicipality(name=name) for key, name in names.items()]
    return sorted(names.values())


def set_region_rules(region: Region, *, waitlist_allows_skipping: bool) -> Region:
    region.waitlist_allows_skipping = waitlist_allows_skipping
    return region


def save_school(
    school: School | None,
    *,
    name: str,
    brin: str,
    location_number: str | None,
    municipality: str,
    education_level: EducationLevel,
    region: Region,
    holiday_region_override: HolidayRegion | None = None,
) -> School:
    brin = brin.upper()
    location_clause = (
        School.location_number.is_(None) if location_number is None else School.location_number == location_number
    )
    code = brin + (location_number or "")
    taken = _("A school with BRIN code %(code)s already exists.", code=code)
    if _taken(School, School.brin == brin, location_clause, exclude_id=school.id if school else None):
        raise DomainError(taken, field="brin")
    if school is not None and school.education_level is not education_level:
        allowed = grades_for(education_level)
        if any(c.grade not in allowed for c in school.classes):
            raise DomainError(
                _("This school has classes whose grade does not fit that education level."),
                field="education_level",
            )
    with refuse_duplicate("schools", "brin", "location_number", message=taken, field="brin"):
        school = school or School()
        school.name = name
        school.brin = brin
        school.location_number = location_number
        school.municipality = municipality
        school.education_level = education_level
        school.region = region
        school.holiday_region_override = holiday_region_override
        db.session.add(school)
    return school


def save_class(
    school: School,
    school_class: SchoolClass | None,
    *,
    school_year: int,
    label: str,
    grade: Grade,
    pupils: int,
    teacher_name: str | None = None,
) -> SchoolClass:
    if grade not in school.grade_choices:
        raise DomainError(_("%(grade)s does not fit this school's education level.", grade=grade.label), field="grade")
    if not 1 <= pupils <= 60:
        raise DomainError(_("A class has between 1 and 60 pupils."), field="pupils")
    if _taken(
        SchoolClass,
        SchoolClass.school_id == school.id,
        SchoolClass.school_year == school_year,
        func.lower(SchoolClass.label) == label.lower(),
        exclude_id=school_class.id if school_class else None,
    ):
        raise DomainError(_("There is already a class %(label)s in this school year.", label=label), field="label")
    school_class = school_class or SchoolClass(school=school)
    school_class.school_year = school_year
    school_class.label = label
    school_class.grade = grade
    school_class.pupils = pupils
    school_class.teacher_name = teacher_name
    db.session.add(school_class)
    return school_class


def delete_class(school_class: SchoolClass) -> None:
    db.session.delete(school_class)


def copy_classes(school: School, from_year: int, to_year: int) -> int:
    """Start a new school year from last year's classes, one grade up (as schools like to do)."""
    existing = {c.label.lower() for c in school.classes if c.school_year == to_year}
    grades = list(Grade)
    copied = 0
    for old in [c for c in school.classes if c.school_year == from_year]:
        index = grades.index(old.grade) + 1
        next_grade = grades[index] if index < len(grades) else None
        if next_grade is None or next_grade.stage != old.grade.stage or next_grade not in school.grade_choices:
            continue
        label = old.label.replace(str(old.grade.number), str(next_grade.number), 1)
        if label.lower() in existing:
            continue
        db.session.add(
            SchoolClass(
                school=school,
                school_year=to_year,
                label=label,
                grade=next_grade,
                pupils=old.pupils,
                teacher_name=old.teacher_name,
            )
        )
        existing.add(label.lower())
        copied += 1
    return copied


def save_partner(
    partner: Partner | None,
    *,
    name: str,
    kind: PartnerKind,
    regions: list[Region],
    contact_name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    website: str | None = None,
    address: str | None = None,
    description: str | None = None,
) -> Partner:
    if not regions:
        raise DomainError(_("Choose at least one region."), field="regions")
    if _taken(Partner, func.lower(Partner.name) == name.lower(), exclude_id=partner.id if partner else None):
        raise DomainError(_("There is already a partner called %(name)s.", name=name), field="name")
    partner = partner or Partner()
    partner.name = name
    partner.kind = kind
    partner.contact_name = contact_name
    partner.email = email.lower() if email else None
    partner.phone = phone
    partner.website = website
    partner.address = address
    partner.description = description
    partner.regions = regions
    db.session.add(partner)
    return partner


# Holidays ----------------------------------------------------------------------------------------


def save_holiday(
    holiday: Holiday | None, *, holiday_region: HolidayRegion, name: str, starts_on: date, ends_on: date
) -> Holiday:
    if ends_on < starts_on:
        raise DomainError(_("The last day must be on or after the first day."), field="ends_on")
    if (ends_on - starts_on).days > 92:
        raise DomainError(_("A holiday lasts at most three months."), field="ends_on")
    query = select(Holiday.id).where(
        Holiday.holiday_region == holiday_region, Holiday.name == name, Holiday.starts_on == starts_on
    )
    if holiday is not None:
        query = query.where(Holiday.id != holiday.id)
    if db.session.scalar(query) is not None:
        raise DomainError(_("This holiday is already in the list."), field="starts_on")
    holiday = holiday or Holiday()
    holiday.holiday_region = holiday_region
    holiday.name = name
    holiday.starts_on = starts_on
    holiday.ends_on = ends_on
    db.session.add(holiday)
    return holiday


def load_holidays(entries: list[dict]) -> int:
    """Add the holidays from the shipped data file that are not there yet; returns how many were added."""
    present = {
        (row.holiday_region, row.name, row.starts_on)
        for row in db.session.execute(select(Holiday.holiday_region, Holiday.name, Holiday.starts_on))
    }
    added = 0
    for entry in entries:
        key = (
            HolidayRegion(entry["holiday_region"]),
            entry["name"],
            date.fromisoformat(entry["starts_on"]),
        )
        if key in present:
            continue
        db.session.add(
            Holiday(holiday_region=key[0], name=key[1], starts_on=key[2], ends_on=date.fromisoformat(entry["ends_on"]))
        )
        present.add(key)
        added += 1
    return added


HOLIDAY_FILE = Path(__file__).parent / "data" / "school_holidays.json"


def load_holiday_file(path: str | Path | None = None) -> tuple[int, str]:
    """Load holidays from a data file in the shipped format; returns how many were added and the file's source."""
    data = json.loads(Path(path or HOLIDAY_FILE).read_text(encoding="utf-8"))
    return load_holidays(data["holidays"]), data.get("source", "")


# Importing holidays from an .ics file -------------------------------------------------------------


def preview_holiday_import(holiday_region: HolidayRegion, ranges: list[DayRange]) -> list[ImportRow]:
    """Per range of the file: a new holiday, one already in the list, or skipped for a reason.

    A holiday of the region with the same first and last day is the same holiday, whatever the file
    calls it ("Herfstvakantie 2027" is the "Herfstvakantie" already there); so is one with the same
    name and first day (the unique constraint's key), whose last day the preview then shows."""
    holidays = list(db.session.scalars(select(Holiday).where(Holiday.holiday_region == holiday_region)))
    by_days = {(holiday.starts_on, holiday.ends_on): holiday for holiday in holidays}
    by_name = {(holiday.name, holiday.starts_on): holiday for holiday in holidays}
    rows, planned = [], set()
    for day_range in ranges:
        key = (day_range.first_day, day_range.last_day)
        existing = by_days.get(key) or by_name.get((day_range.name, day_range.first_day))
        row = ImportRow(day_range, existing=existing)
        if row.existing is None:
            if (day_range.last_day - day_range.first_day).days > 92:
                row.skip_reason = _("a holiday lasts at most three months")
            elif key in planned:
                row.skip_reason = _("another holiday in this file has the same dates")
            planned.add(key)
        rows.append(row)
    return rows


def import_holidays(holiday_region: HolidayRegion, ranges: list[DayRange]) -> ImportResult:
    """Add the new holidays of the file; one that someone else added a moment ago counts as already there."""
    rows = preview_holiday_import(holiday_region, ranges)
    added, skipped_existing = 0, sum(1 for row in rows if row.existing is not None)
    for row in rows:
        if not row.will_be_added:
            continue
        holiday = Holiday(
            holiday_region=holiday_region,
            name=row.range.name,
            starts_on=row.range.first_day,
            ends_on=row.range.last_day,
        )
        try:
            with savepoint():
                db.session.add(holiday)
        except IntegrityError:
            skipped_existing += 1
        else:
            added += 1
    return ImportResult(added=added, skipped_existing=skipped_existing)
