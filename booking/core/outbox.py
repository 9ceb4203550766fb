"""Transactional outbox: mail is written in the same transaction as the change that causes it,
and delivered after commit. A message is never lost: failures are retried with back-off, and
after the last attempt it stays in the table as failed, to be retried by hand.

Delivery claims messages with one conditional UPDATE (on PostgreSQL over ``FOR UPDATE SKIP
LOCKED`` rows), so several senders (the request that wrote the mail, cron on several machines)
never deliver the same message twice at once.
"""

from __future__ import annotations

import contextlib
import enum
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from flask import current_app, g, render_template
from flask_babel import force_locale
from sqlalchemy import Index, String, Text, select, update
from sqlalchemy.orm import Mapped, mapped_column

from booking.core.time import utcnow
from booking.core.types import UTCDateTime, enum_type
from booking.extensions import db

CLAIM_LEASE = timedelta(minutes=10)
INVITATION_FILENAME = "invite.ics"


class OutboxStatus(enum.Enum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2))
    status: Mapped[OutboxStatus] = mapped_column(enum_type(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    # An iTIP invitation sent along (METHOD:REQUEST or CANCEL): the method and the calendar's text.
    calendar_method: Mapped[str | None] = mapped_column(String(10))
    calendar_ics: Mapped[str | None] = mapped_column(Text)

    def to_email(self, sender: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = sender
        message["To"] = self.recipient
        message["Subject"] = " ".join(self.subject.split())  # a line break in a title must not break the header
        message["Date"] = formatdate(self.created_at.timestamp(), localtime=False, usegmt=True)
        domain = parseaddr(sender)[1].rpartition("@")[2] or "techniekrooster.local"
        message["Message-ID"] = make_msgid(idstring=f"outbox-{self.id}", domain=domain)
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(self.body_text)
        if self.body_html:
            message.add_alternative(self.body_html, subtype="html")
        if self.calendar_ics:
            self._add_invitation(message)
        message["Content-Language"] = self.language  # after set_content, which clears Content-* headers
        return message

    def _add_invitation(self, message: EmailMessage) -> None:
        """The iTIP invitation the way Google Calendar sends it (and the CalConnect iMIP best practices
        advise)::

            multipart/mixed
              multipart/alternative
                text/plain
                text/html
                text/calendar; charset=utf-8; method=REQUEST   <- the part calendar-aware clients act on
              application/ics; name="invite.ics" (attachment)  <- for clients that only offer files (Yahoo)

        Outlook ignores a calendar sent only as an attachment, so the inline part is the invitation;
        the attachment is the same bytes. Both are base64, so the calendar's CRLF line ends and
        folding arrive byte for byte. ``method`` is written unquoted, as Exchange and Google write it
        (``set_raw``: the email package would quote it).
        """
        data = self.calendar_ics.encode()
        message.add_alternative(data, maintype="text", subtype="calendar", cte="base64")
        part = message.get_payload()[-1]
        del part["Content-Type"]
        part.set_raw("Content-Type", f"text/calendar; charset=utf-8; method={self.calendar_method}")
        message.add_attachment(data, maintype="application", subtype="ics", filename=INVITATION_FILENAME)
        message.get_payload()[-1].set_param("name", INVITATION_FILENAME)


def queue_email(
    recipient: str, subject, template: str, language: str, *, calendar: tuple[str, bytes] | None = None, **context
) -> OutboxMessage:
    """Render an email in the recipient's language and add it to the current transaction.

    ``templates/emails/<template>.txt`` is the text body; ``<template>.html`` the HTML body.
    ``calendar`` is an iTIP invitation sent along: its METHOD ("REQUEST", "CANCEL") and the calendar
    (``booking.calendars.invitations``).
    """
    with force_locale(language):
        context = {"recipient": recipient, **context}
        message = OutboxMessage(
            recipient=recipient,
            subject=str(subject),
            body_text=render_template(f"emails/{template}.txt", **context),
            body_html=render_template(f"emails/{template}.html", **context),
            language=language,
        )
    if calendar is not None:
        message.calendar_method, ics = calendar
        message.calendar_ics = ics.decode()
    db.session.add(message)
    g.outbox_queued = True
    return message


def mailbox_mode() -> bool:
    """Without an SMTP server, mail goes to the development mailbox page instead."""
    return not current_app.config["MAIL_SERVER"]


def claim_due(limit: int) -> list[int]:
    """Take up to ``limit`` due messages for this sender; they return if it dies (lease)."""
    now = utcnow()
    due = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    claimed = (
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(due.scalar_subquery()), OutboxMessage.next_attempt_at <= now)
            .values(next_attempt_at=now + CLAIM_LEASE)
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)
        )
        .scalars()
        .all()
    )
    db.session.commit()
    return sorted(claimed)


def retry_delay(attempts: int) -> timedelta:
    return min(timedelta(minutes=2**attempts), timedelta(hours=6))


def send_due(limit: int = 100) -> tuple[int, int]:
    """Deliver due messages. Returns (delivered, failed attempts)."""
    config = current_app.config
    ids = claim_due(limit)
    if not ids:
        return 0, 0
    delivered = failed = 0
    smtp = None
    try:
        for message in db.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))).all():
            try:
                if not mailbox_mode():
                    if smtp is None:
                        smtp = _connect(config)
                    smtp.send_message(message.to_email(config["MAIL_DEFAULT_SENDER"]))
            except (smtplib.SMTPException, OSError) as error:
                if isinstance(error, smtplib.SMTPServerDisconnected):
                    smtp = None
                message.attempts += 1
                message.last_error = f"{type(error).__name__}: {error}"[:2000]
                if message.attempts >= config["OUTBOX_MAX_ATTEMPTS"]:
                    message.status = OutboxStatus.FAILED
                else:
                    message.next_attempt_at = utcnow() + retry_delay(message.attempts)
                failed += 1
            else:
                message.attempts += 1
                message.status = OutboxStatus.SENT
                message.sent_at = utcnow()
                message.last_error = None
                delivered += 1
            db.session.commit()
    finally:
        if smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()
    return delivered, failed


def retry_failed() -> int:
    """Put messages that used up their attempts back in the queue."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.FAILED)
        .values(status=OutboxStatus.PENDING, attempts=0, next_attempt_at=utcnow())
    )
    db.session.commit()
    return result.rowcount


def _connect(config) -> smtplib.SMTP:
    host, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_TIMEOUT"]
    if config["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
    if config["MAIL_USERNAME"]:
        smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    return smtp


def init_app(app) -> None:
    """After a request that queued mail, deliver it once the response has gone out."""

    @app.after_request
    def deliver_after_response(response):
        if g.get("outbox_queued") and app.config["OUTBOX_SEND_AFTER_REQUEST"]:
            response.call_on_close(lambda: _send_in_context(app))
        return response


def _send_in_context(app) -> None:
    with app.app_context():
        try:
            send_due()
        except Exception:  # the CLI sender will pick the messages up
            app.logger.exception("Delivering the outbox after a request failed")
            db.session.rollback()
