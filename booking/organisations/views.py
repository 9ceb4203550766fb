from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from booking.accounts.forms import InvitationForm, RevokeForm
from booking.accounts.models import Invitation, Membership, User
from booking.calendars.import_steps import run_import
from booking.core.database import constraint_error
from booking.core.errors import DomainError
from booking.core.forms import apply_domain_error, choices
from booking.core.permissions import authorize, load_or_404
from booking.core.time import current_school_year, school_year_label
from booking.core.urls import year_arg
from booking.extensions import db
from booking.organisations import bp, services
from booking.organisations.blocked_dates import upcoming_blocked_dates
from booking.organisations.forms import (
    CopyClassesForm,
    DeleteForm,
    HolidayForm,
    HolidayImportConfirmForm,
    HolidayImportForm,
    MunicipalitiesForm,
    PartnerForm,
    RegionForm,
    RegionRulesForm,
    SchoolClassForm,
    SchoolForm,
)
from booking.organisations.models import (
    EducationLevel,
    Grade,
    Holiday,
    HolidayRegion,
    Partner,
    PartnerKind,
    Region,
    School,
    SchoolClass,
)


def _save(form, action, success_message: str):
    """Run a service for a valid form; show a DomainError on its field. Returns the service's result
    (``True`` when it returns nothing), or ``None`` when the form or the service said no."""
    if not form.validate_on_submit():
        return None
    try:
        result = action()
        db.session.flush()
    except (DomainError, IntegrityError) as caught:
        db.session.rollback()
        error = caught if isinstance(caught, DomainError) else constraint_error(caught)
        if error is None:
            raise
        if not apply_domain_error(form, error):
            flash(error.message, "error")
        return None
    db.session.commit()
    flash(success_message, "success")
    return True if result is None else result


def _visible_regions(user) -> list[Region]:
    query = select(Region).order_by(Region.name)
    if not user.is_admin:
        query = query.where(Region.id.in_(user.coordinated_region_ids))
    return list(db.session.scalars(query))


def _people(column: str, organisation, may_invite: bool) -> dict:
    """Members of an organisation, plus its open invitations and the invite form for those who may invite."""
    members = db.session.scalars(
        select(User).join(Membership).where(getattr(Membership, column) == organisation.id).order_by(User.name)
    ).all()
    if not may_invite:
        return {"members": members}
    invitations = db.session.scalars(
        select(Invitation)
        .where(getattr(Invitation, column) == organisation.id, Invitation.open_condition())
        .order_by(Invitation.created_at.desc())
    ).all()
    return {
        "members": members,
        "invitations": invitations,
        "invitation_form": InvitationForm(),
        "revoke_form": RevokeForm(),
    }


# Regions -------------------------------------------------------------------------------------


@bp.route("/regions")
@login_required
def regions():
    authorize(current_user.is_admin or bool(current_user.coordinated_region_ids))
    school_count = select(func.count(School.id)).where(School.region_id == Region.id).scalar_subquery()
    query = select(Region, school_count).order_by(Region.name)
    if not current_user.is_admin:
        query = query.where(Region.id.in_(current_user.coordinated_region_ids))
    rows = db.session.execute(query).all()
    return render_template("organisations/regions.html", rows=rows, can_create=Region.can_create(current_user))


def _region_data(form: RegionForm) -> dict:
    return {"name": form.name.data, "holiday_region": HolidayRegion(form.holiday_region.data)}


@bp.route("/regions/new", methods=["GET", "POST"])
@login_required
def new_region():
    authorize(Region.can_create(current_user))
    form = RegionForm()
    region = _save(
        form,
        lambda: services.save_region(None, **_region_data(form)),
        _("The region has been created."),
    )
    if region:
        return redirect(url_for("organisations.region", region_id=region.id))
    return render_template("organisations/region_form.html", form=form, region=None)


@bp.route("/regions/<int:region_id>")
@login_required
def region(region_id):
    region = load_or_404(Region, region_id)
    authorize(region.can_view(current_user))
    context = _people("region_id", region, region.can_invite(current_user))
    rules_form = RegionRulesForm(obj=region) if region.can_set_rules(current_user) else None
    municipalities_form = None
    if region.can_import_schools(current_user):
        municipalities_form = MunicipalitiesForm(municipalities="\n".join(region.municipalities))
    return render_template(
        "organisations/region.html",
        region=region,
        rules_form=rules_form,
        municipalities_form=municipalities_form,
        **context,
    )


@bp.route("/regions/<int:region_id>/edit", methods=["GET", "POST"])
@login_required
def edit_region(region_id):
    region = load_or_404(Region, region_id)
    authorize(region.can_edit(current_user))
    form = RegionForm(obj=region)
    if _save(
        form,
        lambda: services.save_region(region, **_region_data(form)),
        _("The region has been saved."),
    ):
        return redirect(url_for("organisations.region", region_id=region.id))
    return render_template("organisations/region_form.html", form=form, region=region)


@bp.route("/regions/<int:region_id>/rules", methods=["POST"])
@login_required
def region_rules(region_id):
    region = load_or_404(Region, region_id)
    authorize(region.can_set_rules(current_user))
    form = RegionRulesForm()
    _save(
        form,
        lambda: services.set_region_rules(region, waitlist_allows_skipping=bool(form.waitlist_allows_skipping.data)),
        _("The waiting-list rule has been saved."),
    )
    return redirect(url_for("organisations.region", region_id=region.id))


# Schools -------------------------------------------------------------------------------------


@bp.route("/schools")
@login_required
def schools():
    authorize(current_user.is_admin or bool(current_user.coordinated_region_ids or current_user.school_ids))
    query = select(School).options(selectinload(School.region)).order_by(School.name)
    if not current_user.is_admin:
        query = query.where(
            School.region_id.in_(current_user.coordinated_region_ids) | School.id.in_(current_user.school_ids)
        )
    search = request.args.get("q", "").strip()[:100]
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(
            func.lower(School.name).like(pattern)
            | func.lower(School.municipality).like(pattern)
            | func.lower(School.brin).like(pattern)
        )
    return render_template(
        "organisations/schools.html",
        schools=db.session.scalars(query).all(),
        search=search,
        can_create=School.can_create(current_user),
    )


def _school_form(school: School | None) -> SchoolForm:
    form = SchoolForm(obj=school)
    regions = _visible_regions(current_user)
    if school is not None and school.region not in regions:
        regions.append(school.region)
    form.region_id.choices = choices((r.id, r.name) for r in regions)
    return form


def _save_school(form: SchoolForm, school: School | None):
    return services.save_school(
        school,
        name=form.name.data,
        brin=form.brin.data,
        location_number=form.location_number.data,
        municipality=form.municipality.data,
        education_level=EducationLevel(form.education_level.data),
        region=db.session.get(Region, form.region_id.data),
        holiday_region_override=HolidayRegion(form.holiday_region_override.data)
        if form.holiday_region_override.data
        else None,
    )


@bp.route("/schools/new", methods=["GET", "POST"])
@login_required
def new_school():
    authorize(School.can_create(current_user))
    form = _school_form(None)
    school = _save(form, lambda: _save_school(form, None), _("The school has been added."))
    if school:
        return redirect(url_for("organisations.school", school_id=school.id))
    return render_template("organisations/school_form.html", form=form, school=None)


@bp.route("/schools/<int:school_id>")
@login_required
def school(school_id):
    school = load_or_404(School, school_id)
    authorize(school.can_view(current_user))
    this_year = current_school_year()
    years = sorted({c.school_year for c in school.classes} | {this_year, this_year + 1}, reverse=True)
    year = year_arg()
    year = year if year in years else this_year
    context = _people("school_id", school, school.can_invite(current_user))
    return render_template(
        "organisations/school.html",
        school=school,
        year=year,
        years=[(y, school_year_label(y)) for y in years],
        classes=[c for c in school.classes if c.school_year == year],
        can_copy=year > min(years) and any(c.school_year == year - 1 for c in school.classes),
        copy_form=CopyClassesForm(),
        delete_form=DeleteForm(),
        blocked_dates=upcoming_blocked_dates(school),
        **context,
    )


@bp.route("/schools/<int:school_id>/edit", methods=["GET", "POST"])
@login_required
def edit_school(school_id):
    school = load_or_404(School, school_id)
    authorize(school.can_edit(current_user))
    form = _school_form(school)
    if _save(form, lambda: _save_school(form, school), _("The school has been saved.")):
        return redirect(url_for("organisations.school", school_id=school.id))
    return render_template("organisations/school_form.html", form=form, school=school)


# Classes -------------------------------------------------------------------------------------


def _class_form(school: School, school_class: SchoolClass | None) -> SchoolClassForm:
    form = SchoolClassForm(obj=school_class, school_year=year_arg(default=current_school_year()))
    this_year = current_school_year()
    years = sorted({this_year - 1, this_year, this_year + 1} | ({school_class.school_year} if school_class else set()))
    form.school_year.choices = choices((y, school_year_label(y)) for y in years)
    form.set_grades(school.grade_choices)
    return form


def _save_class(form: SchoolClassForm, school: School, school_class: SchoolClass | None):
    return services.save_class(
        school,
        school_class,
        school_year=form.school_year.data,
        label=form.label.data,
        grade=Grade(form.grade.data),
        pupils=form.pupils.data,
        teacher_name=form.teacher_name.data,
    )


@bp.route("/schools/<int:school_id>/classes/new", methods=["GET", "POST"])
@login_required
def new_class(school_id):
    school = load_or_404(School, school_id)
    authorize(school.can_manage_classes(current_user))
    form = _class_form(school, None)
    school_class = _save(form, lambda: _save_class(form, school, None), _("The class has been added."))
    if school_class:
        return redirect(url_for("organisations.school", school_id=school.id, year=school_class.school_year))
    return render_template("organisations/class_form.html", form=form, school=school, school_class=None)


@bp.route("/classes/<int:class_id>/edit", methods=["GET", "POST"])
@login_required
def edit_class(class_id):
    school_class = load_or_404(SchoolClass, class_id)
    authorize(school_class.can_edit(current_user))
    school = school_class.school
    form = _class_form(school, school_class)
    if _save(form, lambda: _save_class(form, school, school_class), _("The class has been saved.")):
        return redirect(url_for("organisations.school", school_id=school.id, year=school_class.school_year))
    return render_template("organisations/class_form.html", form=form, school=school, school_class=school_class)


@bp.post("/classes/<int:class_id>/delete")
@login_required
def delete_class(class_id):
    school_class = load_or_404(SchoolClass, class_id)
    authorize(school_class.can_edit(current_user))
    school_id, year, label = school_class.school_id, school_class.school_year, school_class.label
    if DeleteForm().validate_on_submit():
        services.delete_class(school_class)
        db.session.commit()
        flash(_("Class %(label)s has been deleted.", label=label), "success")
    return redirect(url_for("organisations.school", school_id=school_id, year=year))


@bp.post("/schools/<int:school_id>/classes/copy")
@login_required
def copy_classes(school_id):
    school = load_or_404(School, school_id)
    authorize(school.can_manage_classes(current_user))
    year = year_arg(default=current_school_year())
    if CopyClassesForm().validate_on_submit():
        copied = services.copy_classes(school, year - 1, year)
        db.session.commit()
        flash(
            ngettext(
                "%(num)d class copied from last school year. Check the number of pupils.",
                "%(num)d classes copied from last school year. Check the numbers of pupils.",
                copied,
            ),
            "success",
        )
    return redirect(url_for("organisations.school", school_id=school.id, year=year))


# Partners ------------------------------------------------------------------------------------


@bp.route("/partners")
@login_required
def partners():
    authorize(current_user.is_admin or bool(current_user.coordinated_region_ids or current_user.partner_ids))
    query = select(Partner).options(selectinload(Partner.regions)).order_by(Partner.name)
    if not current_user.is_admin:
        served = select(Partner.id).join(Partner.regions).where(Region.id.in_(current_user.coordinated_region_ids))
        query = query.where(Partner.id.in_(served) | Partner.id.in_(current_user.partner_ids))
    return render_template(
        "organisations/partners.html",
        partners=db.session.scalars(query).all(),
        can_create=Partner.can_create(current_user),
    )


def _partner_form(partner: Partner | None) -> tuple[PartnerForm, list[Region]]:
    form = PartnerForm(obj=partner)
    regions = _visible_regions(current_user)
    form.regions.choices = choices((r.id, r.name) for r in regions)
    return form, regions


def _save_partner(form: PartnerForm, partner: Partner | None, choosable: list[Region]):
    chosen = [r for r in choosable if r.id in (form.regions.data or [])]
    # Regions this user cannot choose are kept as they were.
    kept = [r for r in (partner.regions if partner else []) if r not in choosable]
    return services.save_partner(
        partner,
        name=form.name.data,
        kind=PartnerKind(form.kind.data),
        regions=chosen + kept,
        contact_name=form.contact_name.data,
        email=form.email.data,
        phone=form.phone.data,
        website=form.website.data,
        address=form.address.data,
        description=form.description.data,
    )


@bp.route("/partners/new", methods=["GET", "POST"])
@login_required
def new_partner():
    authorize(Partner.can_create(current_user))
    form, regions = _partner_form(None)
    partner = _save(form, lambda: _save_partner(form, None, regions), _("The partner has been added."))
    if partner:
        return redirect(url_for("organisations.partner", partner_id=partner.id))
    return render_template("organisations/partner_form.html", form=form, partner=None)


@bp.route("/partners/<int:partner_id>")
@login_required
def partner(partner_id):
    partner = load_or_404(Partner, partner_id)
    authorize(partner.can_view(current_user))
    context = _people("partner_id", partner, partner.can_invite(current_user))
    return render_template("organisations/partner.html", partner=partner, **context)


@bp.route("/partners/<int:partner_id>/edit", methods=["GET", "POST"])
@login_required
def edit_partner(partner_id):
    partner = load_or_404(Partner, partner_id)
    authorize(partner.can_edit(current_user))
    form, regions = _partner_form(partner)
    if _save(form, lambda: _save_partner(form, partner, regions), _("The partner has been saved.")):
        return redirect(url_for("organisations.partner", partner_id=partner.id))
    return render_template("organisations/partner_form.html", form=form, partner=partner)


# School holidays -----------------------------------------------------------------------------


@bp.route("/holidays")
@login_required
def holidays():
    authorize(Holiday.can_manage(current_user))
    chosen = request.args.get("region", "")
    holiday_region = next((r for r in HolidayRegion if r.value == chosen), None)
    query = select(Holiday).order_by(Holiday.starts_on, Holiday.holiday_region, Holiday.name)
    if holiday_region is not None:
        query = query.where(Holiday.holiday_region == holiday_region)
    by_year: dict[str, list[Holiday]] = {}
    for holiday in db.session.scalars(query):
        by_year.setdefault(holiday.school_year_label, []).append(holiday)
    return render_template(
        "organisations/holidays.html",
        by_year=by_year,
        holiday_regions=list(HolidayRegion),
        editable=set(Holiday.managed_regions(current_user)),
        chosen=holiday_region,
        delete_form=DeleteForm(),
    )


def _own_holiday_regions(form) -> None:
    """Offer the holiday regions the user may change, their own first (and chosen on a new form)."""
    regions = Holiday.managed_regions(current_user)
    form.holiday_region.choices = choices((region.value, region.label) for region in regions)
    asked = request.args.get("region")
    if request.method == "GET" and not form.holiday_region.data:
        form.holiday_region.data = asked if asked in {r.value for r in regions} else regions[0].value


def _own_holiday_region(value: str) -> HolidayRegion:
    """The region a confirmed import goes to, which the upload step offered: one the user may change."""
    region = HolidayRegion(value)
    if region not in Holiday.managed_regions(current_user):
        abort(403)
    return region


def _holiday_form(holiday: Holiday | None = None) -> HolidayForm:
    form = HolidayForm(obj=holiday)
    _own_holiday_regions(form)
    return form


def _save_holiday(form: HolidayForm, holiday: Holiday | None):
    return services.save_holiday(
        holiday,
        holiday_region=HolidayRegion(form.holiday_region.data),
        name=form.name.data,
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
    )


@bp.route("/holidays/new", methods=["GET", "POST"])
@login_required
def new_holiday():
    authorize(Holiday.can_manage(current_user))
    form = _holiday_form()
    holiday = _save(form, lambda: _save_holiday(form, None), _("The holiday has been added."))
    if holiday:
        return redirect(url_for("organisations.holidays", region=holiday.holiday_region.value))
    return render_template("organisations/holiday_form.html", form=form, holiday=None)


@bp.route("/holidays/<int:holiday_id>/edit", methods=["GET", "POST"])
@login_required
def edit_holiday(holiday_id):
    holiday = load_or_404(Holiday, holiday_id)
    authorize(holiday.can_edit(current_user))
    form = _holiday_form(holiday)
    if _save(form, lambda: _save_holiday(form, holiday), _("The holiday has been saved.")):
        return redirect(url_for("organisations.holidays", region=holiday.holiday_region.value))
    return render_template("organisations/holiday_form.html", form=form, holiday=holiday)


@bp.route("/holidays/<int:holiday_id>/delete", methods=["POST"])
@login_required
def delete_holiday(holiday_id):
    holiday = load_or_404(Holiday, holiday_id)
    authorize(holiday.can_edit(current_user))
    if DeleteForm().validate_on_submit():
        region = holiday.holiday_region.value
        db.session.delete(holiday)
        db.session.commit()
        flash(_("The holiday has been deleted."), "success")
        return redirect(url_for("organisations.holidays", region=region))
    return redirect(url_for("organisations.holidays"))


def _holiday_import_message(result) -> str:
    if not result.skipped_existing:
        return ngettext("%(num)d holiday has been added.", "%(num)d holidays have been added.", result.added)
    return _(
        "%(added)s; %(existing)s.",
        added=ngettext("%(num)d holiday has been added", "%(num)d holidays have been added", result.added),
        existing=ngettext("%(num)d was already there", "%(num)d were already there", result.skipped_existing),
    )


@bp.route("/holidays/import", methods=["GET", "POST"])
@login_required
def import_holidays():
    """Upload an .ics file and see what it adds; confirming reads the same file again and adds it."""
    authorize(Holiday.can_manage(current_user))
    form = HolidayImportForm()
    _own_holiday_regions(form)
    confirm_form = HolidayImportConfirmForm()
    step = run_import(
        form,
        confirm_form,
        max_name_length=Holiday.__table__.c.name.type.length,
        preview=lambda ranges: services.preview_holiday_import(HolidayRegion(form.holiday_region.data), ranges),
        apply=lambda ranges: services.import_holidays(_own_holiday_region(confirm_form.holiday_region.data), ranges),
        confirm_form_for=lambda packed: HolidayImportConfirmForm(
            formdata=None, holiday_region=form.holiday_region.data, upload=packed
        ),
    )
    if step.result is not None:
        flash(_holiday_import_message(step.result), "success")
        return redirect(url_for("organisations.holidays", region=confirm_form.holiday_region.data))
    rows, ignored, confirm_form = step.rows, step.ignored, step.confirm_form
    return render_template(
        "calendars/import.html",
        kind="holidays",
        form=form,
        confirm_form=confirm_form,
        rows=rows,
        ignored=ignored,
        filename=form.file.data.filename if rows is not None else None,
        target=HolidayRegion(form.holiday_region.data).label if rows is not None else None,
        back_url=url_for("organisations.holidays", region=form.holiday_region.data or None),
    )
