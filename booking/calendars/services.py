"""Subscription feeds: which calendars a user may subscribe to, their secret addresses, and what
each one contains.

A calendar client polls ``/calendars/<token>.ics`` without a login, so the token is the only key,
and every request checks again, against the owner's *current* memberships, that the owner may still
see the feed's subject (``resolve``). What each kind contains:

- ``MY_BOOKINGS``: the bookings the owner made, at schools they still teach at;
- ``SCHOOL``: every booking of one school, the class in the title;
- ``PARTNER``: the partner's sessions with the classes booked on them (one event per session).
  Technieklokaal slots are left out: an empty slot is room availability, not an appointment, and the
  booked ones are in the lab's own feed;
- ``LAB``: every class booked in the lab, one event per booking with the school and class in the
  title, which is what the lab's staff plan the room by;
- ``REGION``: every booking of the region's schools, with the school in the title.

All feeds cover sessions that start from ``PAST`` ago to ``AHEAD`` ahead, a region's programme a
shorter stretch (``REGION_PAST``, ``REGION_AHEAD``). A class on a waiting list
shows as TENTATIVE (the booking feeds; a partner's session lists only the classes holding places). A
cancelled or rejected booking, or one on a cancelled session, stays as STATUS:CANCELLED for
``CANCELLED_KEPT_DAYS`` after its last change, so clients strike it, and then drops out; a cancelled
session in a partner's feed likewise.

HTTP validators without building the calendar: ``fingerprint`` is one aggregate query over the rows
a feed includes; ``advance`` turns a new fingerprint into a later ``last_modified``, which therefore
never goes back, also when an event drops out.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from weakref import WeakKeyDictionary

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload

from booking.accounts.models import Role, User
from booking.bookings.models import ACTIVE_STATUSES, Booking
from booking.calendars.events import CANCELLED_KEPT_DAYS, absolute_url, booking_event, session_event, zone_name
from booking.calendars.ical import CalendarEvent, build_calendar
from booking.calendars.models import CalendarFeed, FeedKind
from booking.catalogue.models import Activity, Session, SessionStatus
from booking.core.database import savepoint
from booking.core.time import utcnow
from booking.extensions import db
from booking.labs.models import Lab
from booking.organisations.models import Partner, Region, School

PAST = timedelta(days=60)
AHEAD = timedelta(days=365)
# A region's programme is every booking of hundreds of schools: a calendar app cannot show a year of
# it (tens of thousands of events, megabytes per poll), so it covers the weeks a coordinator plans.
REGION_PAST = timedelta(days=14)
REGION_AHEAD = timedelta(days=120)


def window(kind: FeedKind) -> tuple[timedelta, timedelta]:
    return (REGION_PAST, REGION_AHEAD) if kind is FeedKind.REGION else (PAST, AHEAD)


# Part of every fingerprint: raise it when what a feed contains or how it is written changes, so
# clients holding an old ETag get the new output.
FORMAT_VERSION = "1"
PRODUCT = "Techniekrooster"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")


# What a user may subscribe to ---------------------------------------------------------------------


@dataclass
class FeedOffer:
    """A feed a user may have, with its live address if they made one."""

    kind: FeedKind
    subject_id: int | None
    subject_name: str | None
    feed: CalendarFeed | None = None

    @property
    def key(self) -> str:
        return f"{self.kind.value}-{self.subject_id or 0}"

    @property
    def title(self) -> str:
        if self.subject_name is None:
            return str(self.kind.label)
        return f"{self.kind.label} – {self.subject_name}"

    @property
    def contents(self) -> str:
        name = self.subject_name
        return {
            FeedKind.MY_BOOKINGS: lambda: _("The bookings you made yourself, with their status."),
            FeedKind.SCHOOL: lambda: _("Every booking of %(school)s, with the class in the title.", school=name),
            FeedKind.PARTNER: lambda: _(
                "The sessions of %(partner)s with the classes booked on them. Technieklokaal lessons are "
                "in the calendar of their lab.",
                partner=name,
            ),
            FeedKind.LAB: lambda: _("Every class booked in %(lab)s, with its school.", lab=name),
            FeedKind.REGION: lambda: _("Every booking of the schools in %(region)s, with the school.", region=name),
        }[self.kind]()


def _lab_name(lab: Lab) -> str:
    return f"{lab.name} ({lab.partner.name})"


def _managed_labs(user: User) -> list[Lab]:
    """Labs the user keeps (``Lab.can_manage``): their own partner's, and those of partners serving a
    region they coordinate. Admins may manage every lab but are not offered them all."""
    if not user.partner_ids and not user.coordinated_region_ids:
        return []
    served = select(Partner.id).join(Partner.regions).where(Region.id.in_(user.coordinated_region_ids))
    query = (
        select(Lab)
        .join(Lab.partner)
        .where(Lab.partner_id.in_(user.partner_ids) | Lab.partner_id.in_(served))
        .options(contains_eager(Lab.partner))
        .order_by(Partner.name, Lab.name)
    )
    return list(db.session.scalars(query))


def available_feeds(user: User) -> list[FeedOffer]:
    """Every feed the user may have, in a fixed order, each with its live address (if any).

    A teacher: their own bookings and their school's; partner staff: their partner's sessions and
    (technieklokaal staff) its labs; a coordinator: the region's programme and the labs of the
    partners serving it. Admins get every region's programme (a handful), not every lab: a lab's
    feed is for the people who keep it.
    """
    by_role: dict[Role, list] = {role: [] for role in Role}
    for membership in user.memberships:
        if membership.organisation is not None:
            by_role[membership.role].append(membership.organisation)
    offers = []
    if by_role[Role.TEACHER]:
        offers.append(FeedOffer(FeedKind.MY_BOOKINGS, None, None))
    offers += [FeedOffer(FeedKind.SCHOOL, s.id, s.name) for s in sorted(by_role[Role.TEACHER], key=_by_name)]
    offers += [FeedOffer(FeedKind.PARTNER, p.id, p.name) for p in sorted(by_role[Role.PARTNER], key=_by_name)]
    regions = by_role[Role.COORDINATOR]
    if user.is_admin:
        regions = list(db.session.scalars(select(Region)))
    offers += [FeedOffer(FeedKind.REGION, r.id, r.name) for r in sorted(regions, key=_by_name)]
    offers += [FeedOffer(FeedKind.LAB, lab.id, _lab_name(lab)) for lab in _managed_labs(user)]
    if offers:
        live = {(feed.kind, feed.subject_id): feed for feed in live_feeds(user)}
        for offer in offers:
            offer.feed = live.get((offer.kind, offer.subject_id))
    return offers


def _by_name(organisation) -> str:
    return organisation.name.casefold()


def live_feeds(user: User) -> list[CalendarFeed]:
    query = select(CalendarFeed).where(CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None))
    return list(db.session.scalars(query.order_by(CalendarFeed.id)))


def find_offer(user: User, kind: FeedKind, subject_id: int | None) -> FeedOffer | None:
    return next((o for o in available_feeds(user) if o.kind is kind and o.subject_id == subject_id), None)


# Addresses ----------------------------------------------------------------------------------------


def feed_for(user: User, kind: FeedKind, subject_id: int | None) -> CalendarFeed:
    """The user's live address for this feed, made on first use. The caller has checked the user may
    have it (``find_offer``). Two clicks at once make one address: the unique index keeps one."""
    query = select(CalendarFeed).where(
        CalendarFeed.user_id == user.id,
        CalendarFeed.kind == kind,
        CalendarFeed.subject_id.is_(None) if subject_id is None else CalendarFeed.subject_id == subject_id,
        CalendarFeed.revoked_at.is_(None),
    )
    feed = db.session.scalar(query)
    if feed is not None:
        return feed
    feed = CalendarFeed(user=user, kind=kind, subject_id=subject_id)
    try:
        with savepoint():
            db.session.add(feed)
    except IntegrityError:
        feed = db.session.scalar(query)
    return feed


def feed_urls(feed: CalendarFeed) -> tuple[str, str]:
    """The address on BASE_URL, and the same with ``webcal://``, which calendar apps open."""
    url = absolute_url("calendars.feed", token=feed.token)
    return url, "webcal://" + url.split("://", 1)[1]


def can_manage(feed: CalendarFeed, user) -> bool:
    """Only the owner renews or revokes an address, and only while it is live."""
    return user.is_authenticated and feed.user_id == user.id and feed.is_live


def revoke(feed: CalendarFeed) -> None:
    """The address answers 404 from now on; the row stays for the record."""
    if feed.revoked_at is None:
        feed.revoked_at = utcnow()
        db.session.flush()


def renew(feed: CalendarFeed) -> CalendarFeed:
    """A new address for the same feed; the old one stops working at once."""
    revoke(feed)
    return feed_for(feed.user, feed.kind, feed.subject_id)


# Who may read a feed ------------------------------------------------------------------------------


def resolve(token: str) -> CalendarFeed | None:
    """The live feed behind a token, or None when the token is unknown or revoked, the owner is
    inactive, or the owner may no longer see the feed's subject (their current memberships decide).

    Two queries (the feed with its owner, and the owner's memberships with their organisations), a
    third for a lab feed (the lab with its partner's regions) or an admin's region feed.
    """
    if not _TOKEN.fullmatch(token or ""):
        return None
    feed = db.session.scalar(
        select(CalendarFeed)
        .where(CalendarFeed.token == token, CalendarFeed.revoked_at.is_(None))
        .options(joinedload(CalendarFeed.user))
    )
    if feed is None or not feed.user.is_active:
        return None
    subject = subject_of(feed)
    if subject is False:
        return None
    _SUBJECTS[feed] = subject
    return feed


# The subject ``resolve`` found, kept while the feed object lives (one request), so that naming the
# calendar asks the database nothing more.
_SUBJECTS: WeakKeyDictionary[CalendarFeed, object] = WeakKeyDictionary()


def subject_of(feed: CalendarFeed):
    """The school, partner, lab or region the owner may currently see the feed of; None for the
    owner's own bookings; False when the owner may not (any more)."""
    owner = feed.user
    kind, subject_id = feed.kind, feed.subject_id
    if kind is FeedKind.MY_BOOKINGS:
        return None if owner.school_ids else False
    if kind is FeedKind.LAB:
        lab = db.session.get(Lab, subject_id, options=[joinedload(Lab.partner).joinedload(Partner.regions)])
        return lab if lab is not None and lab.can_manage(owner) else False
    role = {FeedKind.SCHOOL: Role.TEACHER, FeedKind.PARTNER: Role.PARTNER, FeedKind.REGION: Role.COORDINATOR}[kind]
    for membership in owner.memberships:
        organisation = membership.organisation
        if membership.role is role and organisation is not None and organisation.id == subject_id:
            return organisation
    if kind is FeedKind.REGION and owner.is_admin:
        return db.session.get(Region, subject_id) or False
    return False


def calendar_name(feed: CalendarFeed) -> str:
    """The calendar's title, "Techniekrooster – OBS De Regenboog", in the owner's language."""
    subject = _SUBJECTS[feed] if feed in _SUBJECTS else subject_of(feed)
    if subject is None:
        with force_locale(feed.user.language.value):
            name = str(feed.kind.label)
    elif isinstance(subject, Lab):
        name = _lab_name(subject)
    else:
        name = subject.name
    return f"{PRODUCT} – {name}"


# What a feed contains -----------------------------------------------------------------------------


def _booking_scope(feed: CalendarFeed, now: datetime) -> list:
    """Conditions on Booking (joined with Session) for the booking feeds."""
    kept_since = now - timedelta(days=CANCELLED_KEPT_DAYS)
    past, ahead = window(feed.kind)
    conditions = [
        Session.starts_at >= now - past,
        Session.starts_at < now + ahead,
        or_(
            and_(Session.status == SessionStatus.SCHEDULED, Booking.status.in_(ACTIVE_STATUSES)),
            Booking.calendar_changed_at >= kept_since,
        ),
    ]
    if feed.kind is FeedKind.MY_BOOKINGS:
        owner = feed.user
        conditions += [Booking.booked_by_id == owner.id, Booking.school_id.in_(owner.school_ids)]
    elif feed.kind is FeedKind.SCHOOL:
        conditions.append(Booking.school_id == feed.subject_id)
    elif feed.kind is FeedKind.LAB:
        conditions.append(Session.lab_id == feed.subject_id)
    elif feed.kind is FeedKind.REGION:
        conditions.append(Booking.school_id.in_(select(School.id).where(School.region_id == feed.subject_id)))
    else:
        raise ValueError(feed.kind)
    return conditions


def _session_scope(feed: CalendarFeed, now: datetime) -> list:
    """Conditions on Session (joined with Activity) for a partner's feed."""
    kept_since = now - timedelta(days=CANCELLED_KEPT_DAYS)
    return [
        Activity.partner_id == feed.subject_id,
        Session.lab_id.is_(None),
        Session.starts_at >= now - PAST,
        Session.starts_at < now + AHEAD,
        or_(Session.status == SessionStatus.SCHEDULED, Session.calendar_changed_at >= kept_since),
    ]


def feed_events(feed: CalendarFeed, *, now: datetime | None = None) -> list[CalendarEvent]:
    """The feed's events, in the current locale (the caller forces the owner's). One query for a
    booking feed, two for a partner's, however many events there are."""
    now = now or utcnow()
    if feed.kind is FeedKind.PARTNER:
        scope = _session_scope(feed, now)
        sessions = db.session.scalars(
            select(Session)
            .join(Session.activity)
            .where(*scope)
            .options(contains_eager(Session.activity).joinedload(Activity.partner))
            .order_by(Session.starts_at, Session.id)
        ).all()
        on_sessions = select(Session.id).join(Session.activity).where(*scope)
        bookings: dict[int, list[Booking]] = {}
        for booking in db.session.scalars(
            select(Booking)
            .where(Booking.session_id.in_(on_sessions))
            .options(joinedload(Booking.school))
            .order_by(Booking.id)
        ):
            bookings.setdefault(booking.session_id, []).append(booking)
        return [session_event(session, bookings.get(session.id, [])) for session in sessions]
    query = (
        select(Booking)
        .join(Booking.session)
        .join(Session.activity)
        .where(*_booking_scope(feed, now))
        .options(
            contains_eager(Booking.session).contains_eager(Session.activity).joinedload(Activity.partner),
            joinedload(Booking.school),
        )
        .order_by(Session.starts_at, Booking.id)
    )
    with_school = feed.kind is not FeedKind.MY_BOOKINGS
    return [booking_event(booking, with_school=with_school) for booking in db.session.scalars(query)]


def feed_calendar(feed: CalendarFeed, *, now: datetime | None = None) -> bytes:
    """The whole feed as iCalendar bytes, in the owner's language."""
    with force_locale(feed.user.language.value):
        events = feed_events(feed, now=now)
    return build_calendar(events, zone_name=zone_name(), name=calendar_name(feed), feed=True)


# HTTP validators ------------------------------------------------------------------------------------


def fingerprint(feed: CalendarFeed, *, now: datetime | None = None) -> str:
    """A hash of everything the feed's output depends on, from one aggregate query: how many rows it
    includes and which (sum of ids), their SEQUENCEs and last changes, the activities' last edits (a
    new preparation note), plus the feed's kind, name, the owner's language and the format version.
    Rows that drop out of the feed change the count, so the fingerprint follows them too.

    Not seen: a school or partner renamed without any other change; the feed catches up with the next
    change it shows.
    """
    now = now or utcnow()
    if feed.kind is FeedKind.PARTNER:
        query = (
            select(
                func.count(Session.id.distinct()),
                func.sum(Session.id),
                func.sum(Session.calendar_sequence),
                func.max(Session.calendar_changed_at),
                func.max(Activity.updated_at),
                func.count(Booking.id),
                func.sum(Booking.id),
                func.sum(Booking.calendar_sequence),
                func.max(Booking.calendar_changed_at),
            )
            .select_from(Session)
            .join(Session.activity)
            .outerjoin(Booking, Booking.session_id == Session.id)
            .where(*_session_scope(feed, now))
        )
    else:
        query = (
            select(
                func.count(Booking.id),
                func.sum(Booking.id),
                func.sum(Booking.calendar_sequence),
                func.max(Booking.calendar_changed_at),
                func.max(Activity.updated_at),
            )
            .select_from(Booking)
            .join(Booking.session)
            .join(Session.activity)
            .where(*_booking_scope(feed, now))
        )
    row = db.session.execute(query).one()
    config = current_app.config
    parts = [
        FORMAT_VERSION,
        feed.kind.value,
        feed.subject_id,
        feed.user.language.value,
        config["TIMEZONE"],
        config["BASE_URL"],
        calendar_name(feed),
        *row,
    ]
    return hashlib.sha256("|".join(str(part) for part in parts).encode()).hexdigest()


def advance(feed: CalendarFeed, current: str) -> datetime:
    """The feed's Last-Modified for the fingerprint ``current``: unchanged while the fingerprint is,
    otherwise now (to the second), and always at least a second past the previous one, so it never
    goes back and a client asking If-Modified-Since sees every change. The caller commits."""
    if feed.fingerprint != current or feed.last_modified is None:
        now = utcnow().replace(microsecond=0)
        previous = feed.last_modified
        feed.last_modified = now if previous is None else max(now, previous + timedelta(seconds=1))
        feed.fingerprint = current
    return feed.last_modified
