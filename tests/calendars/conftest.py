"""The lab fixtures ("Lokaal 1" of Technieklokaal Utrecht-West) for the closure imports."""

from tests.labs.conftest import lab, lab_partner  # noqa: F401
