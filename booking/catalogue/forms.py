import re
from datetime import time

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from booking.catalogue.models import CostType, LocationType
from booking.core.forms import Form, choices, none_if_empty, required, strip, text_field
from booking.organisations.forms import MultiCheckboxField, enum_choices, enum_value, object_id
from booking.organisations.models import Grade, HolidayRegion

WEEKDAY_LABELS = choices(
    [
        (0, _l("Monday")),
        (1, _l("Tuesday")),
        (2, _l("Wednesday")),
        (3, _l("Thursday")),
        (4, _l("Friday")),
        (5, _l("Saturday")),
        (6, _l("Sunday")),
    ]
)


def number_field(label, low: int, high: int, message, **kwargs) -> IntegerField:
    return IntegerField(
        label,
        invalid_value_message=message,
        validators=[InputRequired(message=message), NumberRange(min=low, max=high, message=message)],
        render_kw={"min": low, "max": high, "inputmode": "numeric"},
        **kwargs,
    )


def long_text(label, max_length: int, *, optional: bool = True, rows: int = 4, **kwargs) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[Optional() if optional else required(), Length(max=max_length)],
        filters=[none_if_empty if optional else strip],
        render_kw={"rows": rows, "maxlength": max_length},
        **kwargs,
    )


def optional_id(value) -> int | None:
    """Coerce for a select whose empty choice means "none"."""
    return None if value in (None, "") else int(value)


def parse_euros(value) -> int | None:
    """Cents from what people type for a price: "12,50", "12.50", "€ 12", "1.250,00".

    "1,250.00" is refused rather than guessed: in Dutch the comma is the decimal separator.
    """
    if value is None or not str(value).strip():
        return None
    text = str(value).replace("€", "").replace("EUR", "").replace(" ", "").strip()
    if re.fullmatch(r"\d{1,3}(\.\d{3})+(,\d{1,2})?", text):
        text = text.replace(".", "").replace(",", ".")
    else:
        text = text.replace(",", ".")
    match = re.fullmatch(r"(\d{1,6})(?:\.(\d{1,2}))?", text)
    if not match:
        raise ValueError(text)
    return int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))


class ActivityForm(Form):
    title = text_field(_l("Title"), 120)
    summary = long_text(
        _l("Summary"), 300, optional=False, rows=2, description=_l("One or two sentences, shown in the catalogue.")
    )
    description = long_text(_l("Description"), 5000, optional=False, rows=8)
    themes = MultiCheckboxField(_l("Themes"), coerce=int)
    grades = MultiCheckboxField(_l("Grades"), coerce=enum_value, choices=choices((g.value, g.label) for g in Grade))
    duration_minutes = number_field(
        _l("Duration in minutes"), 10, 1440, _l("Enter a duration between 10 and 1440 minutes.")
    )
    min_pupils = number_field(_l("Minimum pupils per class"), 1, 60, _l("Enter a number between 1 and 60."))
    max_pupils = number_field(_l("Maximum pupils per class"), 1, 60, _l("Enter a number between 1 and 60."))
    location_type = RadioField(
        _l("Where"), choices=enum_choices(LocationType), coerce=enum_value, validators=[required()]
    )
    address = text_field(
        _l("Address"), 255, optional=True, description=_l("Needed when the class comes to you or to a technieklokaal.")
    )
    lab_id = SelectField(
        _l("Lab"),
        coerce=optional_id,
        validators=[Optional()],
        description=_l("The technieklokaal room it takes place in; its slots come from the lab's timetable."),
    )
    series_length = IntegerField(
        _l("Lessons in a series"),
        invalid_value_message=_l("Enter a number between 1 and 20."),
        # Only shown to partners with a lab; left out, it means single visits.
        validators=[Optional(), NumberRange(min=1, max=20, message=_l("Enter a number between 1 and 20."))],
        render_kw={"min": 1, "max": 20, "inputmode": "numeric"},
        description=_l(
            "A class books this many lessons at once, one a week (a lab's lesson series). 1 for single visits."
        ),
    )
    cost_type = RadioField(_l("Cost"), choices=enum_choices(CostType), coerce=enum_value, validators=[required()])
    cost = StringField(
        _l("Price in euros"),
        filters=[strip],
        description=_l("For example 4,50. Leave empty when the activity is free."),
        render_kw={"inputmode": "decimal", "maxlength": 12},
    )
    preparation_notes = long_text(
        _l("Preparation for the teacher"), 2000, description=_l("What the teacher or class should do beforehand.")
    )
    accessibility_notes = long_text(
        _l("Accessibility"), 2000, description=_l("Wheelchair access, quiet room, sensory load, and so on.")
    )
    booking_closes_days = number_field(
        _l("Bookings close this many days before"), 0, 180, _l("Enter a number of days between 0 and 180.")
    )
    free_cancellation_days = number_field(
        _l("Free cancellation until this many days before"), 0, 180, _l("Enter a number of days between 0 and 180.")
    )
    requires_confirmation = BooleanField(_l("I confirm each booking request myself"))
    regions = MultiCheckboxField(_l("Regions where you offer it"), coerce=object_id)
    is_open_to_all_regions = BooleanField(
        _l("Schools of other regions may book it too"),
        description=_l("Otherwise only schools in the regions above book it; their coordinators fund the programme."),
    )
    submit = SubmitField(_l("Save"))

    def validate_lab_id(self, field):
        if field.data is not None and self.location_type.data != LocationType.TECHNIEKLOKAAL.value:
            raise ValidationError(_l("Only an activity in a technieklokaal takes place in a lab."))

    def validate_cost(self, field):
        try:
            cents = parse_euros(field.data)
        except ValueError:
            raise ValidationError(_l("Enter an amount in euros, like 4,50.")) from None
        self.cost_cents = cents or 0
        if self.cost_type.data != CostType.FREE.value and not cents:
            raise ValidationError(_l("Enter the price, or choose free."))


class TransitionForm(Form):
    comment = long_text(_l("Comment"), 2000, rows=3)


class SessionForm(Form):
    day = DateField(_l("Date"), validators=[InputRequired(message=_l("Enter a date."))])
    start_time = TimeField(_l("Start"), validators=[InputRequired(message=_l("Enter a start time."))])
    end_time = TimeField(_l("End"), validators=[InputRequired(message=_l("Enter an end time."))])
    place = text_field(_l("Place"), 200, description=_l("Room or address where the class goes."))
    capacity_pupils = number_field(_l("Places (pupils)"), 1, 1000, _l("Enter a number of pupils between 1 and 1000."))
    max_classes = number_field(_l("Classes at once"), 1, 40, _l("Enter a number of classes between 1 and 40."))
    submit = SubmitField(_l("Save"))


TIMES_PATTERN = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*[-–]\s*(\d{1,2})[:.](\d{2})\s*$")


def parse_times(value: str) -> list[tuple[time, time]]:
    """Time ranges such as "09:00-11:30, 13:00-15:00"."""
    ranges = []
    for part in re.split(r"[,;\n]", value or ""):
        if not part.strip():
            continue
        match = TIMES_PATTERN.match(part)
        if not match:
            raise ValueError(part)
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        ranges.append((time(h1, m1), time(h2, m2)))
    return ranges


class WeeklySessionsForm(Form):
    first_day = DateField(_l("First date"), validators=[InputRequired(message=_l("Enter a date."))])
    last_day = DateField(_l("Last date"), validators=[InputRequired(message=_l("Enter a date."))])
    weekdays = MultiCheckboxField(_l("Weekdays"), coerce=int, choices=WEEKDAY_LABELS)
    times = StringField(
        _l("Times"),
        validators=[InputRequired(message=_l("Enter at least one time, like 09:00-11:30."))],
        filters=[strip],
        description=_l("Start and end, several separated by commas: 09:00-11:30, 13:00-15:00"),
        render_kw={"maxlength": 200, "placeholder": "09:00-11:30"},
    )
    place = text_field(_l("Place"), 200)
    capacity_pupils = number_field(_l("Places (pupils)"), 1, 1000, _l("Enter a number of pupils between 1 and 1000."))
    max_classes = number_field(_l("Classes at once"), 1, 40, _l("Enter a number of classes between 1 and 40."))
    holiday_region = SelectField(
        _l("Skip the school holidays of"),
        choices=[*enum_choices(HolidayRegion), *choices([("", _l("Do not skip holidays"))])],
        coerce=enum_value,
        filters=[none_if_empty],
        validators=[Optional()],
    )
    preview = SubmitField(_l("Preview"))
    create = SubmitField(_l("Create these sessions"))

    def validate_times(self, field):
        try:
            self.time_ranges = parse_times(field.data)
        except ValueError:
            raise ValidationError(_l("Write times as 09:00-11:30, several separated by commas.")) from None
        if not self.time_ranges:
            raise ValidationError(_l("Enter at least one time, like 09:00-11:30."))
        if len(self.time_ranges) > 8:
            raise ValidationError(_l("Enter at most 8 times."))

    def validate_weekdays(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one weekday."))


class ThemeForm(Form):
    name = text_field(_l("Name"), 60)
    submit = SubmitField(_l("Save"))


class CatalogueFilterForm(Form):
    """The catalogue's filters, read from the query string so a search can be shared as a link."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), filters=[strip], render_kw={"maxlength": 100, "type": "search"})
    theme = SelectField(_l("Theme"), coerce=str, validators=[Optional()])
    grade = SelectField(
        _l("Grade"),
        choices=choices([("", _l("All grades"))]) + choices((g.value, g.label) for g in Grade),
        validators=[Optional()],
    )
    location = SelectField(
        _l("Where"),
        choices=choices([("", _l("Anywhere"))]) + enum_choices(LocationType),
        validators=[Optional()],
    )
    region = SelectField(_l("Region"), coerce=str, validators=[Optional()])
    date_from = DateField(_l("From"), name="from", validators=[Optional()])
    date_to = DateField(_l("Until"), name="to", validators=[Optional()])
    free = BooleanField(_l("Only with free places"))
