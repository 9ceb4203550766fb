"""Partners create and edit activities; coordinators keep themes and holidays."""

from datetime import date

import pytest

from booking.catalogue.forms import parse_euros
from booking.catalogue.models import Activity, ActivityStatus, CostType, LocationType, Theme
from booking.extensions import db
from booking.organisations.models import Grade, Holiday, HolidayRegion


@pytest.fixture
def form(region, make_theme):
    theme = make_theme("Robotica")
    return {
        "title": "Robots bouwen",
        "summary": "Leerlingen bouwen een robot.",
        "description": "Een ochtend bouwen en programmeren.",
        "themes": [str(theme.id)],
        "grades": ["groep-7", "groep-8"],
        "duration_minutes": "120",
        "min_pupils": "10",
        "max_pupils": "30",
        "location_type": "at_partner",
        "address": "Industrieweg 1, Utrecht",
        "cost_type": "per_pupil",
        "cost": "4,50",
        "preparation_notes": "",
        "accessibility_notes": "Rolstoeltoegankelijk.",
        "booking_closes_days": "7",
        "free_cancellation_days": "14",
        "requires_confirmation": "y",
        "regions": [str(region.id)],
    }


def activities() -> list[Activity]:
    db.session.expire_all()
    return db.session.scalars(db.select(Activity).order_by(Activity.id)).all()


def test_partner_creates_a_draft(client, users, login, form, region, partner):
    login(users["partner"])
    response = client.post("/activities/new", data=form)
    assert response.status_code == 302
    [activity] = activities()
    assert activity.partner_id == partner.id
    assert activity.status is ActivityStatus.DRAFT
    assert activity.grades == [Grade.GROEP_7, Grade.GROEP_8]
    assert [t.name for t in activity.themes] == ["Robotica"]
    assert activity.regions == [region]
    assert (activity.cost_type, activity.cost_cents) == (CostType.PER_PUPIL, 450)
    assert activity.requires_confirmation is True
    assert activity.preparation_notes is None
    assert activity.history[0].to_status is ActivityStatus.DRAFT
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "€4.50 per pupil" in page
    assert "Submit for review" in page


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"title": "x" * 121}, "Field cannot be longer than 120 characters."),
        ({"title": "  "}, "This field is required."),
        ({"summary": "x" * 301}, "Field cannot be longer than 300 characters."),
        ({"description": "x" * 5001}, "Field cannot be longer than 5000 characters."),
        ({"min_pupils": "31"}, "The minimum group size cannot be larger than the maximum."),
        ({"max_pupils": "0"}, "Enter a number between 1 and 60."),
        ({"max_pupils": "61"}, "Enter a number between 1 and 60."),
        ({"duration_minutes": "0"}, "Enter a duration between 10 and 1440 minutes."),
        ({"address": ""}, "Enter the address where the activity takes place."),
        ({"cost": "gratis"}, "Enter an amount in euros, like 4,50."),
        ({"cost": "-3"}, "Enter an amount in euros, like 4,50."),
        ({"cost": ""}, "Enter the price, or choose free."),
        ({"grades": []}, "Choose at least one grade."),
        ({"grades": ["groep-9"]}, "is not a valid choice for this field"),
        ({"regions": []}, "Choose at least one region."),
        ({"location_type": "moon"}, "Not a valid choice"),
        ({"booking_closes_days": "-1"}, "Enter a number of days between 0 and 180."),
        ({"themes": ["9999"]}, "is not a valid choice for this field"),
    ],
)
def test_bad_activity_input_is_explained_and_nothing_saved(client, users, login, form, changes, message):
    login(users["partner"])
    response = client.post("/activities/new", data={**form, **changes})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert activities() == []


def test_a_region_the_partner_does_not_serve_cannot_be_forged(client, users, login, form, make_region):
    elsewhere = make_region("Regio Twente")
    login(users["partner"])
    response = client.post("/activities/new", data={**form, "regions": [str(elsewhere.id)]})
    assert response.status_code == 200
    assert "is not a valid choice for this field" in response.get_data(as_text=True)
    assert activities() == []


def test_free_activity_costs_nothing_whatever_was_typed(client, users, login, form):
    login(users["partner"])
    client.post("/activities/new", data={**form, "cost_type": "free", "cost": "12"})
    assert (activities()[0].cost_type, activities()[0].cost_cents) == (CostType.FREE, 0)


def test_online_activity_needs_no_address(client, users, login, form):
    login(users["partner"])
    response = client.post("/activities/new", data={**form, "location_type": "online", "address": ""})
    assert response.status_code == 302
    assert activities()[0].location_type is LocationType.ONLINE


@pytest.mark.parametrize(
    "typed, cents",
    [("4,50", 450), ("4.50", 450), ("€ 12", 1200), ("1.250,00", 125000), ("0,5", 50), ("", None)],
)
def test_prices_are_read_the_way_people_type_them(typed, cents):
    assert parse_euros(typed) == cents


@pytest.mark.parametrize("typed", ["4,505", "1,250.00", "abc", "-1", "1e3", "12,50 per kind"])
def test_unreadable_prices_are_refused(typed):
    with pytest.raises(ValueError):
        parse_euros(typed)


def test_editing_a_published_activity_stays_published_and_is_logged(client, users, login, form, make_activity):
    activity = make_activity(status=ActivityStatus.PUBLISHED)
    login(users["partner"])
    page = client.get(f"/activities/{activity.id}/edit").get_data(as_text=True)
    assert "Changes you save are visible at once and are recorded in its history" in page
    response = client.post(f"/activities/{activity.id}/edit", data={**form, "title": "Robots bouwen XL"})
    assert response.status_code == 302
    [activity] = activities()
    assert activity.status is ActivityStatus.PUBLISHED
    event = activity.history[0]
    assert event.is_edit
    assert event.changed_fields.split(",") == [
        "title", "description", "duration_minutes", "max_pupils", "cost_type", "cost_cents"
    ]  # fmt: skip
    shown = client.get(f"/activities/{activity.id}").get_data(as_text=True)
    assert "changed Title, Description, Duration, Maximum pupils, Cost while published" in shown


def test_only_the_summary_changed_is_not_logged(client, users, login, form, make_activity, make_theme):
    activity = make_activity(status=ActivityStatus.PUBLISHED)
    login(users["partner"])
    data = {
        **form,
        "title": activity.title,
        "description": activity.description,
        "duration_minutes": "90",
        "max_pupils": "32",
        "cost_type": "free",
        "cost": "",
        "address": activity.address,
        "booking_closes_days": "7",
        "summary": "Nieuwe samenvatting",
    }
    client.post(f"/activities/{activity.id}/edit", data=data)
    assert activities()[0].summary == "Nieuwe samenvatting"
    assert activities()[0].history == []


def test_others_cannot_create_or_edit(app, users, login, form, make_activity, make_partner):
    theirs = make_activity(partner=make_partner("Ander BV"))
    client = login(users["partner"], c=app.test_client())
    assert client.post(f"/activities/{theirs.id}/edit", data=form).status_code == 403
    for role in ("teacher", "coordinator"):
        client = login(users[role], c=app.test_client())
        assert client.post("/activities/new", data=form).status_code == 403
    assert activities()[0].title == "Robots bouwen"
    assert len(activities()) == 1


def test_archived_activity_cannot_be_edited(client, users, login, form, make_activity):
    activity = make_activity(status=ActivityStatus.ARCHIVED)
    login(users["partner"])
    assert client.get(f"/activities/{activity.id}/edit").status_code == 403


# Themes ----------------------------------------------------------------------------------------


def test_coordinator_manages_themes(client, users, login, make_theme, make_activity):
    login(users["coordinator"])
    assert client.post("/themes", data={"name": "Programmeren"}).status_code == 302
    assert "There is already a theme called programmeren." in client.post(
        "/themes", data={"name": "programmeren"}
    ).get_data(as_text=True)
    theme = db.session.scalar(db.select(Theme).where(Theme.name == "Programmeren"))
    assert client.post(f"/themes/{theme.id}/edit", data={"name": "Programmeren & coderen"}).status_code == 302
    used = make_theme("Robotica")
    make_activity(themes=[used])
    response = client.post(f"/themes/{used.id}/delete", follow_redirects=True)
    assert "Robotica is used by 1 activity; rename it instead of deleting it." in response.get_data(as_text=True)
    assert client.post(f"/themes/{theme.id}/delete").status_code == 302
    db.session.expire_all()
    assert [t.name for t in db.session.scalars(db.select(Theme))] == ["Robotica"]


@pytest.mark.parametrize("role", ["teacher", "partner"])
def test_only_coordinators_manage_themes(client, users, login, role):
    login(users[role])
    assert client.get("/themes").status_code == 403
    assert client.post("/themes", data={"name": "Hack"}).status_code == 403


# Holidays --------------------------------------------------------------------------------------


HOLIDAY = {"holiday_region": "midden", "name": "Studiedag", "starts_on": "2027-02-10", "ends_on": "2027-02-10"}


def test_coordinator_adds_edits_and_deletes_a_holiday(client, users, login):
    login(users["coordinator"])
    assert client.post("/holidays/new", data=HOLIDAY).status_code == 302
    holiday = db.session.scalar(db.select(Holiday))
    assert (holiday.holiday_region, holiday.starts_on) == (HolidayRegion.MIDDEN, date(2027, 2, 10))
    page = client.get("/holidays?region=midden").get_data(as_text=True)
    assert "Studiedag" in page and "School year 2026–2027" in page
    assert "Studiedag" not in client.get("/holidays?region=noord").get_data(as_text=True)
    data = {**HOLIDAY, "ends_on": "2027-02-11"}
    assert client.post(f"/holidays/{holiday.id}/edit", data=data).status_code == 302
    assert client.post(f"/holidays/{holiday.id}/delete").status_code == 302
    assert db.session.scalar(db.select(Holiday)) is None


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"ends_on": "2027-02-01"}, "The last day must be on or after the first day."),
        ({"ends_on": "2027-08-01"}, "A holiday lasts at most three months."),
        ({"starts_on": "10-02-2027"}, "Not a valid date value."),
        ({"holiday_region": "mars"}, "Not a valid choice"),
        ({"name": "x" * 81}, "Field cannot be longer than 80 characters."),
    ],
)
def test_bad_holiday_input_is_explained(client, users, login, changes, message):
    login(users["coordinator"])
    response = client.post("/holidays/new", data={**HOLIDAY, **changes})
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Holiday)) is None


def test_duplicate_holiday_is_refused(client, users, login):
    login(users["coordinator"])
    client.post("/holidays/new", data=HOLIDAY)
    assert "This holiday is already in the list." in client.post("/holidays/new", data=HOLIDAY).get_data(as_text=True)


@pytest.mark.parametrize("role", ["teacher", "partner"])
def test_only_coordinators_manage_holidays(client, users, login, role):
    login(users[role])
    assert client.get("/holidays").status_code == 403
    assert client.post("/holidays/new", data=HOLIDAY).status_code == 403


def test_form_fields_carry_only_meaningful_aria_attributes(client, users, login, form):
    login(users["partner"])
    page = client.get("/activities/new").get_data(as_text=True)
    assert '="None"' not in page
    assert 'aria-describedby="summary-help"' in page
    page = client.post("/activities/new", data={**form, "title": ""}).get_data(as_text=True)
    assert '="None"' not in page
    assert 'aria-invalid="true"' in page
    assert 'aria-describedby="title-error"' in page
