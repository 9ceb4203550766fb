"""Subscription feeds: an unguessable address per owner and feed, showing only what the owner may see
now, served without login or cookie, with validators that answer 304 without building anything."""

from __future__ import annotations

from datetime import timedelta
from email.utils import parsedate_to_datetime

import icalendar
import pytest
from sqlalchemy import delete

from booking.accounts.models import Membership, Role
from booking.bookings import services as bookings
from booking.calendars import services
from booking.calendars.models import CalendarFeed, FeedKind
from booking.catalogue.models import LocationType, Session
from booking.extensions import db
from booking.organisations.models import Grade
from tests.calendars.validate import assert_valid_calendar
from tests.conftest import NOW, PASSWORD, counting_queries

# Scenario ----------------------------------------------------------------------------------------


@pytest.fixture
def scene(world, lab, lab_partner, make_activity, make_session, make_class, make_user):
    """Bookings of three schools with three partners and a lab:

    - ``ours``: Groep 7A of OBS De Regenboog on the world's session (partner Van Dijk), by the teacher;
    - ``theirs``: CBS Het Kompas (same region) on that session, by its own teacher;
    - ``colleague``: Groep 8B of OBS De Regenboog at Maakplaats Noord, booked by a colleague;
    - ``far``: OBS De Linde (Regio Zwolle) on the same Maakplaats session;
    - ``lab_lesson``: Groep 5A of OBS De Regenboog in Lokaal 1, by the teacher.
    """
    people = world.people
    people["colleague"] = make_user(Role.TEACHER, world.school, email="colleague@example.org")
    people["lab"] = make_user(Role.PARTNER, lab_partner, email="lab@example.org", name="Henk Bos")
    far_school = people["far_teacher"].memberships[0].school
    maker = make_activity("Solderen", partner=world.other_partner, regions=[world.region, world.other_region])
    maker_session = make_session(maker, NOW + timedelta(days=40), capacity=60, max_classes=2)
    lab_activity = make_activity(
        "Lessen in het technieklokaal",
        partner=lab_partner,
        location_type=LocationType.TECHNIEKLOKAAL,
        address=lab.address,
        lab_id=lab.id,
        grades=[Grade.GROEP_5, Grade.GROEP_7, Grade.GROEP_8],
    )
    lab_session = make_session(lab_activity, NOW + timedelta(days=20), lab_id=lab.id, place=lab.address)
    bookings_ = {
        "ours": world.book(world.class_7a),
        "theirs": world.book(world.other_class),
        "colleague": world.book(world.class_8b, session=maker_session, actor=people["colleague"]),
        "far": world.book(make_class(far_school, "Groep 7", Grade.GROEP_7, 26), session=maker_session,
                          actor=people["far_teacher"]),
        "lab_lesson": world.book(world.class_5a, session=lab_session),
    }  # fmt: skip
    world.bookings = bookings_
    world.lab = lab
    world.lab_partner = lab_partner
    world.maker_session = maker_session
    world.lab_session = lab_session
    return world


def subscribe(user, kind: FeedKind, subject=None) -> str:
    feed = services.feed_for(user, kind, subject.id if subject is not None else None)
    db.session.commit()
    return feed.token


def fetch(app, token: str, **headers):
    """A calendar client: a fresh test client, no cookies, no login."""
    return app.test_client().get(f"/calendars/{token}.ics", headers=headers)


def uid(record) -> str:
    kind = "session" if isinstance(record, Session) else "booking"
    return f"{kind}-{record.id}@127.0.0.1"


def events_of(data: bytes) -> dict[str, icalendar.Event]:
    calendar = assert_valid_calendar(data, feed=True)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def reload(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


# What each feed contains ---------------------------------------------------------------------------


def test_teacher_feed_never_contains_another_schools_bookings(app, scene):
    teacher = scene.people["teacher"]
    for kind, subject in [(FeedKind.MY_BOOKINGS, None), (FeedKind.SCHOOL, scene.school)]:
        data = fetch(app, subscribe(teacher, kind, subject)).data
        assert b"BEGIN:VCALENDAR" in data
        for name in ("CBS Het Kompas", "OBS De Linde"):
            assert name.encode() not in data, (kind, name)
        for key in ("theirs", "far"):
            assert uid(scene.bookings[key]).encode() not in data, (kind, key)


def test_each_feed_holds_exactly_what_its_owner_may_see(app, scene):
    people, b = scene.people, scene.bookings
    expected = {
        (people["teacher"], FeedKind.MY_BOOKINGS, None): {b["ours"], b["lab_lesson"]},
        (people["colleague"], FeedKind.MY_BOOKINGS, None): {b["colleague"]},
        (people["teacher"], FeedKind.SCHOOL, scene.school): {b["ours"], b["colleague"], b["lab_lesson"]},
        (people["other_teacher"], FeedKind.SCHOOL, scene.other_school): {b["theirs"]},
        # A partner's sessions, technieklokaal slots left to the lab's own feed.
        (people["partner"], FeedKind.PARTNER, scene.partner): {scene.session},
        (people["other_partner"], FeedKind.PARTNER, scene.other_partner): {scene.maker_session},
        (people["lab"], FeedKind.LAB, scene.lab): {b["lab_lesson"]},
        (people["coordinator"], FeedKind.LAB, scene.lab): {b["lab_lesson"]},
        (people["coordinator"], FeedKind.REGION, scene.region): {b["ours"], b["theirs"], b["colleague"],
                                                                 b["lab_lesson"]},
        (people["other_coordinator"], FeedKind.REGION, scene.other_region): {b["far"]},
        (people["admin"], FeedKind.REGION, scene.other_region): {b["far"]},
    }  # fmt: skip
    for (owner, kind, subject), records in expected.items():
        response = fetch(app, subscribe(owner, kind, subject))
        assert response.status_code == 200, (owner.email, kind)
        assert set(events_of(response.data)) == {uid(r) for r in records}, (owner.email, kind)


def test_partner_sessions_list_the_booked_classes_and_region_events_name_the_school(app, scene):
    partner_feed = fetch(app, subscribe(scene.people["other_partner"], FeedKind.PARTNER, scene.other_partner)).data
    session = events_of(partner_feed)[uid(scene.maker_session)]
    description = str(session["DESCRIPTION"])
    assert "2 classes booked" in description
    assert "OBS De Linde, Groep 7: 26 pupils" in description and "OBS De Regenboog, Groep 8B" in description

    region_feed = fetch(app, subscribe(scene.people["coordinator"], FeedKind.REGION, scene.region)).data
    event = events_of(region_feed)[uid(scene.bookings["theirs"])]
    assert str(event["SUMMARY"]) == "Robots bouwen – CBS Het Kompas, Groep 7"
    assert b"X-WR-CALNAME:Techniekrooster \xe2\x80\x93 Regio Utrecht" in region_feed


def test_feed_speaks_its_owners_language(app, world):
    from booking.accounts.models import Language

    teacher = world.people["teacher"]
    teacher.language = Language.NL
    db.session.commit()
    world.book()
    data = fetch(app, subscribe(teacher, FeedKind.SCHOOL, world.school), **{"Accept-Language": "en"}).data
    assert b"Aangevraagd" in data and b"Requested" not in data


def test_waiting_list_entries_are_tentative(app, world, make_session):
    teacher = world.people["teacher"]
    small = make_session(world.activity, NOW + timedelta(days=35), capacity=30)
    world.book(world.class_7a, session=small)
    waiting = world.book(world.class_8b, session=small, waitlist=True)
    events = events_of(fetch(app, subscribe(teacher, FeedKind.SCHOOL, world.school)).data)
    assert str(events[uid(waiting)]["STATUS"]) == "TENTATIVE"


def test_feed_covers_sixty_days_back_to_a_year_ahead(app, world, make_session, make_class, clock):
    teacher = world.people["teacher"]
    token = subscribe(teacher, FeedKind.MY_BOOKINGS)
    soon = world.book()
    next_year = make_class(world.school, "Groep 8A", Grade.GROEP_8, 25, school_year=2027)
    too_far = world.book(next_year, session=make_session(world.activity, NOW + timedelta(days=400)))
    events = events_of(fetch(app, token).data)
    assert uid(soon) in events and uid(too_far) not in events
    clock.move_to(NOW + timedelta(days=30 + 59))
    assert uid(soon) in events_of(fetch(app, token).data)
    clock.move_to(NOW + timedelta(days=30 + 61))
    assert uid(soon) not in events_of(fetch(app, token).data)


# Tokens: unguessable, revocable, renewable, tied to the owner's roles ----------------------------


def test_token_is_long_and_random_and_a_wrong_one_gets_404(app, world):
    teacher = world.people["teacher"]
    first = subscribe(teacher, FeedKind.MY_BOOKINGS)
    second = subscribe(teacher, FeedKind.SCHOOL, world.school)
    assert len(first) >= 43 and first != second
    assert subscribe(teacher, FeedKind.MY_BOOKINGS) == first  # one live address per feed
    assert fetch(app, first).status_code == 200
    wrong = first[:-1] + ("A" if first[-1] != "A" else "B")
    for token in (wrong, "x", first.upper() if first.upper() != first else first.lower(), "0" * 43):
        response = fetch(app, token)
        assert response.status_code == 404, token
        assert response.content_type == "text/plain; charset=utf-8" and "Set-Cookie" not in response.headers


def test_revoked_address_gets_404_and_renewed_one_works(app, world, login, client):
    teacher = world.people["teacher"]
    token = subscribe(teacher, FeedKind.SCHOOL, world.school)
    feed = db.session.scalar(db.select(CalendarFeed).filter_by(token=token))
    login(teacher)

    response = client.post(f"/calendars/feeds/{feed.id}/renew")
    assert response.status_code == 302
    renewed = db.session.scalar(
        db.select(CalendarFeed).filter_by(user_id=teacher.id, kind=FeedKind.SCHOOL, revoked_at=None)
    )
    assert renewed.token != token
    assert fetch(app, token).status_code == 404
    assert fetch(app, renewed.token).status_code == 200

    assert client.post(f"/calendars/feeds/{renewed.id}/revoke").status_code == 302
    assert fetch(app, renewed.token).status_code == 404
    # A revoked address stays revoked: renewing or revoking it again is not possible.
    assert client.post(f"/calendars/feeds/{renewed.id}/renew").status_code == 403


def test_losing_the_role_stops_the_feed_at_once(app, scene):
    teacher, coordinator, lab_staff = scene.people["teacher"], scene.people["coordinator"], scene.people["lab"]
    tokens = {
        "mine": subscribe(teacher, FeedKind.MY_BOOKINGS),
        "school": subscribe(teacher, FeedKind.SCHOOL, scene.school),
        "region": subscribe(coordinator, FeedKind.REGION, scene.region),
        "coordinated lab": subscribe(coordinator, FeedKind.LAB, scene.lab),
        "lab": subscribe(lab_staff, FeedKind.LAB, scene.lab),
    }
    assert {name: fetch(app, token).status_code for name, token in tokens.items()} == dict.fromkeys(tokens, 200)

    for user in (teacher, coordinator, lab_staff):
        db.session.execute(delete(Membership).where(Membership.user_id == user.id))
    db.session.commit()
    assert {name: fetch(app, token).status_code for name, token in tokens.items()} == dict.fromkeys(tokens, 404)


def test_my_bookings_drop_bookings_at_a_school_the_teacher_left(app, world, make_school, make_class):
    teacher = world.people["teacher"]
    second = make_school("Daltonschool De Ster")
    from booking.accounts.services import add_membership

    add_membership(teacher, Role.TEACHER, second)
    db.session.commit()
    here = world.book()
    there = world.book(make_class(second, "Groep 7", Grade.GROEP_7, 22), actor=teacher)
    token = subscribe(teacher, FeedKind.MY_BOOKINGS)
    assert set(events_of(fetch(app, token).data)) == {uid(here), uid(there)}
    db.session.execute(delete(Membership).where(Membership.user_id == teacher.id, Membership.school_id == second.id))
    db.session.commit()
    assert set(events_of(fetch(app, token).data)) == {uid(here)}


def test_inactive_owner_gets_404(app, world):
    teacher = world.people["teacher"]
    token = subscribe(teacher, FeedKind.MY_BOOKINGS)
    teacher.is_active = False
    db.session.commit()
    assert fetch(app, token).status_code == 404


# HTTP ---------------------------------------------------------------------------------------------


def test_feed_needs_no_login_and_sets_no_cookie(app, world, login, client):
    teacher = world.people["teacher"]
    world.book()
    token = subscribe(teacher, FeedKind.MY_BOOKINGS)
    response = fetch(app, token)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, max-age=300"
    assert "Set-Cookie" not in response.headers
    assert b"Robots bouwen" in response.data
    # A signed-in browser that opens the address gets the same, and its session is left alone.
    login(teacher)
    signed_in = client.get(f"/calendars/{token}.ics")
    assert signed_in.data == response.data and "Set-Cookie" not in signed_in.headers


def test_unchanged_data_gives_identical_bytes_and_304(app, scene, clock):
    token = subscribe(scene.people["coordinator"], FeedKind.REGION, scene.region)
    first = fetch(app, token)
    clock.shift(timedelta(minutes=10))
    second = fetch(app, token)
    assert first.data == second.data
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert second.headers["ETag"] == etag and second.headers["Last-Modified"] == first.headers["Last-Modified"]

    for headers in ({"If-None-Match": etag}, {"If-None-Match": f'"other", {etag}'}, {"If-None-Match": "*"},
                    {"If-Modified-Since": first.headers["Last-Modified"]}):  # fmt: skip
        response = fetch(app, token, **headers)
        assert response.status_code == 304, headers
        assert response.data == b""
        assert response.headers["ETag"] == etag
        assert response.headers["Last-Modified"] == first.headers["Last-Modified"]
        assert response.headers["Cache-Control"] == "private, max-age=300"
    # If-None-Match decides when both are sent; an older date or another tag gets the calendar.
    stale = {"If-None-Match": '"other"', "If-Modified-Since": first.headers["Last-Modified"]}
    assert fetch(app, token, **stale).status_code == 200
    earlier = parsedate_to_datetime(first.headers["Last-Modified"]) - timedelta(seconds=1)
    from werkzeug.http import http_date

    assert fetch(app, token, **{"If-Modified-Since": http_date(earlier)}).status_code == 200


def test_a_change_gives_a_new_etag_and_a_later_last_modified(app, scene, clock):
    token = subscribe(scene.people["teacher"], FeedKind.SCHOOL, scene.school)
    before = fetch(app, token)
    clock.shift(timedelta(minutes=5))
    bookings.take_step(reload(scene.bookings["ours"]), "confirm", actor=scene.people["partner"])
    db.session.commit()
    after = fetch(app, token, **{"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    assert last_modified(after) > last_modified(before)
    assert str(events_of(after.data)[uid(scene.bookings["ours"])]["STATUS"]) == "CONFIRMED"


def last_modified(response):
    return parsedate_to_datetime(response.headers["Last-Modified"])


def test_last_modified_never_goes_back_when_an_event_is_deleted_or_drops_out(app, world, clock):
    teacher = world.people["teacher"]
    token = subscribe(teacher, FeedKind.SCHOOL, world.school)
    kept = world.book()
    gone = world.book(world.class_8b)
    first = fetch(app, token)

    # A booking deleted outright (an admin's clean-up): nothing newer is left in the data.
    clock.shift(timedelta(minutes=5))
    db.session.delete(reload(gone))
    db.session.commit()
    second = fetch(app, token, **{"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and uid(gone) not in events_of(second.data)
    assert last_modified(second) > last_modified(first)

    # A cancelled booking stays 30 days, then drops out: later still, not back to the last change.
    bookings.take_step(reload(kept), "cancel", actor=teacher)
    db.session.commit()
    clock.shift(timedelta(minutes=5))
    third = fetch(app, token)
    assert last_modified(third) > last_modified(second)
    clock.move_to(NOW + timedelta(days=31))
    fourth = fetch(app, token, **{"If-Modified-Since": third.headers["Last-Modified"]})
    assert fourth.status_code == 200 and events_of(fourth.data) == {}
    assert last_modified(fourth) > last_modified(third)


def test_cancelled_items_stay_as_cancelled_with_higher_sequence_for_thirty_days(app, scene, clock):
    teacher, partner = scene.people["teacher"], scene.people["other_partner"]
    school_token = subscribe(teacher, FeedKind.SCHOOL, scene.school)
    partner_token = subscribe(partner, FeedKind.PARTNER, scene.other_partner)
    before = events_of(fetch(app, school_token).data)
    ours = uid(scene.bookings["ours"])
    assert str(before[ours]["STATUS"]) == "TENTATIVE"  # requested, waiting for the partner

    clock.shift(timedelta(hours=1))
    bookings.take_step(reload(scene.bookings["ours"]), "cancel", actor=teacher)
    bookings.cancel_session(reload(scene.maker_session), actor=partner, reason="De monteur is ziek.")
    db.session.commit()
    school = events_of(fetch(app, school_token).data)
    assert str(school[ours]["STATUS"]) == "CANCELLED"
    assert school[ours]["SEQUENCE"] > before[ours]["SEQUENCE"]
    colleague = uid(scene.bookings["colleague"])
    assert str(school[colleague]["STATUS"]) == "CANCELLED" and "De monteur is ziek." in str(
        school[colleague]["DESCRIPTION"]
    )
    session = events_of(fetch(app, partner_token).data)[uid(scene.maker_session)]
    assert str(session["STATUS"]) == "CANCELLED" and session["SEQUENCE"] == 1

    clock.move_to(NOW + timedelta(days=29))
    assert ours in events_of(fetch(app, school_token).data)
    clock.move_to(NOW + timedelta(days=31))
    school = events_of(fetch(app, school_token).data)
    assert ours not in school and colleague not in school
    assert uid(scene.bookings["lab_lesson"]) in school  # eleven days past: still in the window
    assert events_of(fetch(app, partner_token).data) == {}


def test_not_modified_answer_builds_nothing_and_costs_a_fixed_few_queries(app, scene, monkeypatch):
    tokens = {
        "school": subscribe(scene.people["teacher"], FeedKind.SCHOOL, scene.school),
        "partner": subscribe(scene.people["other_partner"], FeedKind.PARTNER, scene.other_partner),
        "lab": subscribe(scene.people["coordinator"], FeedKind.LAB, scene.lab),
        "admin region": subscribe(scene.people["admin"], FeedKind.REGION, scene.region),
    }
    etags = {name: fetch(app, token).headers["ETag"] for name, token in tokens.items()}

    def must_not_run(*args, **kwargs):
        raise AssertionError("the calendar was built for a 304")

    monkeypatch.setattr(services, "feed_events", must_not_run)
    monkeypatch.setattr(services, "feed_calendar", must_not_run)
    # The feed with its owner, the owner's memberships, the fingerprint; a lab or an admin's region
    # needs one more for the permission check.
    expected = {"school": 3, "partner": 3, "lab": 4, "admin region": 4}
    for name, token in tokens.items():
        with counting_queries() as statements:
            response = fetch(app, token, **{"If-None-Match": etags[name]})
        assert response.status_code == 304, name
        assert len(statements) == expected[name], (name, [statement[:60] for statement in statements])


def test_building_a_feed_costs_the_same_queries_for_few_or_many_events(app, world, make_session, make_class):
    teacher = world.people["teacher"]
    tokens = {kind: subscribe(teacher, kind, world.school if kind is FeedKind.SCHOOL else None)
              for kind in (FeedKind.MY_BOOKINGS, FeedKind.SCHOOL)}  # fmt: skip
    partner_token = subscribe(world.people["partner"], FeedKind.PARTNER, world.partner)

    def cost(token):
        with counting_queries() as statements:
            assert fetch(app, token).status_code == 200
        return len(statements)

    world.book()
    few = {kind: cost(token) for kind, token in tokens.items()} | {"partner": cost(partner_token)}
    for days in range(31, 36):
        session = make_session(world.activity, NOW + timedelta(days=days), capacity=60)
        world.book(make_class(world.school, f"Groep 7-{days}", Grade.GROEP_7, 20), session=session)
    many = {kind: cost(token) for kind, token in tokens.items()} | {"partner": cost(partner_token)}
    assert many == few


def test_feed_addresses_are_rate_limited_per_token(app, world, monkeypatch):
    teacher = world.people["teacher"]
    token = subscribe(teacher, FeedKind.MY_BOOKINGS)
    other = subscribe(teacher, FeedKind.SCHOOL, world.school)
    monkeypatch.setitem(app.config, "RATELIMIT_FEED_PER_TOKEN", "2 per minute")
    assert [fetch(app, token).status_code for _ in range(3)] == [200, 200, 429]
    assert fetch(app, other).status_code == 200


# Pages ---------------------------------------------------------------------------------------------


def page_of(app, login, user):
    c = app.test_client()
    c.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(user, c=c)
    return c, c.get("/calendars").get_data(as_text=True)


def test_page_offers_each_role_its_feeds(app, scene, login):
    people = scene.people
    expectations = {
        "teacher": (["My bookings", "School bookings – OBS De Regenboog"], ["Region programme", "Our sessions"]),
        "partner": (["Our sessions – Van Dijk Techniek"], ["My bookings", "Lab occupancy"]),
        "lab": (["Our sessions – Technieklokaal Utrecht-West",
                 "Lab occupancy – Lokaal 1 (Technieklokaal Utrecht-West)"], ["My bookings"]),
        "coordinator": (["Region programme – Regio Utrecht", "Lab occupancy – Lokaal 1"],
                        ["My bookings", "Regio Zwolle"]),
        "admin": (["Region programme – Regio Utrecht", "Region programme – Regio Zwolle"], ["Lab occupancy"]),
    }  # fmt: skip
    for role, (present, absent) in expectations.items():
        _, html = page_of(app, login, people[role])
        for text in present:
            assert text in html, (role, text)
        for text in absent:
            assert text not in html, (role, text)
        assert "Create address" in html and "Subscribe from web" in html and "From URL" in html
        assert "New Calendar Subscription" in html


def test_creating_an_address_shows_both_links_and_the_copy_buttons(app, world, login):
    teacher = world.people["teacher"]
    c, _ = page_of(app, login, teacher)
    response = c.post("/calendars/feeds/my_bookings")
    assert response.status_code == 302 and response.headers["Location"].endswith("/calendars#my_bookings-0")
    html = c.get("/calendars").get_data(as_text=True)
    feed = db.session.scalar(db.select(CalendarFeed).filter_by(user_id=teacher.id))
    assert f'href="webcal://127.0.0.1:5000/calendars/{feed.token}.ics"' in html
    assert f'href="http://127.0.0.1:5000/calendars/{feed.token}.ics"' in html
    assert 'data-copy="my_bookings-0-https"' in html and 'data-copy="my_bookings-0-webcal"' in html
    assert "Renew address" in html and "Revoke" in html and "stops working" in html
    # The same address twice is still one address.
    c.post("/calendars/feeds/my_bookings")
    assert len(services.live_feeds(teacher)) == 1


def test_profile_page_lists_live_addresses_with_renew_and_revoke(app, world, login):
    teacher = world.people["teacher"]
    c, _ = page_of(app, login, teacher)
    html = c.get("/account").get_data(as_text=True)
    assert "Calendar subscriptions" in html and 'href="/calendars"' in html
    token = subscribe(teacher, FeedKind.SCHOOL, world.school)
    html = c.get("/account").get_data(as_text=True)
    assert f"/calendars/{token}.ics" in html and "School bookings – OBS De Regenboog" in html
    feed = db.session.scalar(db.select(CalendarFeed).filter_by(token=token))
    response = c.post(f"/calendars/feeds/{feed.id}/revoke?next=/account%23calendar-subscriptions")
    assert response.headers["Location"] == "/account#calendar-subscriptions"
    assert fetch(app, token).status_code == 404
    assert f"/calendars/{token}.ics" not in c.get("/account").get_data(as_text=True)


def test_no_one_else_can_renew_or_revoke_my_address(app, world, login):
    token = subscribe(world.people["teacher"], FeedKind.MY_BOOKINGS)
    feed = db.session.scalar(db.select(CalendarFeed).filter_by(token=token))
    c, _ = page_of(app, login, world.people["other_teacher"])
    assert c.post(f"/calendars/feeds/{feed.id}/revoke").status_code == 403
    assert c.post(f"/calendars/feeds/{feed.id}/renew").status_code == 403
    assert c.post("/calendars/feeds/999999/revoke").status_code == 404
    assert fetch(app, token).status_code == 200


def test_feeds_one_may_not_have_cannot_be_created(app, world, login):
    c, _ = page_of(app, login, world.people["teacher"])
    assert c.post(f"/calendars/feeds/school/{world.other_school.id}").status_code == 403
    assert c.post(f"/calendars/feeds/region/{world.region.id}").status_code == 403
    assert c.post("/calendars/feeds/nonsense").status_code == 404
    assert services.live_feeds(world.people["teacher"]) == []


def test_changes_to_addresses_need_the_csrf_token(make_app, world):
    app = make_app(WTF_CSRF_ENABLED=True)
    teacher = world.people["teacher"]
    token = subscribe(teacher, FeedKind.MY_BOOKINGS)
    feed = db.session.scalar(db.select(CalendarFeed).filter_by(token=token))
    c = app.test_client()
    page = c.get("/login").get_data(as_text=True)
    csrf = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert c.post("/login", data={"email": teacher.email, "password": PASSWORD, "csrf_token": csrf}).status_code == 302
    for path in (f"/calendars/feeds/{feed.id}/revoke", f"/calendars/feeds/{feed.id}/renew",
                 f"/calendars/feeds/school/{world.school.id}"):  # fmt: skip
        assert c.post(path).status_code == 400, path
    assert fetch(app, token).status_code == 200
    assert c.post(f"/calendars/feeds/{feed.id}/revoke", data={"csrf_token": csrf}).status_code == 302
    assert fetch(app, token).status_code == 404
