"""Sessions: one at a time with validation, and the weekly generator around holidays and DST."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.exc import IntegrityError

from booking.catalogue import services
from booking.catalogue.models import ActivityStatus, Session, SessionStatus
from booking.extensions import db
from booking.organisations.models import Holiday, HolidayRegion

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

SESSION = {
    "day": "2027-01-12",
    "start_time": "09:00",
    "end_time": "11:00",
    "place": "Werkplaats",
    "capacity_pupils": "30",
    "max_classes": "1",
}


def sessions() -> list[Session]:
    db.session.expire_all()
    return db.session.scalars(db.select(Session).order_by(Session.starts_at)).all()


def test_partner_adds_a_session_in_local_time(client, users, login, make_activity, clock):
    activity = make_activity()
    login(users["partner"])
    response = client.post(f"/activities/{activity.id}/sessions/new", data=SESSION)
    assert response.status_code == 302
    [session] = sessions()
    assert session.starts_at == datetime(2027, 1, 12, 8, 0, tzinfo=UTC)  # 09:00 in Amsterdam (winter time)
    assert session.ends_at == datetime(2027, 1, 12, 10, 0, tzinfo=UTC)
    assert (session.place, session.capacity_pupils, session.max_classes) == ("Werkplaats", 30, 1)
    assert session.status is SessionStatus.SCHEDULED
    page = client.get(f"/activities/{activity.id}").get_data(as_text=True)
    assert "09:00–11:00" in page
    assert "30 places left" in page


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"end_time": "08:30"}, "The end must be after the start."),
        ({"end_time": "09:00"}, "The end must be after the start."),
        ({"capacity_pupils": "0"}, "Enter a number of pupils between 1 and 1000."),
        ({"capacity_pupils": "-5"}, "Enter a number of pupils between 1 and 1000."),
        ({"capacity_pupils": "veel"}, "Enter a number of pupils between 1 and 1000."),
        ({"capacity_pupils": "5"}, "at least the minimum group size of this activity (10 pupils)"),
        ({"max_classes": "0"}, "Enter a number of classes between 1 and 40."),
        ({"day": "2026-11-20"}, "A session cannot start in the past."),
        ({"day": "12-01-2027"}, "Not a valid date value."),
        ({"day": "2027-03-28", "start_time": "02:30", "end_time": "04:00"}, "because the clocks go forward"),
        ({"place": "x" * 201}, "Field cannot be longer than 200 characters."),
        ({"place": ""}, "This field is required."),
    ],
)
def test_bad_session_input_is_explained_and_nothing_is_saved(
    client, users, login, make_activity, clock, changes, message
):
    activity = make_activity(min_pupils=10)
    login(users["partner"])
    response = client.post(f"/activities/{activity.id}/sessions/new", data={**SESSION, **changes})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert sessions() == []


def test_no_two_sessions_at_the_same_time_and_place(client, users, login, make_activity, clock):
    activity = make_activity()
    login(users["partner"])
    assert client.post(f"/activities/{activity.id}/sessions/new", data=SESSION).status_code == 302
    response = client.post(f"/activities/{activity.id}/sessions/new", data=SESSION)
    assert "There is already a session at this time and place." in response.get_data(as_text=True)
    other_place = client.post(f"/activities/{activity.id}/sessions/new", data={**SESSION, "place": "Lokaal 2"})
    assert other_place.status_code == 302
    assert len(sessions()) == 2


def test_a_cancelled_session_frees_its_time_and_place(client, users, login, make_activity, clock):
    activity = make_activity()
    login(users["partner"])
    client.post(f"/activities/{activity.id}/sessions/new", data=SESSION)
    [first] = sessions()
    assert client.post(f"/sessions/{first.id}/cancel").status_code == 302
    assert client.post(f"/activities/{activity.id}/sessions/new", data=SESSION).status_code == 302
    assert [s.status for s in sessions()] == [SessionStatus.CANCELLED, SessionStatus.SCHEDULED]


def test_the_database_refuses_a_duplicate_session_too(make_activity, make_session, clock):
    activity = make_activity()
    starts_at = datetime(2027, 1, 12, 8, tzinfo=UTC)
    make_session(activity, starts_at, place="Hal")
    with pytest.raises(IntegrityError):
        make_session(activity, starts_at, place="Hal")
    db.session.rollback()


def test_edit_keeps_capacity_above_what_is_booked(client, users, login, make_activity, make_session, clock):
    activity = make_activity()
    session = make_session(activity, datetime(2027, 1, 12, 8, tzinfo=UTC), capacity=30, booked_pupils=25)
    login(users["partner"])
    data = {**SESSION, "place": session.place, "capacity_pupils": "20"}
    response = client.post(f"/sessions/{session.id}/edit", data=data)
    assert "25 pupils are already booked" in response.get_data(as_text=True)
    response = client.post(f"/sessions/{session.id}/edit", data={**data, "capacity_pupils": "40"})
    assert response.status_code == 302
    assert sessions()[0].capacity_pupils == 40


def test_other_partners_cannot_touch_sessions(client, users, login, make_activity, make_session, make_partner, clock):
    other = make_activity("Van een ander", partner=make_partner("Ander BV"))
    session = make_session(other, datetime(2027, 1, 12, 8, tzinfo=UTC))
    login(users["partner"])
    assert client.get(f"/activities/{other.id}/sessions/new").status_code == 403
    assert client.post(f"/sessions/{session.id}/edit", data=SESSION).status_code == 403
    assert client.post(f"/sessions/{session.id}/cancel").status_code == 403
    assert sessions()[0].status is SessionStatus.SCHEDULED


def test_archived_activity_gets_no_sessions(client, users, login, make_activity, clock):
    activity = make_activity(status=ActivityStatus.ARCHIVED)
    login(users["partner"])
    assert client.post(f"/activities/{activity.id}/sessions/new", data=SESSION).status_code == 403


# The weekly generator --------------------------------------------------------------------------


WEEKLY = {
    "first_day": "2026-12-07",
    "last_day": "2027-01-15",
    "weekdays": ["0", "2"],
    "times": "09:00-11:00",
    "place": "Werkplaats",
    "capacity_pupils": "30",
    "max_classes": "1",
    "holiday_region": "midden",
}


@pytest.fixture
def christmas():
    for region, starts, ends in [
        (HolidayRegion.MIDDEN, date(2026, 12, 19), date(2027, 1, 3)),
        (HolidayRegion.NOORD, date(2027, 1, 4), date(2027, 1, 10)),  # another region's: must not count
    ]:
        db.session.add(Holiday(holiday_region=region, name="Kerstvakantie", starts_on=starts, ends_on=ends))
    db.session.commit()


def local_days(rows) -> list[date]:
    return [row.starts_at.astimezone(AMSTERDAM).date() for row in rows]


def test_preview_shows_skipped_holidays_and_creates_nothing(client, users, login, make_activity, christmas, clock):
    activity = make_activity()
    login(users["partner"])
    response = client.post(f"/activities/{activity.id}/sessions/weekly", data={**WEEKLY, "preview": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "8 sessions will be created." in page
    assert "4 dates are skipped." in page
    assert page.count("skipped (school holiday: Kerstvakantie)") == 4
    assert sessions() == []


def test_weekly_sessions_skip_the_regions_holidays(client, users, login, make_activity, christmas, clock):
    activity = make_activity()
    login(users["partner"])
    response = client.post(f"/activities/{activity.id}/sessions/weekly", data={**WEEKLY, "create": "1"})
    assert response.status_code == 302
    assert local_days(sessions()) == [
        date(2026, 12, 7), date(2026, 12, 9), date(2026, 12, 14), date(2026, 12, 16),
        date(2027, 1, 4), date(2027, 1, 6), date(2027, 1, 11), date(2027, 1, 13),
    ]  # fmt: skip
    assert all(s.starts_at.astimezone(AMSTERDAM).time() == time(9, 0) for s in sessions())


def test_without_a_holiday_region_nothing_is_skipped(make_activity, christmas, clock):
    plan = services.plan_weekly_sessions(
        make_activity(),
        first_day=date(2026, 12, 7),
        last_day=date(2027, 1, 15),
        weekdays={0, 2},
        times=[(time(9), time(11))],
        place="Hal",
        holiday_region=None,
    )
    assert len(plan.to_create) == 12


@pytest.mark.parametrize(
    "first, last, utc_hours",
    [
        # Summer time starts on Sunday 28 March 2027: 09:00 local is 08:00 UTC before, 07:00 UTC after.
        (date(2027, 3, 15), date(2027, 4, 5), [8, 8, 7, 7]),
        # Summer time ends on Sunday 31 October 2027: 09:00 local is 07:00 UTC before, 08:00 UTC after.
        (date(2027, 10, 18), date(2027, 11, 8), [7, 7, 8, 8]),
    ],
)
def test_weekly_0900_stays_0900_local_across_the_clock_change(make_activity, clock, first, last, utc_hours):
    plan = services.plan_weekly_sessions(
        make_activity(),
        first_day=first,
        last_day=last,
        weekdays={0},
        times=[(time(9), time(11))],
        place="Hal",
        holiday_region=None,
    )
    created = services.create_planned_sessions(make_activity("Tweede"), plan, place="Hal", capacity_pupils=30,
                                               max_classes=1)  # fmt: skip
    db.session.commit()
    assert [s.starts_at.astimezone(AMSTERDAM).strftime("%a %H:%M") for s in created] == ["Mon 09:00"] * 4
    assert [s.starts_at.hour for s in created] == utc_hours
    assert all(s.ends_at - s.starts_at == (s.ends_at - s.starts_at).__class__(hours=2) for s in created)


def test_generator_skips_past_dates_and_existing_sessions(client, users, login, make_activity, make_session, clock):
    activity = make_activity()
    make_session(activity, datetime(2026, 12, 2, 8, tzinfo=UTC), place="Werkplaats")  # Wed 2 Dec, 09:00 local
    login(users["partner"])
    data = {**WEEKLY, "first_day": "2026-11-16", "last_day": "2026-12-04", "holiday_region": "", "preview": "1"}
    page = client.post(f"/activities/{activity.id}/sessions/weekly", data=data).get_data(as_text=True)
    assert page.count("skipped (in the past)") == 3  # 16 and 18 November, and 09:00 today has begun
    assert "skipped (there is already a session at this time and place)" in page
    assert "2 sessions will be created." in page  # 25 and 30 November


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"last_day": "2026-12-01"}, "The last date must be on or after the first date."),
        ({"last_day": "2028-12-31"}, "Plan at most one year at a time."),
        ({"weekdays": []}, "Choose at least one weekday."),
        ({"weekdays": ["9"]}, "is not a valid choice for this field"),
        ({"times": "9 tot 11"}, "Write times as 09:00-11:30"),
        ({"times": "25:00-26:00"}, "Write times as 09:00-11:30"),
        ({"times": "11:00-09:00"}, "The end must be after the start."),
        ({"capacity_pupils": "0"}, "Enter a number of pupils between 1 and 1000."),
        ({"holiday_region": "mars"}, "Not a valid choice"),
    ],
)
def test_bad_weekly_input_is_explained(client, users, login, make_activity, clock, changes, message):
    activity = make_activity()
    login(users["partner"])
    response = client.post(f"/activities/{activity.id}/sessions/weekly", data={**WEEKLY, **changes, "create": "1"})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert sessions() == []
