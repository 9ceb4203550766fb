"""Pages for a region's school register: its municipalities, and importing schools from DUO's file."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from booking.core.errors import DomainError
from booking.core.forms import apply_domain_error
from booking.core.permissions import authorize, load_or_404
from booking.extensions import db
from booking.organisations import bp, duo, services
from booking.organisations.forms import DuoConfirmForm, DuoImportForm, MunicipalitiesForm
from booking.organisations.models import EducationLevel, Region
from booking.organisations.views import _save


@bp.post("/regions/<int:region_id>/municipalities")
@login_required
def region_municipalities(region_id):
    region = load_or_404(Region, region_id)
    authorize(region.can_import_schools(current_user))
    form = MunicipalitiesForm()
    _save(
        form,
        lambda: services.set_municipalities(region, form.municipalities.data),
        _("The municipalities of the region have been saved."),
    )
    return redirect(url_for("organisations.region", region_id=region.id, _anchor="register-heading"))


def _level(value: str | None) -> EducationLevel | None:
    return EducationLevel(value) if value in {level.value for level in EducationLevel} else None


def _imported_message(preview: duo.Preview) -> str:
    return _(
        "%(added)s, %(updated)s.",
        added=ngettext("%(num)d school added", "%(num)d schools added", len(preview.of(duo.ADD))),
        updated=ngettext("%(num)d updated", "%(num)d updated", len(preview.of(duo.UPDATE))),
    )


@bp.route("/regions/<int:region_id>/schools/import", methods=["GET", "POST"])
@login_required
def import_schools(region_id):
    """Upload DUO's file and see what it adds and updates in the region; confirming does exactly that."""
    region = load_or_404(Region, region_id)
    authorize(region.can_import_schools(current_user))
    form, confirm_form, preview = DuoImportForm(), DuoConfirmForm(), None
    try:
        if confirm_form.confirm.data:
            if not confirm_form.validate_on_submit():
                raise DomainError(_("The file got lost between the preview and the import. Upload it again."))
            level = _level(confirm_form.education_level.data)
            result = duo.import_locations(region, duo.carried(confirm_form.upload.data), level)
            db.session.commit()
            flash(_imported_message(result), "success")
            return redirect(url_for("organisations.region", region_id=region.id))
        if form.validate_on_submit():
            locations = duo.read_locations(form.file.data.read(duo.MAX_FILE_SIZE + 1))
            level = _level(form.education_level.data)
            preview = duo.preview_import(region, locations, level)
            confirm_form = DuoConfirmForm(
                formdata=None, upload=duo.carry(preview), education_level=level.value if level else ""
            )
    except DomainError as error:
        db.session.rollback()
        preview = None
        if not apply_domain_error(form, error):
            flash(error.message, "error")
    return render_template(
        "organisations/duo_import.html",
        region=region,
        form=form,
        confirm_form=confirm_form,
        preview=preview,
        filename=form.file.data.filename if preview is not None else None,
        duo=duo,
    )
