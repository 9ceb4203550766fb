"""Email invitations (CALENDARS.md 13 and 14): which mail carries which iTIP calendar, and the MIME
shape mail clients act on — METHOD in the body equal to ``method=`` on an inline ``text/calendar``
part of a ``multipart/alternative``, ORGANIZER and ATTENDEE, the same UID with a higher SEQUENCE for
an update, ``METHOD:CANCEL`` with ``STATUS:CANCELLED`` for a cancellation."""

from __future__ import annotations

import email
from datetime import timedelta
from email import policy
from email.utils import parseaddr

import icalendar
import pytest

from booking.accounts.models import Language
from booking.bookings import services
from booking.bookings.models import Booking
from booking.catalogue import services as catalogue
from booking.core import outbox as mail
from booking.core.outbox import OutboxMessage
from booking.extensions import db
from booking.labs import series as series_service
from tests.calendars.validate import assert_valid_calendar
from tests.labs.conftest import series  # noqa: F401
from tests.labs.test_series import planned  # noqa: F401

SENDER = "Techniekrooster <noreply@techniekrooster.local>"
HOST = "127.0.0.1"  # of BASE_URL in the tests
PARTNER_MAIL = "planning@vandijk.nl"


# Reading an invitation the way a mail client does ---------------------------------------------


def parts(message: email.message.EmailMessage) -> dict:
    """The parts of an invitation mail: mixed(alternative(plain, html, calendar), application/ics)."""
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    plain, html, calendar = alternative.get_payload()
    assert (plain.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    return {"plain": plain, "html": html, "calendar": calendar, "attachment": attachment}


def invitation(message: OutboxMessage, method: str, attendee: str, *, sent: email.message.Message | None = None):
    """Check the MIME and the calendar of ``message`` (or of the mail as an SMTP server received it)
    and return the calendar and its events by UID."""
    received = sent or email.message_from_bytes(message.to_email(SENDER).as_bytes(), policy=policy.default)
    assert received["Message-ID"] and received["Date"] and received["Auto-Submitted"] == "auto-generated"
    assert received["Content-Language"] == message.language
    found = parts(received)
    calendar_part, attachment = found["calendar"], found["attachment"]
    assert calendar_part.get_content_type() == "text/calendar"
    assert calendar_part.get_content_disposition() is None  # inline: the part clients act on
    assert calendar_part.get_param("charset") == "utf-8"
    assert calendar_part.get_param("method") == method
    assert dict(calendar_part.raw_items())["Content-Type"] == f"text/calendar; charset=utf-8; method={method}"
    data = calendar_part.get_payload(decode=True)
    assert data == message.calendar_ics.encode() and message.calendar_method == method
    assert attachment.get_content_type() == "application/ics"
    assert attachment.get_content_disposition() == "attachment" and attachment.get_filename() == "invite.ics"
    assert attachment.get_payload(decode=True) == data

    calendar = assert_valid_calendar(data, method=method)
    assert calendar["METHOD"] == method
    assert b"X-WR-CALNAME" not in data and b"\r\nNAME:" not in data
    events = {str(event["UID"]): event for event in calendar.walk("VEVENT")}
    assert events
    for event in events.values():
        for name in ("SUMMARY", "DTSTART", "DTEND", "UID", "DTSTAMP", "SEQUENCE"):
            assert name in event, name
        organizer = event["ORGANIZER"]
        assert str(organizer) == "mailto:noreply@techniekrooster.local" == f"mailto:{parseaddr(received['From'])[1]}"
        assert organizer.params["CN"] == "Techniekrooster"
        attendees = event["ATTENDEE"] if isinstance(event["ATTENDEE"], list) else [event["ATTENDEE"]]
        assert [str(a) for a in attendees] == [f"mailto:{attendee}"]
        if method == "CANCEL":
            assert event["STATUS"] == "CANCELLED"
    return calendar, events


def only(events: dict):
    [event] = events.values()
    return event


def mails_to(outbox, recipient: str) -> list[OutboxMessage]:
    return [m for m in outbox() if m.recipient == recipient]


def last_to(outbox, recipient: str) -> OutboxMessage:
    return mails_to(outbox, recipient)[-1]


def confirmed_at_once(world):
    world.activity.requires_confirmation = False
    world.partner.email = PARTNER_MAIL
    world.partner.contact_name = "Piet van Dijk"
    db.session.commit()


# Teachers --------------------------------------------------------------------------------------


def test_a_booking_confirmed_at_once_invites_the_teacher_and_updates_the_partner(world, outbox):
    confirmed_at_once(world)
    booking = world.book()
    teacher_mail = last_to(outbox, "teacher@example.org")
    assert teacher_mail.subject == "Confirmed: Robots bouwen"
    _, events = invitation(teacher_mail, "REQUEST", "teacher@example.org")
    event = events[f"booking-{booking.id}@{HOST}"]
    assert event["SUMMARY"] == "Robots bouwen" and event["STATUS"] == "CONFIRMED"
    assert event.start == world.session.starts_at and event.end == world.session.ends_at
    assert event["ATTENDEE"].params["CN"] == "Anna de Vries"
    assert event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    assert "RSVP" not in event["ATTENDEE"].params  # nobody reads replies to the sending address
    assert "Groep 7A (OBS De Regenboog)" in str(event["DESCRIPTION"])

    partner_mail = last_to(outbox, PARTNER_MAIL)
    assert partner_mail.subject == "Nieuwe boeking: Robots bouwen"
    _, events = invitation(partner_mail, "REQUEST", PARTNER_MAIL)
    event = events[f"session-{world.session.id}@{HOST}"]
    assert event["ATTENDEE"].params["CN"] == "Piet van Dijk"
    assert "OBS De Regenboog, Groep 7A: 27 leerlingen" in str(event["DESCRIPTION"])  # the partner's language


def test_a_request_is_tentative_until_the_partner_confirms_it_with_a_higher_sequence(world, outbox):
    booking = world.book()
    requested = last_to(outbox, "teacher@example.org")
    assert requested.subject == "Request received: Robots bouwen"
    _, events = invitation(requested, "REQUEST", "teacher@example.org")
    tentative = only(events)
    assert tentative["STATUS"] == "TENTATIVE" and tentative["ATTENDEE"].params["PARTSTAT"] == "NEEDS-ACTION"

    services.take_step(booking, "confirm", actor=world.people["partner"])
    db.session.commit()
    confirmed = last_to(outbox, "teacher@example.org")
    assert confirmed.subject == "Confirmed: Robots bouwen"
    _, events = invitation(confirmed, "REQUEST", "teacher@example.org")
    event = only(events)
    assert event["UID"] == tentative["UID"] and event["STATUS"] == "CONFIRMED"
    assert int(event["SEQUENCE"]) > int(tentative["SEQUENCE"])
    assert event["DTSTAMP"].dt >= tentative["DTSTAMP"].dt


def test_a_class_promoted_from_the_waiting_list_is_invited_the_waiting_list_is_not(world, outbox):
    confirmed_at_once(world)
    first = world.book(world.other_class)
    world.book(world.class_7a)
    waiting = world.book(world.class_8b, waitlist=True)
    waitlisted = last_to(outbox, "teacher@example.org")
    assert waitlisted.subject == "On the waiting list: Robots bouwen"
    assert waitlisted.calendar_ics is None and waitlisted.to_email(SENDER).get_content_type() == "multipart/alternative"

    services.take_step(first, "cancel", actor=world.people["other_teacher"])
    db.session.commit()
    promoted = last_to(outbox, "teacher@example.org")
    assert promoted.subject == "A place for you: Robots bouwen"
    _, events = invitation(promoted, "REQUEST", "teacher@example.org")
    assert list(events) == [f"booking-{waiting.id}@{HOST}"] and only(events)["STATUS"] == "CONFIRMED"


def test_a_moved_lesson_is_an_update_of_the_same_event(world, outbox, make_session):
    confirmed_at_once(world)
    booking = world.book()
    before = only(invitation(last_to(outbox, "teacher@example.org"), "REQUEST", "teacher@example.org")[1])
    later = make_session(world.activity, world.session.starts_at + timedelta(days=7), place="Hal 2, Utrecht")
    services.move_booking(booking, later, actor=world.people["coordinator"], reason="Bus, kapot; sorry")
    db.session.commit()

    moved = last_to(outbox, "teacher@example.org")
    assert moved.subject == "Moved: Robots bouwen"
    _, events = invitation(moved, "REQUEST", "teacher@example.org")
    after = only(events)
    assert after["UID"] == before["UID"]
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.start == later.starts_at and after["LOCATION"] == "Hal 2, Utrecht"

    partner_mail = last_to(outbox, PARTNER_MAIL)
    assert partner_mail.subject == "Verplaatst: Robots bouwen"
    _, events = invitation(partner_mail, "REQUEST", PARTNER_MAIL)
    assert list(events) == [f"session-{later.id}@{HOST}"]


def session_data(session, **changes) -> catalogue.SessionData:
    values = {
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "place": session.place,
        "capacity_pupils": session.capacity_pupils,
        "max_classes": session.max_classes,
    }
    return catalogue.SessionData(**(values | changes))


def test_a_session_that_changes_time_or_place_updates_every_booked_class_and_the_partner(world, outbox):
    confirmed_at_once(world)
    booking = world.book()
    world.book(world.class_8b)  # room for two classes
    earlier_mails = len(mails_to(outbox, "teacher@example.org"))
    before = only(invitation(mails_to(outbox, "teacher@example.org")[0], "REQUEST", "teacher@example.org")[1])
    session_before = only(invitation(mails_to(outbox, PARTNER_MAIL)[0], "REQUEST", PARTNER_MAIL)[1])
    start = world.session.starts_at + timedelta(hours=2)
    catalogue.save_session(
        world.session, activity=world.activity, data=session_data(world.session, starts_at=start,
                                                                  ends_at=start + timedelta(hours=2))
    )  # fmt: skip
    db.session.commit()

    changed = mails_to(outbox, "teacher@example.org")[earlier_mails:]
    assert [m.subject for m in changed] == ["Changed: Robots bouwen"] * 2  # 7A and 8B
    first = only(invitation(changed[0], "REQUEST", "teacher@example.org")[1])
    assert first["UID"] == before["UID"] == f"booking-{booking.id}@{HOST}"
    assert int(first["SEQUENCE"]) > int(before["SEQUENCE"]) and first.start == start
    assert only(invitation(changed[1], "REQUEST", "teacher@example.org")[1]).start == start
    assert "It was on Wednesday 23 December 2026, 09:00–11:00 (Industrieweg 1, Utrecht)" in changed[0].body_text

    partner_mail = last_to(outbox, PARTNER_MAIL)
    assert partner_mail.subject.endswith(": Robots bouwen") and "Groep 8B" in partner_mail.body_text
    _, events = invitation(partner_mail, "REQUEST", PARTNER_MAIL)
    event = only(events)
    assert event["UID"] == session_before["UID"] and int(event["SEQUENCE"]) > int(session_before["SEQUENCE"])
    assert event.start == start


def test_a_change_no_calendar_shows_sends_nothing(world, outbox, clock):
    confirmed_at_once(world)
    booking = world.book()
    count = len(outbox())
    catalogue.save_session(world.session, activity=world.activity, data=session_data(world.session, capacity_pupils=70))
    db.session.commit()
    assert len(outbox()) == count  # more room: no mail, no invitation
    clock.move_to(world.session.starts_at - timedelta(days=1))
    assert services.send_reminders() == (1, 0)
    reminder = last_to(outbox, "teacher@example.org")
    assert reminder.subject == "Reminder: Robots bouwen" and reminder.calendar_ics is None
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).calendar_sequence == 0  # nothing visible changed


# Cancellations ---------------------------------------------------------------------------------


def test_a_school_that_cancels_gets_a_cancel_and_the_partner_the_updated_session(world, outbox):
    confirmed_at_once(world)
    booking = world.book()
    before = only(invitation(last_to(outbox, "teacher@example.org"), "REQUEST", "teacher@example.org")[1])
    session_before = only(invitation(last_to(outbox, PARTNER_MAIL), "REQUEST", PARTNER_MAIL)[1])
    services.take_step(booking, "cancel", actor=world.people["teacher"])
    db.session.commit()

    cancelled = last_to(outbox, "teacher@example.org")
    assert cancelled.subject == "Cancelled: Robots bouwen"
    _, events = invitation(cancelled, "CANCEL", "teacher@example.org")
    event = only(events)
    assert event["UID"] == before["UID"] and int(event["SEQUENCE"]) > int(before["SEQUENCE"])

    partner_mail = last_to(outbox, PARTNER_MAIL)
    assert partner_mail.subject == "Boeking geannuleerd: Robots bouwen"
    _, events = invitation(partner_mail, "REQUEST", PARTNER_MAIL)  # the session stays; the class is gone
    event = only(events)
    assert event["UID"] == session_before["UID"] and event["STATUS"] == "CONFIRMED"
    assert "· 0 leerlingen" in str(event["DESCRIPTION"])
    assert event["DTSTAMP"].dt >= session_before["DTSTAMP"].dt


@pytest.mark.parametrize("step", ["reject", "withdraw"])
def test_a_rejected_or_withdrawn_booking_is_cancelled_in_the_calendar(world, outbox, step):
    booking = world.book()
    before = only(invitation(last_to(outbox, "teacher@example.org"), "REQUEST", "teacher@example.org")[1])
    actor = world.people["partner"] if step == "reject" else world.people["coordinator"]
    services.take_step(booking, step, actor=actor, reason="Geen begeleiders, helaas")
    db.session.commit()
    _, events = invitation(last_to(outbox, "teacher@example.org"), "CANCEL", "teacher@example.org")
    event = only(events)
    assert event["UID"] == before["UID"] and int(event["SEQUENCE"]) > int(before["SEQUENCE"])
    assert "Geen begeleiders, helaas" in str(event["DESCRIPTION"])


def test_leaving_or_losing_a_place_on_the_waiting_list_cancels_nothing(world, outbox):
    world.book(world.class_7a)
    world.book(world.other_class)
    waiting = world.book(world.class_8b, waitlist=True)
    services.take_step(waiting, "withdraw", actor=world.people["coordinator"], reason="Dubbel")
    db.session.commit()
    withdrawn = last_to(outbox, "teacher@example.org")
    assert withdrawn.subject == "Cancelled: Robots bouwen" and withdrawn.calendar_ics is None


def test_a_cancelled_session_cancels_every_booking_and_the_partners_event(world, outbox):
    confirmed_at_once(world)
    booking = world.book()
    world.book(world.other_class)
    world.book(world.class_8b, waitlist=True)
    before = only(invitation(mails_to(outbox, "teacher@example.org")[0], "REQUEST", "teacher@example.org")[1])
    count = {address: len(mails_to(outbox, address)) for address in ("teacher@example.org", PARTNER_MAIL)}
    services.cancel_session(world.session, actor=world.people["partner"], reason="De docent is ziek; sorry")
    db.session.commit()

    seven_a, eight_b = mails_to(outbox, "teacher@example.org")[count["teacher@example.org"] :]
    assert "This session has been cancelled, and with it your booking." in seven_a.body_text
    _, events = invitation(seven_a, "CANCEL", "teacher@example.org")
    event = only(events)
    assert event["UID"] == f"booking-{booking.id}@{HOST}" and int(event["SEQUENCE"]) > int(before["SEQUENCE"])
    assert "De docent is ziek; sorry" in str(event["DESCRIPTION"])
    assert eight_b.subject == "Cancelled: Robots bouwen" and eight_b.calendar_ics is None  # 8B was only waiting
    invitation(last_to(outbox, "other.teacher@example.org"), "CANCEL", "other.teacher@example.org")

    [partner_mail] = mails_to(outbox, PARTNER_MAIL)[count[PARTNER_MAIL] :]
    assert partner_mail.subject == "Geannuleerd: Robots bouwen"
    assert "De docent is ziek; sorry" in partner_mail.body_text and "CBS Het Kompas, Groep 7" in partner_mail.body_text
    _, events = invitation(partner_mail, "CANCEL", PARTNER_MAIL)
    assert list(events) == [f"session-{world.session.id}@{HOST}"]


# Lab series -------------------------------------------------------------------------------------


def test_a_series_sends_one_calendar_with_every_lesson_and_cancels_them_together(planned, outbox):  # noqa: F811
    booked = planned.book()
    lessons = sorted(booked.lessons, key=lambda lesson: lesson.session.starts_at)
    teacher_mail = last_to(outbox, "teacher@example.org")
    assert teacher_mail.subject == "Lesson series booked: Lessenreeks Techniek groep 7-8"
    _, events = invitation(teacher_mail, "REQUEST", "teacher@example.org")
    assert sorted(events) == sorted(f"booking-{lesson.id}@{HOST}" for lesson in lessons)
    assert [event.start for event in events.values()] == [lesson.session.starts_at for lesson in lessons]
    sequences = {uid: int(event["SEQUENCE"]) for uid, event in events.items()}

    lab_mail = last_to(outbox, "lab@example.org")
    _, lab_events = invitation(lab_mail, "REQUEST", "lab@example.org")
    assert sorted(lab_events) == sorted(f"session-{lesson.session_id}@{HOST}" for lesson in lessons)
    assert mails_to(outbox, "teacher@example.org") == [teacher_mail]  # one mail for the series

    series_service.cancel_series(booked, actor=planned.people["teacher"], reason=None)
    db.session.commit()
    cancelled = last_to(outbox, "teacher@example.org")
    assert cancelled.subject == "Lesson series cancelled: Lessenreeks Techniek groep 7-8"
    _, events = invitation(cancelled, "CANCEL", "teacher@example.org")
    assert sorted(events) == sorted(sequences)
    assert all(int(event["SEQUENCE"]) > sequences[uid] for uid, event in events.items())
    _, lab_events = invitation(last_to(outbox, "lab@example.org"), "REQUEST", "lab@example.org")
    assert len(lab_events) == 4  # the slots stay, now without the class


def test_a_moved_lesson_of_a_series_updates_that_lesson_only(planned, outbox):  # noqa: F811
    booked = planned.book()
    lesson = sorted(booked.lessons, key=lambda lesson: lesson.session.starts_at)[0]
    target = series_service.move_targets(lesson)[0]
    series_service.move_lesson(lesson, target, actor=planned.people["coordinator"])
    db.session.commit()
    _, events = invitation(last_to(outbox, "teacher@example.org"), "REQUEST", "teacher@example.org")
    assert list(events) == [f"booking-{lesson.id}@{HOST}"] and only(events).start == target.starts_at


# Language, hostile text, delivery ---------------------------------------------------------------


def test_the_event_is_in_the_recipients_language(world, outbox):
    world.people["teacher"].language = Language.NL
    confirmed_at_once(world)
    world.book()
    _, events = invitation(last_to(outbox, "teacher@example.org"), "REQUEST", "teacher@example.org")
    description = str(only(events)["DESCRIPTION"])
    assert "27 leerlingen, 2 begeleiders" in description and "Status: Bevestigd" in description


HOSTILE = 'Robots, "bouwen"; deel\\N 2\n😀 \x07klaar\x1b'


def test_hostile_text_survives_the_invitation(world, outbox, smtp_server, data_app):
    confirmed_at_once(world)
    world.activity.title = HOSTILE
    world.activity.preparation_notes = 'Neem mee: schaar, lijm; "tape"\r\nEn\tmeer 🚀\x01'  # PostgreSQL refuses NUL
    world.people["teacher"].name = 'Anna "Ans" de Vries, juf; 7A 🍎'
    world.partner.contact_name = 'Piet; "P." van Dijk,\nplanning'
    db.session.commit()
    booking = world.book()
    booking.notes = 'Rolstoel; lift nodig, "graag"\n2e regel'
    db.session.commit()

    controller, handler = smtp_server
    data_app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        assert mail.send_due() == (2, 0)
    finally:
        data_app.config["MAIL_SERVER"] = ""
    received = {m["To"]: m for m in handler.messages}
    cleaned = 'Robots, "bouwen"; deel\\N 2\n😀 klaar'
    for address in ("teacher@example.org", PARTNER_MAIL):
        message = last_to(outbox, address)
        sent = email.message_from_bytes(received[address].as_bytes(), policy=policy.default)
        _, events = invitation(message, "REQUEST", address, sent=sent)
        event = only(events)
        assert str(event["SUMMARY"]) == cleaned
        assert not {"\x01", "\x07", "\x1b"} & set(message.calendar_ics)
    teacher_event = only(invitation(last_to(outbox, "teacher@example.org"), "REQUEST", "teacher@example.org")[1])
    assert 'Neem mee: schaar, lijm; "tape"\nEn' in str(teacher_event["DESCRIPTION"])
    assert teacher_event["ATTENDEE"].params["CN"] == 'Anna "Ans" de Vries, juf; 7A 🍎'
    # The ATTENDEE's name passes as a parameter (RFC 6868 escapes its quotes and line break).
    partner_event = only(invitation(last_to(outbox, PARTNER_MAIL), "REQUEST", PARTNER_MAIL)[1])
    assert partner_event["ATTENDEE"].params["CN"] == 'Piet; "P." van Dijk,\nplanning'


def test_the_invitation_arrives_intact_through_a_real_smtp_server(world, outbox, smtp_server, data_app):
    confirmed_at_once(world)
    world.book()
    controller, handler = smtp_server
    data_app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        assert mail.send_due() == (2, 0)
    finally:
        data_app.config["MAIL_SERVER"] = ""
    received = {m["To"]: m for m in handler.messages}["teacher@example.org"]
    raw = received.as_bytes()
    assert b"Content-Type: text/calendar; charset=utf-8; method=REQUEST" in raw
    sent = email.message_from_bytes(raw, policy=policy.default)
    message = last_to(outbox, "teacher@example.org")
    calendar, _ = invitation(message, "REQUEST", "teacher@example.org", sent=sent)
    body = parts(sent)["plain"].get_content()
    assert "Your booking is confirmed." in body
    assert isinstance(calendar, icalendar.Calendar)


# The development mailbox -------------------------------------------------------------------------


def test_the_development_mailbox_shows_and_offers_the_invitation(world, outbox, client):
    confirmed_at_once(world)
    world.book()
    message = last_to(outbox, "teacher@example.org")
    listing = client.get("/dev/mailbox").get_data(as_text=True)
    assert "Invitation: REQUEST" in listing
    page = client.get(f"/dev/mailbox/{message.id}").get_data(as_text=True)
    assert "METHOD:REQUEST" in page and f"/dev/mailbox/{message.id}/invite.ics" in page
    response = client.get(f"/dev/mailbox/{message.id}/invite.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8; method=REQUEST"
    assert response.data == message.calendar_ics.encode()
    assert_valid_calendar(response.data, method="REQUEST")
    plain = OutboxMessage(recipient="x@example.org", subject="x", body_text="x", language="en")
    db.session.add(plain)
    db.session.commit()
    assert client.get(f"/dev/mailbox/{plain.id}/invite.ics").status_code == 404
