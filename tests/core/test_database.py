"""A named constraint that a race trips becomes the user's message; any other violation stays an error."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from booking.catalogue.models import Session
from booking.core.database import CONSTRAINT_MESSAGES, commit
from booking.core.errors import DomainError
from booking.extensions import db
from tests.conftest import NOW


def _two_sessions_at_one_time_and_place(activity):
    for _ in range(2):
        starts_at = NOW + timedelta(days=9)
        db.session.add(Session(activity=activity, starts_at=starts_at, ends_at=starts_at + timedelta(hours=2),
                               place="Werkplaats", capacity_pupils=30, max_classes=1))  # fmt: skip


def test_commit_turns_a_known_constraint_into_its_message(make_activity, monkeypatch):
    activity = make_activity()
    # PostgreSQL names the index; SQLite lists its columns.
    monkeypatch.setitem(CONSTRAINT_MESSAGES, "uq_sessions_activity_id_starts_at_place", "Someone was quicker.")
    monkeypatch.setitem(CONSTRAINT_MESSAGES, "sessions.activity_id, sessions.starts_at", "Someone was quicker.")
    _two_sessions_at_one_time_and_place(activity)
    with pytest.raises(DomainError, match="Someone was quicker"):
        commit()
    assert db.session.scalar(select(func.count()).select_from(Session)) == 0  # rolled back, usable again


def test_commit_leaves_an_unknown_constraint_an_error(make_activity):
    _two_sessions_at_one_time_and_place(make_activity())
    with pytest.raises(IntegrityError):
        commit()
