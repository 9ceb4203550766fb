"""The emails of the booking engine, in the recipient's language, and reminders that go out once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from booking.accounts.models import Language
from booking.bookings import services
from booking.bookings.models import Booking
from booking.extensions import db


def mails(outbox, recipient=None):
    return [m for m in outbox() if recipient is None or m.recipient == recipient]


def test_request_received_goes_to_the_teacher_and_the_partner(world, outbox):
    world.partner.email = "planning@vandijk.nl"
    db.session.commit()
    booking = world.book()
    teacher_mail, partner_mail = mails(outbox)
    assert teacher_mail.recipient == "teacher@example.org"
    assert teacher_mail.subject == "Request received: Robots bouwen"
    body = teacher_mail.body_text
    assert "Hello Anna de Vries," in body
    assert "Your booking request has been received." in body
    assert "Wednesday 23 December 2026, 09:00–11:00" in body  # 08:00 UTC is 09:00 in Amsterdam
    assert "Groep 7A (Groep 7), 27 pupils, 2 adults" in body
    assert f"/bookings/{booking.id}" in body and f"/bookings/{booking.id}" in teacher_mail.body_html
    assert partner_mail.recipient == "planning@vandijk.nl"
    assert partner_mail.language == "nl"
    assert partner_mail.subject == "Nieuwe boekingsaanvraag: Robots bouwen"


def test_each_step_mails_the_teacher(world, outbox, clock):
    booking = world.book()
    services.take_step(booking, "confirm", actor=world.people["partner"])
    db.session.commit()
    assert mails(outbox)[-1].subject == "Confirmed: Robots bouwen"
    assert "Your booking is confirmed." in mails(outbox)[-1].body_text
    services.take_step(booking, "withdraw", actor=world.people["coordinator"], reason="Overstroming")
    db.session.commit()
    last = mails(outbox)[-1]
    assert last.subject == "Cancelled: Robots bouwen" and "Reason: Overstroming" in last.body_text
    second = world.book(world.class_8b)
    services.take_step(second, "reject", actor=world.people["partner"], reason="Vol gepland")
    db.session.commit()
    last = mails(outbox)[-1]
    assert last.subject == "Not possible: Robots bouwen" and "Reason: Vol gepland" in last.body_text
    assert "Unfortunately the partner cannot accept your booking request." in last.body_text


def test_the_teacher_gets_mail_in_their_own_language(world, outbox):
    world.people["teacher"].language = Language.NL
    db.session.commit()
    booking = world.book()
    services.take_step(booking, "confirm", actor=world.people["partner"])
    db.session.commit()
    received, confirmed = mails(outbox, "teacher@example.org")
    assert received.language == "nl" and received.subject == "Aanvraag ontvangen: Robots bouwen"
    assert "Hallo Anna de Vries," in received.body_text
    assert "woensdag 23 december 2026, 09:00–11:00" in received.body_text
    assert "27 leerlingen" in received.body_text
    assert confirmed.subject == "Bevestigd: Robots bouwen"


def test_reminders_go_out_once_whatever_how_often_the_job_runs(app, world, outbox, clock):
    booking = world.book()
    services.take_step(booking, "confirm", actor=world.people["partner"])
    unconfirmed = world.book(world.other_class)
    db.session.commit()
    assert services.send_reminders() == (0, 0)  # a month ahead: too early
    clock.move_to(world.session.starts_at - timedelta(days=2))
    assert services.send_reminders() == (1, 0)
    assert services.send_reminders() == (0, 0)
    reminders = [m for m in outbox() if m.subject.startswith("Reminder")]
    assert [m.recipient for m in reminders] == ["teacher@example.org"]
    assert "your class takes part in this activity soon" in reminders[0].body_text
    db.session.expire_all()
    assert booking.reminder_sent_at is not None and unconfirmed.reminder_sent_at is None


def test_reminders_command(app, world, outbox, clock):
    booking = world.book()
    services.take_step(booking, "confirm", actor=world.people["partner"])
    db.session.commit()
    clock.move_to(world.session.starts_at - timedelta(days=1))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["reminders", "send"])
    second = runner.invoke(args=["reminders", "send"])
    assert first.exit_code == 0 and "1 reminders and 0 evaluation requests queued" in first.output
    assert "0 reminders and 0 evaluation requests queued" in second.output
    assert len([m for m in outbox() if m.subject.startswith("Reminder")]) == 1


def test_evaluation_request_after_an_attended_session_once(world, outbox, clock):
    booking = world.book()
    services.take_step(booking, "confirm", actor=world.people["partner"])
    db.session.commit()
    clock.move_to(world.session.starts_at + timedelta(minutes=30))
    services.take_step(booking, "attended", actor=world.people["partner"])
    db.session.commit()
    assert services.send_reminders()[1] == 0  # still running
    clock.move_to(world.session.ends_at + timedelta(minutes=5))
    assert services.send_reminders()[1] == 1
    assert services.send_reminders()[1] == 0
    [request] = [m for m in outbox() if m.subject == "Your evaluation, please: Robots bouwen"]
    assert "How was it?" in request.body_text and "Give your evaluation" in request.body_html


def test_waiting_list_mail(world, outbox):
    world.book(world.class_7a)
    world.book(world.other_class)
    world.book(world.class_8b, waitlist=True)
    last = mails(outbox, "teacher@example.org")[-1]
    assert last.subject == "On the waiting list: Robots bouwen"
    assert "Your class is on the waiting list." in last.body_text


def test_no_mail_for_a_booking_whose_teacher_left(world, outbox):
    booking = world.book()
    before = len(outbox())
    db.session.delete(world.people["teacher"])
    db.session.commit()
    booking = db.session.get(Booking, booking.id)
    services.take_step(booking, "confirm", actor=world.people["partner"])
    db.session.commit()
    assert len(outbox()) == before


EXPECTED = {
    # what happens -> (subject, a sentence of the body) in English and in Dutch
    "waitlisted": (
        ("On the waiting list: Robots bouwen", "Your class is on the waiting list."),
        ("Op de wachtlijst: Robots bouwen", "Je klas staat op de wachtlijst."),
    ),
    "promoted": (
        ("A place for you: Robots bouwen", "a place has freed up and your class has moved up"),
        ("Een plek voor jou: Robots bouwen", "er is een plek vrijgekomen en je klas is van de wachtlijst"),
    ),
    "rejected": (
        ("Not possible: Robots bouwen", "Reason: Geen begeleiders"),
        ("Niet mogelijk: Robots bouwen", "Reden: Geen begeleiders"),
    ),
    "cancelled": (
        ("Cancelled: Robots bouwen", "This booking has been cancelled."),
        ("Geannuleerd: Robots bouwen", "Deze boeking is geannuleerd."),
    ),
    "reminder": (
        ("Reminder: Robots bouwen", "your class takes part in this activity soon"),
        ("Herinnering: Robots bouwen", "je klas doet binnenkort mee aan deze activiteit"),
    ),
    "evaluation": (
        ("Your evaluation, please: Robots bouwen", "How was it?"),
        ("Graag je beoordeling: Robots bouwen", "Hoe was het?"),
    ),
}


@pytest.mark.parametrize("language", [Language.EN, Language.NL])
def test_every_booking_mail_in_both_languages(world, outbox, clock, language):
    for teacher in (world.people["teacher"], world.people["other_teacher"]):
        teacher.language = language
    db.session.commit()
    first = world.book(world.other_class)
    world.book(world.class_7a)
    waiting = world.book(world.class_8b, waitlist=True)
    services.take_step(first, "cancel", actor=world.people["other_teacher"])  # 8B moves up
    services.take_step(waiting, "reject", actor=world.people["partner"], reason="Geen begeleiders")
    seven_a = db.session.scalars(select(Booking).where(Booking.class_label == "Groep 7A")).one()
    services.take_step(seven_a, "confirm", actor=world.people["partner"])
    db.session.commit()
    clock.move_to(world.session.starts_at - timedelta(days=1))
    services.send_reminders()
    clock.move_to(world.session.starts_at + timedelta(minutes=1))
    services.take_step(seven_a, "attended", actor=world.people["partner"])
    db.session.commit()
    clock.move_to(world.session.ends_at + timedelta(minutes=1))
    services.send_reminders()
    sent = {m.subject: m for m in outbox() if m.recipient in ("teacher@example.org", "other.teacher@example.org")}
    index = 0 if language is Language.EN else 1
    for happening, versions in EXPECTED.items():
        subject, sentence = versions[index]
        assert subject in sent, (happening, sorted(sent))
        assert sentence in sent[subject].body_text, happening
        assert sent[subject].language == language.value
        assert "/bookings/" in sent[subject].body_html


def test_the_reminder_job_reads_the_same_for_one_or_many_reminders(
    world, clock, make_session, make_class, make_school, make_user
):
    from booking.accounts.models import Role
    from booking.organisations.models import Grade
    from tests.conftest import counting_queries

    def confirmed_bookings(count, first_day):
        """Each at another school, booked by its own teacher, so nothing is shared between the mails."""
        for n in range(count):
            session = make_session(world.activity, world.session.starts_at + timedelta(days=first_day + n))
            school = make_school(f"School {first_day + n}")
            teacher = make_user(Role.TEACHER, school)
            school_class = make_class(school, "Groep 7", Grade.GROEP_7, 20)
            booking = world.book(school_class, session=session, actor=teacher)
            services.take_step(booking, "confirm", actor=world.people["partner"])
        db.session.commit()

    confirmed_bookings(1, 40)
    clock.move_to(world.session.starts_at + timedelta(days=39))
    db.session.expire_all()
    with counting_queries() as one:
        assert services.send_reminders() == (1, 0)
    confirmed_bookings(3, 60)
    clock.move_to(world.session.starts_at + timedelta(days=59))
    db.session.expire_all()
    with counting_queries() as many:
        assert services.send_reminders() == (3, 0)

    # One outbox row is written per mail; what must not grow is the reading.
    def reads(statements):
        return [sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]

    assert len(reads(many)) == len(reads(one))
