from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from booking.bookings import services as booking_services
from booking.catalogue import bp, services
from booking.catalogue.forms import (
    ActivityForm,
    CatalogueFilterForm,
    SessionForm,
    ThemeForm,
    TransitionForm,
    WeeklySessionsForm,
)
from booking.catalogue.models import (
    TRANSITIONS,
    Activity,
    ActivityEvent,
    CostType,
    LocationType,
    Session,
    Theme,
)
from booking.core.database import commit
from booking.core.errors import DomainError
from booking.core.forms import apply_domain_error, as_id, choices, filter_value
from booking.core.permissions import authorize, load_or_404
from booking.core.time import to_local
from booking.core.urls import id_arg, page_arg
from booking.extensions import db
from booking.labs.models import Lab, LabSeries
from booking.organisations.forms import DeleteForm
from booking.organisations.models import Grade, HolidayRegion, Partner, Region, School
from booking.organisations.views import _save

PER_PAGE = 20
SERIES_PREVIEW = 10  # slots of a lesson series listed on its page for teachers


# The public catalogue --------------------------------------------------------------------------


def _default_region_id() -> int | None:
    """A teacher starts with their school's region selected."""
    if not current_user.school_ids:
        return None
    return db.session.scalar(
        select(School.region_id).where(School.id.in_(current_user.school_ids)).order_by(School.name).limit(1)
    )


def _read_filters(form: CatalogueFilterForm) -> services.CatalogueFilters:
    """Filters from the query string; a value that does not parse is reported and left out."""
    form.validate()
    grade, location = filter_value(form.grade), filter_value(form.location)
    return services.CatalogueFilters(
        text=(filter_value(form.q) or "")[:100],
        theme_id=as_id(filter_value(form.theme)),
        grade=Grade(grade) if grade else None,
        location_type=LocationType(location) if location else None,
        region_id=as_id(filter_value(form.region)),
        date_from=filter_value(form.date_from),
        date_to=filter_value(form.date_to),
        free_places=bool(form.free.data),
    )


@bp.route("/catalogue")
def catalogue():
    args = request.args.copy()
    if "region" not in args:
        default_region = _default_region_id()
        if default_region:
            args["region"] = str(default_region)
    form = CatalogueFilterForm(formdata=args)
    themes = db.session.scalars(select(Theme).order_by(Theme.name)).all()
    regions = db.session.scalars(select(Region).order_by(Region.name)).all()
    form.theme.choices = choices([("", _("All themes"))]) + choices((str(t.id), t.name) for t in themes)
    form.region.choices = choices([("", _("All regions"))]) + choices((str(r.id), r.name) for r in regions)
    filters = _read_filters(form)
    pagination = db.paginate(
        services.catalogue_query(filters), page=page_arg(), per_page=PER_PAGE, error_out=False, count=True
    )
    shared = {key: value for key, value in args.items(multi=True) if key != "page" and value}
    return render_template(
        "catalogue/catalogue.html", form=form, pagination=pagination, filters=filters, query_args=shared
    )


@bp.route("/activities/<int:activity_id>")
def activity(activity_id):
    activity = load_or_404(Activity, activity_id)
    authorize(activity.can_view(current_user))
    may_manage = activity.can_manage_sessions(current_user)
    # A lesson series is booked by weekday and period, not slot by slot: its first slots are a taste,
    # the lab's week grid shows the rest.
    series_preview = not may_manage and activity.series_length > 1
    sessions = services.upcoming_sessions(
        activity, include_cancelled=may_manage, limit=SERIES_PREVIEW if series_preview else 200
    )
    history = []
    if activity.can_view_history(current_user):
        history = db.session.scalars(
            select(ActivityEvent)
            .where(ActivityEvent.activity_id == activity.id)
            .options(selectinload(ActivityEvent.actor))
            .order_by(ActivityEvent.created_at.desc(), ActivityEvent.id.desc())
        ).all()
    outside_regions = not may_manage and not booking_services.offered_to_any(activity, current_user.school_ids)
    may_book_sessions = not may_manage and not outside_regions and activity.series_length == 1
    return render_template(
        "catalogue/activity.html",
        activity=activity,
        sessions=sessions,
        history=history,
        may_manage=may_manage,
        may_book=may_book_sessions and any(s.can_book(current_user) for s in sessions[:1]),
        may_book_series=not may_manage and not outside_regions and LabSeries.can_book(activity, current_user),
        outside_regions=outside_regions,
        series_preview=series_preview,
        transitions=activity.transitions_for(current_user),
        transition_form=TransitionForm(),
    )


# Partners: activities ---------------------------------------------------------------------------


def _activity_form(partner: Partner, activity: Activity | None = None) -> ActivityForm:
    form = ActivityForm(obj=activity) if activity else ActivityForm()
    if activity is None and request.method == "GET":
        form.duration_minutes.data = 90
        form.min_pupils.data = 10
        form.max_pupils.data = 32
        form.booking_closes_days.data = 7
        form.free_cancellation_days.data = 7  # as bookings close: whoever books may still cancel for free
        form.requires_confirmation.data = True
        form.series_length.data = 1
        form.cost_type.data = CostType.FREE.value
        form.regions.data = [region.id for region in partner.regions]
    if activity is not None and request.method == "GET":
        form.themes.data = [theme.id for theme in activity.themes]
        form.grades.data = [grade.value for grade in activity.grades]
        form.regions.data = [region.id for region in activity.regions]
        form.cost.data = f"{activity.cost_cents / 100:.2f}".replace(".", ",") if activity.cost_cents else ""
    form.themes.choices = choices((t.id, t.name) for t in db.session.scalars(select(Theme).order_by(Theme.name)))
    form.regions.choices = choices((r.id, r.name) for r in partner.regions)
    labs = db.session.scalars(select(Lab).where(Lab.partner_id == partner.id).order_by(Lab.name))
    form.lab_id.choices = choices([("", _("No lab"))]) + choices((lab.id, lab.name) for lab in labs)
    return form


def _save_activity(activity: Activity | None, partner: Partner, form: ActivityForm) -> Activity:
    return services.save_activity(activity, partner=partner, actor=current_user, data=_activity_data(form, partner))


def _activity_data(form: ActivityForm, partner: Partner) -> services.ActivityData:
    themes = db.session.scalars(select(Theme).where(Theme.id.in_(form.themes.data or []))).all()
    regions = [region for region in partner.regions if region.id in set(form.regions.data or [])]
    return services.ActivityData(
        title=form.title.data,
        summary=form.summary.data,
        description=form.description.data,
        themes=list(themes),
        grades=[Grade(value) for value in form.grades.data or []],
        duration_minutes=form.duration_minutes.data,
        min_pupils=form.min_pupils.data,
        max_pupils=form.max_pupils.data,
        location_type=LocationType(form.location_type.data),
        address=form.address.data,
        cost_type=CostType(form.cost_type.data),
        cost_cents=getattr(form, "cost_cents", 0),
        preparation_notes=form.preparation_notes.data,
        accessibility_notes=form.accessibility_notes.data,
        booking_closes_days=form.booking_closes_days.data,
        free_cancellation_days=form.free_cancellation_days.data,
        requires_confirmation=bool(form.requires_confirmation.data),
        regions=regions,
        is_open_to_all_regions=bool(form.is_open_to_all_regions.data),
        lab_id=form.lab_id.data,
        series_length=form.series_length.data or 1,
    )


@bp.route("/activities/new", methods=["GET", "POST"])
@login_required
def new_activity():
    authorize(Activity.can_create(current_user))
    partners = db.session.scalars(
        select(Partner).where(Partner.id.in_(current_user.partner_ids)).order_by(Partner.name)
    ).all()
    partner_id = id_arg("partner")
    partner = next((p for p in partners if p.id == partner_id), partners[0])
    form = _activity_form(partner)
    activity = _save(
        form,
        lambda: _save_activity(None, partner, form),
        _("The activity has been saved as a draft. Add sessions, then submit it for review."),
    )
    if activity:
        return redirect(url_for("catalogue.activity", activity_id=activity.id))
    return render_template("catalogue/activity_form.html", form=form, activity=None, partner=partner)


@bp.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@login_required
def edit_activity(activity_id):
    activity = load_or_404(Activity, activity_id)
    authorize(activity.can_edit(current_user))
    form = _activity_form(activity.partner, activity)
    if _save(
        form,
        lambda: _save_activity(activity, activity.partner, form),
        _("The activity has been saved."),
    ):
        return redirect(url_for("catalogue.activity", activity_id=activity.id))
    return render_template("catalogue/activity_form.html", form=form, activity=activity, partner=activity.partner)


@bp.route("/activities/<int:activity_id>/<any(" + ",".join(TRANSITIONS) + "):step>", methods=["POST"])
@login_required
def transition(activity_id, step):
    activity = load_or_404(Activity, activity_id)
    authorize(activity.can_transition(current_user, step))
    form = TransitionForm()
    if not form.validate_on_submit():
        flash(" ".join(form.comment.errors) or _("The form could not be processed; try again."), "error")
        return redirect(url_for("catalogue.activity", activity_id=activity.id))
    try:
        services.transition(activity, step, actor=current_user, comment=form.comment.data)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("catalogue.activity", activity_id=activity.id))
    db.session.commit()
    flash(str(TRANSITION_DONE[step]), "success")
    if step in ("publish", "request_changes"):
        return redirect(url_for("catalogue.review"))
    return redirect(url_for("catalogue.activity", activity_id=activity.id))


# One whole sentence per step of the approval workflow.
TRANSITION_DONE = {
    "submit": _l("The activity has been sent to the coordinator for review."),
    "withdraw": _l("The activity is a draft again; the coordinator no longer reviews it."),
    "publish": _l("The activity is published: schools find it in the catalogue."),
    "request_changes": _l("The partner has been asked for changes."),
    "archive": _l("The activity is archived: it is no longer in the catalogue."),
    "restore": _l("The activity is a draft again."),
}


@bp.route("/review")
@login_required
def review():
    authorize(current_user.is_admin or bool(current_user.coordinated_region_ids))
    return render_template("catalogue/review.html", activities=services.review_queue(current_user))


# Partners: sessions ----------------------------------------------------------------------------


def _act(action, success_message: str) -> bool:
    """Run a service for a posted button: commit and confirm, or roll back and show why not."""
    try:
        action()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return False
    db.session.commit()
    flash(success_message, "success")
    return True


def _session_defaults(form, activity: Activity) -> None:
    form.place.data = activity.address or ""
    form.capacity_pupils.data = activity.max_pupils
    form.max_classes.data = 1


def _session_data(form: SessionForm) -> services.SessionData:
    starts_at, ends_at = services.local_span(form.day.data, form.start_time.data, form.end_time.data)
    return services.SessionData(
        starts_at=starts_at,
        ends_at=ends_at,
        place=form.place.data,
        capacity_pupils=form.capacity_pupils.data,
        max_classes=form.max_classes.data,
    )


@bp.route("/activities/<int:activity_id>/sessions/new", methods=["GET", "POST"])
@login_required
def new_session(activity_id):
    activity = load_or_404(Activity, activity_id)
    authorize(activity.can_manage_sessions(current_user))
    form = SessionForm()
    if request.method == "GET":
        _session_defaults(form, activity)
    if _save(
        form,
        lambda: services.save_session(None, activity=activity, data=_session_data(form)),
        _("The session has been added."),
    ):
        return redirect(url_for("catalogue.activity", activity_id=activity.id, _anchor="sessions"))
    return render_template("catalogue/session_form.html", form=form, activity=activity, session=None)


def _save_session_and_promote(session: Session, form: SessionForm) -> Session:
    """More room lets the waiting list move up at once."""
    services.save_session(session, activity=session.activity, data=_session_data(form))
    promoted = booking_services.promote_waiting_list(session)
    if promoted:
        flash(
            ngettext(
                "%(num)d class moved up from the waiting list.",
                "%(num)d classes moved up from the waiting list.",
                len(promoted),
            ),
            "success",
        )
    return session


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
def edit_session(session_id):
    session = load_or_404(Session, session_id)
    authorize(session.can_edit(current_user))
    form = SessionForm(obj=session)
    if request.method == "GET":
        start, end = to_local(session.starts_at), to_local(session.ends_at)
        form.day.data, form.start_time.data, form.end_time.data = start.date(), start.time(), end.time()
    if _save(
        form,
        lambda: _save_session_and_promote(session, form),
        _("The session has been saved."),
    ):
        return redirect(url_for("catalogue.activity", activity_id=session.activity_id, _anchor="sessions"))
    return render_template("catalogue/session_form.html", form=form, activity=session.activity, session=session)


@bp.route("/activities/<int:activity_id>/sessions/weekly", methods=["GET", "POST"])
@login_required
def weekly_sessions(activity_id):
    activity = load_or_404(Activity, activity_id)
    authorize(activity.can_manage_sessions(current_user))
    form = WeeklySessionsForm()
    if request.method == "GET":
        _session_defaults(form, activity)
        form.weekdays.data = []
        form.holiday_region.data = (
            activity.regions[0].holiday_region.value if activity.regions else HolidayRegion.MIDDEN.value
        )
    plan = None
    if form.validate_on_submit():
        holiday_region = HolidayRegion(form.holiday_region.data) if form.holiday_region.data else None
        try:
            plan = services.plan_weekly_sessions(
                activity,
                first_day=form.first_day.data,
                last_day=form.last_day.data,
                weekdays=set(form.weekdays.data),
                times=form.time_ranges,
                place=form.place.data,
                holiday_region=holiday_region,
            )
            if form.create.data:
                created = services.create_planned_sessions(
                    activity,
                    plan,
                    place=form.place.data,
                    capacity_pupils=form.capacity_pupils.data,
                    max_classes=form.max_classes.data,
                )
                commit()
                flash(
                    ngettext("%(num)s session has been added.", "%(num)s sessions have been added.", len(created)),
                    "success",
                )
                return redirect(url_for("catalogue.activity", activity_id=activity.id, _anchor="sessions"))
        except DomainError as error:
            db.session.rollback()
            plan = None
            if not apply_domain_error(form, error):
                flash(error.message, "error")
    return render_template("catalogue/weekly_sessions.html", form=form, activity=activity, plan=plan)


# Coordinators: themes --------------------------------------------------------------------------


@bp.route("/themes", methods=["GET", "POST"])
@login_required
def themes():
    authorize(Theme.can_manage(current_user))
    form = ThemeForm()
    if _save(form, lambda: services.save_theme(None, name=form.name.data), _("The theme has been added.")):
        return redirect(url_for("catalogue.themes"))
    all_themes = db.session.scalars(select(Theme).order_by(Theme.name)).all()
    return render_template("catalogue/themes.html", form=form, themes=all_themes, delete_form=DeleteForm())


@bp.route("/themes/<int:theme_id>/edit", methods=["GET", "POST"])
@login_required
def edit_theme(theme_id):
    theme = load_or_404(Theme, theme_id)
    authorize(Theme.can_manage(current_user))
    form = ThemeForm(obj=theme)
    if _save(form, lambda: services.save_theme(theme, name=form.name.data), _("The theme has been renamed.")):
        return redirect(url_for("catalogue.themes"))
    return render_template("catalogue/theme_form.html", form=form, theme=theme)


@bp.route("/themes/<int:theme_id>/delete", methods=["POST"])
@login_required
def delete_theme(theme_id):
    theme = load_or_404(Theme, theme_id)
    authorize(Theme.can_manage(current_user))
    if not DeleteForm().validate_on_submit():
        abort(400)
    _act(lambda: services.delete_theme(theme), _("The theme has been deleted."))
    return redirect(url_for("catalogue.themes"))
