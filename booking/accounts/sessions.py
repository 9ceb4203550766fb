"""Sign-ins kept on the server: one ``LoginSession`` per device, so that ending it (logout, a new
password, a deactivated account, "sign out everywhere") makes that device's cookie worthless, even
a copy of it replayed later."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from booking.accounts.models import LoginSession, User
from booking.core.time import utcnow
from booking.extensions import db


def _live():
    """Sign-ins younger than ``LOGIN_SESSION_MAX_AGE_DAYS``; older ones no longer open anything."""
    return LoginSession.created_at > utcnow() - timedelta(days=current_app.config["LOGIN_SESSION_MAX_AGE_DAYS"])


def start(user: User, user_agent: str | None = None) -> str:
    """A new sign-in for the user; returns the token the session cookie will carry."""
    token = secrets.token_urlsafe(32)
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id, ~_live()))  # tidy up
    db.session.add(LoginSession(user=user, token_hash=LoginSession.hash(token), user_agent=(user_agent or "")[:200]))
    user.login_token = token
    return token


def user_for(token: str) -> User | None:
    """The active user a cookie's sign-in belongs to, or None once it has been ended."""
    if not token or len(token) > 100:
        return None
    user = db.session.scalar(
        select(User)
        .join(LoginSession)
        .where(LoginSession.token_hash == LoginSession.hash(token), _live(), User.is_active)
    )
    if user is not None:
        user.login_token = token
    return user


def end(user: User) -> None:
    """Sign out this device only."""
    if user.login_token:
        db.session.execute(delete(LoginSession).where(LoginSession.token_hash == LoginSession.hash(user.login_token)))
    user.login_token = None


def end_all(user: User) -> None:
    """Sign the user out on every device, this one included."""
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    user.login_token = None


def count_others(user: User) -> int:
    others = select(func.count(LoginSession.id)).where(LoginSession.user_id == user.id, _live())
    if user.login_token:
        others = others.where(LoginSession.token_hash != LoginSession.hash(user.login_token))
    return db.session.scalar(others) or 0


def deactivate(user: User) -> None:
    """The account can no longer sign in, and every sign-in it had ends now."""
    user.is_active = False
    end_all(user)
