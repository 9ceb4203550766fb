"""The lab fixtures ("Lokaal 1" of Technieklokaal Utrecht-West) for the closure imports."""

import pytest
from flask_babel import force_locale

from tests.labs.conftest import lab, lab_partner  # noqa: F401


@pytest.fixture(autouse=True)
def _english():
    """Services called outside a request speak the installation's language (Dutch); the tests read English."""
    with force_locale("en"):
        yield
