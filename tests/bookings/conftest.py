"""A small world for booking tests: two schools and a partner in one region, a school, partner and
coordinator in another, an activity for groep 7–8 with one session a month after NOW."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from booking.accounts.models import Role
from booking.bookings import services
from booking.bookings.models import Booking
from booking.extensions import db
from booking.organisations.models import Grade
from tests.conftest import NOW


@dataclass
class World:
    region: object
    other_region: object
    school: object
    other_school: object
    partner: object
    other_partner: object
    activity: object
    session: object
    class_7a: object
    class_8b: object
    class_5a: object
    other_class: object
    people: dict

    def book(self, school_class=None, *, pupils=None, waitlist=False, session=None, actor=None) -> Booking:
        school_class = school_class or self.class_7a
        teacher = actor or (self.people["teacher"] if school_class.school_id == self.school.id
                            else self.people["other_teacher"])  # fmt: skip
        booking = services.book_session(
            session or self.session,
            services.BookingRequest(school_class=school_class, pupils=pupils or school_class.pupils, adults=2),
            actor=teacher,
            waitlist=waitlist,
        )
        db.session.commit()
        return booking


@pytest.fixture
def world(
    clock, region, partner, make_region, make_school, make_class, make_partner, make_user, make_activity, make_session
):
    other_region = make_region("Regio Zwolle")
    school = make_school("OBS De Regenboog")
    other_school = make_school("CBS Het Kompas")
    far_school = make_school("OBS De Linde", region=other_region)
    other_partner = make_partner("Maakplaats Noord", regions=[region, other_region])
    activity = make_activity(
        "Robots bouwen", requires_confirmation=True, booking_closes_days=7, free_cancellation_days=14
    )
    session = make_session(activity, NOW + timedelta(days=30), capacity=60, max_classes=2)
    people = {
        "teacher": make_user(Role.TEACHER, school, email="teacher@example.org", name="Anna de Vries"),
        "other_teacher": make_user(Role.TEACHER, other_school, email="other.teacher@example.org"),
        "far_teacher": make_user(Role.TEACHER, far_school, email="far.teacher@example.org"),
        "partner": make_user(Role.PARTNER, partner, email="partner@example.org", name="Piet van Dijk"),
        "other_partner": make_user(Role.PARTNER, other_partner, email="other.partner@example.org"),
        "coordinator": make_user(Role.COORDINATOR, region, email="coordinator@example.org", name="Carla Coördinator"),
        "other_coordinator": make_user(Role.COORDINATOR, other_region, email="other.coordinator@example.org"),
        "admin": make_user(Role.ADMIN, email="admin@example.org"),
    }
    return World(
        region=region,
        other_region=other_region,
        school=school,
        other_school=other_school,
        partner=partner,
        other_partner=other_partner,
        activity=activity,
        session=session,
        class_7a=make_class(school, "Groep 7A", Grade.GROEP_7, 27),
        class_8b=make_class(school, "Groep 8B", Grade.GROEP_8, 25),
        class_5a=make_class(school, "Groep 5A", Grade.GROEP_5, 24),
        other_class=make_class(other_school, "Groep 7", Grade.GROEP_7, 28),
        people=people,
    )


@pytest.fixture(autouse=True)
def _english():
    """Service calls outside a request speak the default language (Dutch); the tests read English."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield
