"""Addresses and fields that no database column can hold, or that mean nothing in this domain,
answer 404, fall back to a default or get a message on their field: never a 500, on either database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from booking.organisations.models import Region
from tests.conftest import NOW

HUGE_IDS = [str(2**31), str(2**63), str(10**30), "9" * 5000]


@pytest.fixture
def published(clock, make_activity, make_session):
    activity = make_activity("Robots bouwen")
    make_session(activity, NOW + timedelta(days=30))
    return activity


@pytest.mark.parametrize("number", HUGE_IDS, ids=["2^31", "2^63", "10^30", "5000-digits"])
def test_an_id_no_table_can_hold_answers_404(client, login, users, school, published, number):
    login(users["coordinator"])
    for path in (f"/activities/{number}", f"/schools/{number}/quota", f"/sessions/{number}/participants"):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/bookings/{number}/cancel").status_code == 404


def test_the_largest_id_a_column_holds_is_an_ordinary_404(client, login, users):
    login(users["coordinator"])
    assert client.get(f"/activities/{2**31 - 1}").status_code == 404


@pytest.mark.parametrize(
    ("role", "path"),
    [
        (None, "/catalogue"),
        ("teacher", "/bookings"),
        ("partner", "/requests"),
        ("coordinator", "/coordination/bookings"),
    ],
)
@pytest.mark.parametrize("page", [str(2**31), str(2**63), "9" * 40, "-5", "²", " 7 "])
def test_a_page_beyond_any_list_shows_an_empty_page(client, login, users, published, role, path, page):
    if role:
        login(users[role])
    assert client.get(path, query_string={"page": page}).status_code == 200


@pytest.mark.parametrize("path", ["/catalogue", "/coordination/bookings", "/coordination/bookings.csv"])
@pytest.mark.parametrize(("name", "value"), [("from", "0001-01-01"), ("to", "9999-12-31"), ("from", "1999-12-31")])
def test_a_date_filter_outside_the_years_we_plan_is_reported_and_ignored(
    client, login, users, published, path, name, value
):
    login(users["coordinator"])
    response = client.get(path, query_string={name: value})
    assert response.status_code == 200
    if not path.endswith(".csv"):
        assert "Enter a date between 2000 and 2100." in response.text
    if path == "/catalogue":
        assert "Robots bouwen" in response.text  # the filter is left out


@pytest.mark.parametrize(
    ("path", "name"), [("/catalogue", "grade"), ("/catalogue", "location"), ("/coordination/bookings", "status")]
)
@pytest.mark.parametrize("blank", [" ", "\t", "   "])
def test_a_select_filter_of_only_spaces_counts_as_empty(client, login, users, published, path, name, blank):
    login(users["coordinator"])
    response = client.get(path, query_string={name: blank})
    assert response.status_code == 200
    if path == "/catalogue":
        assert "Robots bouwen" in response.text


@pytest.mark.parametrize("year", [str(2**31), str(2**63), "9" * 30, "-1", "0", "²"])
def test_a_year_no_school_year_can_be_shows_this_year(client, login, users, school, year):
    login(users["coordinator"])
    for path in (f"/schools/{school.id}/quota", f"/schools/{school.id}", f"/schools/{school.id}/classes/new"):
        assert client.get(path, query_string={"year": year}).status_code == 200, path
    assert client.post(f"/schools/{school.id}/classes/copy", query_string={"year": year}).status_code == 302


@pytest.mark.parametrize("partner_id", [str(2**31), str(2**63), "9" * 30, "²", "-1"])
def test_a_partner_no_table_can_hold_on_new_lab_answers_404(client, login, users, partner_id):
    login(users["admin"])
    assert client.get("/labs/new", query_string={"partner": partner_id}).status_code == 404


def test_a_huge_partner_on_new_activity_falls_back_to_the_users_own(client, login, users):
    login(users["partner"])
    assert client.get("/activities/new", query_string={"partner": str(2**63)}).status_code == 200


@pytest.mark.parametrize(
    "path", ["/catalogue?q=robot%00", "/catalogue?from=%00", "/coordination/bookings?q=%00", "/calendars/%00.ics",
             "/schools?q=a%00b", "/invitations/%00", "/password/reset/%00"],
)  # fmt: skip
def test_a_nul_byte_in_an_address_is_a_bad_request(client, login, users, path):
    login(users["coordinator"])
    assert client.get(path).status_code == 400


@pytest.mark.parametrize("name", ["Regio\x00Utrecht", "\x00", "Regio\x1bNoord", "Regio\nNoord"])
def test_a_control_character_in_a_posted_field_is_refused_with_a_message(client, login, users, name):
    login(users["admin"])
    before = select(func.count()).select_from(Region)
    from booking.extensions import db

    count = db.session.scalar(before)
    response = client.post("/regions/new", data={"name": name, "holiday_region": "midden"})
    assert response.status_code == 200
    assert "Remove the invisible control characters from this field." in response.text
    assert db.session.scalar(before) == count


def test_a_text_area_keeps_its_line_breaks_and_tabs(client, login, users, make_user, partner):
    login(users["partner"])
    response = client.post(
        "/activities/new",
        data={"title": "Robots", "summary": "Kort", "description": "Regel 1\r\n\tRegel 2", "duration_minutes": 90},
    )
    assert "Remove the invisible control characters" not in response.text


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_posted_date_outside_the_years_we_plan_is_refused_on_its_field(client, login, users, day):
    from booking.organisations.models import Holiday

    login(users["coordinator"])
    response = client.post(
        "/holidays/new", data={"holiday_region": "midden", "name": "Herfst", "starts_on": day, "ends_on": day}
    )
    assert response.status_code == 200
    assert "Enter a date between 2000 and 2100." in response.text
    from booking.extensions import db

    assert db.session.scalar(select(func.count()).select_from(Holiday)) == 0
