"""A technieklokaal partner with one lab ("Lokaal 1", 30 pupils, school holidays of midden) and a
lesson series that takes place in it."""

from __future__ import annotations

import pytest

from booking.catalogue.models import LocationType
from booking.extensions import db
from booking.labs import services
from booking.organisations.models import HolidayRegion, PartnerKind


@pytest.fixture
def lab_partner(make_partner):
    return make_partner("Technieklokaal Utrecht-West", kind=PartnerKind.TECHNIEKLOKAAL)


@pytest.fixture
def lab(lab_partner):
    lab = services.save_lab(
        None,
        partner=lab_partner,
        data=services.LabData(
            name="Lokaal 1",
            address="Vleutenseweg 300, Utrecht",
            capacity_pupils=30,
            classes_at_once=1,
            holiday_region=HolidayRegion.MIDDEN,
        ),
    )
    db.session.commit()
    return lab


@pytest.fixture
def series(lab, lab_partner, make_activity):
    return make_activity(
        "Lessenreeks Techniek groep 7-8",
        partner=lab_partner,
        location_type=LocationType.TECHNIEKLOKAAL,
        address=lab.address,
        lab_id=lab.id,
        min_pupils=15,
    )
