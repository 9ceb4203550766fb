"""A lesson series is booked by schools in the lab activity's regions, like any activity."""

from __future__ import annotations

from booking.accounts.models import Role
from booking.extensions import db


def test_a_school_of_another_region_is_sent_back_from_the_series_form(
    client, login, series, make_region, make_school, make_user, clock
):
    series.series_length = 4
    db.session.commit()
    far_school = make_school("OBS De Linde", region=make_region("Regio Zwolle"))
    login(make_user(Role.TEACHER, far_school))
    response = client.get(f"/activities/{series.id}/series")
    assert response.status_code == 302 and response.location.endswith(f"/activities/{series.id}")
    page = client.get(response.location).get_data(as_text=True)
    assert "This activity is for schools in Regio Utrecht." in page
    assert f"/activities/{series.id}/series" not in page  # no "Book a lesson series" button


def test_a_school_in_the_region_gets_the_series_form(client, login, series, make_school, make_user, clock):
    series.series_length = 4
    db.session.commit()
    login(make_user(Role.TEACHER, make_school("OBS De Regenboog")))
    assert client.get(f"/activities/{series.id}/series").status_code == 200
