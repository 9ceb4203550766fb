"""One room, one session at a time, even when several processes plan the same hour at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, insert, select

from booking.catalogue.models import LocationType, Session, SessionStatus
from booking.core.database import constraint_error
from booking.core.time import to_local
from booking.extensions import db
from booking.labs import services
from booking.organisations.models import HolidayRegion, PartnerKind
from tests.conftest import NOW
from tests.processes import process_context

PROCESSES = 6


def _claim(db_url, path, lab_id, activity_id, session_id, offset_minutes, start_event, results):
    """One process writes three hours in the lab through one of the paths that place a session."""
    import time_machine
    from flask_babel import force_locale

    from booking import create_app
    from booking.catalogue import services as catalogue
    from booking.catalogue.models import Activity
    from booking.core.errors import DomainError
    from booking.labs.models import Lab

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": db_url})
    # The test's clock: a process started here runs on the real one, on which NOW + 20 days is past one day.
    with time_machine.travel(NOW, tick=True), app.app_context(), force_locale("en"):
        lab, activity = db.session.get(Lab, lab_id), db.session.get(Activity, activity_id)
        starts_at = NOW + timedelta(days=20, minutes=offset_minutes)
        data = catalogue.SessionData(starts_at, starts_at + timedelta(hours=3), f"Lokaal 1 ({path})", 30, 1)
        start_event.wait(30)
        try:
            if path == "slots":
                services.add_slot(lab, activity, data.starts_at, data.ends_at)
            elif path == "new":
                catalogue.save_session(None, activity=activity, data=data)
            elif path == "edit":
                catalogue.save_session(db.session.get(Session, session_id), activity=activity, data=data)
            elif path == "weekly":
                local = to_local(starts_at)
                plan = catalogue.plan_weekly_sessions(
                    activity, first_day=local.date(), last_day=local.date(), weekdays={local.weekday()},
                    times=[(local.time(), to_local(data.ends_at).time())], place=data.place, holiday_region=None,
                )  # fmt: skip
                catalogue.create_planned_sessions(activity, plan, place=data.place, capacity_pupils=30, max_classes=1)
            db.session.commit()
            results.put("created")
        except DomainError as error:
            db.session.rollback()
            results.put(error.message)


@pytest.mark.parametrize(("path", "round_"), [("slots", 0), ("slots", 1), ("new", 0), ("edit", 0), ("weekly", 0)])
def test_processes_racing_for_one_lab_hour_create_one_session(clock, db_url, make_partner, make_activity, path, round_):
    """Slots, a new session, an edited one and the weekly generator: six processes want three hours
    starting within the same hour (all overlap each other), and exactly one gets them."""
    partner = make_partner("Technieklokaal Utrecht-West", kind=PartnerKind.TECHNIEKLOKAAL)
    lab = services.save_lab(None, partner=partner, data=services.LabData("Lokaal 1", "Vleutenseweg 300", 30, 1,
                                                                         HolidayRegion.MIDDEN))  # fmt: skip
    db.session.commit()
    activities = [
        make_activity(f"Lessenreeks {n}", partner=partner, location_type=LocationType.TECHNIEKLOKAAL, lab_id=lab.id)
        for n in range(PROCESSES)
    ]
    # For the edit path each process moves its own session, days apart, onto the contested hour.
    own = [
        services.add_slot(lab, activity, NOW + timedelta(days=30 + n), NOW + timedelta(days=30 + n, hours=1)).id
        if path == "edit" else None
        for n, activity in enumerate(activities)
    ]  # fmt: skip
    db.session.commit()
    context = process_context()
    start_event, results = context.Event(), context.Queue()
    processes = [
        context.Process(target=_claim, args=(db_url, path, lab.id, activity.id, own[n], 10 * n, start_event, results))
        for n, activity in enumerate(activities)
    ]
    for process in processes:
        process.start()
    start_event.set()
    outcomes = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    assert outcomes.count("created") == 1, outcomes
    # The weekly generator's plan may already see the hour taken (and plan nothing); the others meet the guard.
    refusals = ("Lokaal 1 is taken on", "a moment ago", "There are no dates to create sessions on.")
    assert all(o == "created" or any(r in o for r in refusals) for o in outcomes), outcomes
    db.session.expire_all()
    contested = (
        select(func.count())
        .select_from(Session)
        .where(
            Session.lab_id == lab.id,
            Session.starts_at < NOW + timedelta(days=21),
            Session.status == SessionStatus.SCHEDULED,
        )
    )
    assert db.session.scalar(contested) == 1


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
    rows = [
        {"activity_id": activity.id, "lab_id": lab.id, "starts_at": starts_at + timedelta(minutes=offset),
         "ends_at": starts_at + timedelta(minutes=offset + 180), "place": "Lokaal 1", "capacity_pupils": 30,
         "max_classes": 1, "status": SessionStatus.SCHEDULED}
        for offset in (0, 60)
    ]  # fmt: skip
    with pytest.raises(IntegrityError, match="ex_sessions_no_overlap_in_lab") as raised:
        db.session.execute(insert(Session), rows)  # a bulk insert: no ORM flush, so no guard
    db.session.rollback()
    with force_locale("en"):
        error = constraint_error(raised.value)  # what the form helpers show, should it ever happen
    assert error is not None and "a moment ago by someone else" in error.message
    assert db.session.scalar(select(func.count()).select_from(Session)) == 0
