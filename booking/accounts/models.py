"""Users and the roles they hold in organisations."""

from __future__ import annotations

import enum
import hashlib
import secrets
from datetime import datetime
from functools import cached_property

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin, UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, and_, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from booking.core.time import utcnow
from booking.core.types import UTCDateTime, enum_type
from booking.extensions import db
from booking.organisations.models import Partner, Region, School


class Role(enum.Enum):
    TEACHER = "teacher"
    PARTNER = "partner"
    COORDINATOR = "coordinator"
    ADMIN = "admin"

    @property
    def label(self):
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.TEACHER: _l("Teacher"),
    Role.PARTNER: _l("Partner staff"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.ADMIN: _l("Administrator"),
}


class Language(enum.Enum):
    NL = "nl"
    EN = "en"

    @property
    def label(self) -> str:
        return {"nl": "Nederlands", "en": "English"}[self.value]


# Which organisation column a role needs; the others stay empty.
ORGANISATION_OF_ROLE = {
    Role.TEACHER: "school_id",
    Role.PARTNER: "partner_id",
    Role.COORDINATOR: "region_id",
    Role.ADMIN: None,
}

ROLE_MATCHES_ORGANISATION = (
    "(role = 'teacher' AND school_id IS NOT NULL AND partner_id IS NULL AND region_id IS NULL)"
    " OR (role = 'partner' AND partner_id IS NOT NULL AND school_id IS NULL AND region_id IS NULL)"
    " OR (role = 'coordinator' AND region_id IS NOT NULL AND school_id IS NULL AND partner_id IS NULL)"
    " OR (role = 'admin' AND school_id IS NULL AND partner_id IS NULL AND region_id IS NULL)"
)


class OrganisationRoleMixin:
    """A role plus the one organisation it is held in (none for admins)."""

    role: Mapped[Role] = mapped_column(enum_type(Role, "role"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"), index=True)

    @property
    def organisation(self) -> School | Partner | Region | None:
        return self.school or self.partner or self.region


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so the unique constraint is case-insensitive on every database.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    language: Mapped[Language] = mapped_column(enum_type(Language, "language"), default=Language.NL)
    is_active: Mapped[bool] = mapped_column(default=True)
    # Rotated on every password change: voids old reset links (sign-ins are ``LoginSession`` rows).
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=lambda: secrets.token_urlsafe(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin", order_by="Membership.id"
    )

    def __str__(self) -> str:
        return self.name

    @validates("email")
    def normalise_email(self, key, value: str) -> str:
        return value.strip().lower()

    # The sign-in this request belongs to (set at sign-in and by the user loader): what Flask-Login
    # keeps in the session cookie, so ending that sign-in ends the cookie too.
    login_token = None

    def get_id(self) -> str | None:
        return self.login_token

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])
        self.session_token = secrets.token_urlsafe(32)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def _ids(self, role: Role, column: str) -> set[int]:
        return {getattr(m, column) for m in self.memberships if m.role is role}

    @cached_property
    def is_admin(self) -> bool:
        return any(m.role is Role.ADMIN for m in self.memberships)

    @cached_property
    def coordinated_region_ids(self) -> set[int]:
        return self._ids(Role.COORDINATOR, "region_id")

    @cached_property
    def school_ids(self) -> set[int]:
        return self._ids(Role.TEACHER, "school_id")

    @cached_property
    def partner_ids(self) -> set[int]:
        return self._ids(Role.PARTNER, "partner_id")

    @property
    def roles(self) -> set[Role]:
        return {m.role for m in self.memberships}

    def forget_roles(self) -> None:
        """Drop the cached role sets after memberships change within a request."""
        for name in ("is_admin", "coordinated_region_ids", "school_ids", "partner_ids"):
            self.__dict__.pop(name, None)

    def can_edit_profile(self, user) -> bool:
        return user.is_authenticated and user.id == self.id


@event.listens_for(User, "expire")
@event.listens_for(User, "refresh")
def _forget_cached_roles(user, *args) -> None:
    if user is not None:  # the instance may already be garbage-collected when the session expires
        user.forget_roles()


class AnonymousUser(AnonymousUserMixin):
    """A visitor who is not signed in: holds no role, so every ``can_*`` answers no."""

    is_admin = False
    coordinated_region_ids: frozenset[int] = frozenset()
    school_ids: frozenset[int] = frozenset()
    partner_ids: frozenset[int] = frozenset()
    roles: frozenset[Role] = frozenset()
    memberships: tuple = ()


class LoginSession(db.Model):
    """One sign-in on one device. The session cookie carries its token; only a hash is stored, and
    deleting the row signs that device out (logout, password change, deactivation, "everywhere")."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_agent: Mapped[str | None] = mapped_column(String(200))

    user: Mapped[User] = relationship()

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class Membership(OrganisationRoleMixin, db.Model):
    __tablename__ = "memberships"
    __table_args__ = (
        CheckConstraint(ROLE_MATCHES_ORGANISATION, name="role_matches_organisation"),
        UniqueConstraint("user_id", "school_id"),
        UniqueConstraint("user_id", "partner_id"),
        UniqueConstraint("user_id", "region_id"),
        Index(
            "uq_memberships_admin_user_id",
            "user_id",
            unique=True,
            sqlite_where=text("role = 'admin'"),
            postgresql_where=text("role = 'admin'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    school: Mapped[School | None] = relationship(lazy="joined")
    partner: Mapped[Partner | None] = relationship(lazy="joined")
    region: Mapped[Region | None] = relationship(lazy="joined")


class Invitation(OrganisationRoleMixin, db.Model):
    """An emailed invitation to join an organisation in a role. Single use; expires."""

    __tablename__ = "invitations"
    __table_args__ = (CheckConstraint(ROLE_MATCHES_ORGANISATION, name="role_matches_organisation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    invited_by: Mapped[User | None] = relationship()
    school: Mapped[School | None] = relationship()
    partner: Mapped[Partner | None] = relationship()
    region: Mapped[Region | None] = relationship()

    @validates("email")
    def normalise_email(self, key, value: str) -> str:
        return value.strip().lower()

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > utcnow()

    @classmethod
    def open_condition(cls):
        """``is_open`` as a SQL condition."""
        return and_(cls.accepted_at.is_(None), cls.revoked_at.is_(None), cls.expires_at > utcnow())

    def can_revoke(self, user) -> bool:
        return self.is_open and (self.organisation.can_invite(user) if self.organisation else user.is_admin)
