"""A technieklokaal partner with one lab ("Lokaal 1", 30 pupils, school holidays of midden), a
lesson series that takes place in it, and its slots for a school year (``create_slots``)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select

from booking.catalogue.models import LocationType, Session
from booking.core.time import local_today
from booking.extensions import db
from booking.labs import services
from booking.organisations.models import Holiday, HolidayRegion, PartnerKind


@pytest.fixture
def lab_partner(make_partner):
    return make_partner("Technieklokaal Utrecht-West", kind=PartnerKind.TECHNIEKLOKAAL)


@pytest.fixture
def lab(lab_partner):
    lab = services.save_lab(
        None,
        partner=lab_partner,
        data=services.LabData(
            name="Lokaal 1",
            address="Vleutenseweg 300, Utrecht",
            capacity_pupils=30,
            classes_at_once=1,
            holiday_region=HolidayRegion.MIDDEN,
        ),
    )
    db.session.commit()
    return lab


@pytest.fixture
def series(lab, lab_partner, make_activity):
    return make_activity(
        "Lessenreeks Techniek groep 7-8",
        partner=lab_partner,
        location_type=LocationType.TECHNIEKLOKAAL,
        address=lab.address,
        lab_id=lab.id,
        min_pupils=15,
    )


_copies: dict[tuple, list[dict]] = {}


def create_slots(lab, activity, school_year: int) -> None:
    """What the slots page does for the school year (``plan_slots``, then ``carry_out``), for real the
    first time in a run and copied after that: planning a year slot by slot takes about a second, and
    some thirty tests start from the same year. The copy is keyed by all the plan depends on here
    (today, the room, its timetable, holidays and closures); a lab with sessions already is planned for real."""
    periods = tuple(sorted((p.weekday, p.name, p.starts_at, p.ends_at) for p in lab.periods_in(school_year)))
    holidays = db.session.execute(
        select(Holiday.starts_on, Holiday.ends_on).where(Holiday.holiday_region == lab.holiday_region)
    ).all()
    closures = tuple(sorted((c.starts_on, c.ends_on) for c in lab.closures))
    room = (lab.name, lab.address, lab.capacity_pupils, lab.classes_at_once)
    key = (local_today(), school_year, room, periods, tuple(sorted(holidays)), closures)
    table = Session.__table__
    has_sessions = db.session.scalar(select(func.count()).select_from(table).where(table.c.lab_id == lab.id))
    if key in _copies and not has_sessions:
        rows = [{**row, "activity_id": activity.id, "lab_id": lab.id} for row in _copies[key]]
        db.session.execute(insert(table), rows)
        return
    services.carry_out(lab, activity, services.plan_slots(lab, activity, school_year))
    db.session.flush()
    if has_sessions:
        return
    # Every column but the keys, and the instants that take "now" when the copy is inserted.
    columns = [
        column
        for column in table.columns
        if not column.primary_key
        and column.name not in ("activity_id", "lab_id")
        and not (column.default is not None and column.default.is_callable)
    ]
    query = select(*columns).where(table.c.lab_id == lab.id).order_by(table.c.id)
    _copies[key] = [dict(row) for row in db.session.execute(query).mappings()]
