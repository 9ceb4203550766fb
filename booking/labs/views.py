from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from booking.core.errors import DomainError
from booking.core.forms import apply_domain_error, choices
from booking.core.permissions import authorize, load_or_404
from booking.core.time import current_school_year, school_year_label
from booking.extensions import db
from booking.labs import bp, services
from booking.labs.forms import ClosureForm, LabForm, PeriodForm, SlotsForm
from booking.labs.models import WEEKDAY_NAMES, Lab, LabClosure, LabPeriod
from booking.organisations.forms import DeleteForm
from booking.organisations.models import HolidayRegion, Partner, Region
from booking.organisations.views import _save


@bp.app_template_global()
def may_open_labs(user) -> bool:
    """For the menu link to the labs overview."""
    return Lab.can_list(user)


def _managed_partners(user) -> list[Partner]:
    """Partners whose labs the user keeps: their own, and those serving the regions they coordinate."""
    query = select(Partner).order_by(Partner.name)
    if not user.is_admin:
        served = select(Partner.id).join(Partner.regions).where(Region.id.in_(user.coordinated_region_ids))
        query = query.where(Partner.id.in_(user.partner_ids) | Partner.id.in_(served))
    return list(db.session.scalars(query))


def _school_years(lab: Lab) -> list[int]:
    this_year = current_school_year()
    return sorted({period.school_year for period in lab.periods} | {this_year, this_year + 1})


# Labs ----------------------------------------------------------------------------------------


@bp.route("/labs")
@login_required
def labs():
    partners = _managed_partners(current_user)
    all_labs = db.session.scalars(
        select(Lab).where(Lab.partner_id.in_([p.id for p in partners])).order_by(Lab.name)
    ).all()
    authorize(bool(all_labs) or Lab.can_list(current_user))
    by_partner = [
        (partner, [lab for lab in all_labs if lab.partner_id == partner.id], Lab.can_create_for(partner, current_user))
        for partner in partners
    ]
    return render_template(
        "labs/labs.html", by_partner=[row for row in by_partner if row[1] or row[2]], year=current_school_year()
    )


def _lab_data(form: LabForm) -> services.LabData:
    return services.LabData(
        name=form.name.data,
        address=form.address.data,
        capacity_pupils=form.capacity_pupils.data,
        classes_at_once=form.classes_at_once.data,
        holiday_region=HolidayRegion(form.holiday_region.data),
        equipment=form.equipment.data,
        contact_name=form.contact_name.data,
        contact_phone=form.contact_phone.data,
        contact_email=form.contact_email.data,
    )


@bp.route("/labs/new", methods=["GET", "POST"])
@login_required
def new_lab():
    partner_id = request.args.get("partner", type=int)
    if partner_id is None:
        abort(404)
    partner = load_or_404(Partner, partner_id)
    authorize(Lab.can_create_for(partner, current_user))
    form = LabForm()
    if request.method == "GET":
        form.address.data = partner.address
        form.contact_name.data, form.contact_phone.data = partner.contact_name, partner.phone
        form.contact_email.data = partner.email
        if partner.regions:
            form.holiday_region.data = partner.regions[0].holiday_region.value
    lab = _save(
        form,
        lambda: services.save_lab(None, partner=partner, data=_lab_data(form)),
        _("The lab has been added. Now give it a timetable."),
    )
    if lab:
        return redirect(url_for("labs.lab", lab_id=lab.id))
    return render_template("labs/lab_form.html", form=form, lab=None, partner=partner)


@bp.route("/labs/<int:lab_id>/edit", methods=["GET", "POST"])
@login_required
def edit_lab(lab_id):
    lab = load_or_404(Lab, lab_id)
    authorize(lab.can_manage(current_user))
    form = LabForm(obj=lab)
    if _save(
        form,
        lambda: services.save_lab(lab, partner=lab.partner, data=_lab_data(form)),
        _("The lab has been saved."),
    ):
        return redirect(url_for("labs.lab", lab_id=lab.id))
    return render_template("labs/lab_form.html", form=form, lab=lab, partner=lab.partner)


# The lab page: details, timetable, closures ---------------------------------------------------


def _period_form(lab: Lab, year: int) -> PeriodForm:
    form = PeriodForm(school_year=year)
    this_year = current_school_year()
    form.school_year.choices = choices((y, school_year_label(y)) for y in (this_year, this_year + 1))
    return form


def _render_lab(lab: Lab, year: int, period_form: PeriodForm | None = None, closure_form: ClosureForm | None = None):
    may_manage = lab.can_manage(current_user)
    periods = lab.periods_in(year)
    weekdays = sorted({p.weekday for p in periods} | {0, 1, 2, 3, 4})
    names = sorted({p.name for p in periods}, key=lambda n: min(p.starts_at for p in periods if p.name == n))
    timetable = [(name, {p.weekday: p for p in periods if p.name == name}) for name in names]
    activities = [a for a in services.lab_activities(lab) if may_manage or a.can_view(current_user)]
    context = {}
    if may_manage:
        context = {
            "period_form": period_form or _period_form(lab, year),
            "closure_form": closure_form or ClosureForm(),
            "delete_form": DeleteForm(),
        }
    return render_template(
        "labs/lab.html",
        lab=lab,
        year=year,
        year_label=school_year_label(year),
        years=[(y, school_year_label(y)) for y in _school_years(lab)],
        weekdays=[(day, WEEKDAY_NAMES[day]) for day in weekdays],
        timetable=timetable,
        closures=lab.closures,
        activities=activities,
        may_manage=may_manage,
        **context,
    )


@bp.route("/labs/<int:lab_id>")
@login_required
def lab(lab_id):
    lab = load_or_404(Lab, lab_id)
    authorize(lab.can_view(current_user))
    year = request.args.get("year", type=int)
    return _render_lab(lab, year if year in _school_years(lab) else current_school_year())


@bp.post("/labs/<int:lab_id>/periods")
@login_required
def add_periods(lab_id):
    lab = load_or_404(Lab, lab_id)
    authorize(lab.can_manage(current_user))
    form = _period_form(lab, current_school_year())
    weekdays = set(form.weekdays.data or [])
    if _save(
        form,
        lambda: services.add_periods_on_weekdays(
            lab,
            school_year=form.school_year.data,
            weekdays=weekdays,
            name=form.name.data,
            starts_at=form.starts_at.data,
            ends_at=form.ends_at.data,
        ),
        ngettext("%(num)d period has been added.", "%(num)d periods have been added.", len(weekdays)),
    ):
        return redirect(url_for("labs.lab", lab_id=lab.id, year=form.school_year.data, _anchor="timetable"))
    year = form.school_year.data if form.school_year.data in _school_years(lab) else current_school_year()
    return _render_lab(lab, year, period_form=form)


@bp.post("/periods/<int:period_id>/delete")
@login_required
def delete_period(period_id):
    period = load_or_404(LabPeriod, period_id)
    lab = period.lab
    authorize(lab.can_manage(current_user))
    year = period.school_year
    if DeleteForm().validate_on_submit():
        message = _("%(name)s on %(day)s has been deleted.", name=period.name, day=period.weekday_name)
        db.session.delete(period)
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("labs.lab", lab_id=lab.id, year=year, _anchor="timetable"))


@bp.post("/labs/<int:lab_id>/closures")
@login_required
def add_closure(lab_id):
    lab = load_or_404(Lab, lab_id)
    authorize(lab.can_manage(current_user))
    form = ClosureForm()
    if _save(
        form,
        lambda: services.save_closure(
            lab, None, starts_on=form.starts_on.data, ends_on=form.ends_on.data, reason=form.reason.data
        ),
        _("The closure has been added."),
    ):
        return redirect(url_for("labs.lab", lab_id=lab.id, _anchor="closures"))
    return _render_lab(lab, current_school_year(), closure_form=form)


@bp.post("/closures/<int:closure_id>/delete")
@login_required
def delete_closure(closure_id):
    closure = load_or_404(LabClosure, closure_id)
    lab = closure.lab
    authorize(lab.can_manage(current_user))
    if DeleteForm().validate_on_submit():
        db.session.delete(closure)
        db.session.commit()
        flash(_("The closure has been deleted."), "success")
    return redirect(url_for("labs.lab", lab_id=lab.id, _anchor="closures"))


# Slots ---------------------------------------------------------------------------------------


def _slots_message(created: int, removed: int, stranded: int) -> str:
    created_text = ngettext("%(num)d slot created", "%(num)d slots created", created)
    removed_text = ngettext("%(num)d removed", "%(num)d removed", removed)
    if not stranded:
        return _("%(created)s, %(removed)s.", created=created_text, removed=removed_text)
    stranded_text = ngettext("%(num)d booked slot could not move", "%(num)d booked slots could not move", stranded)
    return _(
        "%(created)s, %(removed)s; %(stranded)s.", created=created_text, removed=removed_text, stranded=stranded_text
    )


@bp.route("/labs/<int:lab_id>/slots", methods=["GET", "POST"])
@login_required
def slots(lab_id):
    lab = load_or_404(Lab, lab_id)
    authorize(lab.can_manage(current_user))
    activities = services.lab_activities(lab)
    this_year = current_school_year()
    form = SlotsForm(activity=request.args.get("activity", type=int), school_year=this_year)
    form.activity.choices = choices((a.id, a.title) for a in activities)
    form.school_year.choices = choices((y, school_year_label(y)) for y in (this_year, this_year + 1))
    plan = activity = None
    if form.validate_on_submit():
        activity = next(a for a in activities if a.id == form.activity.data)
        try:
            plan = services.plan_slots(lab, activity, form.school_year.data)
            if form.create.data:
                result = services.carry_out(lab, activity, plan)
                db.session.commit()
                flash(_slots_message(result.created, result.removed, len(result.stranded)), "success")
                return redirect(url_for("catalogue.activity", activity_id=activity.id, _anchor="sessions"))
        except DomainError as error:
            db.session.rollback()
            plan = None
            if not apply_domain_error(form, error):
                flash(error.message, "error")
    return render_template("labs/slots.html", lab=lab, form=form, plan=plan, activity=activity, activities=activities)
