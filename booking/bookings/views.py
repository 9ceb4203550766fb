"""Routes of the booking engine: thin, load → authorise → call a service."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from flask import Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import format_datetime, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from booking.bookings import bp, services
from booking.bookings.forms import (
    BookingForm,
    CancelSessionForm,
    EvaluationForm,
    QuotaForm,
    RegionFilterForm,
    StepForm,
    offer_classes,
)
from booking.bookings.models import HOLDING_STATUSES, STEPS, Booking, BookingEvent, BookingStatus
from booking.catalogue.models import Session
from booking.core.errors import DomainError
from booking.core.files import download_name
from booking.core.forms import apply_domain_error, as_id, choices, filter_value
from booking.core.permissions import authorize, load_or_404, safe_next
from booking.core.time import (
    current_school_year,
    local_today,
    local_zone,
    school_year_label,
    school_year_of,
    to_local,
    utcnow,
)
from booking.core.urls import id_arg, page_arg, year_arg
from booking.extensions import db
from booking.labs import series as lab_series
from booking.labs.grid import week_label
from booking.organisations.blocked_dates import blocked_sentence, classes_blocked_at
from booking.organisations.models import Partner, Region, School
from booking.organisations.views import _save

PER_PAGE = 25


def _page(query, total: int | None = None):
    """One page of a list; a page number past the end (or below 1) shows an empty or the first page.
    ``total`` is a count the caller made more cheaply than counting the list's own query."""
    pagination = db.paginate(query, page=page_arg(), per_page=PER_PAGE, error_out=False, count=total is None)
    if total is not None:
        pagination.total = total
    return pagination


# Booking a session -----------------------------------------------------------------------------


@bp.route("/sessions/<int:session_id>/book", methods=["GET", "POST"])
@login_required
def book(session_id):
    session = load_or_404(Session, session_id)
    authorize(session.can_book(current_user))
    if session.activity.series_length > 1:
        # A lesson of a series is booked with the rest of its series, from the week it is in.
        period = lab_series.period_of(session)
        return redirect(
            url_for(
                "labs.book_series",
                activity_id=session.activity_id,
                week=week_label(to_local(session.starts_at).date()),
                period=period.id if period else None,
            )
        )
    all_classes = services.bookable_classes(current_user, session)
    form = BookingForm()
    several_schools = len(current_user.school_ids) > 1
    busy = services.classes_busy_at([c.id for c in all_classes], session.starts_at, session.ends_at)
    blocked = classes_blocked_at(all_classes, session.starts_at, session.ends_at)
    classes = offer_classes(
        form,
        all_classes,
        session.activity,
        lambda c: (
            _("%(label)s · %(grade)s · %(count)s pupils", label=c.label, grade=c.grade.label, count=c.pupils)
            + (f" · {c.school.name}" if several_schools else "")
            + (" · " + _("already has a booking at this time") if c.id in busy else "")
            + (" · " + _("cannot come: %(reason)s", reason=blocked[c.id].reason) if c.id in blocked else "")
        ),
        preferred_id=id_arg("class"),
    )
    if request.method == "GET":
        form.adults.data = 2
    waiting = services.waiting_count(session)
    full = session.places_left == 0 or waiting > 0
    closed_message = None
    try:
        services.check_session_open(session)
        services.check_offered_to_schools(session.activity, current_user.school_ids)
    except DomainError as error:
        closed_message = error.message
    if form.validate_on_submit() and closed_message is None:
        school_class = next(c for c in classes if c.id == form.school_class.data)
        booking_request = services.BookingRequest(
            school_class=school_class,
            pupils=form.pupils.data,
            adults=form.adults.data,
            notes=form.notes.data,
            contact_phone=form.contact_phone.data,
            despite_blocked=bool(form.despite_blocked.data),
        )
        try:
            booking = services.book_session(
                session, booking_request, actor=current_user, waitlist=bool(form.join_waitlist.data)
            )
            db.session.commit()
        except services.SessionFull as error:
            db.session.rollback()
            existing = services.active_booking_of_class(session, school_class)
            if existing is not None:  # the first of a double click got it
                return redirect(url_for("bookings.booking", booking_id=existing.id))
            full = True
            flash(error.message, "error")
        except DomainError as error:
            db.session.rollback()
            if not apply_domain_error(form, error):
                flash(error.message, "error")
        else:
            flash(_booked_message(booking), "success")
            return redirect(url_for("bookings.booking", booking_id=booking.id))
    return render_template(
        "bookings/book.html",
        form=form,
        session=session,
        activity=session.activity,
        classes=classes,
        has_classes=bool(all_classes),
        full=full,
        closed_message=closed_message,
        closes_at=session.bookings_close_at,
        free_cancellation_ended=_free_cancellation_ended(session),
        quotas=services.quotas_left(current_user.school_ids, school_year_of(to_local(session.starts_at).date())),
        busy=busy,
        blocked={c.id: blocked_sentence(c, blocked[c.id]) for c in classes if c.id in blocked},
        waiting=waiting,
    )


def _free_cancellation_ended(session: Session):
    """When free cancellation of the session ended, if it did before this booking is made."""
    until = session.starts_at - timedelta(days=session.activity.free_cancellation_days)
    return until if until < utcnow() else None


def _booked_message(booking: Booking) -> str:
    if booking.status is BookingStatus.WAITLISTED:
        return _("%(label)s is on the waiting list. You get an email when a place frees up.", label=booking.class_label)
    if booking.status is BookingStatus.REQUESTED:
        return _("Your request has been sent. The partner confirms it; you get an email.")
    return _("Booked! The confirmation is on its way to your email.")


# One booking -----------------------------------------------------------------------------------


@bp.route("/bookings/<int:booking_id>")
@login_required
def booking(booking_id):
    booking = load_or_404(Booking, booking_id)
    authorize(booking.can_view(current_user))
    history = db.session.scalars(
        select(BookingEvent)
        .where(BookingEvent.booking_id == booking.id)
        .options(joinedload(BookingEvent.actor))
        .order_by(BookingEvent.created_at, BookingEvent.id)
    ).all()
    return render_template(
        "bookings/booking.html",
        booking=booking,
        session=booking.session,
        activity=booking.session.activity,
        history=history,
        steps=booking.steps_for(current_user),
        questions=_step_questions(booking),
        step_form=StepForm(),
        position=services.waiting_position(booking),
    )


# One whole sentence per step, in every language (not a status label pasted into one).
STEP_DONE = {
    "confirm": _l("The request of %(label)s is confirmed; the school gets an email."),
    "reject": _l("The request of %(label)s is declined; the school is told your reason."),
    "cancel": _l("The booking of %(label)s is cancelled; its places are free for others."),
    "withdraw": _l("The booking of %(label)s is cancelled; the school gets an email."),
    "leave": _l("%(label)s is off the waiting list."),
    "attended": _l("%(label)s is marked as attended."),
    "no_show": _l("%(label)s is marked as not present."),
}


def _step_questions(booking: Booking) -> dict[str, str]:
    """What the browser asks before a step that cannot be undone, saying what follows from it."""
    label = booking.class_label
    freed = ""
    if booking.status in HOLDING_STATUSES:
        freed = ngettext(
            "Its %(num)d place is released; classes on the waiting list move up.",
            "Its %(num)d places are released; classes on the waiting list move up.",
            booking.pupils,
        )
    if booking.is_late_cancellation:
        terms = _("The free cancellation period has ended, so the partner sees your reason.")
    else:
        when = format_datetime(booking.free_cancellation_until, "EEEE d MMMM yyyy, HH:mm")
        terms = _("Cancelling is free of charge until %(when)s.", when=when)
    emailed = _("The school is emailed with your reason.")
    cancel = _("Cancel the booking of %(label)s?", label=label)
    questions = {
        "cancel": [cancel, freed, terms],
        "withdraw": [cancel, freed, emailed],
        "reject": [_("Decline the request of %(label)s?", label=label), freed, emailed],
        "leave": [_("Take %(label)s off the waiting list? Its place in the queue is given up.", label=label)],
    }
    return {step: " ".join(part for part in parts if part) for step, parts in questions.items()}


@bp.route("/bookings/<int:booking_id>/<step>", methods=["POST"])
@login_required
def take_step(booking_id, step):
    booking = load_or_404(Booking, booking_id)
    if step not in STEPS:
        abort(404)
    authorize(booking.can_take(current_user, step))
    form = StepForm()
    if not form.validate_on_submit():
        flash(_("The reason is too long (1000 characters at most)."), "error")
        return redirect(url_for("bookings.booking", booking_id=booking.id))
    try:
        services.take_step(booking, step, actor=current_user, reason=form.reason.data)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(str(STEP_DONE[step]) % {"label": booking.class_label}, "success")
    return redirect(safe_next(default_url=url_for("bookings.booking", booking_id=booking.id)))


@bp.route("/bookings/<int:booking_id>/evaluate", methods=["GET", "POST"])
@login_required
def evaluate(booking_id):
    booking = load_or_404(Booking, booking_id)
    authorize(booking.can_evaluate(current_user))
    form = EvaluationForm()
    if _save(
        form,
        lambda: services.evaluate(booking, author=current_user, rating=form.rating.data, comment=form.comment.data),
        _("Thank you for your evaluation."),
    ):
        return redirect(url_for("bookings.booking", booking_id=booking.id))
    return render_template("bookings/evaluate.html", form=form, booking=booking, activity=booking.session.activity)


# Teachers: the school's bookings -----------------------------------------------------------------

TABS = ("upcoming", "past", "waiting")


@bp.route("/bookings")
@login_required
def bookings():
    authorize(Booking.can_list_school(current_user))
    show = request.args.get("show", "upcoming")
    if show not in TABS:
        show = "upcoming"
    pagination = _page(services.school_bookings(current_user.school_ids, show))
    return render_template("bookings/bookings.html", pagination=pagination, show=show, tabs=TABS)


# Partners: requests and participants -------------------------------------------------------------


@bp.route("/requests")
@login_required
def requests():
    authorize(Booking.can_list_requests(current_user))
    partner_ids = _all_partner_ids() if current_user.is_admin else current_user.partner_ids
    pagination = _page(services.partner_requests(partner_ids))
    return render_template("bookings/requests.html", pagination=pagination, step_form=StepForm())


def _all_partner_ids():
    return select(Partner.id).scalar_subquery()


@bp.route("/sessions/<int:session_id>/participants")
@login_required
def participants(session_id):
    session = load_or_404(Session, session_id)
    authorize(session.can_view_participants(current_user))
    bookings = services.participants(session)
    return render_template(
        "bookings/participants.html",
        session=session,
        activity=session.activity,
        bookings=bookings,
        waiting=services.waiting_list(session),
        total_pupils=sum(b.pupils for b in bookings),
        total_adults=sum(b.adults for b in bookings),
    )


@bp.route("/sessions/<int:session_id>/participants.csv")
@login_required
def participants_csv(session_id):
    session = load_or_404(Session, session_id)
    authorize(session.can_view_participants(current_user))
    rows = [
        [b.school.name, b.school.brin_code, b.class_label, b.grade.label, b.pupils, b.adults,
         b.contact_phone or "", b.status.label, b.notes or ""]
        for b in services.participants(session)
    ]  # fmt: skip
    header = [_("School"), _("BRIN"), _("Class"), _("Grade"), _("Pupils"), _("Adults"), _("Contact phone"),
              _("Status"), _("Notes")]  # fmt: skip
    day = to_local(session.starts_at).strftime("%Y-%m-%d")
    return _csv_response(download_name(_("participants"), session.activity.title, day, extension="csv"), header, rows)


@bp.route("/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_session(session_id):
    session = load_or_404(Session, session_id)
    authorize(session.can_edit(current_user))
    affected = [
        b
        for b in services.participants(session) + services.waiting_list(session)
        if b.status in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED, BookingStatus.WAITLISTED)
    ]
    form = CancelSessionForm()
    message = (
        ngettext(
            "The session has been cancelled; %(num)d booking was cancelled and its school informed.",
            "The session has been cancelled; %(num)d bookings were cancelled and their schools informed.",
            len(affected),
        )
        if affected
        else _("The session has been cancelled.")
    )
    if _save(form, lambda: services.cancel_session(session, actor=current_user, reason=form.reason.data), message):
        return redirect(url_for("catalogue.activity", activity_id=session.activity_id, _anchor="sessions"))
    return render_template(
        "bookings/cancel_session.html", form=form, session=session, activity=session.activity, affected=affected
    )


# Coordinators: the region's bookings, quotas ---------------------------------------------------


def _region_filters(form: RegionFilterForm) -> services.RegionFilters:
    form.validate()
    status = filter_value(form.status)
    return services.RegionFilters(
        status=BookingStatus(status) if status else None,
        school_id=as_id(filter_value(form.school)),
        partner_id=as_id(filter_value(form.partner)),
        date_from=filter_value(form.date_from),
        date_to=filter_value(form.date_to),
        text=(filter_value(form.q) or "")[:100],
    )


def _region_filter_form() -> RegionFilterForm:
    form = RegionFilterForm(formdata=request.args)
    schools = select(School).order_by(School.name)
    partners = select(Partner).order_by(Partner.name)
    if not current_user.is_admin:
        schools = schools.where(School.region_id.in_(current_user.coordinated_region_ids))
        partners = partners.where(Partner.regions.any(Region.id.in_(current_user.coordinated_region_ids)))
    form.school.choices = choices([("", _("All schools"))]) + choices(
        (str(s.id), s.name) for s in db.session.scalars(schools)
    )
    form.partner.choices = choices([("", _("All partners"))]) + choices(
        (str(p.id), p.name) for p in db.session.scalars(partners)
    )
    return form


@bp.route("/coordination/bookings")
@login_required
def region_bookings():
    authorize(Booking.can_list_region(current_user))
    form = _region_filter_form()
    filters = _region_filters(form)
    pagination = _page(
        services.region_bookings(current_user, filters), total=services.region_booking_count(current_user, filters)
    )
    shared = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template("bookings/region_bookings.html", form=form, pagination=pagination, query_args=shared)


@bp.route("/coordination/bookings.csv")
@login_required
def region_bookings_csv():
    authorize(Booking.can_list_region(current_user))
    filters = _region_filters(_region_filter_form())
    header = [_("Date"), _("Start"), _("End"), _("Activity"), _("Partner"), _("Place"), _("School"), _("BRIN"),
              _("Class"), _("Grade"), _("Pupils"), _("Adults"), _("Status"), _("Booked on"), _("Reason")]  # fmt: skip

    zone = local_zone()
    status_labels = {status: str(status.label) for status in BookingStatus}

    def rows():
        query = services.region_booking_rows(current_user, filters).execution_options(yield_per=2000)
        for r in db.session.execute(query):
            start, end = r.starts_at.astimezone(zone), r.ends_at.astimezone(zone)
            yield [start.strftime("%Y-%m-%d"), start.strftime("%H:%M"), end.strftime("%H:%M"), r.title, r.partner,
                   r.place, r.school, r.brin + (r.location_number or ""), r.class_label, r.grade.label, r.pupils,
                   r.adults, status_labels[r.status], r.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                   r.status_reason or ""]  # fmt: skip

    return _csv_response(_region_csv_name(filters), header, rows())


def _region_csv_name(filters) -> str:
    """boekingen-regio-utrecht-2026-12-04.csv: what, whose (the region shown, if one) and when."""
    region_ids = current_user.coordinated_region_ids
    names = db.session.scalars(select(Region.name).where(Region.id.in_(region_ids))).all() if region_ids else []
    region = names[0] if len(names) == 1 else None
    return download_name(_("bookings"), region, local_today().isoformat(), extension="csv")


@bp.route("/schools/<int:school_id>/quota", methods=["GET", "POST"])
@login_required
def quota(school_id):
    school = load_or_404(School, school_id)
    authorize(school.can_edit(current_user))
    this_year = current_school_year()
    years = [this_year, this_year + 1]
    form = QuotaForm()
    form.school_year.choices = choices((year, school_year_label(year)) for year in years)
    if request.method == "GET":
        form.school_year.data = year_arg(default=this_year)
        existing = services.quota_of(school, form.school_year.data)
        form.max_bookings.data = existing.max_bookings if existing else None
    if _save(
        form,
        lambda: services.set_quota(school, form.school_year.data, form.max_bookings.data),
        _("The quota has been saved."),
    ):
        return redirect(url_for("organisations.school", school_id=school.id))
    usage = [(year, services.quota_of(school, year), services.bookings_used(school, year)) for year in years]
    return render_template("bookings/quota.html", form=form, school=school, usage=usage)


# Evaluations -----------------------------------------------------------------------------------


@bp.route("/evaluations")
@login_required
def evaluations():
    authorize(services.can_view_evaluations(current_user))
    return render_template("bookings/evaluations.html", ratings=services.evaluation_summary(current_user))


# CSV -------------------------------------------------------------------------------------------


def _cell(value):
    """Spreadsheets run cells that start with = + - @ as formulas; a quote keeps them text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv_response(filename: str, header, rows) -> Response:
    """Semicolon-separated UTF-8 with a byte-order mark: what Excel with Dutch settings opens as columns."""

    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")
        buffer.write("\ufeff")
        writer.writerow(header)
        for row in rows:
            writer.writerow([_cell(value) for value in row])
            if buffer.tell() > 64_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(
        stream_with_context(generate()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
