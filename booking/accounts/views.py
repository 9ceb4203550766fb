import math
import time

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext, refresh
from flask_login import current_user, login_required, login_user, logout_user

from booking.accounts import bp, services, sessions
from booking.accounts.forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    InvitationForm,
    JoinForm,
    LanguageForm,
    LoginForm,
    LogoutForm,
    ResetPasswordForm,
    RevokeForm,
    SignOutEverywhereForm,
)
from booking.accounts.models import Invitation, Language
from booking.calendars import services as calendar_feeds
from booking.calendars.forms import FeedForm
from booking.core.errors import DomainError, render_error
from booking.core.forms import apply_domain_error
from booking.core.permissions import authorize, load_or_404, safe_next
from booking.core.ratelimit import submitted_account, submitted_account_from_address
from booking.extensions import db, limiter
from booking.organisations.models import Partner, Region, School


def _failed_login(response) -> bool:
    return request.method == "POST" and response.status_code != 302


def _login_limit(setting: str):
    return lambda: current_app.config[setting]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit("RATELIMIT_LOGIN_PER_ADDRESS"), methods=["POST"], deduct_when=_failed_login)
@limiter.limit(
    _login_limit("RATELIMIT_LOGIN_PER_ACCOUNT_AND_ADDRESS"),
    key_func=submitted_account_from_address,
    methods=["POST"],
    deduct_when=_failed_login,
)
@limiter.limit(
    _login_limit("RATELIMIT_LOGIN_PER_ACCOUNT"),
    key_func=submitted_account,
    methods=["POST"],
    deduct_when=_failed_login,
)
def login():
    if current_user.is_authenticated:
        return redirect(safe_next())
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            _sign_in(user, remember=form.remember.data)
            return redirect(safe_next())
        form.password.errors.append(_("Email address or password is not correct."))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    form = LogoutForm()
    if not current_user.is_authenticated:
        return redirect(url_for("core.home"))
    if form.validate_on_submit():
        sessions.end(current_user)
        db.session.commit()
        logout_user()
        flash(_("You are signed out."), "success")
        return redirect(url_for("core.home"))
    return render_template("accounts/logout.html", form=form)


@bp.errorhandler(429)
def too_many_attempts(error):
    """The sign-in form again, saying how long to wait (and the Retry-After header says it too)."""
    if request.endpoint != "accounts.login":
        return render_error(429)
    limit = limiter.current_limit
    seconds = max(1, math.ceil(limit.window[0] - time.time())) if limit is not None else 60
    if seconds < 60:
        wait = ngettext("%(num)d second", "%(num)d seconds", seconds)
    else:
        wait = ngettext("%(num)d minute", "%(num)d minutes", math.ceil(seconds / 60))
    message = _("Too many sign-in attempts. Wait %(wait)s and try again, or choose a new password.", wait=wait)
    form = LoginForm()
    form.password.errors = [message]
    return render_template("accounts/login.html", form=form), 429


def _sign_in(user, *, remember: bool = False) -> None:
    """A new sign-in on this device, kept on the server (see ``accounts.sessions``)."""
    sessions.start(user, request.user_agent.string)
    db.session.commit()
    session.pop("language", None)
    login_user(user, remember=remember)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token):
    try:
        invitation = services.load_invitation(token)
    except DomainError as error:
        return render_template("accounts/invitation_invalid.html", message=error.message), 410
    has_account = services.find_user(invitation.email) is not None
    if has_account:
        form = JoinForm()
        signed_in_as_invitee = current_user.is_authenticated and current_user.email == invitation.email
        if signed_in_as_invitee and form.validate_on_submit():
            try:
                services.accept_invitation(invitation, user=current_user)
            except DomainError as error:
                db.session.rollback()
                flash(error.message, "error")
            else:
                db.session.commit()
                flash(_("Welcome to %(name)s.", name=invitation.organisation.name), "success")
                return redirect(url_for("core.home"))
        return render_template(
            "accounts/invitation_join.html", invitation=invitation, form=form, signed_in_as_invitee=signed_in_as_invitee
        )
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(
                invitation,
                name=form.name.data,
                password=form.password.data,
                language=Language(_current_language()),
            )
        except DomainError as error:
            db.session.rollback()
            if not apply_domain_error(form, error):
                flash(error.message, "error")
        else:
            _sign_in(user)
            flash(_("Your account is ready. Welcome to %(name)s.", name=invitation.organisation.name), "success")
            return redirect(url_for("core.home"))
    return render_template("accounts/invitation_accept.html", invitation=invitation, form=form)


def _current_language() -> str:
    from flask_babel import get_locale

    return str(get_locale())


def _invite(organisation):
    authorize(organisation.can_invite(current_user))
    form = InvitationForm()
    if form.validate_on_submit():
        try:
            services.invite(current_user, form.email.data, organisation)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Invitation sent to %(email)s.", email=form.email.data.lower()), "success")
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
    return redirect(safe_next())


@bp.post("/schools/<int:school_id>/invitations")
@login_required
def invite_teacher(school_id):
    return _invite(load_or_404(School, school_id))


@bp.post("/partners/<int:partner_id>/invitations")
@login_required
def invite_partner_staff(partner_id):
    return _invite(load_or_404(Partner, partner_id))


@bp.post("/regions/<int:region_id>/invitations")
@login_required
def invite_coordinator(region_id):
    return _invite(load_or_404(Region, region_id))


@bp.post("/invitations/<int:invitation_id>/revoke")
@login_required
def revoke_invitation(invitation_id):
    invitation = load_or_404(Invitation, invitation_id)
    authorize(invitation.can_revoke(current_user))
    if RevokeForm().validate_on_submit():
        services.revoke_invitation(invitation)
        db.session.commit()
        flash(_("The invitation for %(email)s has been withdrawn.", email=invitation.email), "success")
    return redirect(safe_next())


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit("RATELIMIT_LOGIN_PER_ADDRESS"), methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        flash(
            _(
                "If there is an account for %(email)s, we have sent it a link to choose a new password.",
                email=form.email.data,
            ),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    try:
        services.user_for_reset_token(token)
    except DomainError as error:
        return render_template("accounts/invitation_invalid.html", message=error.message), 410
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except DomainError as error:
            db.session.rollback()
            if not apply_domain_error(form, error):
                flash(error.message, "error")
        else:
            db.session.commit()
            logout_user()
            flash(_("Your password has been changed. Sign in with your new password."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    language_form = LanguageForm(language=current_user.language.value)
    password_form = ChangePasswordForm()
    everywhere_form = SignOutEverywhereForm()
    if language_form.submit_language.data and language_form.validate_on_submit():
        services.set_language(current_user, language_form.language.data)
        db.session.commit()
        refresh()  # say it in the language just chosen
        flash(_("Your language has been saved."), "success")
        return redirect(url_for("accounts.account"))
    if password_form.submit_password.data and password_form.validate_on_submit():
        try:
            services.change_password(current_user, password_form.current_password.data, password_form.password.data)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(password_form, error)
        else:
            _sign_in(current_user._get_current_object())  # the other devices were signed out
            flash(_("Your password has been changed. You have been signed out on your other devices."), "success")
            return redirect(url_for("accounts.account"))
    if everywhere_form.submit_everywhere.data and everywhere_form.validate_on_submit():
        sessions.end_all(current_user)
        db.session.commit()
        logout_user()
        flash(_("You have been signed out on every device."), "success")
        return redirect(url_for("accounts.login"))
    return render_template(
        "accounts/account.html",
        language_form=language_form,
        password_form=password_form,
        everywhere_form=everywhere_form,
        other_sign_ins=sessions.count_others(current_user),
        calendar_offers=calendar_feeds.available_feeds(current_user),
        feed_form=FeedForm(),
    )
