"""Command-line jobs: ``flask create-admin``, ``flask demo``, ``flask holidays load``, ``flask outbox send``,
``flask reminders send``, ``flask deactivate-user``."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from booking.core.errors import DomainError
from booking.extensions import db


def init_app(app: Flask) -> None:
    app.cli.add_command(create_admin)
    app.cli.add_command(demo)
    app.cli.add_command(outbox)
    app.cli.add_command(holidays)
    app.cli.add_command(reminders)
    app.cli.add_command(deactivate_user)


@click.command("create-admin")
@click.option("--email", prompt=True, help="Email address of the administrator.")
@click.option("--name", prompt=True, help="Full name.")
@click.password_option(help="Password (asked twice when not given).")
@with_appcontext
def create_admin(email: str, name: str, password: str) -> None:
    """Create an administrator, or make an existing user one."""
    from booking.accounts.services import create_admin as make_admin

    try:
        user = make_admin(email, name, password)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    click.echo(f"{user.email} is an administrator.")


@click.command("deactivate-user")
@click.argument("email")
@with_appcontext
def deactivate_user(email: str) -> None:
    """Stop an account (someone who left): it can no longer sign in, and its sign-ins end now."""
    from booking.accounts import sessions
    from booking.accounts.services import find_user

    user = find_user(email)
    if user is None:
        raise click.ClickException(f"There is no account for {email}.")
    sessions.deactivate(user)
    db.session.commit()
    click.echo(f"{user.email} is deactivated and signed out everywhere.")


@click.command("demo")
@click.option(
    "--size",
    type=click.Choice(["small", "large"]),
    default="small",
    show_default=True,
    help="large adds about 1,200 schools, 2,000 activities, 80,000 sessions and 150,000 bookings.",
)
@with_appcontext
def demo(size: str) -> None:
    """Load the demo data (safe to run again) and print the demo logins."""
    import time

    from booking.demo import DEMO_PASSWORD, load_demo, load_large_demo

    started = time.perf_counter()
    logins = load_demo()
    db.session.commit()
    if size == "large":
        counts = load_large_demo()
        db.session.commit()
        summary = ", ".join(f"{count:,} {name}" for name, count in counts.items())
        click.echo(f"Large demo data: {summary or 'already loaded'} ({time.perf_counter() - started:.1f} s).")
    click.echo("Demo data loaded. Sign in at http://127.0.0.1:5000/login with:")
    for email, role in logins:
        click.echo(f"  {email:<26} {role:<42} password: {DEMO_PASSWORD}")


holidays = AppGroup("holidays", help="School holidays per holiday region.")


@holidays.command("load")
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def holidays_load(path: str | None) -> None:
    """Add the official school holidays from the shipped data file (or PATH); existing ones are kept."""
    from booking.organisations.services import load_holiday_file

    added, source = load_holiday_file(path)
    db.session.commit()
    click.echo(f"{added} holidays added (source: {source}).")


outbox = AppGroup("outbox", help="The outgoing mail queue.")


@outbox.command("send")
@click.option("--limit", default=500, show_default=True, help="At most this many messages per run.")
@click.option("--retry-failed", is_flag=True, help="First put messages that used up their attempts back in the queue.")
def outbox_send(limit: int, retry_failed: bool) -> None:
    """Deliver pending mail (run it from cron or a systemd timer; safe on several machines)."""
    from booking.core import outbox as mail

    if retry_failed:
        click.echo(f"{mail.retry_failed()} failed messages queued again.")
    delivered, failed = mail.send_due(limit)
    click.echo(f"{delivered} delivered, {failed} failed (will be retried).")


reminders = AppGroup("reminders", help="Reminders and evaluation requests for bookings.")


@reminders.command("send")
def reminders_send() -> None:
    """Queue the due booking reminders and evaluation requests; each goes out once, however often this runs
    (run it from cron, say hourly, next to ``flask outbox send``)."""
    from booking.bookings.services import send_reminders
    from booking.core import outbox as mail

    sent, asked = send_reminders()
    delivered, failed = mail.send_due()
    click.echo(
        f"{sent} reminders and {asked} evaluation requests queued; {delivered} mails delivered, {failed} failed."
    )
