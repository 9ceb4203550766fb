"""Small helpers shared by the forms of every package."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.i18n import get_translations
from wtforms.validators import DataRequired, Email, Length, Optional

from booking.core.urls import FIRST_YEAR, LAST_YEAR
from booking.core.urls import as_id as as_id


@lru_cache(maxsize=8)
def _wtforms_translations(language: str):
    return get_translations([language, "en"])


# C0 control characters: PostgreSQL refuses NUL in text, and none of them belongs in what people type.
# A text area keeps its tabs and line breaks; a one-line field its tabs.
_CONTROL_IN_LINE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Form(FlaskForm):
    """Base form: WTForms' own messages ("Not a valid choice") appear in the user's language too;
    every text field refuses control characters and every date field a date outside the years the
    application is about, whatever form they are in."""

    class Meta:
        def get_translations(self, form):
            return _wtforms_translations(str(get_locale()))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            problem = _input_problem(field)
            if problem:
                field.errors = [*field.errors, problem]
                valid = False
        return valid


def _input_problem(field):
    if isinstance(field, StringField):
        pattern = _CONTROL_IN_TEXT if isinstance(field, TextAreaField) else _CONTROL_IN_LINE
        if any(isinstance(raw, str) and pattern.search(raw) for raw in field.raw_data or ()):
            return _l("Remove the invisible control characters from this field.")
    elif isinstance(field.data, date) and not field.errors and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
        return _l("Enter a date between %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR)
    return None


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
    """A query-string filter's value, or None when it is empty (only spaces count as empty) or did not
    validate (it is then reported on the field and left out, so a mistyped filter never breaks the page)."""
    data = field.data.strip() if isinstance(field.data, str) else field.data
    if field.errors or data in (None, ""):
        return None
    return data
