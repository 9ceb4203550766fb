from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, SubmitField, TimeField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from booking.bookings.forms import BookingForm, coerce_id
from booking.catalogue.forms import WEEKDAY_LABELS, long_text, number_field
from booking.core.forms import Form, email_field, required, strip, text_field
from booking.labs.grid import parse_week
from booking.organisations.forms import MultiCheckboxField, enum_choices, enum_value
from booking.organisations.models import HolidayRegion


class LabForm(Form):
    name = text_field(_l("Name"), 120, description=_l('As schools know the room, for example "Lokaal 1".'))
    address = text_field(_l("Address"), 255)
    capacity_pupils = number_field(
        _l("Places (pupils)"), 1, 60, _l("Enter a number of pupils between 1 and 60."), default=32
    )
    classes_at_once = number_field(
        _l("Classes at once"), 1, 4, _l("Enter a number of classes between 1 and 4."), default=1
    )
    holiday_region = SelectField(
        _l("School holiday region"),
        choices=enum_choices(HolidayRegion),
        coerce=enum_value,
        validators=[required()],
        description=_l("The lab closes in the school holidays of this region."),
    )
    equipment = long_text(_l("Equipment"), 2000, description=_l("Machines and tools a class can use."))
    contact_name = text_field(_l("Contact person"), 120, optional=True)
    contact_phone = text_field(_l("Phone"), 40, optional=True, render_kw={"autocomplete": "tel"})
    contact_email = email_field(_l("Email address"), optional=True)
    submit = SubmitField(_l("Save"))


class PeriodForm(Form):
    """One period on several weekdays at once: Monday–Friday "ochtend" 08:30–11:30."""

    school_year = SelectField(_l("School year"), coerce=int, validators=[required()])
    weekdays = MultiCheckboxField(_l("Weekdays"), coerce=int, choices=WEEKDAY_LABELS)
    name = text_field(_l("Name"), 40, description=_l('For example "ochtend" or "middag".'))
    starts_at = TimeField(_l("Start"), validators=[InputRequired(message=_l("Enter a start time."))])
    ends_at = TimeField(_l("End"), validators=[InputRequired(message=_l("Enter an end time."))])
    add_period = SubmitField(_l("Add period"))


class ClosureForm(Form):
    starts_on = DateField(_l("First day closed"), validators=[InputRequired(message=_l("Enter a date."))])
    ends_on = DateField(_l("Last day closed"), validators=[InputRequired(message=_l("Enter a date."))])
    reason = text_field(_l("Reason"), 200, description=_l("For example: maintenance, exam week."))
    add_closure = SubmitField(_l("Add closure"))


class SlotsForm(Form):
    activity = SelectField(_l("Activity"), coerce=int, validators=[required()])
    school_year = SelectField(_l("School year"), coerce=int, validators=[required()])
    preview = SubmitField(_l("Preview"))
    create = SubmitField(_l("Create these slots"))


class SeriesForm(BookingForm):
    """A class's lesson series: the class and its numbers (as for one booking), a weekday and
    period of the timetable, and the week of the first lesson."""

    period = SelectField(_l("Day and period"), coerce=coerce_id, validators=[required(_l("Choose a day and period."))])
    first_week = StringField(
        _l("First week"),
        filters=[strip],
        validators=[
            InputRequired(message=_l("Choose the week of the first lesson.")),
        ],
        render_kw={"type": "week"},
        description=_l("The series runs weekly from this week; holidays and closed days are skipped."),
    )
    expected = HiddenField()
    propose = SubmitField(_l("Show the proposal"))
    confirm = SubmitField(_l("Book these lessons"))

    def validate_first_week(self, field):
        if parse_week(field.data) is None:
            raise ValidationError(_l("Choose a week, like 2027-W05."))


class SeriesCancelForm(Form):
    reason = long_text(
        _l("Reason"),
        1000,
        rows=3,
        description=_l("Needed after the free cancellation period, and always when the lab or a coordinator cancels."),
    )
    submit = SubmitField(_l("Cancel the series"))


class MoveForm(Form):
    target = SelectField(_l("New slot"), coerce=coerce_id, validators=[required(_l("Choose a slot."))])
    reason = long_text(_l("Message to the school"), 1000, rows=3, description=_l("Why the lesson moves."))
    submit = SubmitField(_l("Move the lesson"))


class LabQuotaForm(Form):
    school = SelectField(_l("School"), coerce=coerce_id, validators=[required(_l("Choose a school."))])
    school_year = SelectField(_l("School year"), coerce=int, validators=[required()])
    max_lessons = IntegerField(
        _l("Maximum lessons (dagdelen)"),
        invalid_value_message=_l("Enter a number from 0 to 500, or leave it empty."),
        validators=[
            Optional(),
            NumberRange(min=0, max=500, message=_l("Enter a number from 0 to 500, or leave it empty.")),
        ],
        render_kw={"min": 0, "max": 500, "inputmode": "numeric"},
        description=_l("Empty means no limit."),
    )
    submit = SubmitField(_l("Save quota"))
