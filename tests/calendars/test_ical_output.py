"""Downloads of a booking, a session and a lab series (``/bookings/<id>.ics`` and friends): valid for
every parser, text intact, local times right across the change to summer time, SEQUENCE raised on
what a calendar shows and on nothing else, repeatable bytes with 304s, and who may download what."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
from flask_babel import force_locale

from booking.accounts.models import Language, Role
from booking.bookings import services as bookings
from booking.bookings.models import Booking
from booking.calendars import events
from booking.calendars.events import CANCELLED_KEPT_DAYS
from booking.catalogue.models import LocationType, SessionStatus
from booking.extensions import db
from booking.labs.models import LabSeries
from tests.calendars.validate import assert_valid_calendar, event_views
from tests.conftest import aware

ICS = "text/calendar; charset=utf-8"


def reload(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def signed_in(app, login, user):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return login(user, c=client)


def download(client, path: str) -> bytes:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == ICS
    assert re.fullmatch(r'attachment; filename="[a-z0-9-]+\.ics"', response.headers["Content-Disposition"])
    return response.data


def the_event(data: bytes, uid: str | None = None):
    """The one event (or the one with ``uid``) as icalendar reads it, after checking the calendar."""
    calendar = assert_valid_calendar(data)
    found = [e for e in calendar.walk("VEVENT") if uid is None or str(e["UID"]) == uid]
    assert len(found) == 1
    return found[0]


def uid_of(booking) -> str:
    return f"booking-{booking.id}@127.0.0.1"


# Text ------------------------------------------------------------------------------------------

HOSTILE_TITLE = 'Robots, bouwen; "de\\luxe"\r\nversie 🤖\x07\x1b'
HOSTILE_PLACE = 'Lokaal 3; gebouw "B", Utrecht\\Noord\x0b 🏫\nachteringang\x7f'
HOSTILE_NOTES = 'Allergie: noten, pinda\'s; 2 begeleiders\r\nNeem "schorten" mee \\o/ 🎉\x0c\x01'
TITLE = 'Robots, bouwen; "de\\luxe"\nversie 🤖'
PLACE = 'Lokaal 3; gebouw "B", Utrecht\\Noord 🏫\nachteringang'
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
NOTES = 'Allergie: noten, pinda\'s; 2 begeleiders\nNeem "schorten" mee \\o/ 🎉'


def test_hostile_text_round_trips_through_every_parser(app, login, world):
    world.activity.title = HOSTILE_TITLE
    world.session.place = HOSTILE_PLACE
    booking = world.book()
    booking.notes = HOSTILE_NOTES
    db.session.commit()

    teacher = signed_in(app, login, world.people["teacher"])
    partner = signed_in(app, login, world.people["partner"])
    for client, path, uid in (
        (teacher, f"/bookings/{booking.id}.ics", uid_of(booking)),
        (partner, f"/sessions/{world.session.id}.ics", f"session-{world.session.id}@127.0.0.1"),
    ):
        data = download(client, path)
        assert_valid_calendar(data)
        for parser, read in event_views(data).items():
            event = read[uid]
            assert (event.summary, event.location) == (TITLE, PLACE), parser
            assert not CONTROL.search(event.description), parser
    for parser, read in event_views(download(teacher, f"/bookings/{booking.id}.ics")).items():
        assert f"\nNotes: {NOTES}\n" in read[uid_of(booking)].description, parser


def test_filename_is_ascii_whatever_the_title(app, login, world):
    world.activity.title = "Café Ölé: robots/“bouwen” 🤖"
    booking = world.book()
    response = signed_in(app, login, world.people["teacher"]).get(f"/bookings/{booking.id}.ics")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="cafe-ole-robots-bouwen-groep-7a-2026-12-23.ics"'
    )


# Times -----------------------------------------------------------------------------------------


def test_session_moved_across_the_change_to_summer_time_keeps_its_local_time(app, login, world, make_session, clock):
    # Friday 26 March 2027 09:00 in Amsterdam is 08:00 UTC; Monday 29 March 09:00 is 07:00 UTC.
    session = make_session(world.activity, aware(2027, 3, 26, 8, 0), capacity=60, max_classes=2)
    booking = world.book(session=session)
    teacher = signed_in(app, login, world.people["teacher"])
    partner = signed_in(app, login, world.people["partner"])

    before = download(teacher, f"/bookings/{booking.id}.ics")
    assert "DTSTART;TZID=Europe/Amsterdam:20270326T090000\r\n" in before.decode()
    assert "DTEND;TZID=Europe/Amsterdam:20270326T110000\r\n" in before.decode()
    for parser, read in event_views(before).items():
        assert read[uid_of(booking)].starts_at == aware(2027, 3, 26, 8, 0), parser

    clock.shift(timedelta(minutes=5))
    session = reload(session)
    session.starts_at, session.ends_at = aware(2027, 3, 29, 7, 0), aware(2027, 3, 29, 9, 0)
    db.session.commit()

    for path, uid in ((f"/bookings/{booking.id}.ics", uid_of(booking)), (f"/sessions/{session.id}.ics", None)):
        after = download(teacher if uid else partner, path)
        text = after.decode()
        assert "DTSTART;TZID=Europe/Amsterdam:20270329T090000\r\n" in text
        assert "DTEND;TZID=Europe/Amsterdam:20270329T110000\r\n" in text
        event = the_event(after, uid)
        assert event["DTSTART"].params["TZID"] == "Europe/Amsterdam"
        for parser, read in event_views(after).items():
            (view,) = read.values()
            assert (view.starts_at, view.ends_at) == (aware(2027, 3, 29, 7, 0), aware(2027, 3, 29, 9, 0)), parser
    assert the_event(download(teacher, f"/bookings/{booking.id}.ics"))["SEQUENCE"] == 1


def test_timezone_is_the_outlook_shape(app, login, world):
    booking = world.book()
    calendar = assert_valid_calendar(
        download(signed_in(app, login, world.people["teacher"]), f"/bookings/{booking.id}.ics")
    )
    (zone,) = calendar.walk("VTIMEZONE")
    assert zone["TZID"] == "Europe/Amsterdam"
    (standard,), (daylight,) = zone.walk("STANDARD"), zone.walk("DAYLIGHT")
    assert dict(daylight["RRULE"]) == {"FREQ": ["YEARLY"], "BYMONTH": [3], "BYDAY": ["-1SU"]}
    assert dict(standard["RRULE"]) == {"FREQ": ["YEARLY"], "BYMONTH": [10], "BYDAY": ["-1SU"]}
    hours = timedelta(hours=1)
    assert (daylight["TZOFFSETFROM"].td, daylight["TZOFFSETTO"].td) == (1 * hours, 2 * hours)
    assert (standard["TZOFFSETFROM"].td, standard["TZOFFSETTO"].td) == (2 * hours, 1 * hours)
    for observance in (standard, daylight):
        assert "RDATE" not in observance and "COMMENT" not in observance


# SEQUENCE, stamps and repeatable bytes -----------------------------------------------------------


def test_sequence_follows_visible_changes_only(app, login, world, clock):
    booking = world.book()
    teacher = signed_in(app, login, world.people["teacher"])
    path = f"/bookings/{booking.id}.ics"
    first = download(teacher, path)
    event = the_event(first)
    assert (event["SEQUENCE"], str(event["STATUS"])) == (0, "TENTATIVE")

    # Another class books places, a reminder goes out: nothing this booking's calendar shows.
    clock.shift(timedelta(minutes=5))
    world.book(world.other_class)
    reload(booking).reminder_sent_at = datetime.now(UTC)
    db.session.commit()
    assert download(teacher, path) == first

    def change(make_change) -> icalendar.Event:
        clock.shift(timedelta(minutes=5))
        make_change()
        db.session.commit()
        return the_event(download(teacher, path))

    previous = event
    steps = {
        "status": lambda: bookings.take_step(reload(booking), "confirm", actor=world.people["partner"]),
        "time": lambda: setattr(reload(world.session), "starts_at", world.session.starts_at + timedelta(hours=1)),
        "place": lambda: setattr(reload(world.session), "place", "Zaal 2, Industrieweg 1"),
        "title": lambda: setattr(reload(world.activity), "title", "Robots programmeren"),
    }
    for what, make_change in steps.items():
        event = change(make_change)
        assert event["SEQUENCE"] == previous["SEQUENCE"] + 1, what
        assert event["DTSTAMP"].dt > previous["DTSTAMP"].dt, what
        assert event["LAST-MODIFIED"].dt == event["DTSTAMP"].dt, what
        assert event["UID"] == previous["UID"] == uid_of(booking), what
        previous = event
    assert (str(event["STATUS"]), str(event["SUMMARY"]), str(event["LOCATION"])) == (
        "CONFIRMED", "Robots programmeren", "Zaal 2, Industrieweg 1"
    )  # fmt: skip


def test_session_text_follows_its_classes_without_a_new_sequence(app, login, world, clock):
    world.book()
    partner = signed_in(app, login, world.people["partner"])
    path = f"/sessions/{world.session.id}.ics"
    before = the_event(download(partner, path))
    assert "Groep 7A" in str(before["DESCRIPTION"]) and "CBS Het Kompas" not in str(before["DESCRIPTION"])

    clock.shift(timedelta(minutes=5))
    world.book(world.other_class)
    after = the_event(download(partner, path))
    assert after["SEQUENCE"] == before["SEQUENCE"] == 0
    assert "CBS Het Kompas, Groep 7" in str(after["DESCRIPTION"])
    assert after["DTSTAMP"].dt > before["DTSTAMP"].dt


def test_unchanged_data_gives_the_same_bytes_and_304s(app, login, world, clock):
    booking = world.book()
    with force_locale("en"):
        assert events.booking_calendar(booking) == events.booking_calendar(reload(booking))
    teacher = signed_in(app, login, world.people["teacher"])
    path = f"/bookings/{booking.id}.ics"
    first, second = teacher.get(path), teacher.get(path)
    assert first.data == second.data
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag == second.headers["ETag"] and not etag.startswith("W/")
    assert last_modified == second.headers["Last-Modified"]
    assert first.last_modified == reload(booking).calendar_changed_at.replace(microsecond=0)

    for headers in ({"If-None-Match": etag}, {"If-Modified-Since": last_modified}):
        response = teacher.get(path, headers=headers)
        assert response.status_code == 304, headers
        assert response.data == b""
    assert teacher.get(path, headers={"If-None-Match": '"something-else"'}).status_code == 200
    earlier = first.last_modified - timedelta(seconds=1)
    assert (
        teacher.get(path, headers={"If-Modified-Since": earlier.strftime("%a, %d %b %Y %H:%M:%S GMT")}).status_code
        == 200
    )

    clock.shift(timedelta(minutes=5))
    bookings.take_step(reload(booking), "confirm", actor=world.people["partner"])
    db.session.commit()
    changed = teacher.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag and changed.last_modified > first.last_modified
    assert teacher.get(path, headers={"If-Modified-Since": last_modified}).status_code == 200


def test_cancelled_booking_exports_as_cancelled_with_a_higher_sequence(app, login, world, clock):
    booking = world.book()
    teacher = signed_in(app, login, world.people["teacher"])
    path = f"/bookings/{booking.id}.ics"
    before = the_event(download(teacher, path))

    clock.shift(timedelta(minutes=5))
    response = teacher.post(f"/bookings/{booking.id}/cancel", data={"reason": ""})
    assert response.status_code == 302
    assert reload(booking).status.value == "cancelled"
    after = the_event(download(teacher, path))
    assert str(after["STATUS"]) == "CANCELLED"
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert after["UID"] == before["UID"] and after["DTSTAMP"].dt > before["DTSTAMP"].dt


def test_cancelled_session_cancels_the_booking_and_the_session(app, login, world, clock):
    booking = world.book()
    clock.shift(timedelta(minutes=5))
    session = reload(world.session)
    session.status = SessionStatus.CANCELLED
    db.session.commit()
    teacher = signed_in(app, login, world.people["teacher"])
    partner = signed_in(app, login, world.people["partner"])
    for event in (
        the_event(download(teacher, f"/bookings/{booking.id}.ics")),
        the_event(download(partner, f"/sessions/{session.id}.ics")),
    ):
        assert (str(event["STATUS"]), event["SEQUENCE"]) == ("CANCELLED", 1)


def test_description_is_in_the_readers_language(app, login, world):
    booking = world.book()
    world.people["teacher"].language = Language.NL
    db.session.commit()
    dutch = download(signed_in(app, login, world.people["teacher"]), f"/bookings/{booking.id}.ics")
    english = download(signed_in(app, login, world.people["coordinator"]), f"/bookings/{booking.id}.ics")
    assert "27 leerlingen" in str(the_event(dutch)["DESCRIPTION"])
    assert "27 pupils" in str(the_event(english)["DESCRIPTION"])


# Lab series ------------------------------------------------------------------------------------


@pytest.fixture
def lesson_series(world, lab, lab_partner, make_activity, make_session):
    """Groep 7A's three Tuesday mornings in Lokaal 1, January 2027."""
    activity = make_activity(
        "Lessenreeks Techniek", partner=lab_partner, location_type=LocationType.TECHNIEKLOKAAL,
        address=lab.address, lab_id=lab.id, requires_confirmation=False,
    )  # fmt: skip
    teacher = world.people["teacher"]
    series = LabSeries(
        lab_id=lab.id, activity=activity, school_id=world.school.id, class_label="Groep 7A", school_year=2026,
        weekday=1, period_name="ochtend", first_day=date(2027, 1, 12), booked_by=teacher,
    )  # fmt: skip
    db.session.add(series)
    db.session.flush()
    for week in range(3):
        session = make_session(activity, aware(2027, 1, 12 + 7 * week, 7, 30), minutes=180, lab_id=lab.id)
        request = bookings.BookingRequest(school_class=world.class_7a, pupils=26, adults=2)
        bookings.book_session(session, request, actor=teacher, series=series, notify=False)
    db.session.commit()
    return series


def test_series_download_has_every_lesson_and_drops_a_cancelled_one_later(app, login, world, lesson_series, clock):
    teacher = signed_in(app, login, world.people["teacher"])
    path = f"/series/{lesson_series.id}.ics"
    first = teacher.get(path)
    calendar = assert_valid_calendar(first.data)
    lessons = db.session.scalars(
        db.select(Booking).where(Booking.series_id == lesson_series.id).order_by(Booking.id)
    ).all()
    assert [str(e["UID"]) for e in calendar.walk("VEVENT")] == [uid_of(lesson) for lesson in lessons]
    assert [e["DTSTART"].to_ical() for e in calendar.walk("VEVENT")] == [b"20270112T083000", b"20270119T083000",
                                                                         b"20270126T083000"]  # fmt: skip
    assert all(str(e["STATUS"]) == "CONFIRMED" for e in calendar.walk("VEVENT"))
    assert calendar["X-WR-CALNAME"] == "Lesson series of Groep 7A – Lessenreeks Techniek"

    clock.shift(timedelta(minutes=5))
    bookings.take_step(reload(lessons[1]), "cancel", actor=world.people["teacher"])
    db.session.commit()
    cancelled = teacher.get(path)
    event = the_event(cancelled.data, uid_of(lessons[1]))
    assert (str(event["STATUS"]), event["SEQUENCE"]) == ("CANCELLED", 1)
    assert cancelled.last_modified > first.last_modified

    clock.shift(timedelta(days=CANCELLED_KEPT_DAYS, minutes=1))
    teacher = signed_in(app, login, world.people["teacher"])  # a sign-in lasts 30 days
    later = teacher.get(path)
    calendar = assert_valid_calendar(later.data)
    assert [str(e["UID"]) for e in calendar.walk("VEVENT")] == [uid_of(lessons[0]), uid_of(lessons[2])]
    assert later.last_modified == cancelled.last_modified  # never backwards when a lesson drops out
    assert later.headers["ETag"] != cancelled.headers["ETag"]


# Who may download what ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "booking_status", "session_status"),
    [
        ("teacher", 200, 200),
        ("other_teacher", 403, 403),
        ("far_teacher", 403, 403),
        ("partner", 200, 200),
        ("other_partner", 403, 403),
        ("coordinator", 200, 200),
        ("other_coordinator", 403, 403),
        ("admin", 200, 200),
    ],
)
def test_who_may_download_a_booking_and_a_session(app, login, world, who, booking_status, session_status):
    booking = world.book()
    client = signed_in(app, login, world.people[who])
    assert client.get(f"/bookings/{booking.id}.ics").status_code == booking_status
    assert client.get(f"/sessions/{world.session.id}.ics").status_code == session_status


@pytest.mark.parametrize(
    ("who", "status"),
    [("teacher", 200), ("other_teacher", 403), ("lab", 200), ("partner", 403), ("coordinator", 200),
     ("other_coordinator", 403), ("admin", 200)],
)  # fmt: skip
def test_who_may_download_a_series(app, login, world, lesson_series, lab_partner, make_user, who, status):
    world.people["lab"] = make_user(Role.PARTNER, lab_partner, email="lab.staff@example.org")
    client = signed_in(app, login, world.people[who])
    assert client.get(f"/series/{lesson_series.id}.ics").status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(app, world, lesson_series):
    booking = world.book()
    client = app.test_client()
    for path in (f"/bookings/{booking.id}.ics", f"/sessions/{world.session.id}.ics", f"/series/{lesson_series.id}.ics"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login?next=")


def test_missing_records_are_404(app, login, world):
    client = signed_in(app, login, world.people["admin"])
    for path in ("/bookings/999999.ics", "/sessions/999999.ics", "/series/999999.ics"):
        assert client.get(path).status_code == 404, path


def test_a_teacher_sees_only_their_own_classes_on_a_session(app, login, world):
    world.book()
    world.book(world.other_class)
    teacher = signed_in(app, login, world.people["teacher"])
    description = str(the_event(download(teacher, f"/sessions/{world.session.id}.ics"))["DESCRIPTION"])
    assert "OBS De Regenboog, Groep 7A" in description
    assert "CBS Het Kompas" not in description
    partner = signed_in(app, login, world.people["partner"])
    description = str(the_event(download(partner, f"/sessions/{world.session.id}.ics"))["DESCRIPTION"])
    assert "OBS De Regenboog, Groep 7A" in description and "CBS Het Kompas, Groep 7" in description


def test_pages_link_to_the_downloads(app, login, world, lesson_series):
    booking = world.book()
    teacher = signed_in(app, login, world.people["teacher"])
    page = teacher.get(f"/bookings/{booking.id}").get_data(as_text=True)
    assert f'href="/bookings/{booking.id}.ics" download>Add to calendar (.ics)</a>' in page
    page = teacher.get(f"/series/{lesson_series.id}").get_data(as_text=True)
    assert f'href="/series/{lesson_series.id}.ics" download>Add to calendar (.ics)</a>' in page
    partner = signed_in(app, login, world.people["partner"])
    page = partner.get(f"/sessions/{world.session.id}/participants").get_data(as_text=True)
    assert f'href="/sessions/{world.session.id}.ics" download>Add to calendar (.ics)</a>' in page
