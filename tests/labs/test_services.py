"""Lab timetables, closures and the slots generated from them."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from booking.accounts.models import Role
from booking.bookings import services as bookings
from booking.catalogue.models import Session
from booking.core.errors import DomainError
from booking.extensions import db
from booking.labs import services
from booking.labs.models import Lab
from booking.organisations.models import Grade, HolidayRegion, PartnerKind
from booking.organisations.services import load_holiday_file

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MORNING = (time(8, 30), time(11, 30))
AFTERNOON = (time(12, 30), time(15, 0))


@pytest.fixture(autouse=True)
def _english():
    with force_locale("en"):
        yield


def add_weekday_periods(lab, year=2026, weekdays=(0, 1, 2, 3, 4)):
    services.add_periods_on_weekdays(lab, school_year=year, weekdays=set(weekdays), name="ochtend",
                                     starts_at=MORNING[0], ends_at=MORNING[1])  # fmt: skip
    services.add_periods_on_weekdays(lab, school_year=year, weekdays=set(weekdays) - {2}, name="middag",
                                     starts_at=AFTERNOON[0], ends_at=AFTERNOON[1])  # fmt: skip
    db.session.commit()


# Labs and timetables -------------------------------------------------------------------------


def test_only_a_technieklokaal_has_labs(make_partner):
    company = make_partner("Bouwbedrijf", kind=PartnerKind.COMPANY)
    data = services.LabData("Hal", "Straat 1", 30, 1, HolidayRegion.MIDDEN)
    with pytest.raises(DomainError, match="Only a technieklokaal has labs"):
        services.save_lab(None, partner=company, data=data)


def test_lab_names_are_unique_per_partner(lab, lab_partner):
    data = services.LabData("lokaal 1", "Elders", 20, 1, HolidayRegion.MIDDEN)
    with pytest.raises(DomainError, match="already has a lab called lokaal 1"):
        services.save_lab(None, partner=lab_partner, data=data)


def test_a_timetable_has_named_periods_per_weekday(lab):
    add_weekday_periods(lab)
    periods = lab.periods_in(2026)
    assert len(periods) == 9  # five mornings, four afternoons (Wednesday afternoon free)
    assert [(p.weekday, p.name) for p in periods][:3] == [(0, "ochtend"), (0, "middag"), (1, "ochtend")]
    assert lab.periods_in(2027) == []


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (time(11, 0), time(12, 0), r"This overlaps ochtend on Monday \(08:30–11:30\)\."),
        (time(8, 0), time(16, 0), r"This overlaps ochtend on Monday"),
        (time(10, 0), time(9, 0), r"The end must be after the start\."),
        (time(9, 0), time(9, 0), r"The end must be after the start\."),
    ],
)
def test_periods_of_one_weekday_may_not_overlap(lab, start, end, message):
    add_weekday_periods(lab)
    with pytest.raises(DomainError, match=message):
        services.save_period(lab, None, school_year=2026, weekday=0, name="extra", starts_at=start, ends_at=end)


def test_touching_periods_and_other_days_and_years_are_fine(lab):
    add_weekday_periods(lab)
    services.save_period(lab, None, school_year=2026, weekday=0, name="lunch", starts_at=time(11, 30),
                         ends_at=time(12, 30))  # fmt: skip
    services.save_period(lab, None, school_year=2026, weekday=2, name="middag", starts_at=AFTERNOON[0],
                         ends_at=AFTERNOON[1])  # fmt: skip
    services.save_period(lab, None, school_year=2027, weekday=0, name="ochtend", starts_at=time(9, 0),
                         ends_at=time(12, 0))  # fmt: skip
    db.session.commit()
    assert len(lab.periods_in(2026)) == 11


def test_a_period_name_is_used_once_per_weekday(lab):
    add_weekday_periods(lab)
    with pytest.raises(DomainError, match="Monday already has a period called Ochtend"):
        services.save_period(lab, None, school_year=2026, weekday=0, name="Ochtend", starts_at=time(16, 0),
                             ends_at=time(17, 0))  # fmt: skip


def test_editing_a_period_does_not_clash_with_itself(lab):
    add_weekday_periods(lab)
    monday_morning = lab.periods_in(2026)[0]
    services.save_period(lab, monday_morning, school_year=2026, weekday=0, name="ochtend", starts_at=time(8, 45),
                         ends_at=time(11, 45))  # fmt: skip
    assert monday_morning.starts_at == time(8, 45)


def test_a_closure_needs_its_last_day_after_its_first(lab):
    with pytest.raises(DomainError, match="The last day cannot be before the first"):
        services.save_closure(lab, None, starts_on=date(2027, 3, 10), ends_on=date(2027, 3, 9), reason="Verbouwing")


# Slots -------------------------------------------------------------------------------------------


def test_slots_follow_the_timetable_and_skip_holidays_and_closures(clock, lab, series):
    load_holiday_file()
    add_weekday_periods(lab)
    services.save_closure(lab, None, starts_on=date(2027, 3, 8), ends_on=date(2027, 3, 12), reason="Examenweek")
    db.session.commit()
    plan = services.plan_slots(lab, series, 2026)
    by_day = {}
    for slot in plan.slots:
        by_day.setdefault(slot.day, []).append(slot)
    # From tomorrow (NOW is Monday 23 November 2026) to the end of the school year.
    assert min(by_day) == date(2026, 11, 24) and max(by_day) <= date(2027, 7, 31)
    assert all(s.skip_reason == "holiday: Kerstvakantie" for s in by_day[date(2026, 12, 21)])
    assert all(s.skip_reason == "holiday: Kerstvakantie" for s in by_day[date(2027, 1, 1)])
    assert all(s.skip_reason == "closed: Examenweek" for s in by_day[date(2027, 3, 10)])
    assert [s.will_be_created for s in by_day[date(2027, 1, 4)]] == [True, True]
    assert [s.period.name for s in by_day[date(2026, 11, 25)]] == ["ochtend"]  # Wednesday: no afternoon
    assert date(2026, 11, 28) not in by_day  # Saturday
    result = services.carry_out(lab, series, plan)
    db.session.commit()
    sessions = db.session.scalars(select(Session).where(Session.lab_id == lab.id)).all()
    assert result.created == len(sessions) == len(plan.to_create)
    assert {(s.capacity_pupils, s.max_classes) for s in sessions} == {(30, 1)}
    assert sessions[0].place == "Lokaal 1, Vleutenseweg 300, Utrecht"


def test_slot_times_stay_on_the_wall_clock_across_dst(clock, lab, series):
    add_weekday_periods(lab)
    plan = services.plan_slots(lab, series, 2026)
    before = next(s for s in plan.slots if s.day == date(2027, 3, 22) and s.period.name == "ochtend")
    after = next(s for s in plan.slots if s.day == date(2027, 3, 29) and s.period.name == "ochtend")
    assert before.starts_at.astimezone(AMSTERDAM).time() == after.starts_at.astimezone(AMSTERDAM).time() == MORNING[0]
    assert after.starts_at - before.starts_at == timedelta(days=7) - timedelta(hours=1)


def test_a_period_in_the_missing_hour_is_skipped_with_a_reason(clock, lab, series):
    services.save_period(lab, None, school_year=2026, weekday=6, name="nacht", starts_at=time(2, 15),
                         ends_at=time(3, 30))  # fmt: skip
    db.session.commit()
    plan = services.plan_slots(lab, series, 2026)
    [spring_forward] = [s for s in plan.slots if s.day == date(2027, 3, 28)]
    assert spring_forward.skip_reason == "this time does not exist that night (summer time)"


def test_regenerating_keeps_booked_slots_and_reports_them(clock, lab, series, make_school, make_class, make_user):
    add_weekday_periods(lab, weekdays=(0,))  # Mondays only
    services.carry_out(lab, series, services.plan_slots(lab, series, 2026))
    db.session.commit()
    school = make_school("OBS De Regenboog")
    teacher = make_user(Role.TEACHER, school)
    booked_slot = db.session.scalars(
        select(Session).where(Session.lab_id == lab.id).order_by(Session.starts_at).offset(4)
    ).first()
    bookings.book_session(booked_slot, bookings.BookingRequest(make_class(school, "Groep 7", Grade.GROEP_7, 25), 25),
                          actor=teacher)  # fmt: skip
    db.session.commit()
    slots = db.session.scalars(select(Session).where(Session.lab_id == lab.id)).all()
    mornings = [s for s in slots if s.starts_at.astimezone(AMSTERDAM).time() == MORNING[0]]
    assert booked_slot in mornings
    # The lab moves its Monday morning to Tuesday.
    monday_morning = lab.periods_in(2026)[0]
    services.save_period(lab, monday_morning, school_year=2026, weekday=1, name="ochtend", starts_at=MORNING[0],
                         ends_at=MORNING[1])  # fmt: skip
    db.session.commit()
    plan = services.plan_slots(lab, series, 2026)
    assert plan.stranded == [booked_slot]
    assert sorted(s.id for s in plan.obsolete) == sorted(s.id for s in mornings if s is not booked_slot)
    result = services.carry_out(lab, series, plan)
    db.session.commit()
    assert (result.removed, result.stranded) == (len(mornings) - 1, [booked_slot])
    assert result.created == len(mornings) + 1  # the Tuesdays start on 24 November, the Mondays on 30 November
    remaining = db.session.scalars(select(Session).where(Session.lab_id == lab.id)).all()
    assert booked_slot in remaining
    new_mornings = [s for s in remaining if s.starts_at.astimezone(AMSTERDAM).time() == MORNING[0]]
    assert all(s.starts_at.astimezone(AMSTERDAM).weekday() == 1 for s in new_mornings if s is not booked_slot)
    # Running it again changes nothing.
    again = services.plan_slots(lab, series, 2026)
    assert (again.to_create, again.obsolete, again.stranded) == ([], [], [booked_slot])


def test_no_slots_without_a_timetable_or_for_another_labs_activity(clock, lab, series, lab_partner):
    with pytest.raises(DomainError, match="no timetable for this school year"):
        services.plan_slots(lab, series, 2026)
    other = services.save_lab(None, partner=lab_partner, data=services.LabData("Lokaal 2", "Elders", 24, 1,
                                                                               HolidayRegion.MIDDEN))  # fmt: skip
    db.session.commit()
    with pytest.raises(DomainError, match="does not take place in this lab"):
        services.plan_slots(other, series, 2026)


# Who may manage a lab ------------------------------------------------------------------------


def test_who_may_manage_a_lab(lab, lab_partner, make_partner, make_user, make_region, region, make_school):
    other_lab_partner = make_partner("Technieklokaal Zwolle", kind=PartnerKind.TECHNIEKLOKAAL)
    far_region = make_region("Regio Zwolle")
    people = {
        "lab staff": make_user(Role.PARTNER, lab_partner),
        "other lab staff": make_user(Role.PARTNER, other_lab_partner),
        "teacher": make_user(Role.TEACHER, make_school("OBS De Linde")),
        "coordinator": make_user(Role.COORDINATOR, region),
        "far coordinator": make_user(Role.COORDINATOR, far_region),
        "admin": make_user(Role.ADMIN),
    }
    lab = db.session.get(Lab, lab.id)
    assert {name for name, user in people.items() if lab.can_manage(user)} == {"lab staff", "coordinator", "admin"}
    assert {name for name, user in people.items() if Lab.can_create_for(lab_partner, user)} == {
        "lab staff",
        "coordinator",
        "admin",
    }
    assert all(lab.can_view(user) for user in people.values())


def test_a_moved_period_never_lands_on_a_booked_slot(clock, lab, series, make_school, make_class, make_user):
    add_weekday_periods(lab, weekdays=(0,))
    services.carry_out(lab, series, services.plan_slots(lab, series, 2026))
    db.session.commit()
    school = make_school("OBS De Regenboog")
    booked_morning = db.session.scalars(
        select(Session).where(Session.lab_id == lab.id).order_by(Session.starts_at).offset(2)
    ).first()
    bookings.book_session(booked_morning, bookings.BookingRequest(make_class(school, "Groep 7", Grade.GROEP_7, 25), 25),
                          actor=make_user(Role.TEACHER, school))  # fmt: skip
    db.session.commit()
    # Monday morning starts an hour later: on the booked Monday it would overlap the booked slot.
    monday_morning = lab.periods_in(2026)[0]
    services.save_period(lab, monday_morning, school_year=2026, weekday=0, name="ochtend", starts_at=time(9, 30),
                         ends_at=time(12, 0))  # fmt: skip
    db.session.commit()
    plan = services.plan_slots(lab, series, 2026)
    [clash] = [s for s in plan.slots if s.day == booked_morning.starts_at.astimezone(AMSTERDAM).date()
               and s.period.name == "ochtend"]  # fmt: skip
    assert clash.skip_reason == "taken by Lessenreeks Techniek groep 7-8"
    result = services.carry_out(lab, series, plan)  # the whole run goes through
    db.session.commit()
    assert result.stranded == [booked_morning]
