from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_datetime, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from booking.bookings.forms import offer_classes
from booking.bookings.models import Booking, BookingStatus
from booking.bookings.services import (
    BookingRequest,
    check_offered_to_schools,
    lab_quota_rows,
    lab_quota_schools,
    set_lab_quota,
)
from booking.calendars.forms import IcsConfirmForm, IcsUploadForm
from booking.calendars.import_steps import run_import
from booking.catalogue.models import Activity
from booking.core.database import commit
from booking.core.errors import DomainError
from booking.core.forms import apply_domain_error, choices
from booking.core.permissions import authorize, load_or_404
from booking.core.time import current_school_year, school_year_label, to_local
from booking.core.urls import as_id, id_arg, year_arg
from booking.extensions import db
from booking.labs import bp, grid, series, services
from booking.labs.forms import (
    ClosureForm,
    LabForm,
    LabQuotaForm,
    MoveForm,
    PeriodForm,
    SeriesCancelForm,
    SeriesForm,
    SlotsForm,
)
from booking.labs.models import WEEKDAY_NAMES, Lab, LabClosure, LabPeriod, LabSeries
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
    partner_id = id_arg("partner")
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


def _render_lab(
    lab: Lab,
    year: int,
    period_form: PeriodForm | None = None,
    closure_form: ClosureForm | None = None,
    week_start: date | None = None,
):
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
        week_grid=grid.week_grid(lab, week_start or grid.default_week(), current_user),
        this_week=grid.week_label(grid.default_week()),
        **context,
    )


@bp.route("/labs/<int:lab_id>")
@login_required
def lab(lab_id):
    lab = load_or_404(Lab, lab_id)
    authorize(lab.can_view(current_user))
    year = year_arg()
    week = request.args.get("week", "")
    week_start = grid.parse_week(week) if week else None
    if week and week_start is None:
        flash(_("The week %(week)s was not understood; this is the current week.", week=week[:20]), "info")
    return _render_lab(lab, year if year in _school_years(lab) else current_school_year(), week_start=week_start)


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


# Lesson series ---------------------------------------------------------------------------------


def _series_form(activity: Activity) -> tuple[SeriesForm, list]:
    years = [current_school_year(), current_school_year() + 1]
    all_classes = series.series_classes(current_user, years)
    periods = series.series_periods(activity.lab, years)
    form = SeriesForm()
    several_years = len({c.school_year for c in all_classes} | {p.school_year for p in periods}) > 1
    several_schools = len(current_user.school_ids) > 1
    classes = offer_classes(
        form,
        all_classes,
        activity,
        lambda c: (
            _("%(label)s · %(grade)s · %(count)s pupils", label=c.label, grade=c.grade.label, count=c.pupils)
            + (f" · {school_year_label(c.school_year)}" if several_years else "")
            + (f" · {c.school.name}" if several_schools else "")
        ),
    )
    # Grouped per school year when the timetables of two years are open (optgroups).
    by_year: dict[str, list] = {}
    for p in periods:
        by_year.setdefault(p.school_year_label, []).append((p.id, f"{p.weekday_name} {p}"))
    form.period.choices = (
        {year: choices(pairs) for year, pairs in by_year.items()}
        if several_years
        else choices((p.id, f"{p.weekday_name} {p}") for p in periods)
    )
    if request.method == "GET":
        form.adults.data = 2
        start = series.first_bookable_day(activity)
        asked = grid.parse_week(request.args.get("week", ""))  # from a lesson's page or the week grid
        if asked is None or asked < start - timedelta(days=start.weekday()):
            asked = start + timedelta(days=(7 - start.weekday()) % 7)  # the first Monday from then on
        form.first_week.data = grid.week_label(asked)
        form.period.data = id_arg("period")
    form.has_classes = bool(all_classes)
    return form, classes, periods


@bp.route("/activities/<int:activity_id>/series", methods=["GET", "POST"])
@login_required
def book_series(activity_id):
    activity = load_or_404(Activity, activity_id)
    authorize(LabSeries.can_book(activity, current_user))
    try:
        check_offered_to_schools(activity, current_user.school_ids)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("catalogue.activity", activity_id=activity.id))
    form, classes, periods = _series_form(activity)
    proposal = None
    if form.validate_on_submit():
        booking_request = BookingRequest(
            school_class=next(c for c in classes if c.id == form.school_class.data),
            pupils=form.pupils.data,
            adults=form.adults.data,
            notes=form.notes.data,
            contact_phone=form.contact_phone.data,
        )
        period = next(p for p in periods if p.id == form.period.data)
        week = grid.parse_week(form.first_week.data)
        try:
            if form.confirm.data:
                expected = [as_id(i) for i in (form.expected.data or "").split(",") if as_id(i)]
                booked = series.book_series(
                    activity, booking_request, period=period, week=week, expected=expected, actor=current_user
                )
                db.session.commit()
                flash(_series_booked_message(booked), "success")
                return redirect(url_for("labs.series", series_id=booked.id))
            proposal = series.propose_series(activity, booking_request, period=period, week=week)
        except series.ProposalChanged as error:
            db.session.rollback()
            flash(error.message, "error")
            proposal = series.propose_series(activity, booking_request, period=period, week=week)
        except DomainError as error:
            db.session.rollback()
            if not apply_domain_error(form, error):
                flash(error.message, "error")
        if proposal is not None:
            form.expected.data = ",".join(str(i) for i in proposal.session_ids)
    return render_template(
        "labs/series_form.html",
        form=form,
        activity=activity,
        lab=activity.lab,
        classes=classes,
        periods=periods,
        proposal=proposal,
    )


def _series_booked_message(booked: LabSeries) -> str:
    if booked.lessons and booked.lessons[0].status is BookingStatus.REQUESTED:
        return _("Your request for %(count)s lessons has been sent. The lab confirms them; you get an email.",
                 count=len(booked.lessons))  # fmt: skip
    return _("Booked: %(count)s lessons. The confirmation is on its way to your email.", count=len(booked.lessons))


def _render_series(lab_series: LabSeries, cancel_form: SeriesCancelForm | None = None):
    lessons = series.lesson_sessions(lab_series)
    may_cancel = lab_series.can_cancel(current_user) and bool(series.open_lessons(lab_series))
    upcoming = next((lesson for lesson in lessons if not lesson.has_started), lessons[-1] if lessons else None)
    first_day = to_local(upcoming.session.starts_at).date() if upcoming else None
    return render_template(
        "labs/series.html",
        series=lab_series,
        lessons=lessons,
        week=grid.week_label(first_day - timedelta(days=first_day.weekday())) if first_day else None,
        may_cancel=may_cancel,
        cancel_form=cancel_form or SeriesCancelForm(),
    )


@bp.route("/series/<int:series_id>", endpoint="series")
@login_required
def series_page(series_id):
    lab_series = load_or_404(LabSeries, series_id)
    authorize(lab_series.can_view(current_user))
    return _render_series(lab_series)


@bp.post("/series/<int:series_id>/cancel")
@login_required
def cancel_series(series_id):
    lab_series = load_or_404(LabSeries, series_id)
    authorize(lab_series.can_cancel(current_user))
    form = SeriesCancelForm()
    count = len(series.open_lessons(lab_series))  # every one of them is cancelled, or none
    if _save(
        form,
        lambda: series.cancel_series(lab_series, actor=current_user, reason=form.reason.data),
        ngettext("%(num)d lesson has been cancelled.", "%(num)d lessons have been cancelled.", count),
    ):
        return redirect(url_for("labs.series", series_id=lab_series.id))
    return _render_series(lab_series, cancel_form=form), 400


@bp.route("/bookings/<int:booking_id>/move", methods=["GET", "POST"])
@login_required
def move_lesson(booking_id):
    lesson = load_or_404(Booking, booking_id)
    authorize(lesson.can_move(current_user))
    targets = series.move_targets(lesson)
    form = MoveForm()
    form.target.choices = choices(
        (s.id, f"{format_date(s.starts_at, 'EEEE d MMMM')}, {format_datetime(s.starts_at, 'HH:mm')}–"
               f"{format_datetime(s.ends_at, 'HH:mm')} · "
               + ngettext("%(num)d place left", "%(num)d places left", s.places_left))
        for s in targets
    )  # fmt: skip
    if request.method == "GET" and targets:  # the nearest free slot first
        current = lesson.session.starts_at
        form.target.data = min(targets, key=lambda s: abs(s.starts_at - current)).id
    if _save(
        form,
        lambda: series.move_lesson(
            lesson, next(s for s in targets if s.id == form.target.data), actor=current_user, reason=form.reason.data
        ),
        _("The lesson has moved. %(school)s has been told by email.", school=lesson.school.name),
    ):
        return redirect(url_for("bookings.booking", booking_id=lesson.id))
    return render_template("labs/move.html", form=form, lesson=lesson, session=lesson.session, targets=targets)


# Lab quotas --------------------------------------------------------------------------------------


@bp.route("/labs/<int:lab_id>/quotas", methods=["GET", "POST"])
@login_required
def quotas(lab_id):
    lab = load_or_404(Lab, lab_id)
    authorize(lab.can_set_quotas(current_user))
    schools = lab_quota_schools(lab.partner, current_user)
    form = LabQuotaForm()
    form.school.choices = choices((school.id, school.name) for school in schools)
    this_year = current_school_year()
    form.school_year.choices = choices((y, school_year_label(y)) for y in (this_year, this_year + 1))
    if request.method == "GET":
        form.school_year.data = this_year
    if _save(
        form,
        lambda: set_lab_quota(
            lab.id, next(s for s in schools if s.id == form.school.data), form.school_year.data, form.max_lessons.data
        ),
        _("The quota has been saved."),
    ):
        return redirect(url_for("labs.quotas", lab_id=lab.id))
    return render_template("labs/quotas.html", lab=lab, form=form, rows=lab_quota_rows(lab.id))


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
    form = SlotsForm(activity=id_arg("activity"), school_year=this_year)
    form.activity.choices = choices((a.id, a.title) for a in activities)
    form.school_year.choices = choices((y, school_year_label(y)) for y in (this_year, this_year + 1))
    plan = activity = None
    if form.validate_on_submit():
        activity = next(a for a in activities if a.id == form.activity.data)
        try:
            plan = services.plan_slots(lab, activity, form.school_year.data)
            if form.create.data:
                result = services.carry_out(lab, activity, plan)
                commit()
                flash(_slots_message(result.created, result.removed, len(result.stranded)), "success")
                return redirect(url_for("catalogue.activity", activity_id=activity.id, _anchor="sessions"))
        except DomainError as error:
            db.session.rollback()
            plan = None
            if not apply_domain_error(form, error):
                flash(error.message, "error")
    return render_template("labs/slots.html", lab=lab, form=form, plan=plan, activity=activity, activities=activities)


# Importing closures from an .ics file --------------------------------------------------------


def _closure_import_message(result) -> str:
    if not result.skipped_existing:
        return ngettext("%(num)d closure has been added.", "%(num)d closures have been added.", result.added)
    return _(
        "%(added)s; %(existing)s.",
        added=ngettext("%(num)d closure has been added", "%(num)d closures have been added", result.added),
        existing=ngettext("%(num)d was already there", "%(num)d were already there", result.skipped_existing),
    )


@bp.route("/labs/<int:lab_id>/closures/import", methods=["GET", "POST"])
@login_required
def import_closures(lab_id):
    """Upload an .ics file and see what it adds; confirming reads the same file again and adds it."""
    lab = load_or_404(Lab, lab_id)
    authorize(lab.can_manage(current_user))
    form = IcsUploadForm()
    step = run_import(
        form,
        IcsConfirmForm(),
        max_name_length=LabClosure.__table__.c.reason.type.length,
        preview=lambda ranges: services.preview_closure_import(lab, ranges),
        apply=lambda ranges: services.import_closures(lab, ranges),
        confirm_form_for=lambda packed: IcsConfirmForm(formdata=None, upload=packed),
    )
    if step.result is not None:
        flash(_closure_import_message(step.result), "success")
        return redirect(url_for("labs.lab", lab_id=lab.id, _anchor="closures"))
    rows, ignored, confirm_form = step.rows, step.ignored, step.confirm_form
    return render_template(
        "calendars/import.html",
        kind="closures",
        lab=lab,
        form=form,
        confirm_form=confirm_form,
        rows=rows,
        ignored=ignored,
        filename=form.file.data.filename if rows is not None else None,
        target=lab.name,
        back_url=url_for("labs.lab", lab_id=lab.id, _anchor="closures"),
    )
