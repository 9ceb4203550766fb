import enum

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from booking.calendars.forms import IcsConfirmForm, IcsUploadForm
from booking.core.forms import Form, choices, email_field, none_if_empty, required, text_field
from booking.organisations.models import DayPart, EducationLevel, Grade, HolidayRegion, PartnerKind


def enum_choices(enum_class):
    return choices((member.value, member.label) for member in enum_class)


def enum_value(value):
    """Coerce for enum select fields, so ``Form(obj=model)`` shows the stored member."""
    return value.value if isinstance(value, enum.Enum) else value


def object_id(value):
    return value.id if hasattr(value, "id") else int(value)


def upper_code(value):
    return value.replace(" ", "").upper() if isinstance(value, str) else value


class RegionForm(Form):
    name = text_field(_l("Name"), 120)
    holiday_region = SelectField(
        _l("School holiday region"), choices=enum_choices(HolidayRegion), coerce=enum_value, validators=[required()]
    )
    submit = SubmitField(_l("Save"))


class RegionRulesForm(Form):
    waitlist_allows_skipping = BooleanField(
        _l("Waiting lists may skip a class that does not fit"),
        description=_l(
            "Off (the default): places that free up go to the waiting list strictly in order. "
            "On: when the first class on the list does not fit, smaller classes behind it may go first."
        ),
    )
    submit = SubmitField(_l("Save"))


class SchoolForm(Form):
    name = text_field(_l("Name"), 160)
    brin = text_field(
        _l("BRIN code"),
        4,
        filters=[upper_code],
        validators=[
            Regexp(r"^[0-9]{2}[A-Z0-9]{2}$", message=_l("A BRIN code is 2 digits and 2 letters or digits, like 02QZ."))
        ],
        description=_l("2 digits and 2 letters or digits, for example 02QZ."),
    )
    location_number = text_field(
        _l("Location number"),
        2,
        optional=True,
        validators=[Regexp(r"^[0-9]{2}$", message=_l("A location number is 2 digits, like 00 or 01."))],
        description=_l("Two digits, 00 for the main location. Optional."),
    )
    municipality = text_field(_l("Municipality"), 120)
    education_level = SelectField(
        _l("Education level"), choices=enum_choices(EducationLevel), coerce=enum_value, validators=[required()]
    )
    region_id = SelectField(_l("Region"), coerce=int, validators=[required()])
    holiday_region_override = SelectField(
        _l("School holiday region"),
        choices=choices([("", _l("Same as the region"))]) + enum_choices(HolidayRegion),
        coerce=enum_value,
        description=_l("Only if the school's municipality has other holidays than its region."),
        validators=[Optional()],
        filters=[none_if_empty],
    )
    submit = SubmitField(_l("Save"))


class SchoolClassForm(Form):
    label = text_field(_l("Class name"), 40, description=_l('As the school calls it, for example "Groep 7B".'))
    school_year = SelectField(_l("School year"), coerce=int, validators=[required()])
    grade = SelectField(_l("Grade"), coerce=enum_value, validators=[required()])
    pupils = IntegerField(
        _l("Number of pupils"),
        invalid_value_message=_l("Enter the number of pupils."),
        validators=[
            InputRequired(message=_l("Enter the number of pupils.")),
            NumberRange(min=1, max=60, message=_l("A class has between 1 and 60 pupils.")),
        ],
        render_kw={"min": 1, "max": 60, "inputmode": "numeric"},
    )
    teacher_name = text_field(_l("Teacher"), 120, optional=True, description=_l("Optional."))
    submit = SubmitField(_l("Save"))

    def set_grades(self, grades: list[Grade]) -> None:
        self.grade.choices = choices((grade.value, grade.label) for grade in grades)


class CopyClassesForm(Form):
    submit = SubmitField(_l("Copy last year's classes, one grade up"))


class DeleteForm(Form):
    submit = SubmitField(_l("Delete"))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PartnerForm(Form):
    name = text_field(_l("Name"), 160)
    kind = SelectField(_l("Kind"), choices=enum_choices(PartnerKind), coerce=enum_value, validators=[required()])
    regions = MultiCheckboxField(_l("Regions served"), coerce=object_id)
    contact_name = text_field(_l("Contact person"), 120, optional=True)
    email = email_field(_l("Email address"), optional=True)
    phone = text_field(_l("Phone"), 40, optional=True, render_kw={"autocomplete": "tel"})
    website = URLField(
        _l("Website"),
        validators=[
            Optional(),
            Length(max=255),
            Regexp(r"^https?://\S+\.\S+$", message=_l("Enter a web address starting with https://.")),
        ],
        filters=[none_if_empty],
        render_kw={"maxlength": 255, "placeholder": "https://"},
    )
    address = text_field(_l("Address"), 255, optional=True)
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=5000)],
        filters=[none_if_empty],
        render_kw={"rows": 4, "maxlength": 5000},
    )
    submit = SubmitField(_l("Save"))


class HolidayForm(Form):
    holiday_region = SelectField(
        _l("Holiday region"), choices=enum_choices(HolidayRegion), coerce=enum_value, validators=[required()]
    )
    name = text_field(_l("Name"), 80, description=_l("For example Herfstvakantie."))
    starts_on = DateField(_l("First day off"), validators=[InputRequired(message=_l("Enter a date."))])
    ends_on = DateField(_l("Last day off"), validators=[InputRequired(message=_l("Enter a date."))])
    submit = SubmitField(_l("Save"))


class HolidayImportForm(IcsUploadForm):
    holiday_region = SelectField(
        _l("Holiday region"),
        choices=enum_choices(HolidayRegion),
        coerce=enum_value,
        validators=[required()],
        description=_l("The holidays in the file are added to this region."),
    )


class HolidayImportConfirmForm(IcsConfirmForm):
    holiday_region = HiddenField(validators=[AnyOf([region.value for region in HolidayRegion])])


class BlockedDateForm(Form):
    starts_on = DateField(_l("First day"), validators=[InputRequired(message=_l("Enter a date."))])
    ends_on = DateField(_l("Last day"), validators=[Optional()], description=_l("Leave empty for a single day."))
    day_part = SelectField(
        _l("Part of the day"), choices=enum_choices(DayPart), coerce=enum_value, validators=[required()]
    )
    reason = text_field(_l("Reason"), 120, description=_l("For example Cito, study day, sports day, swimming lessons."))
    classes = MultiCheckboxField(_l("Classes"), coerce=int, description=_l("Tick none for the whole school."))
    submit = SubmitField(_l("Save"))


class MunicipalitiesForm(Form):
    municipalities = TextAreaField(
        _l("Municipalities"),
        validators=[Length(max=20_000)],
        description=_l("One per line, as DUO writes them (Utrecht, Stichtse Vecht). The school import keeps to them."),
        render_kw={"rows": 6},
    )
    submit = SubmitField(_l("Save"))


class DuoImportForm(Form):
    file = FileField(
        _l("DUO file (.csv)"),
        validators=[
            FileRequired(message=_l("Choose a .csv file.")),
            FileAllowed(["csv", "txt"], message=_l("Choose a file whose name ends in .csv.")),
        ],
        description=_l(
            "The list of school locations DUO publishes (for example “Adressen alle vestigingen”), "
            "comma- or semicolon-separated. At most 20 MB."
        ),
        render_kw={"accept": ".csv,text/csv"},
    )
    education_level = SelectField(
        _l("Education level"),
        choices=choices([("", _l("As the file says")), *((level.value, level.label) for level in EducationLevel)]),
        validators=[Optional()],
        description=_l("DUO publishes one file per sector; choose its level if the file has no column for it."),
    )
    preview = SubmitField(_l("Preview"))


class DuoConfirmForm(Form):
    upload = HiddenField(validators=[InputRequired()])
    education_level = HiddenField()
    confirm = SubmitField(_l("Import"))
