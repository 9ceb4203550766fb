from flask import abort, current_app, has_request_context, jsonify, redirect, render_template, request, session
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from booking.accounts.models import Invitation, Language, User
from booking.core import bp
from booking.core.outbox import OutboxMessage, OutboxStatus, mailbox_mode
from booking.core.permissions import safe_next
from booking.core.time import current_school_year, school_year_label
from booking.extensions import db, limiter
from booking.organisations.models import Partner, Region, School, SchoolClass, partner_regions


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return render_template("core/welcome.html")
    from booking.bookings import services as bookings
    from booking.catalogue import services as catalogue

    year = current_school_year()
    partner_ids = current_user.partner_ids
    return render_template(
        "core/dashboard.html",
        year_label=school_year_label(year),
        teacher_schools=_teacher_schools(year),
        partners=_partners(),
        partner_activities=catalogue.partner_activities(partner_ids),
        partner_sessions=catalogue.partner_upcoming_sessions(partner_ids),
        review_count=catalogue.review_count(current_user),
        next_bookings=bookings.next_school_bookings(current_user.school_ids),
        request_count=bookings.request_count(partner_ids),
        coordinated_regions=_coordinated_regions(year),
        admin=_admin_overview() if current_user.is_admin else None,
    )


def _teacher_schools(year: int):
    if not current_user.school_ids:
        return []
    classes = (
        select(SchoolClass)
        .where(SchoolClass.school_id.in_(current_user.school_ids), SchoolClass.school_year == year)
        .order_by(SchoolClass.grade, SchoolClass.label)
    )
    by_school: dict[int, list[SchoolClass]] = {}
    for school_class in db.session.scalars(classes):
        by_school.setdefault(school_class.school_id, []).append(school_class)
    schools = db.session.scalars(select(School).where(School.id.in_(current_user.school_ids)).order_by(School.name))
    return [(school, by_school.get(school.id, [])) for school in schools]


def _partners():
    if not current_user.partner_ids:
        return []
    return db.session.scalars(
        select(Partner).where(Partner.id.in_(current_user.partner_ids)).order_by(Partner.name)
    ).all()


def _coordinated_regions(year: int):
    ids = current_user.coordinated_region_ids
    if not ids:
        return []
    school_count = select(func.count(School.id)).where(School.region_id == Region.id).scalar_subquery()
    class_count = (
        select(func.count(SchoolClass.id))
        .join(School)
        .where(School.region_id == Region.id, SchoolClass.school_year == year)
        .scalar_subquery()
    )
    pupil_count = (
        select(func.coalesce(func.sum(SchoolClass.pupils), 0))
        .join(School)
        .where(School.region_id == Region.id, SchoolClass.school_year == year)
        .scalar_subquery()
    )
    partner_count = (
        select(func.count()).select_from(partner_regions).where(partner_regions.c.region_id == Region.id)
    ).scalar_subquery()
    schools_without_classes = (
        select(func.count(School.id))
        .where(
            School.region_id == Region.id,
            ~select(SchoolClass.id).where(SchoolClass.school_id == School.id, SchoolClass.school_year == year).exists(),
        )
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Region, school_count, class_count, pupil_count, partner_count, schools_without_classes)
        .where(Region.id.in_(ids))
        .order_by(Region.name)
    ).all()
    return rows


def _admin_overview():
    return {
        "regions": db.session.scalar(select(func.count(Region.id))),
        "schools": db.session.scalar(select(func.count(School.id))),
        "partners": db.session.scalar(select(func.count(Partner.id))),
        "users": db.session.scalar(select(func.count(User.id))),
        "open_invitations": db.session.scalar(select(func.count(Invitation.id)).where(Invitation.open_condition())),
        "mail_pending": db.session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.status == OutboxStatus.PENDING)
        ),
        "mail_failed": db.session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.status == OutboxStatus.FAILED)
        ),
    }


@bp.route("/healthz")
@limiter.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError) as error:
        db.session.rollback()
        current_app.logger.warning("Health check: database unreachable: %s", error)
        return jsonify({"status": "unavailable", "reason": "database unreachable"}), 503
    return jsonify({"status": "ok"})


@bp.post("/language")
def set_language():
    """Switch the interface language; for a signed-in user it becomes their preference."""
    language = request.form.get("language", "")
    if not FlaskForm().validate_on_submit() or language not in current_app.config["LANGUAGES"]:
        abort(400)
    session["language"] = language
    if current_user.is_authenticated:
        current_user.language = Language(language)
        db.session.commit()
    return redirect(safe_next())


def _mailbox_enabled() -> bool:
    return current_app.config["DEV_MAILBOX"] and mailbox_mode()


@bp.route("/dev/mailbox")
def mailbox():
    if not _mailbox_enabled():
        abort(404)
    messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(50)).all()
    return render_template("core/mailbox.html", messages=messages)


@bp.route("/dev/mailbox/<int:message_id>")
def mailbox_message(message_id):
    if not _mailbox_enabled():
        abort(404)
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    return render_template("core/mailbox_message.html", message=message)


@bp.route("/dev/mailbox/<int:message_id>/invite.ics")
def mailbox_invitation(message_id):
    """The calendar invitation a message carries, as the mail client would open it."""
    if not _mailbox_enabled():
        abort(404)
    message = db.session.get(OutboxMessage, message_id)
    if message is None or not message.calendar_ics:
        abort(404)
    return current_app.response_class(
        message.calendar_ics.encode(),
        content_type=f"text/calendar; charset=utf-8; method={message.calendar_method}",
        headers={"Content-Disposition": 'attachment; filename="invite.ics"'},
    )


@bp.app_context_processor
def layout_context():
    if not has_request_context():  # an email rendered by a CLI job has no page around it
        return {}
    return {
        # Only renders a CSRF token: never reads the request's body (a refused upload has none to read).
        "language_form": FlaskForm(formdata=None),
        "mailbox_enabled": _mailbox_enabled(),
    }
