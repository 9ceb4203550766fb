"""The two steps of an .ics import: upload the file for a preview, then confirm."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField, SubmitField
from wtforms.validators import DataRequired

from booking.core.forms import Form


class IcsUploadForm(Form):
    file = FileField(
        _l("iCalendar file (.ics)"),
        validators=[
            FileRequired(message=_l("Choose an .ics file.")),
            FileAllowed(["ics"], message=_l("Choose a file whose name ends in .ics.")),
        ],
        description=_l("At most 1 MB. Calendar programs and websites offer it as an export or download."),
        render_kw={"accept": ".ics,text/calendar"},
    )
    preview = SubmitField(_l("Preview"))


class IcsConfirmForm(Form):
    """Carries the uploaded file itself (packed), so the import reads it again instead of trusting a
    list of dates sent back by the browser."""

    upload = HiddenField(validators=[DataRequired()])
    confirm = SubmitField(_l("Import"))


class FeedForm(Form):
    """Create, renew or revoke a calendar address: which one is in the URL, the form carries the CSRF token."""
