"""The lab fixtures ("Lokaal 1" of Technieklokaal Utrecht-West) for the closure imports and the lesson
series, and the booking world (two schools, a partner, coordinators) for the calendar outputs."""

import pytest
from flask_babel import force_locale

from tests.bookings.conftest import world  # noqa: F401
from tests.labs.conftest import lab, lab_partner  # noqa: F401


@pytest.fixture(autouse=True)
def _english():
    """Services called outside a request speak the installation's language (Dutch); the tests read English."""
    with force_locale("en"):
        yield
