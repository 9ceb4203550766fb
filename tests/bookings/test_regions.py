"""Activities are offered in regions, whose coordinators fund them: a school of another region sees
the activity but is told it is for schools there, unless the partner opened it to every region."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from booking.bookings.models import Booking
from booking.core.errors import DomainError
from booking.extensions import db
from booking.organisations.models import Grade


@pytest.fixture
def far_class(world, make_class):
    far_school = world.people["far_teacher"].memberships[0].school
    return make_class(far_school, "Groep 7 Zwolle", Grade.GROEP_7, 24)


def bookings() -> int:
    return db.session.scalar(select(func.count()).select_from(Booking))


def test_a_school_of_another_region_is_told_the_activity_is_for_schools_there(client, login, world, far_class):
    login(world.people["far_teacher"])
    page = client.get(f"/activities/{world.activity.id}").get_data(as_text=True)
    assert "This activity is for schools in Regio Utrecht." in page
    assert f"/sessions/{world.session.id}/book" not in page  # no Book button
    book_page = client.get(f"/sessions/{world.session.id}/book").get_data(as_text=True)
    assert "This activity is for schools in Regio Utrecht." in book_page  # told before filling anything in
    form = {"school_class": str(far_class.id), "pupils": "24", "adults": "2", "contact_phone": "", "notes": ""}
    response = client.post(f"/sessions/{world.session.id}/book", data=form)
    assert response.status_code == 200
    assert "This activity is for schools in Regio Utrecht." in response.get_data(as_text=True)
    assert bookings() == 0
    db.session.refresh(world.session)
    assert world.session.booked_pupils == 0


def test_the_service_refuses_it_too(world, far_class):
    """Whatever the form said: the booking rules name the activity, the regions and the school's own."""
    with pytest.raises(DomainError) as refused:
        world.book(far_class, actor=world.people["far_teacher"])
    assert refused.value.message == "Robots bouwen is for schools in Regio Utrecht; OBS De Linde is in Regio Zwolle."
    db.session.rollback()
    assert bookings() == 0


def test_an_activity_open_to_all_regions_is_booked_from_anywhere(client, login, world, far_class):
    world.activity.is_open_to_all_regions = True
    db.session.commit()
    login(world.people["far_teacher"])
    page = client.get(f"/activities/{world.activity.id}").get_data(as_text=True)
    assert "This activity is for schools in" not in page
    assert f"/sessions/{world.session.id}/book" in page
    form = {"school_class": str(far_class.id), "pupils": "24", "adults": "2", "contact_phone": "", "notes": ""}
    assert client.post(f"/sessions/{world.session.id}/book", data=form).status_code == 302
    assert bookings() == 1


def test_schools_in_the_region_book_as_before(world):
    assert world.book().school_id == world.school.id


def test_the_partner_opens_an_activity_to_all_regions_on_its_form(client, login, world):
    login(world.people["partner"])
    page = client.get(f"/activities/{world.activity.id}/edit").get_data(as_text=True)
    assert "Schools of other regions may book it too" in page
    activity = world.activity
    form = {
        "title": activity.title, "summary": activity.summary, "description": activity.description,
        "grades": ["groep-7", "groep-8"], "duration_minutes": "90", "min_pupils": "10", "max_pupils": "32",
        "location_type": "at_partner", "address": activity.address, "cost_type": "free", "booking_closes_days": "7",
        "free_cancellation_days": "14", "requires_confirmation": "y", "regions": [str(world.region.id)],
        "is_open_to_all_regions": "y", "series_length": "1",
    }  # fmt: skip
    response = client.post(f"/activities/{activity.id}/edit", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert activity.is_open_to_all_regions
    assert "is_open_to_all_regions" in activity.history[-1].changed_fields
