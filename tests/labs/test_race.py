"""One room, one session at a time, even when several processes plan the same hour at once."""

from __future__ import annotations

import multiprocessing
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from booking.catalogue.models import LocationType, Session
from booking.extensions import db
from booking.labs import services
from booking.organisations.models import HolidayRegion, PartnerKind
from tests.conftest import NOW

PROCESSES = 6


def _claim(db_url, lab_id, activity_id, offset_minutes, start_event, results):
    from flask_babel import force_locale

    from booking import create_app
    from booking.catalogue.models import Activity
    from booking.core.errors import DomainError
    from booking.labs.models import Lab

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": db_url})
    with app.app_context(), force_locale("en"):
        lab, activity = db.session.get(Lab, lab_id), db.session.get(Activity, activity_id)
        starts_at = NOW + timedelta(days=20, minutes=offset_minutes)
        start_event.wait(30)
        try:
            services.add_slot(lab, activity, starts_at, starts_at + timedelta(hours=3))
            db.session.commit()
            results.put("created")
        except DomainError as error:
            db.session.rollback()
            results.put(error.message)


@pytest.mark.parametrize("round_", range(3))
def test_processes_racing_for_one_lab_hour_create_one_session(db_url, make_partner, make_activity, round_):
    partner = make_partner("Technieklokaal Utrecht-West", kind=PartnerKind.TECHNIEKLOKAAL)
    lab = services.save_lab(None, partner=partner, data=services.LabData("Lokaal 1", "Vleutenseweg 300", 30, 1,
                                                                         HolidayRegion.MIDDEN))  # fmt: skip
    db.session.commit()
    activities = [
        make_activity(f"Lessenreeks {n}", partner=partner, location_type=LocationType.TECHNIEKLOKAAL, lab_id=lab.id)
        for n in range(PROCESSES)
    ]
    context = multiprocessing.get_context("spawn")
    start_event, results = context.Event(), context.Queue()
    # Every process wants three hours starting within the same hour: all overlap each other.
    processes = [
        context.Process(target=_claim, args=(db_url, lab.id, activity.id, 10 * n, start_event, results))
        for n, activity in enumerate(activities)
    ]
    for process in processes:
        process.start()
    start_event.set()
    outcomes = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    assert outcomes.count("created") == 1, outcomes
    assert all(o == "created" or "Lokaal 1 is taken on" in o or "a moment ago" in o for o in outcomes), outcomes
    count = db.session.scalar(select(func.count()).select_from(Session).where(Session.lab_id == lab.id))
    assert count == 1


def test_the_database_itself_refuses_overlapping_sessions_in_one_lab(make_partner, make_activity):
    """The exclusion constraint on PostgreSQL, for writes that bypass the service."""
    from sqlalchemy.exc import IntegrityError

    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("an exclusion constraint is PostgreSQL's; SQLite relies on the service's lock")
    partner = make_partner("Technieklokaal Utrecht-West", kind=PartnerKind.TECHNIEKLOKAAL)
    lab = services.save_lab(None, partner=partner, data=services.LabData("Lokaal 1", "Vleutenseweg 300", 30, 1,
                                                                         HolidayRegion.MIDDEN))  # fmt: skip
    activity = make_activity("Lessenreeks", partner=partner, location_type=LocationType.TECHNIEKLOKAAL)
    starts_at = NOW + timedelta(days=20)
    for offset in (0, 60):
        db.session.add(Session(activity=activity, lab_id=lab.id, starts_at=starts_at + timedelta(minutes=offset),
                               ends_at=starts_at + timedelta(minutes=offset + 180), place="Lokaal 1",
                               capacity_pupils=30, max_classes=1))  # fmt: skip
    with pytest.raises(IntegrityError, match="ex_sessions_no_overlap_in_lab"):
        db.session.flush()
    db.session.rollback()
