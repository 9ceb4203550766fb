"""Pages for a school's blocked dates (study days, tests, sports days)."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from booking.calendars.forms import IcsConfirmForm, IcsUploadForm
from booking.calendars.import_steps import run_import
from booking.core.forms import choices
from booking.core.permissions import authorize, load_or_404
from booking.core.time import current_school_year
from booking.extensions import db
from booking.organisations import bp
from booking.organisations.blocked_dates import (
    day_part_of,
    delete_blocked_date,
    import_blocked_dates,
    preview_blocked_import,
    save_blocked_date,
)
from booking.organisations.forms import BlockedDateForm, DeleteForm
from booking.organisations.models import BlockedDate, DayPart, School
from booking.organisations.views import _save


def _form(school: School, blocked: BlockedDate | None) -> BlockedDateForm:
    form = BlockedDateForm(obj=blocked)
    if blocked is not None and not form.is_submitted():
        form.classes.data = [c.id for c in blocked.classes]
    years = {current_school_year()}
    if blocked is not None:
        years |= {c.school_year for c in blocked.classes}
    classes = [c for c in school.classes if c.school_year in years]
    form.classes.choices = choices((c.id, f"{c.label} ({c.school_year_label})") for c in classes)
    return form


def _chosen(form: BlockedDateForm, school: School):
    chosen = set(form.classes.data or ())
    return [c for c in school.classes if c.id in chosen]


def _edit(school: School, blocked: BlockedDate | None):
    form = _form(school, blocked)
    saved = _save(
        form,
        lambda: save_blocked_date(
            school,
            blocked,
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            day_part=DayPart(form.day_part.data),
            reason=form.reason.data,
            classes=_chosen(form, school),
        ),
        _("The blocked date has been saved."),
    )
    if saved:
        return redirect(url_for("organisations.school", school_id=school.id, _anchor="blocked-heading"))
    return render_template("organisations/blocked_date_form.html", form=form, school=school, blocked=blocked)


@bp.route("/schools/<int:school_id>/blocked-dates/new", methods=["GET", "POST"])
@login_required
def new_blocked_date(school_id):
    school = load_or_404(School, school_id)
    authorize(school.can_manage_classes(current_user))
    return _edit(school, None)


@bp.route("/blocked-dates/<int:blocked_id>/edit", methods=["GET", "POST"])
@login_required
def edit_blocked_date(blocked_id):
    blocked = load_or_404(BlockedDate, blocked_id)
    authorize(blocked.can_edit(current_user))
    return _edit(blocked.school, blocked)


@bp.post("/blocked-dates/<int:blocked_id>/delete")
@login_required
def delete_blocked(blocked_id):
    blocked = load_or_404(BlockedDate, blocked_id)
    authorize(blocked.can_edit(current_user))
    school_id, reason = blocked.school_id, blocked.reason
    if DeleteForm().validate_on_submit():
        delete_blocked_date(blocked)
        db.session.commit()
        flash(_("The blocked date %(reason)s has been deleted.", reason=reason), "success")
    return redirect(url_for("organisations.school", school_id=school_id, _anchor="blocked-heading"))


@bp.route("/schools/<int:school_id>/blocked-dates/import", methods=["GET", "POST"])
@login_required
def import_blocked(school_id):
    """Upload the school's calendar (.ics) and see which days it blocks; confirming adds them."""
    school = load_or_404(School, school_id)
    authorize(school.can_manage_classes(current_user))
    form = IcsUploadForm()
    step = run_import(
        form,
        IcsConfirmForm(),
        max_name_length=BlockedDate.__table__.c.reason.type.length,
        preview=lambda ranges: preview_blocked_import(school, ranges),
        apply=lambda ranges: import_blocked_dates(school, ranges),
        confirm_form_for=lambda packed: IcsConfirmForm(formdata=None, upload=packed),
    )
    back_url = url_for("organisations.school", school_id=school.id, _anchor="blocked-heading")
    if step.result is not None:
        flash(
            ngettext(
                "%(num)d blocked date has been added.", "%(num)d blocked dates have been added.", step.result.added
            ),
            "success",
        )
        return redirect(back_url)
    return render_template(
        "calendars/import.html",
        kind="blocked",
        school=school,
        form=form,
        confirm_form=step.confirm_form,
        rows=step.rows,
        ignored=step.ignored,
        filename=form.file.data.filename if step.rows is not None else None,
        target=school.name,
        back_url=back_url,
        day_part_of=day_part_of,
    )
