"""Every path that writes a session's time or lab goes through the one guard: a room is never
double-booked, and a clash is told in words naming the session it clashes with."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from booking.accounts.models import Role
from booking.catalogue import services as catalogue
from booking.catalogue.models import LocationType, Session, SessionStatus
from booking.core.errors import DomainError
from booking.extensions import db
from booking.labs import services
from tests.conftest import NOW

# Tuesday 12 January 2027 in the Netherlands (UTC+1): 09:00–12:00 is the first lab slot.
FIRST = NOW.replace(year=2027, month=1, day=12, hour=8)
FORM = {
    "day": "2027-01-12",
    "place": "Lokaal 1, Vleutenseweg 300, Utrecht",
    "capacity_pupils": "30",
    "max_classes": "1",
}
TAKEN = "Lokaal 1 is taken on Tuesday 12 January 2027 from 09:00 to 12:00 by Drones programmeren."


@pytest.fixture(autouse=True)
def _english():
    from flask_babel import force_locale

    with force_locale("en"):
        yield


@pytest.fixture
def lab_user(make_user, lab_partner):
    return make_user(Role.PARTNER, lab_partner)


@pytest.fixture
def other_series(lab, lab_partner, make_activity):
    return make_activity(
        "Drones programmeren", partner=lab_partner, location_type=LocationType.TECHNIEKLOKAAL, lab_id=lab.id
    )


@pytest.fixture
def two_slots(lab, series, other_series):
    """09:00–12:00 of one activity and 13:00–16:00 of another, in the same room on the same day."""
    morning = services.add_slot(lab, other_series, FIRST, FIRST + timedelta(hours=3))
    afternoon = services.add_slot(lab, series, FIRST + timedelta(hours=4), FIRST + timedelta(hours=7))
    db.session.commit()
    return morning, afternoon


def scheduled_in(lab) -> list[Session]:
    db.session.expire_all()
    query = select(Session).where(Session.lab_id == lab.id, Session.status == SessionStatus.SCHEDULED)
    return list(db.session.scalars(query.order_by(Session.starts_at)))


def overlapping_pairs(lab) -> int:
    sessions = scheduled_in(lab)
    return sum(
        1 for a in sessions for b in sessions if a.id < b.id and a.starts_at < b.ends_at and b.starts_at < a.ends_at
    )


def test_editing_a_lab_slot_onto_another_slot_is_refused_with_the_clash_named(
    client, login, lab_user, lab, two_slots, clock
):
    morning, afternoon = two_slots
    login(lab_user)
    response = client.post(f"/sessions/{afternoon.id}/edit", data={**FORM, "start_time": "10:00", "end_time": "13:00"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert TAKEN in page
    assert [to.starts_at for to in scheduled_in(lab)] == [morning.starts_at, afternoon.starts_at]
    assert overlapping_pairs(lab) == 0


def test_editing_a_lab_slot_to_a_free_time_is_saved(client, login, lab_user, lab, two_slots, clock):
    _morning, afternoon = two_slots
    login(lab_user)
    response = client.post(f"/sessions/{afternoon.id}/edit", data={**FORM, "start_time": "12:00", "end_time": "15:00"})
    assert response.status_code == 302
    assert scheduled_in(lab)[1].starts_at == FIRST + timedelta(hours=3)


def test_a_session_added_to_a_lab_activity_holds_its_room(client, login, lab_user, lab, series, two_slots, clock):
    login(lab_user)
    clash = client.post(
        f"/activities/{series.id}/sessions/new", data={**FORM, "start_time": "11:00", "end_time": "12:30"}
    )
    assert TAKEN in clash.get_data(as_text=True)
    free = {**FORM, "day": "2027-01-13", "start_time": "09:00", "end_time": "12:00"}
    assert client.post(f"/activities/{series.id}/sessions/new", data=free).status_code == 302
    added = scheduled_in(lab)[-1]
    assert (added.lab_id, added.activity_id) == (lab.id, series.id)
    assert overlapping_pairs(lab) == 0


def test_the_weekly_generator_puts_lab_sessions_in_the_lab_and_skips_its_taken_times(
    client, login, lab_user, lab, series, two_slots, clock
):
    login(lab_user)
    preview = {
        "first_day": "2027-01-11", "last_day": "2027-01-22", "weekdays": ["1"], "times": "08:30-09:30",
        "place": FORM["place"], "capacity_pupils": "30", "max_classes": "1", "holiday_region": "midden", "preview": "1",
    }  # fmt: skip
    page = client.post(f"/activities/{series.id}/sessions/weekly", data=preview).get_data(as_text=True)
    assert "the lab is taken then by Drones programmeren" in page  # 12 January; 19 January is free
    weekly = {
        "first_day": "2027-01-11",
        "last_day": "2027-01-22",
        "weekdays": ["1"],
        "times": "08:30-09:30",
        "place": FORM["place"],
        "capacity_pupils": "30",
        "max_classes": "1",
        "holiday_region": "midden",
        "create": "1",
    }
    response = client.post(f"/activities/{series.id}/sessions/weekly", data=weekly)
    assert response.status_code == 302
    added = [s for s in scheduled_in(lab) if s.starts_at.hour == 7]  # 08:30 in Amsterdam
    assert [(s.starts_at.day, s.lab_id) for s in added] == [(19, lab.id)]  # 12 January was taken: skipped
    assert overlapping_pairs(lab) == 0


def test_sessions_of_one_batch_may_not_overlap_each_other(lab, series, clock):
    for hours in (0, 1):
        data = catalogue.SessionData(
            FIRST + timedelta(hours=hours), FIRST + timedelta(hours=hours + 2), f"{hours}", 30, 1
        )
        catalogue.save_session(None, activity=series, data=data)
    with pytest.raises(DomainError, match="is taken on Tuesday 12 January 2027 from 09:00 to 11:00"):
        db.session.flush()
    db.session.rollback()
    assert scheduled_in(lab) == []


def test_a_cancelled_slot_frees_the_room(lab, series, other_series, two_slots, clock):
    morning, _afternoon = two_slots
    morning.status = SessionStatus.CANCELLED
    db.session.commit()
    services.add_slot(lab, series, FIRST, FIRST + timedelta(hours=3))
    db.session.commit()
    assert len(scheduled_in(lab)) == 2


def test_an_activity_with_upcoming_sessions_keeps_its_lab(lab, series, lab_partner, two_slots, clock):
    data = catalogue._data_of(series)
    data.lab_id, data.location_type, data.series_length = None, LocationType.AT_PARTNER, 1
    with pytest.raises(DomainError, match="has upcoming sessions"):
        catalogue.save_activity(series, partner=lab_partner, actor=None, data=data)
    db.session.rollback()
