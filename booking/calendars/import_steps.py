"""The two steps every .ics import page takes, in one place: upload the file and see the preview;
confirm, and the same file (carried in the confirm form) is read again and imported.

The pages differ only in what a range becomes (a holiday of a region, a closure of a lab): they pass
``preview`` and ``apply``, which call their own service, and ``confirm_form_for``, which makes their
confirm form carrying the packed file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import flash
from flask_babel import gettext as _

from booking.calendars.imports import MAX_FILE_SIZE, DayRange, pack_upload, read_day_ranges, unpack_upload
from booking.core.errors import DomainError
from booking.core.forms import apply_domain_error
from booking.core.time import local_zone
from booking.extensions import db


@dataclass
class ImportStep:
    confirm_form: object
    rows: list | None = None  # the preview, after an upload
    ignored: list | None = None  # the parts of the file that are not imported, and why
    result: object = None  # the service's result, once confirmed and committed


def run_import(
    form,
    confirm_form,
    *,
    max_name_length: int,
    preview: Callable[[list[DayRange]], list],
    apply: Callable[[list[DayRange]], object],
    confirm_form_for: Callable[[str], object],
) -> ImportStep:
    step = ImportStep(confirm_form=confirm_form)
    if confirm_form.confirm.data:
        try:
            if not confirm_form.validate_on_submit():
                raise DomainError(_("The file got lost between the preview and the import. Upload it again."))
            upload = unpack_upload(confirm_form.upload.data)
            parsed = read_day_ranges(upload, tz=local_zone(), max_name_length=max_name_length)
            step.result = apply(parsed.ranges)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
    elif form.validate_on_submit():
        upload = form.file.data.read(MAX_FILE_SIZE + 1)
        try:
            parsed = read_day_ranges(upload, tz=local_zone(), max_name_length=max_name_length)
            step.confirm_form = confirm_form_for(pack_upload(upload))
            step.rows, step.ignored = preview(parsed.ranges), parsed.ignored
        except DomainError as error:
            step.ignored = getattr(error, "ignored", None)
            if not apply_domain_error(form, error):
                flash(error.message, "error")
    return step
