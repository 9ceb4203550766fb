"""Mail goes through the outbox: written with the change, delivered after commit, never lost."""

from datetime import timedelta

from booking.core import outbox as mail
from booking.core.outbox import OutboxMessage, OutboxStatus, queue_email
from booking.core.time import utcnow
from booking.extensions import db
from tests.conftest import free_port


def queue(recipient="juf@school.example", subject="Hallo"):
    message = queue_email(
        recipient,
        subject,
        "password_reset",
        "nl",
        user=type("U", (), {"name": "Juf Ans"}),
        link="https://example.org/x",
        hours=2,
    )
    return message


def smtp_config(app, port):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)


def test_mail_is_delivered_to_a_real_smtp_server(app, data_app, smtp_server):
    controller, handler = smtp_server
    smtp_config(data_app, controller.port)
    try:
        queue()
        db.session.commit()
        assert mail.send_due() == (1, 0)
    finally:
        data_app.config["MAIL_SERVER"] = ""
    [received] = handler.messages
    assert received["To"] == "juf@school.example"
    assert received["Subject"] == "Hallo"
    assert received["Content-Language"] == "nl"
    assert received.is_multipart()
    text = received.get_payload()[0].get_payload(decode=True).decode()
    assert "Juf Ans" in text
    message = db.session.scalar(db.select(OutboxMessage))
    assert message.status is OutboxStatus.SENT and message.sent_at is not None


def test_mail_rolled_back_with_its_change_is_never_sent(outbox):
    queue()
    db.session.rollback()
    assert outbox() == []


def test_failed_delivery_is_retried_later_and_not_lost(data_app, smtp_server):
    closed_port = free_port()
    smtp_config(data_app, closed_port)
    try:
        queue()
        db.session.commit()
        assert mail.send_due() == (0, 1)
        message = db.session.scalar(db.select(OutboxMessage))
        assert message.status is OutboxStatus.PENDING
        assert message.attempts == 1
        assert "ConnectionRefused" in message.last_error
        assert message.next_attempt_at > utcnow()
        assert mail.send_due() == (0, 0)  # not due yet

        # The server is back and the retry time has come.
        controller, handler = smtp_server
        smtp_config(data_app, controller.port)
        message.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert mail.send_due() == (1, 0)
        assert len(handler.messages) == 1
    finally:
        data_app.config["MAIL_SERVER"] = ""


def test_after_the_last_attempt_a_message_stays_as_failed_and_can_be_requeued(data_app):
    smtp_config(data_app, free_port())
    data_app.config["OUTBOX_MAX_ATTEMPTS"] = 2
    try:
        queue()
        db.session.commit()
        for _ in range(2):
            mail.send_due()
            db.session.execute(db.update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
            db.session.commit()
        message = db.session.scalar(db.select(OutboxMessage))
        assert message.status is OutboxStatus.FAILED
        assert mail.retry_failed() == 1
        db.session.refresh(message)
        assert message.status is OutboxStatus.PENDING and message.attempts == 0
    finally:
        data_app.config.update(MAIL_SERVER="", OUTBOX_MAX_ATTEMPTS=8)


def test_a_claimed_message_is_not_sent_twice(data_app):
    queue()
    db.session.commit()
    first = mail.claim_due(10)
    assert len(first) == 1
    assert mail.claim_due(10) == []  # a second sender finds nothing to do


def test_mail_queued_by_a_request_is_delivered_after_the_response(make_app, users, smtp_server):
    controller, handler = smtp_server
    app = make_app(OUTBOX_SEND_AFTER_REQUEST=True, MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    response = app.test_client().post("/password/forgot", data={"email": "teacher@example.org"})
    assert response.status_code == 302
    response.close()
    assert len(handler.messages) == 1
    assert "/password/reset/" in handler.messages[0].get_payload()[0].get_payload(decode=True).decode()


def test_outbox_send_command(app, data_app, smtp_server):
    controller, handler = smtp_server
    queue()
    queue("meester@school.example")
    db.session.commit()
    smtp_config(data_app, controller.port)  # the command runs in the test's app context
    try:
        result = app.test_cli_runner().invoke(args=["outbox", "send"])
    finally:
        data_app.config["MAIL_SERVER"] = ""
    assert "2 delivered, 0 failed" in result.output
    assert sorted(m["To"] for m in handler.messages) == ["juf@school.example", "meester@school.example"]


def test_development_mailbox_shows_mail_instead_of_sending(client, users):
    client.post("/password/forgot", data={"email": "teacher@example.org"})
    page = client.get("/dev/mailbox").get_data(as_text=True)
    assert "teacher@example.org" in page
    message = db.session.scalar(db.select(OutboxMessage))
    body = client.get(f"/dev/mailbox/{message.id}").get_data(as_text=True)
    assert "/password/reset/" in body


def test_development_mailbox_is_closed_when_a_mail_server_is_set(make_app):
    app = make_app(MAIL_SERVER="smtp.example.org")
    assert app.test_client().get("/dev/mailbox").status_code == 404
