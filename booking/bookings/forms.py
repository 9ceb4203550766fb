from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional, Regexp

from booking.bookings.models import BookingStatus
from booking.catalogue.forms import long_text, number_field
from booking.core.forms import Form, choices, required, strip, text_field
from booking.organisations.forms import enum_choices


def coerce_id(value):
    """A forged, non-numeric id is simply not one of the choices."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


class BookingForm(Form):
    school_class = SelectField(
        _l("Class"),
        coerce=coerce_id,
        validators=[required(_l("Choose a class."))],
        description=_l("Missing a class? Add it on your school's page first."),
    )
    pupils = number_field(
        _l("Pupils"),
        1,
        60,
        _l("Enter the number of pupils who come, from 1 to 60."),
        description=_l("Taken from the class; lower it if not everyone comes."),
    )
    # The class the pupil count was taken from: when another class is chosen and the count was not
    # changed, it follows the new class (``offer_classes``), with or without JavaScript.
    pupils_from = HiddenField()
    adults = number_field(_l("Accompanying adults"), 0, 20, _l("Enter the number of adults, from 0 to 20."))
    contact_phone = text_field(
        _l("Contact phone on the day"),
        40,
        optional=True,
        validators=[Regexp(r"^\+?[0-9 ()-]{6,}$", message=_l("Enter a phone number, like 030 123 45 67."))],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    notes = long_text(
        _l("Notes and special needs"),
        2000,
        description=_l("For example a wheelchair user, allergies, or a late arrival. Never pupils' names."),
    )
    despite_blocked = BooleanField(
        _l("Book anyway"),
        description=_l("Only for a class that cannot come that day (see the school's blocked dates)."),
    )
    submit = SubmitField(_l("Book"))
    join_waitlist = SubmitField(_l("Join the waiting list"))


class StepForm(Form):
    reason = long_text(_l("Reason"), 1000, rows=3)


class CancelSessionForm(Form):
    reason = long_text(
        _l("Reason"), 1000, rows=3, description=_l("Every school with a booking gets this in its email.")
    )
    submit = SubmitField(_l("Cancel session"))


class EvaluationForm(Form):
    rating = RadioField(
        _l("Rating"),
        choices=choices((value, str(value)) for value in range(1, 6)),
        coerce=coerce_id,
        validators=[InputRequired(message=_l("Choose a rating from 1 to 5."))],
        description=_l("1 is poor, 5 is excellent."),
    )
    comment = long_text(_l("Comment"), 2000, rows=4, description=_l("What went well, and what could be better?"))
    submit = SubmitField(_l("Send evaluation"))


class QuotaForm(Form):
    school_year = SelectField(_l("School year"), coerce=coerce_id, validators=[required()])
    max_bookings = IntegerField(
        _l("Maximum bookings"),
        validators=[Optional(), NumberRange(min=0, max=10000, message=_l("Enter a number from 0 to 10000."))],
        description=_l("Leave empty for no limit."),
        render_kw={"min": 0, "inputmode": "numeric"},
    )
    submit = SubmitField(_l("Save quota"))


class RegionFilterForm(Form):
    """The coordinator's filters, read from the query string so the CSV export uses the same ones."""

    class Meta:
        csrf = False

    q = StringField(_l("Activity"), filters=[strip], render_kw={"maxlength": 100, "type": "search"})
    status = SelectField(
        _l("Status"),
        choices=choices([("", _l("All statuses"))]) + enum_choices(BookingStatus),
        validators=[Optional()],
    )
    school = SelectField(_l("School"), coerce=str, validators=[Optional()])
    partner = SelectField(_l("Partner"), coerce=str, validators=[Optional()])
    date_from = DateField(_l("From"), name="from", validators=[Optional()])
    date_to = DateField(_l("Until"), name="to", validators=[Optional()])


def class_size(activity, school_class) -> int:
    """How many pupils of a class come, unless the teacher lowers it: the class, up to the activity's maximum."""
    return min(school_class.pupils, activity.max_pupils)


def offer_classes(form, classes, activity, describe, preferred_id=None) -> list:
    """Offer the classes whose grade the activity is for, and keep the pupil count with the class.

    On a new form the preferred (or first) class is chosen and its size filled in. On a submitted
    form whose class changed while the count still was the old class's size, the count becomes the
    new class's size: choosing Groep 8A (29 pupils) books 29, not the 27 of the class shown first.
    A count the teacher typed stays as typed (and is checked against the class). The options carry
    their size, so app.js updates the field at once where JavaScript runs.
    """
    offered = [c for c in classes if c.grade in activity.grades]
    form.school_class.choices = [
        SelectChoice(c.id, describe(c), render_kw={"data-pupils": class_size(activity, c)}) for c in offered
    ]
    form.school_class.render_kw = {"data-pupils-field": form.pupils.id, "data-pupils-from": form.pupils_from.id}
    by_id = {c.id: c for c in offered}
    if not form.is_submitted():
        chosen = by_id.get(preferred_id) or (offered[0] if offered else None)
        if chosen is not None:
            form.school_class.data = chosen.id
            form.pupils.data = class_size(activity, chosen)
            form.pupils_from.data = str(chosen.id)
        return offered
    chosen = by_id.get(form.school_class.data)
    before = by_id.get(coerce_id(form.pupils_from.data))
    untouched = before is not None and form.pupils.data == class_size(activity, before)
    if chosen is not None and chosen is not before and untouched:
        form.pupils.data = class_size(activity, chosen)
    if chosen is not None:
        form.pupils_from.data = str(chosen.id)
    return offered
