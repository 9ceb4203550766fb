"""Account operations: sign-in, invitations, password reset, preferences."""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from booking.accounts import sessions
from booking.accounts.models import ORGANISATION_OF_ROLE, Invitation, Language, Membership, Role, User
from booking.core.database import refuse_duplicate
from booking.core.errors import DomainError
from booking.core.outbox import queue_email
from booking.core.time import utcnow
from booking.extensions import db
from booking.organisations.models import Partner, Region, School

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 128
COMMON_PASSWORDS = frozenset(
    [
        "1234567890",
        "12345678910",
        "0123456789",
        "1111111111",
        "0000000000",
        "qwertyuiop",
        "asdfghjkl1",
        "password12",
        "password123",
        "password1234",
        "wachtwoord",
        "welkom1234",
        "welkom12345",
        "wachtwoord1",
        "wachtwoord123",
        "iloveyou12",
        "abcdefghij",
        "abc1234567",
        "qwerty1234",
        "qwerty12345",
        "1q2w3e4r5t",
        "zaq12wsxcde",
        "letmein123",
        "administrator",
        "techniekrooster",
        "techniek123",
        "school1234",
        "leerkracht",
        "docent1234",
        "changeme12",
    ]
)


@cache
def _dummy_hash() -> str:
    """Checked when no account matches, so a wrong email costs as much time as a wrong password."""
    return generate_password_hash("not-a-real-password", method=current_app.config["PASSWORD_HASH_METHOD"])


ROLE_OF_ORGANISATION = {School: Role.TEACHER, Partner: Role.PARTNER, Region: Role.COORDINATOR}


def password_problem(password: str, email: str = "", name: str = "") -> str | None:
    """Why a new password is not acceptable, or None. Length and guessability, no composition rules."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return _("Use at least %(n)d characters.", n=PASSWORD_MIN_LENGTH)
    if len(password) > PASSWORD_MAX_LENGTH:
        return _("Use at most %(n)d characters.", n=PASSWORD_MAX_LENGTH)
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) < 4:
        return _("This password is too easy to guess. Try a short sentence or several words.")
    local_part = email.split("@")[0].lower()
    if (local_part and len(local_part) >= 4 and local_part in lowered) or (name and lowered == name.lower()):
        return _("Do not use your name or email address in your password.")
    return None


def _check_password(password: str, email: str = "", name: str = "") -> None:
    problem = password_problem(password, email, name)
    if problem:
        raise DomainError(problem, field="password")


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None; never says which part was wrong."""
    user = find_user(email)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    user.last_login_at = utcnow()
    return user


def create_user(email: str, name: str, password: str, language: Language = Language.NL) -> User:
    if find_user(email) is not None:
        raise DomainError(_("There is already an account with this email address."), field="email")
    _check_password(password, email, name)
    user = User(email=email, name=name.strip(), language=language)
    user.set_password(password)
    with refuse_duplicate("users", "email", message=_("There is already an account with this email address."),
                          field="email"):  # fmt: skip
        db.session.add(user)
    return user


def add_membership(user: User, role: Role, organisation=None) -> Membership:
    """Give the user a role in an organisation; a role they already hold is kept as it is."""
    column = ORGANISATION_OF_ROLE[role]
    for existing in user.memberships:
        if existing.role is role and (column is None or getattr(existing, column) == organisation.id):
            return existing
    membership = Membership(role=role)
    if column:
        setattr(membership, column.removesuffix("_id"), organisation)
    user.memberships.append(membership)
    user.forget_roles()
    return membership


def create_admin(email: str, name: str, password: str) -> User:
    user = find_user(email)
    if user is None:
        user = create_user(email, name, password)
    add_membership(user, Role.ADMIN)
    return user


# Invitations ---------------------------------------------------------------------------------


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=salt)


def invitation_token(invitation: Invitation) -> str:
    return _serializer("invitation").dumps(invitation.id)


def invite(inviter: User, email: str, organisation: School | Partner | Region) -> Invitation:
    """Invite someone to an organisation in the role that organisation has (teacher, partner,
    coordinator). An earlier open invitation for the same place is replaced."""
    role = ROLE_OF_ORGANISATION[type(organisation)]
    column = ORGANISATION_OF_ROLE[role]
    email = email.strip().lower()
    existing = find_user(email)
    if existing is not None and any(getattr(m, column) == organisation.id for m in existing.memberships):
        raise DomainError(_("%(email)s is already a member of %(name)s.", email=email, name=organisation.name))
    now = utcnow()
    for earlier in db.session.scalars(
        select(Invitation).where(
            Invitation.email == email,
            getattr(Invitation, column) == organisation.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    ):
        earlier.revoked_at = now
    invitation = Invitation(
        email=email,
        role=role,
        invited_by=inviter,
        expires_at=now + timedelta(days=current_app.config["INVITATION_MAX_AGE_DAYS"]),
    )
    setattr(invitation, column.removesuffix("_id"), organisation)
    db.session.add(invitation)
    db.session.flush()
    language = existing.language.value if existing else inviter.language.value
    queue_email(
        email,
        _l("Invitation to Techniekrooster"),
        "invitation",
        language,
        invitation=invitation,
        inviter=inviter,
        organisation=organisation,
        has_account=existing is not None,
        link=url_for("accounts.accept_invitation", token=invitation_token(invitation), _external=True),
        days=current_app.config["INVITATION_MAX_AGE_DAYS"],
    )
    return invitation


def load_invitation(token: str) -> Invitation:
    """The open invitation behind a link, or a DomainError that says why it cannot be used."""
    max_age = timedelta(days=current_app.config["INVITATION_MAX_AGE_DAYS"]).total_seconds()
    try:
        invitation_id = _serializer("invitation").loads(token, max_age=max_age)
    except SignatureExpired:
        raise DomainError(_("This invitation has expired. Ask for a new one.")) from None
    except BadSignature:
        raise DomainError(_("This invitation link is not valid. Check that you copied it completely.")) from None
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.revoked_at is not None:
        raise DomainError(_("This invitation has been withdrawn. Ask for a new one."))
    if invitation.accepted_at is not None:
        raise DomainError(_("This invitation has already been used. Sign in with your account."))
    if invitation.expires_at <= utcnow():
        raise DomainError(_("This invitation has expired. Ask for a new one."))
    return invitation


def accept_invitation(
    invitation: Invitation, *, user: User | None = None, name: str = "", password: str = "", language=None
) -> User:
    """Join the organisation: as the signed-in user whose address was invited, or as a new account.

    The invitation is claimed first with one conditional UPDATE, so of two requests at once (a double
    click, two tabs) one joins and the other finds it used: done already for the signed-in invitee."""
    if user is not None and user.email != invitation.email:
        raise DomainError(
            _("This invitation is for %(email)s. Sign out and open the link again.", email=invitation.email)
        )
    claimed = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None))
        .values(accepted_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(invitation)
    if not claimed:
        if user is not None and _is_member(user, invitation):
            return user
        raise DomainError(_("This invitation has already been used. Sign in with your account."))
    if user is None:
        user = create_user(invitation.email, name, password, language or Language.NL)
    add_membership(user, invitation.role, invitation.organisation)
    return user


def _is_member(user: User, invitation: Invitation) -> bool:
    column = ORGANISATION_OF_ROLE[invitation.role]
    return db.session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(Membership.user_id == user.id, Membership.role == invitation.role,
               getattr(Membership, column) == getattr(invitation, column))
    ) > 0  # fmt: skip


def revoke_invitation(invitation: Invitation) -> None:
    invitation.revoked_at = utcnow()


# Passwords and preferences -------------------------------------------------------------------


def password_reset_token(user: User) -> str:
    """Signed with the user's session token, so it stops working once the password changes."""
    return _serializer("password-reset").dumps({"user": user.id, "session": user.session_token[:16]})


def request_password_reset(email: str) -> None:
    """Mail a reset link if an active account exists; the caller answers the same either way."""
    user = find_user(email)
    if user is None or not user.is_active:
        return
    hours = current_app.config["PASSWORD_RESET_MAX_AGE_HOURS"]
    queue_email(
        user.email,
        _l("Reset your Techniekrooster password"),
        "password_reset",
        user.language.value,
        user=user,
        link=url_for("accounts.reset_password", token=password_reset_token(user), _external=True),
        hours=hours,
    )


def user_for_reset_token(token: str) -> User:
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE_HOURS"] * 3600
    invalid = _("This reset link is not valid any more. Ask for a new one.")
    try:
        payload = _serializer("password-reset").loads(token, max_age=max_age)
    except BadSignature:  # includes SignatureExpired
        raise DomainError(invalid) from None
    user = db.session.get(User, payload.get("user")) if isinstance(payload, dict) else None
    if user is None or not user.is_active or user.session_token[:16] != payload.get("session"):
        raise DomainError(invalid)
    return user


def reset_password(token: str, password: str) -> User:
    """A new password ends every sign-in: whoever used the old one is out too."""
    user = user_for_reset_token(token)
    _check_password(password, user.email, user.name)
    user.set_password(password)
    sessions.end_all(user)
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not user.check_password(current_password):
        raise DomainError(_("Your current password is not correct."), field="current_password")
    _check_password(new_password, user.email, user.name)
    user.set_password(new_password)
    sessions.end_all(user)  # every other device signs in again; the caller starts this one anew


def set_language(user: User, language: str) -> None:
    user.language = Language(language)
