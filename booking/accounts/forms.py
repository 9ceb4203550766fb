from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, RadioField, SubmitField
from wtforms.validators import EqualTo, Length

from booking.accounts.services import PASSWORD_MAX_LENGTH
from booking.core.forms import Form, choices, email_field, required, text_field


def new_password_fields():
    password = PasswordField(
        _l("Password"),
        validators=[
            required(),
            Length(max=PASSWORD_MAX_LENGTH, message=_l("Use at most %(max)d characters.")),
        ],
        description=_l("At least 10 characters. A short sentence is easy to remember and hard to guess."),
        render_kw={"autocomplete": "new-password", "maxlength": PASSWORD_MAX_LENGTH},
    )
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[required(), EqualTo("password", message=_l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


class LoginForm(Form):
    email = email_field()
    password = PasswordField(
        _l("Password"),
        validators=[required(), Length(max=PASSWORD_MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Stay signed in on this device"))
    submit = SubmitField(_l("Sign in"))


class LogoutForm(Form):
    submit = SubmitField(_l("Sign out"))


class SignOutEverywhereForm(Form):
    submit_everywhere = SubmitField(_l("Sign out everywhere"))


class InvitationForm(Form):
    email = email_field(_l("Email address of the person to invite"))
    submit = SubmitField(_l("Send invitation"))


class AcceptInvitationForm(Form):
    name = text_field(_l("Your name"), 120, render_kw={"autocomplete": "name"})
    password, confirm = new_password_fields()
    submit = SubmitField(_l("Create my account"))


class JoinForm(Form):
    submit = SubmitField(_l("Accept invitation"))


class ForgotPasswordForm(Form):
    email = email_field()
    submit = SubmitField(_l("Send reset link"))


class ResetPasswordForm(Form):
    password, confirm = new_password_fields()
    submit = SubmitField(_l("Save new password"))


class ChangePasswordForm(Form):
    current_password = PasswordField(
        _l("Current password"), validators=[required()], render_kw={"autocomplete": "current-password"}
    )
    password, confirm = new_password_fields()
    submit_password = SubmitField(_l("Change password"))


class LanguageForm(Form):
    language = RadioField(
        _l("Language"), choices=choices([("nl", "Nederlands"), ("en", "English")]), validators=[required()]
    )
    submit_language = SubmitField(_l("Save language"))


class RevokeForm(Form):
    submit = SubmitField(_l("Withdraw"))
