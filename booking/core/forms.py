"""Small helpers shared by the forms of every package."""

from __future__ import annotations

from functools import lru_cache

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.i18n import get_translations
from wtforms.validators import DataRequired, Email, Length, Optional


@lru_cache(maxsize=8)
def _wtforms_translations(language: str):
    return get_translations([language, "en"])


class Form(FlaskForm):
    """Base form: WTForms' own messages ("Not a valid choice") appear in the user's language too."""

    class Meta:
        def get_translations(self, form):
            return _wtforms_translations(str(get_locale()))


def strip(value):
    return value.strip() if isinstance(value, str) else value


def none_if_empty(value):
    value = strip(value)
    return value or None


def choices(pairs) -> list[SelectChoice]:
    """Options for select and radio fields from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def required(message=None):
    return DataRequired(message=message or _l("This field is required."))


def text_field(
    label, max_length: int, *, optional: bool = False, validators=(), filters=(), render_kw=None, **kwargs
) -> StringField:
    """A one-line text field: trimmed, required unless optional, and never longer than its column."""
    return StringField(
        label,
        validators=[Optional() if optional else required(), Length(max=max_length), *validators],
        filters=[*filters, none_if_empty if optional else strip],
        render_kw={"maxlength": max_length, **(render_kw or {})},
        **kwargs,
    )


def email_field(label=None, *, optional: bool = False) -> EmailField:
    return EmailField(
        label or _l("Email address"),
        validators=[
            Optional() if optional else required(),
            Length(max=254),
            Email(message=_l("Enter a valid email address, like name@school.nl."), check_deliverability=False),
        ],
        filters=[none_if_empty if optional else strip],
        render_kw={"maxlength": 254, "autocomplete": "email"},
    )


def apply_domain_error(form, error) -> bool:
    """Show a DomainError on its field when it names one; returns whether it did."""
    field = getattr(form, error.field, None) if error.field else None
    if field is None:
        return False
    field.errors = [*field.errors, error.message]
    return True


def filter_value(field):
    """A query-string filter's value, or None when it is empty or did not validate (it is then
    reported on the field and left out, so a mistyped filter never breaks the page)."""
    if field.errors or field.data in (None, ""):
        return None
    return field.data


def as_id(value) -> int | None:
    return int(value) if value is not None and str(value).isdigit() else None
