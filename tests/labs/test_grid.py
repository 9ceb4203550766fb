"""The week grid on the lab page: periods × weekdays, free and taken slots, holidays and closures,
who sees which school, the week picker, print and the number of queries."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from booking.accounts.models import Role
from booking.bookings.models import BookingStatus
from booking.bookings.services import BookingRequest, book_session
from booking.core.time import from_local
from booking.extensions import db
from booking.labs import grid, services
from booking.organisations.models import Grade, PartnerKind
from booking.organisations.services import load_holiday_file
from tests.conftest import NOW, counting_queries

YEAR = 2026  # the school year of NOW (Monday 23 November 2026)
WEEK_5 = date(2027, 2, 1)  # 2027-W05, Monday 1 – Friday 5 February 2027: open for booking at NOW
MORNING, AFTERNOON = (time(8, 30), time(11, 30)), (time(12, 30), time(15, 0))
CSS = Path(__file__).resolve().parents[2] / "booking" / "static" / "css" / "app.css"

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture(autouse=True)
def _english():
    from flask_babel import force_locale

    with force_locale("en"):
        yield


@pytest.fixture
def timetable(lab):
    """An ochtend Monday to Friday and a middag on every weekday but Wednesday."""
    services.add_periods_on_weekdays(lab, school_year=YEAR, weekdays={0, 1, 2, 3, 4}, name="ochtend",
                                     starts_at=MORNING[0], ends_at=MORNING[1])  # fmt: skip
    services.add_periods_on_weekdays(lab, school_year=YEAR, weekdays={0, 1, 3, 4}, name="middag",
                                     starts_at=AFTERNOON[0], ends_at=AFTERNOON[1])  # fmt: skip
    db.session.commit()
    return lab


@pytest.fixture
def slot(lab, series):
    """A slot of the series on a day at local wall-clock times, as the slots page makes them."""

    def factory(day: date, times=MORNING, activity=None):
        session = services.add_slot(lab, activity or series, from_local(day, times[0]), from_local(day, times[1]))
        db.session.commit()
        return session

    return factory


@pytest.fixture
def other_school(make_school):
    return make_school("CBS Het Kompas")


@pytest.fixture
def people(users, make_user, lab_partner, other_school):
    return {
        **users,
        "lab_staff": make_user(Role.PARTNER, lab_partner, email="henk@technieklokaal.example"),
        "other_teacher": make_user(Role.TEACHER, other_school, email="kompas@example.org"),
    }


@pytest.fixture
def book(people):
    def factory(session, school_class, *, waitlist=False):
        teacher = next(u for u in people.values() if school_class.school_id in u.school_ids)
        request = BookingRequest(school_class=school_class, pupils=school_class.pupils, adults=2)
        booking = book_session(session, request, actor=teacher, waitlist=waitlist)
        db.session.commit()
        return booking

    return factory


def cells_by_row(week_grid) -> dict[str, list[str]]:
    return {row.key.name if row.key else "other": [cell.state for cell in row.cells] for row in week_grid.rows}


# Shape -----------------------------------------------------------------------------------------


def test_a_normal_week_has_a_row_per_period_and_a_column_per_weekday(timetable, slot, users):
    slot(WEEK_5)
    slot(WEEK_5 + timedelta(days=3), AFTERNOON)

    week = grid.week_grid(timetable, WEEK_5, users["coordinator"])

    assert week.days == [WEEK_5 + timedelta(days=n) for n in range(5)]
    assert [(row.key.name, row.key.starts_at, row.key.ends_at) for row in week.rows] == [
        ("ochtend", *MORNING),
        ("middag", *AFTERNOON),
    ]
    assert cells_by_row(week) == {
        "ochtend": ["free", "no-slot", "no-slot", "no-slot", "no-slot"],
        "middag": ["no-slot", "no-slot", "no-lesson", "free", "no-slot"],
    }
    monday = week.rows[0].cells[0].slots[0]
    assert (monday.starts_at, monday.ends_at, monday.title, monday.off_period) == (
        *MORNING,
        "Lessenreeks Techniek groep 7-8",
        False,
    )
    assert (week.week, week.previous_week, week.next_week) == ("2027-W05", "2027-W04", "2027-W06")


def test_a_weekend_day_is_a_column_only_when_the_timetable_has_it(timetable, users):
    assert len(grid.week_grid(timetable, WEEK_5, users["coordinator"]).days) == 5
    services.save_period(timetable, None, school_year=YEAR, weekday=5, name="zaterdag", starts_at=time(10, 0),
                         ends_at=time(12, 0))  # fmt: skip
    db.session.commit()
    week = grid.week_grid(timetable, WEEK_5, users["coordinator"])
    assert [day.weekday() for day in week.days] == [0, 1, 2, 3, 4, 5]
    assert cells_by_row(week)["zaterdag"] == ["no-lesson"] * 5 + ["no-slot"]


def test_the_page_shows_the_grid_as_an_accessible_table(client, login, people, timetable, slot):
    slot(WEEK_5)
    login(people["coordinator"])
    page = client.get(f"/labs/{timetable.id}?week=2027-W05").get_data(as_text=True)
    assert "<caption>Week 5: Monday 1 February – Friday 5 February 2027</caption>" in page
    assert '<th scope="col"><span class="weekday">Monday</span> <span class="day-date">1 Feb</span></th>' in page
    assert '<th scope="row">ochtend<br><span class="nowrap">08:30–11:30</span></th>' in page
    assert "No lesson" in page and "No slot" in page and "Free" in page and "30 places left" in page


def test_a_holiday_week_shows_the_holiday_name(client, login, people, timetable):
    load_holiday_file()
    db.session.commit()
    week = grid.week_grid(timetable, date(2026, 10, 19), people["coordinator"])  # Herfstvakantie midden
    assert {state for states in cells_by_row(week).values() for state in states} == {"holiday"}
    assert week.rows[0].cells[0].holiday.name == "Herfstvakantie"
    login(people["coordinator"])
    page = client.get(f"/labs/{timetable.id}?week=2026-W43").get_data(as_text=True)
    assert page.count("<strong>Holiday</strong> Herfstvakantie") == 10


def test_a_closure_shows_its_reason_on_its_days(client, login, people, timetable):
    services.save_closure(timetable, None, starts_on=date(2027, 2, 3), ends_on=date(2027, 2, 4), reason="Examenweek")
    db.session.commit()
    week = grid.week_grid(timetable, WEEK_5, people["coordinator"])
    assert cells_by_row(week)["ochtend"] == ["no-slot", "no-slot", "closed", "closed", "no-slot"]
    login(people["coordinator"])
    page = client.get(f"/labs/{timetable.id}?week=2027-W05").get_data(as_text=True)
    assert "<strong>Closed</strong> Examenweek" in page


# Time --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "before, after",
    [
        (date(2027, 3, 26), date(2027, 3, 29)),  # summer time starts Sunday 28 March 2027 (2027-W12 → W13)
        (date(2026, 10, 23), date(2026, 10, 26)),  # and ends Sunday 25 October 2026 (2026-W43 → W44)
    ],
)
def test_slots_line_up_with_their_period_on_both_sides_of_the_clock_change(timetable, slot, users, before, after):
    early, late = slot(before), slot(after)
    assert {early.starts_at.astimezone(UTC).hour, late.starts_at.astimezone(UTC).hour} == {6, 7}
    for session, day in ((early, before), (late, after)):
        week = grid.week_grid(timetable, day - timedelta(days=day.weekday()), users["coordinator"])
        [placed] = [s for row in week.rows for cell in row.cells for s in cell.slots]
        assert placed.session == session
        assert (placed.starts_at, placed.ends_at, placed.off_period) == (*MORNING, False)
        assert week.rows[0].key.name == "ochtend" and len(week.rows) == 2


def test_the_week_starts_and_ends_at_local_midnight(timetable, slot, users, series, make_session):
    """Monday 00:30 in summer time is Sunday 22:30 UTC: it belongs to the Monday's week."""
    early_monday = make_session(series, datetime(2027, 3, 28, 22, 30, tzinfo=UTC), minutes=30, lab_id=timetable.id)
    this_week = grid.week_grid(timetable, date(2027, 3, 29), users["coordinator"])
    previous_week = grid.week_grid(timetable, date(2027, 3, 22), users["coordinator"])
    assert [s.session for row in this_week.rows for c in row.cells for s in c.slots] == [early_monday]
    assert this_week.rows[-1].is_other_times and this_week.rows[-1].cells[0].slots[0].starts_at == time(0, 30)
    assert not [s for row in previous_week.rows for c in row.cells for s in c.slots]


def test_a_slot_off_the_timetable_goes_in_the_period_it_overlaps_or_under_other_times(
    client, login, timetable, slot, users
):
    slot(WEEK_5, (time(9, 0), time(12, 0)))  # the timetable changed after this slot was made
    slot(WEEK_5 + timedelta(days=2), (time(16, 0), time(17, 0)))

    week = grid.week_grid(timetable, WEEK_5, users["coordinator"])

    assert cells_by_row(week) == {
        "ochtend": ["free", "no-slot", "no-slot", "no-slot", "no-slot"],
        "middag": ["no-slot", "no-slot", "no-lesson", "no-slot", "no-slot"],
        "other": ["no-lesson", "no-lesson", "free", "no-lesson", "no-lesson"],
    }
    stranded = week.rows[0].cells[0].slots[0]
    assert (stranded.starts_at, stranded.off_period) == (time(9, 0), True)
    login(users["coordinator"])
    page = client.get(f"/labs/{timetable.id}?week=2027-W05").get_data(as_text=True)
    assert '<tr class="other-times">' in page and '<th scope="row">Other times</th>' in page
    assert '<p class="slot-times"><span class="nowrap">09:00–12:00</span></p>' in page
    assert '<p class="slot-times"><span class="nowrap">16:00–17:00</span></p>' in page


# Free and taken ----------------------------------------------------------------------------------


def test_a_booked_slot_is_taken_and_a_slot_for_two_classes_stays_free_after_one(
    timetable, slot, book, school, make_class, users
):
    class_7a, class_8b = (
        make_class(school, "Groep 7A", Grade.GROEP_7, 27),
        make_class(school, "Groep 8B", Grade.GROEP_8, 20),
    )
    book(slot(WEEK_5), class_7a)
    timetable.classes_at_once, timetable.capacity_pupils = 2, 60
    db.session.commit()
    shared = slot(WEEK_5 + timedelta(days=1))
    book(shared, class_8b)

    week = grid.week_grid(timetable, WEEK_5, users["coordinator"])

    assert cells_by_row(week)["ochtend"][:2] == ["taken", "free"]
    partly = week.rows[0].cells[1].slots[0]
    assert partly.is_partly_booked and partly.session.places_left == 40
    assert [(b.school_name, b.class_label, b.status) for b in partly.bookings] == [
        ("OBS De Regenboog", "Groep 8B", BookingStatus.REQUESTED)
    ]


def test_waiting_and_cancelled_bookings_do_not_take_a_slot(timetable, slot, book, school, make_class, users):
    from booking.bookings.services import take_step

    class_7a, class_8b = make_class(school, "Groep 7A"), make_class(school, "Groep 8B", Grade.GROEP_8)
    full = slot(WEEK_5)
    book(full, class_7a)
    book(full, class_8b, waitlist=True)
    cancelled = book(slot(WEEK_5 + timedelta(days=1)), class_7a)
    take_step(cancelled, "cancel", actor=users["teacher"])
    db.session.commit()

    week = grid.week_grid(timetable, WEEK_5, users["coordinator"])

    assert cells_by_row(week)["ochtend"][:2] == ["taken", "free"]
    monday, tuesday = (week.rows[0].cells[n].slots[0] for n in (0, 1))
    assert [b.class_label for b in monday.bookings] == ["Groep 7A"] and not tuesday.bookings


# Who sees which school ---------------------------------------------------------------------------


@pytest.fixture
def booked_week(timetable, slot, book, school, other_school, make_class):
    """Monday's ochtend booked by OBS De Regenboog, Tuesday's by CBS Het Kompas, Wednesday's free."""
    book(slot(WEEK_5), make_class(school, "Groep 7A"))
    book(slot(WEEK_5 + timedelta(days=1)), make_class(other_school, "Groep 8K", Grade.GROEP_8))
    free = slot(WEEK_5 + timedelta(days=2))
    return timetable, free


@pytest.mark.parametrize(
    "person, sees, hidden, taken, booked",
    [
        ("lab_staff", ["OBS De Regenboog · Groep 7A", "CBS Het Kompas · Groep 8K"], ["your school"], 0, 2),
        ("coordinator", ["OBS De Regenboog · Groep 7A", "CBS Het Kompas · Groep 8K"], ["your school"], 0, 2),
        ("admin", ["OBS De Regenboog · Groep 7A", "CBS Het Kompas · Groep 8K"], ["your school"], 0, 2),
        ("teacher", ["OBS De Regenboog · Groep 7A", "your school"], ["CBS Het Kompas", "Groep 8K"], 1, 1),
        ("other_teacher", ["CBS Het Kompas · Groep 8K", "your school"], ["OBS De Regenboog", "Groep 7A"], 1, 1),
        ("partner", [], ["OBS De Regenboog", "CBS Het Kompas", "Groep 7A", "Groep 8K"], 2, 0),  # a company
    ],
)
def test_who_sees_which_school_booked_a_slot(app, login, people, booked_week, person, sees, hidden, taken, booked):
    lab, _ = booked_week
    client = login(people[person], c=app.test_client())

    page = client.get(f"/labs/{lab.id}?week=2027-W05").get_data(as_text=True)

    for text in sees:
        assert text in page
    for text in hidden:
        assert text not in page  # anywhere in the HTML, not only in the grid
    assert page.count("<strong>Taken</strong>") == taken
    assert page.count("<strong>Booked</strong>") == booked


def test_a_teacher_sees_a_partly_booked_slot_as_free_without_the_other_school(
    app, login, people, timetable, slot, book, other_school, make_class
):
    timetable.classes_at_once, timetable.capacity_pupils = 2, 60
    db.session.commit()
    shared = slot(WEEK_5)
    book(shared, make_class(other_school, "Groep 8K", Grade.GROEP_8))
    teacher = login(people["teacher"], c=app.test_client())

    page = teacher.get(f"/labs/{timetable.id}?week=2027-W05").get_data(as_text=True)

    assert "<strong>Free</strong>" in page and "33 places left" in page and "1 class of another school" in page
    assert f'href="/sessions/{shared.id}/book"' in page
    assert "CBS Het Kompas" not in page and "Groep 8K" not in page


def test_the_permission_to_see_bookers_is_the_lab_managers(lab, people, make_partner, make_user):
    other_lab_partner = make_partner("Technieklokaal Amersfoort", kind=PartnerKind.TECHNIEKLOKAAL)
    allowed = {name for name, user in people.items() if lab.can_see_bookers(user)}
    assert allowed == {"lab_staff", "coordinator", "admin"}
    assert not lab.can_see_bookers(make_user(Role.PARTNER, other_lab_partner))


def test_a_teacher_can_book_a_free_slot_from_the_grid(app, login, people, booked_week):
    lab, free = booked_week
    book_link = f'href="/sessions/{free.id}/book"'
    teacher = login(people["teacher"], c=app.test_client())
    assert book_link in teacher.get(f"/labs/{lab.id}?week=2027-W05").get_data(as_text=True)
    coordinator = login(people["coordinator"], c=app.test_client())
    assert book_link not in coordinator.get(f"/labs/{lab.id}?week=2027-W05").get_data(as_text=True)


def test_a_slot_closed_for_booking_has_no_book_link(client, login, people, timetable, slot):
    soon = slot(date(2026, 11, 25))  # Wednesday this week: bookings closed 7 days before
    login(people["teacher"])
    page = client.get(f"/labs/{timetable.id}").get_data(as_text=True)
    assert f"/sessions/{soon.id}/book" not in page and "Not open for booking" in page


def test_a_draft_activity_s_slot_keeps_its_title_from_teachers(
    app, login, people, timetable, lab_partner, make_activity
):
    from booking.catalogue.models import ActivityStatus, LocationType

    draft = make_activity("Geheim project", partner=lab_partner, status=ActivityStatus.DRAFT,
                          location_type=LocationType.TECHNIEKLOKAAL, lab_id=timetable.id)  # fmt: skip
    services.add_slot(timetable, draft, from_local(WEEK_5, MORNING[0]), from_local(WEEK_5, MORNING[1]))
    db.session.commit()
    teacher = login(people["teacher"], c=app.test_client())
    page = teacher.get(f"/labs/{timetable.id}?week=2027-W05").get_data(as_text=True)
    assert "Geheim project" not in page and "Not in the catalogue yet" in page
    staff = login(people["lab_staff"], c=app.test_client())
    assert "Geheim project" in staff.get(f"/labs/{timetable.id}?week=2027-W05").get_data(as_text=True)


# The week picker ---------------------------------------------------------------------------------

THIS_WEEK_CAPTION = "<caption>Week 48: Monday 23 November – Friday 27 November 2026</caption>"


@pytest.mark.parametrize("value", ["2027-W99", "abc", "2027-05", "2027-W00", "1066-W10", "9999-W52", "2027-W5x"])
def test_a_week_that_cannot_be_read_shows_this_week(client, login, people, timetable, value):
    login(people["teacher"])
    response = client.get(f"/labs/{timetable.id}", query_string={"week": value})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert THIS_WEEK_CAPTION in page
    assert "was not understood; this is the current week." in page


def test_without_a_week_the_page_shows_this_week_with_links_to_the_next_and_previous(client, login, people, timetable):
    login(people["teacher"])
    page = client.get(f"/labs/{timetable.id}").get_data(as_text=True)
    assert THIS_WEEK_CAPTION in page and "not understood" not in page
    assert f'href="/labs/{timetable.id}?week=2026-W47#week" rel="prev"' in page
    assert f'href="/labs/{timetable.id}?week=2026-W49#week" rel="next"' in page
    assert 'type="week" id="week-input" name="week" value="2026-W48"' in page


def test_at_the_weekend_the_default_is_the_coming_week(client, login, people, timetable, clock):
    clock.move_to(NOW + timedelta(days=5))  # Saturday 28 November
    login(people["teacher"])
    assert "<caption>Week 49: Monday 30 November" in client.get(f"/labs/{timetable.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    "value, monday, label",
    [
        ("2027-W05", date(2027, 2, 1), "2027-W05"),
        ("2026-W53", date(2026, 12, 28), "2026-W53"),
        (" 2027-W1 ", date(2027, 1, 4), "2027-W01"),
    ],
)
def test_iso_weeks_are_read_as_their_monday(value, monday, label):
    assert grid.parse_week(value) == monday
    assert grid.week_label(monday) == label


def test_2027_has_no_week_53():
    assert grid.parse_week("2027-W53") is None


# Print -------------------------------------------------------------------------------------------


def test_the_grid_is_printable_without_the_picker_and_the_forms(client, login, people, timetable):
    login(people["coordinator"])
    page = client.get(f"/labs/{timetable.id}").get_data(as_text=True)
    assert '<nav class="week-picker no-print"' in page
    css = CSS.read_text(encoding="utf-8")
    print_rules = "".join(block for block in css.split("@media print")[1:])
    assert ".no-print" in print_rules and "size: A4 landscape" in print_rules
    assert "main:has(> .week-section) > :not(.page-head, .week-section) { display: none" in print_rules


# Queries -----------------------------------------------------------------------------------------


@pytest.fixture
def fill_week(timetable, slot, book, school, other_school, make_class, make_activity, lab_partner):
    """Book slots number ``first`` to ``last`` of week 5, of four activities and two schools; from the
    second slot on, add two unbooked slots of activities not in the catalogue yet."""
    from booking.catalogue.models import ActivityStatus, LocationType

    def lab_activity(title, status=ActivityStatus.PUBLISHED):
        return make_activity(title, partner=lab_partner, location_type=LocationType.TECHNIEKLOKAAL,
                             lab_id=timetable.id, min_pupils=15, status=status)  # fmt: skip

    activities = [lab_activity(f"Techniekmiddag {n}") for n in range(3)]
    drafts = [lab_activity(f"Nieuw project {n}", ActivityStatus.DRAFT) for n in range(2)]

    def fill(first: int, last: int) -> None:
        for n in range(first, last + 1):
            day = WEEK_5 + timedelta(days=n % 5)
            times = MORNING if n < 5 else AFTERNOON if n != 5 else (time(16, 0), time(17, 0))
            session = slot(day, times, activity=activities[n % 3] if n % 2 else None)
            book(session, make_class(school if n % 2 == 0 else other_school, f"Groep 7-{n}"))
            if n == 1:
                for days, draft in zip((1, 3), drafts, strict=True):
                    slot(WEEK_5 + timedelta(days=days), (time(16, 0), time(17, 0)), activity=draft)

    return fill


def test_the_page_costs_the_same_queries_for_1_or_10_booked_slots(app, login, people, timetable, fill_week):
    coordinator = login(people["coordinator"], c=app.test_client())
    teacher = login(people["teacher"], c=app.test_client())
    fill_week(0, 0)
    with counting_queries() as few:
        assert coordinator.get(f"/labs/{timetable.id}?week=2027-W05").status_code == 200
    with counting_queries() as few_teacher:
        assert teacher.get(f"/labs/{timetable.id}?week=2027-W05").status_code == 200
    fill_week(1, 9)
    with counting_queries() as many:
        page = coordinator.get(f"/labs/{timetable.id}?week=2027-W05").get_data(as_text=True)
    with counting_queries() as many_teacher:
        assert teacher.get(f"/labs/{timetable.id}?week=2027-W05").status_code == 200
    assert page.count("· Groep 7-") == 10
    assert len(few) > 5 and len(few_teacher) > 5  # the pages' own queries are counted
    assert len(many) == len(few), many
    assert len(many_teacher) == len(few_teacher), many_teacher


@pytest.mark.parametrize("person", ["coordinator", "teacher"])
def test_the_grid_reads_the_same_number_of_times_for_1_or_10_booked_slots(
    data_app, timetable, people, fill_week, person
):
    from booking.accounts.models import User
    from booking.labs.models import Lab

    lab_id, viewer_id = timetable.id, people[person].id

    def build():
        with data_app.app_context():  # a fresh database session: every read the grid needs is counted
            lab, viewer = db.session.get(Lab, lab_id), db.session.get(User, viewer_id)
            with counting_queries() as statements:
                week = grid.week_grid(lab, WEEK_5, viewer)
            titles = {slot.title for row in week.rows for cell in row.cells for slot in cell.slots}
            return week.slot_count, titles, statements

    fill_week(0, 0)
    *_, few = build()
    fill_week(1, 9)
    slot_count, titles, many = build()
    assert slot_count == 12
    assert None in titles if person == "teacher" else {"Nieuw project 0", "Nieuw project 1"} <= titles
    assert len(few) >= 5
    assert len(many) == len(few), many
