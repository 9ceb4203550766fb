"""A coordinator keeps the holidays of their own regions' holiday region; the others they only see."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from booking.extensions import db
from booking.organisations.models import Holiday, HolidayRegion
from tests.calendars.test_import_pages import packed_file, preview_holidays


@pytest.fixture
def holidays():
    """Herfstvakantie in midden (Regio Utrecht's), zuid and Vlaanderen."""
    first, last = date(2027, 10, 16), date(2027, 10, 24)
    rows = {
        region: Holiday(holiday_region=region, name="Herfstvakantie", starts_on=first, ends_on=last)
        for region in (HolidayRegion.MIDDEN, HolidayRegion.ZUID, HolidayRegion.FLANDERS)
    }
    db.session.add_all(rows.values())
    db.session.commit()
    return rows


def count() -> int:
    return db.session.scalar(select(func.count(Holiday.id)))


def test_a_coordinator_edits_and_deletes_only_their_own_holiday_region(client, users, login, holidays):
    login(users["coordinator"])  # Regio Utrecht: midden
    for region in (HolidayRegion.ZUID, HolidayRegion.FLANDERS):
        other = holidays[region]
        assert client.get(f"/holidays/{other.id}/edit").status_code == 403
        moved = {"holiday_region": "midden", "name": "Weg", "starts_on": "2027-10-16", "ends_on": "2027-10-24"}
        assert client.post(f"/holidays/{other.id}/edit", data=moved).status_code == 403
        assert client.post(f"/holidays/{other.id}/delete").status_code == 403
    assert count() == 3
    own = holidays[HolidayRegion.MIDDEN]
    assert client.get(f"/holidays/{own.id}/edit").status_code == 200
    assert client.post(f"/holidays/{own.id}/delete").status_code == 302
    assert count() == 2


def test_the_holidays_page_offers_edit_only_where_the_coordinator_may(client, users, login, holidays):
    login(users["coordinator"])
    page = client.get("/holidays").get_data(as_text=True)
    assert f"/holidays/{holidays[HolidayRegion.MIDDEN].id}/edit" in page
    assert f"/holidays/{holidays[HolidayRegion.ZUID].id}/edit" not in page
    assert f"/holidays/{holidays[HolidayRegion.FLANDERS].id}/delete" not in page


def test_new_holidays_and_imports_go_to_the_coordinators_own_region(client, users, login):
    login(users["coordinator"])
    form = client.get("/holidays/new").get_data(as_text=True)
    assert '<option selected value="midden">' in form and 'value="zuid"' not in form
    forged = {"holiday_region": "zuid", "name": "Studiedag", "starts_on": "2027-02-01", "ends_on": "2027-02-01"}
    assert "Not a valid choice" in client.post("/holidays/new", data=forged).get_data(as_text=True)
    assert '<option selected value="midden">' in client.get("/holidays/import").get_data(as_text=True)
    page = preview_holidays(client).get_data(as_text=True)
    response = client.post(
        "/holidays/import", data={"holiday_region": "zuid", "upload": packed_file(page), "confirm": "y"}
    )
    assert response.status_code == 403
    assert count() == 0


def test_an_admin_keeps_every_region(client, users, login, holidays):
    login(users["admin"])
    for holiday in holidays.values():
        assert client.get(f"/holidays/{holiday.id}/edit").status_code == 200
