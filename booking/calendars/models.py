"""Calendar subscription feeds: a secret address per user and feed, revocable and renewable."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.core.time import utcnow
from booking.core.types import UTCDateTime, enum_type
from booking.extensions import db


class FeedKind(enum.Enum):
    MY_BOOKINGS = "my_bookings"  # a teacher's own bookings
    SCHOOL = "school"  # all bookings of one school
    PARTNER = "partner"  # a partner's sessions, with the booked classes
    LAB = "lab"  # a lab's occupancy
    REGION = "region"  # a region's programme: the bookings of its schools

    @property
    def label(self):
        return FEED_KIND_LABELS[self]


FEED_KIND_LABELS = {
    FeedKind.MY_BOOKINGS: _l("My bookings"),
    FeedKind.SCHOOL: _l("School bookings"),
    FeedKind.PARTNER: _l("Our sessions"),
    FeedKind.LAB: _l("Lab occupancy"),
    FeedKind.REGION: _l("Region programme"),
}


def new_token() -> str:
    """256 bits from the operating system's generator, URL-safe: unguessable."""
    return secrets.token_urlsafe(32)


class CalendarFeed(db.Model):
    """A subscription address: ``/calendars/<token>.ics``. The token is the only key a calendar
    client has, so it is long and random; revoking it (or the owner losing the role the feed needs)
    makes the address answer 404. ``last_modified`` and ``fingerprint`` keep Last-Modified moving
    forward only, also when an event drops out of the feed."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (
        # One live address per owner, kind and subject; revoked ones stay for the record.
        Index(
            "uq_calendar_feeds_live",
            "user_id",
            "kind",
            "subject_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[FeedKind] = mapped_column(enum_type(FeedKind, "feed_kind"))
    # The school, partner, lab or region the feed is about (None for a teacher's own bookings).
    subject_id: Mapped[int | None]
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_modified: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fingerprint: Mapped[str | None] = mapped_column(String(64))

    user = relationship("User")

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None
