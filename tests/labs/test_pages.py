"""The lab pages: labs, their timetables and closures, the slots page, and who may open them."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import func, select

from booking.accounts.models import Role
from booking.bookings.services import BookingRequest, book_session
from booking.catalogue.models import Activity, LocationType, Session
from booking.extensions import db
from booking.labs import services
from booking.labs.models import Lab, LabClosure, LabPeriod
from booking.organisations.models import HolidayRegion, PartnerKind
from booking.organisations.services import load_holiday_file

YEAR = 2026  # the school year of NOW (23 November 2026)
WEEKDAYS = ["0", "1", "2", "3", "4"]

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def staff(make_user, lab_partner):
    return make_user(Role.PARTNER, lab_partner, email="henk@technieklokaal.example")


def add_period(lab, weekdays, name, starts_at, ends_at, school_year=YEAR):
    services.add_periods_on_weekdays(
        lab, school_year=school_year, weekdays=set(weekdays), name=name, starts_at=starts_at, ends_at=ends_at
    )
    db.session.commit()


def period_form(name="ochtend", start="08:30", end="11:30", weekdays=WEEKDAYS, school_year=YEAR) -> dict:
    return {"school_year": str(school_year), "weekdays": weekdays, "name": name, "starts_at": start, "ends_at": end}


def lab_form(**changes) -> dict:
    return {
        "name": "Lokaal 2",
        "address": "Vleutenseweg 300, Utrecht",
        "capacity_pupils": "28",
        "classes_at_once": "1",
        "holiday_region": "midden",
        "equipment": "Lasersnijder, 3D-printers, soldeerstations",
        "contact_name": "Henk Bos",
        "contact_phone": "030 123 45 67",
        "contact_email": "rooster@technieklokaal.example",
        **changes,
    }


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


# Labs ----------------------------------------------------------------------------------------


def test_technieklokaal_staff_create_a_lab(client, login, staff, lab_partner):
    login(staff)
    page = client.get(f"/labs/new?partner={lab_partner.id}").get_data(as_text=True)
    assert 'name="capacity_pupils"' in page

    response = client.post(f"/labs/new?partner={lab_partner.id}", data=lab_form())

    lab = db.session.scalars(select(Lab)).one()
    assert response.headers["Location"].endswith(f"/labs/{lab.id}")
    assert (lab.partner_id, lab.name, lab.capacity_pupils, lab.holiday_region) == (
        lab_partner.id,
        "Lokaal 2",
        28,
        HolidayRegion.MIDDEN,
    )
    page = client.get(f"/labs/{lab.id}").get_data(as_text=True)
    assert "The lab has been added" in page
    assert "Lasersnijder, 3D-printers" in page
    assert "Lokaal 2" in client.get("/labs").get_data(as_text=True)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"capacity_pupils": "61"}, "Enter a number of pupils between 1 and 60."),
        ({"classes_at_once": "5"}, "Enter a number of classes between 1 and 4."),
        ({"name": "lokaal 1"}, "Technieklokaal Utrecht-West already has a lab called lokaal 1."),
        ({"contact_email": "henk"}, "Enter a valid email address"),
    ],
)
def test_bad_lab_input_is_explained_and_nothing_saved(client, login, staff, lab, changes, message):
    login(staff)
    response = client.post(f"/labs/new?partner={lab.partner_id}", data=lab_form(**changes))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert count(Lab) == 1


def test_staff_edit_their_lab(client, login, staff, lab):
    login(staff)
    response = client.post(f"/labs/{lab.id}/edit", data=lab_form(name="Lokaal 1", capacity_pupils="24"))
    assert response.status_code == 302
    db.session.expire_all()
    assert lab.capacity_pupils == 24


def test_a_company_has_no_labs(client, login, make_user, make_partner):
    company = make_partner("Van Dijk Techniek", kind=PartnerKind.COMPANY)
    login(make_user(Role.PARTNER, company))
    assert client.get(f"/labs/new?partner={company.id}").status_code == 403
    assert client.post(f"/labs/new?partner={company.id}", data=lab_form()).status_code == 403
    assert client.get("/labs").status_code == 403
    assert count(Lab) == 0


def test_another_technieklokaal_cannot_add_labs_to_this_one(client, login, make_user, make_partner, lab_partner):
    other = make_partner("Technieklokaal Amersfoort", kind=PartnerKind.TECHNIEKLOKAAL)
    login(make_user(Role.PARTNER, other))
    assert client.post(f"/labs/new?partner={lab_partner.id}", data=lab_form()).status_code == 403
    assert count(Lab) == 0


def test_labs_overview_lists_only_the_labs_one_manages(client, login, make_user, make_partner, lab):
    other = make_partner("Technieklokaal Amersfoort", kind=PartnerKind.TECHNIEKLOKAAL)
    services.save_lab(
        None,
        partner=other,
        data=services.LabData("Werkplaats", "Amersfoort", 30, 1, HolidayRegion.MIDDEN),
    )
    db.session.commit()
    login(make_user(Role.PARTNER, other))
    page = client.get("/labs").get_data(as_text=True)
    assert "Werkplaats" in page
    assert "Lokaal 1" not in page
    assert f"/labs/new?partner={other.id}" in page


# Timetable -----------------------------------------------------------------------------------


def test_a_period_is_added_monday_to_friday_in_one_go(client, login, staff, lab):
    login(staff)
    response = client.post(f"/labs/{lab.id}/periods", data=period_form())
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/labs/{lab.id}?year={YEAR}#timetable")

    db.session.expire_all()
    periods = lab.periods_in(YEAR)
    assert [(p.weekday, p.name, p.starts_at, p.ends_at) for p in periods] == [
        (day, "ochtend", time(8, 30), time(11, 30)) for day in range(5)
    ]
    page = client.get(f"/labs/{lab.id}?year={YEAR}").get_data(as_text=True)
    assert "5 periods have been added." in page
    assert page.split('id="timetable"')[1].count("08:30–11:30") == 5  # the week grid above has them too


def test_an_overlapping_period_is_explained_on_the_form(client, login, staff, lab):
    add_period(lab, range(5), "ochtend", time(8, 30), time(11, 30))
    login(staff)
    response = client.post(f"/labs/{lab.id}/periods", data=period_form("middag", "11:00", "14:00"))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<p class="error" id="starts_at-error">This overlaps ochtend on Monday (08:30–11:30).</p>' in page
    assert 'value="middag"' in page  # what was typed is still there
    assert count(LabPeriod) == 5


def test_a_period_needs_a_weekday(client, login, staff, lab):
    login(staff)
    response = client.post(f"/labs/{lab.id}/periods", data=period_form(weekdays=[]))
    assert "Choose at least one weekday." in response.get_data(as_text=True)
    assert count(LabPeriod) == 0


def test_next_school_years_timetable_is_kept_apart(client, login, staff, lab):
    login(staff)
    client.post(f"/labs/{lab.id}/periods", data=period_form("middag", "12:30", "15:00", school_year=YEAR + 1))
    assert "12:30–15:00" not in client.get(f"/labs/{lab.id}").get_data(as_text=True)
    assert "12:30–15:00" in client.get(f"/labs/{lab.id}?year={YEAR + 1}").get_data(as_text=True)


def test_a_period_is_deleted(client, login, staff, lab):
    add_period(lab, [0, 1], "ochtend", time(8, 30), time(11, 30))
    monday = lab.periods_in(YEAR)[0]
    login(staff)
    response = client.post(f"/periods/{monday.id}/delete")
    assert response.status_code == 302
    db.session.expire_all()
    assert [p.weekday for p in lab.periods_in(YEAR)] == [1]


# Closures ------------------------------------------------------------------------------------


def test_closures_are_added_and_deleted(client, login, staff, lab):
    login(staff)
    data = {"starts_on": "2027-03-08", "ends_on": "2027-03-12", "reason": "Onderhoud machines"}
    assert client.post(f"/labs/{lab.id}/closures", data=data).status_code == 302
    page = client.get(f"/labs/{lab.id}").get_data(as_text=True)
    assert "Onderhoud machines" in page
    assert "Monday 8 March 2027" in page

    closure = db.session.scalars(select(LabClosure)).one()
    assert client.post(f"/closures/{closure.id}/delete").status_code == 302
    assert count(LabClosure) == 0


def test_a_closure_ending_before_it_starts_is_explained(client, login, staff, lab):
    login(staff)
    data = {"starts_on": "2027-03-12", "ends_on": "2027-03-08", "reason": "Onderhoud"}
    response = client.post(f"/labs/{lab.id}/closures", data=data)
    assert '<p class="error" id="ends_on-error">The last day cannot be before the first.</p>' in response.get_data(
        as_text=True
    )
    assert count(LabClosure) == 0


# Slots ---------------------------------------------------------------------------------------


@pytest.fixture
def holidays():
    load_holiday_file()
    db.session.commit()


def slots_form(activity, button="preview", school_year=YEAR) -> dict:
    return {"activity": str(activity.id), "school_year": str(school_year), button: "y"}


def sessions_of(activity) -> list[Session]:
    db.session.expire_all()
    return db.session.scalars(
        select(Session).where(Session.activity_id == activity.id).order_by(Session.starts_at)
    ).all()


def test_slots_preview_lists_every_date_and_skips_the_holidays(client, login, staff, lab, series, holidays):
    add_period(lab, [0], "ochtend", time(8, 30), time(11, 30))
    login(staff)
    assert f'selected value="{series.id}"' in client.get(f"/labs/{lab.id}/slots?activity={series.id}").get_data(
        as_text=True
    )

    page = client.post(f"/labs/{lab.id}/slots", data=slots_form(series)).get_data(as_text=True)

    # Mondays from 30 November 2026 (NOW is Monday 23 November) to 26 July 2027: 35, six in holidays.
    assert "29 slots will be created." in page
    assert "6 dates are skipped." in page
    assert "<td>Monday</td>" in page
    christmas = page.index("21 December 2026")
    assert "skipped (holiday: Kerstvakantie)" in page[christmas : christmas + 300]
    assert "28 December 2026" in page
    first = page.index("30 November 2026")
    assert "will be created" in page[first : first + 300]
    assert "23 November 2026" not in page
    assert 'name="create"' in page
    assert sessions_of(series) == []


def test_a_closure_is_skipped_with_its_reason(client, login, staff, lab, series, holidays):
    add_period(lab, [0], "ochtend", time(8, 30), time(11, 30))
    services.save_closure(lab, None, starts_on=date(2027, 3, 8), ends_on=date(2027, 3, 12), reason="Onderhoud")
    db.session.commit()
    login(staff)
    page = client.post(f"/labs/{lab.id}/slots", data=slots_form(series)).get_data(as_text=True)
    closed = page.index("8 March 2027")
    assert "skipped (closed: Onderhoud)" in page[closed : closed + 300]


def test_creating_the_slots_makes_lab_sessions(client, login, staff, lab, series, holidays):
    add_period(lab, [0], "ochtend", time(8, 30), time(11, 30))
    login(staff)

    response = client.post(f"/labs/{lab.id}/slots", data=slots_form(series, "create"))

    assert response.headers["Location"].endswith(f"/activities/{series.id}#sessions")
    created = sessions_of(series)
    assert len(created) == 29
    assert {(s.lab_id, s.capacity_pupils, s.place) for s in created} == {
        (lab.id, 30, "Lokaal 1, Vleutenseweg 300, Utrecht")
    }
    page = client.get(f"/activities/{series.id}").get_data(as_text=True)
    assert "29 slots created, 0 removed." in page
    assert "Slots from the lab timetable" in page

    client.post(f"/labs/{lab.id}/slots", data=slots_form(series, "create"))
    assert len(sessions_of(series)) == 29
    assert "0 slots created, 0 removed." in client.get(f"/activities/{series.id}").get_data(as_text=True)


def test_a_booked_slot_that_no_longer_fits_is_reported_and_kept(
    client, login, staff, lab, series, holidays, school, make_class, make_user
):
    add_period(lab, [0], "ochtend", time(8, 30), time(11, 30))
    services.carry_out(lab, series, services.plan_slots(lab, series, YEAR))
    db.session.commit()
    booked = sessions_of(series)[1]  # bookings for the first Monday closed a week before it
    book_session(booked, BookingRequest(make_class(school), 25), actor=make_user(Role.TEACHER, school))
    db.session.commit()
    # The lab moves its Monday lessons to the afternoon.
    db.session.delete(lab.periods_in(YEAR)[0])
    db.session.commit()
    db.session.expire_all()
    add_period(lab, [0], "middag", time(12, 30), time(15, 0))
    login(staff)

    page = client.post(f"/labs/{lab.id}/slots", data=slots_form(series)).get_data(as_text=True)
    assert "1 booked slot no longer fits and cannot be moved." in page
    assert "could not move — booked" in page
    assert "28 slots no longer fit and will be removed." in page

    client.post(f"/labs/{lab.id}/slots", data=slots_form(series, "create"))
    left = sessions_of(series)
    assert booked in left
    assert len(left) == 1 + 29
    assert "29 slots created, 28 removed; 1 booked slot could not move." in client.get(
        f"/activities/{series.id}"
    ).get_data(as_text=True)


def test_slots_need_a_timetable(client, login, staff, lab, series):
    login(staff)
    page = client.post(f"/labs/{lab.id}/slots", data=slots_form(series)).get_data(as_text=True)
    assert "The lab has no timetable for this school year yet." in page


def test_an_activity_of_another_lab_cannot_be_chosen(client, login, staff, lab, series, make_activity, lab_partner):
    add_period(lab, [0], "ochtend", time(8, 30), time(11, 30))
    elsewhere = make_activity("Elders", partner=lab_partner, location_type=LocationType.TECHNIEKLOKAAL)
    login(staff)
    page = client.post(f"/labs/{lab.id}/slots", data=slots_form(elsewhere, "create")).get_data(as_text=True)
    assert "Not a valid choice" in page
    assert sessions_of(elsewhere) == []


# Choosing the lab on the activity form ---------------------------------------------------------


@pytest.fixture
def activity_form(lab_partner):
    return {
        "title": "Solderen in het technieklokaal",
        "summary": "Leerlingen solderen een knipperlicht.",
        "description": "Een ochtend solderen.",
        "grades": ["groep-7", "groep-8"],
        "duration_minutes": "180",
        "min_pupils": "10",
        "max_pupils": "30",
        "location_type": "technieklokaal",
        "address": "Vleutenseweg 300, Utrecht",
        "cost_type": "free",
        "booking_closes_days": "7",
        "free_cancellation_days": "14",
        "regions": [str(region.id) for region in lab_partner.regions],
    }


def test_an_activity_is_placed_in_one_of_the_partners_labs(client, login, staff, lab, lab_partner, activity_form):
    login(staff)
    page = client.get(f"/activities/new?partner={lab_partner.id}").get_data(as_text=True)
    assert f'<option value="{lab.id}">Lokaal 1</option>' in page

    response = client.post(f"/activities/new?partner={lab_partner.id}", data={**activity_form, "lab_id": str(lab.id)})

    assert response.status_code == 302
    activity = db.session.scalars(select(Activity)).one()
    assert activity.lab_id == lab.id
    assert [a.id for a in services.lab_activities(lab)] == [activity.id]

    client.post(f"/activities/{activity.id}/edit", data={**activity_form, "lab_id": ""})
    db.session.expire_all()
    assert activity.lab_id is None


def test_another_partners_lab_cannot_be_forged(client, login, staff, lab_partner, make_partner, activity_form):
    other = make_partner("Technieklokaal Amersfoort", kind=PartnerKind.TECHNIEKLOKAAL)
    theirs = services.save_lab(
        None, partner=other, data=services.LabData("Werkplaats", "Amersfoort", 30, 1, HolidayRegion.MIDDEN)
    )
    db.session.commit()
    login(staff)
    response = client.post(
        f"/activities/new?partner={lab_partner.id}", data={**activity_form, "lab_id": str(theirs.id)}
    )
    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert count(Activity) == 0


def test_only_an_activity_in_a_technieklokaal_takes_place_in_a_lab(client, login, staff, lab, activity_form):
    login(staff)
    data = {**activity_form, "location_type": "at_school", "lab_id": str(lab.id)}
    response = client.post(f"/activities/new?partner={lab.partner_id}", data=data)
    assert "Only an activity in a technieklokaal takes place in a lab." in response.get_data(as_text=True)
    assert count(Activity) == 0


def test_partners_without_labs_see_no_lab_choice(client, login, users):
    login(users["partner"])
    assert 'name="lab_id"' not in client.get("/activities/new").get_data(as_text=True)


# Who may do what -----------------------------------------------------------------------------

ROLES = ["anonymous", "teacher", "lab_staff", "other_lab_staff", "coordinator", "other_coordinator"]
OK, LOGIN, FORBIDDEN = 200, 302, 403

PAGES = {
    "/labs": [LOGIN, FORBIDDEN, OK, OK, OK, OK],
    "/labs/new?partner={partner}": [LOGIN, FORBIDDEN, OK, FORBIDDEN, OK, FORBIDDEN],
    "/labs/{lab}": [LOGIN, OK, OK, OK, OK, OK],
    "/labs/{lab}/edit": [LOGIN, FORBIDDEN, OK, FORBIDDEN, OK, FORBIDDEN],
    "/labs/{lab}/slots": [LOGIN, FORBIDDEN, OK, FORBIDDEN, OK, FORBIDDEN],
}

DONE = 302
POSTS = {
    "/labs/{lab}/periods": [LOGIN, FORBIDDEN, DONE, FORBIDDEN, DONE, FORBIDDEN],
    "/labs/{lab}/closures": [LOGIN, FORBIDDEN, DONE, FORBIDDEN, DONE, FORBIDDEN],
    "/periods/{period}/delete": [LOGIN, FORBIDDEN, DONE, FORBIDDEN, DONE, FORBIDDEN],
    "/closures/{closure}/delete": [LOGIN, FORBIDDEN, DONE, FORBIDDEN, DONE, FORBIDDEN],
}

POST_DATA = {
    "/labs/{lab}/periods": period_form("middag", "12:30", "15:00"),
    "/labs/{lab}/closures": {"starts_on": "2027-03-08", "ends_on": "2027-03-12", "reason": "Onderhoud"},
}


@pytest.fixture
def people(make_user, make_partner, make_region, school, region, lab_partner, staff):
    other_lab = make_partner("Technieklokaal Amersfoort", kind=PartnerKind.TECHNIEKLOKAAL)
    return {
        "teacher": make_user(Role.TEACHER, school),
        "lab_staff": staff,
        "other_lab_staff": make_user(Role.PARTNER, other_lab),
        "coordinator": make_user(Role.COORDINATOR, region),
        "other_coordinator": make_user(Role.COORDINATOR, make_region("Regio Twente")),
    }


@pytest.fixture
def ids(lab, lab_partner):
    add_period(lab, [0], "ochtend", time(8, 30), time(11, 30))
    closure = services.save_closure(lab, None, starts_on=date(2027, 1, 4), ends_on=date(2027, 1, 4), reason="Studiedag")
    db.session.commit()
    return {"lab": lab.id, "partner": lab_partner.id, "period": lab.periods[0].id, "closure": closure.id}


def client_for(role, app, people, login):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    if role != "anonymous":
        login(people[role], c=client)
    return client


@pytest.mark.parametrize("role", ROLES)
def test_lab_page_access_matrix(role, app, people, ids, login):
    client = client_for(role, app, people, login)
    results = {page: client.get(page.format(**ids)).status_code for page in PAGES}
    assert results == {page: statuses[ROLES.index(role)] for page, statuses in PAGES.items()}


@pytest.mark.parametrize("role", ROLES)
def test_lab_change_access_matrix(role, app, people, ids, login):
    client = client_for(role, app, people, login)
    results = {page: client.post(page.format(**ids), data=POST_DATA.get(page, {})).status_code for page in POSTS}
    assert results == {page: statuses[ROLES.index(role)] for page, statuses in POSTS.items()}
    allowed = role in ("lab_staff", "coordinator")
    # Allowed: middag added Monday to Friday and the Monday ochtend deleted; a closure added, one deleted.
    assert count(LabPeriod) == (5 if allowed else 1)
    assert db.session.scalars(select(LabClosure.reason)).all() == (["Onderhoud"] if allowed else ["Studiedag"])


@pytest.mark.parametrize(
    "role, sees_forms", [("teacher", False), ("other_lab_staff", False), ("lab_staff", True), ("coordinator", True)]
)
def test_only_those_who_keep_the_lab_see_its_forms(role, sees_forms, app, people, ids, login):
    page = client_for(role, app, people, login).get(f"/labs/{ids['lab']}").get_data(as_text=True)
    assert "Lokaal 1" in page
    assert "08:30–11:30" in page  # everyone sees the timetable
    assert "Studiedag" in page
    assert ("Add a period" in page) is sees_forms
    assert (f"/periods/{ids['period']}/delete" in page) is sees_forms
    assert ("Add a closure" in page) is sees_forms


def test_the_menu_and_dashboard_lead_technieklokaal_staff_to_their_labs(app, people, login, users):
    staff_page = client_for("lab_staff", app, people, login).get("/").get_data(as_text=True)
    assert staff_page.count('href="/labs"') == 2  # menu and dashboard
    assert 'href="/labs"' in client_for("coordinator", app, people, login).get("/").get_data(as_text=True)
    assert 'href="/labs"' not in client_for("teacher", app, people, login).get("/").get_data(as_text=True)
    company = app.test_client()
    login(users["partner"], c=company)
    assert 'href="/labs"' not in company.get("/").get_data(as_text=True)
