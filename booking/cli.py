"""Command-line jobs: ``flask create-admin``, ``flask demo``, ``flask outbox send``."""

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


@click.command("demo")
@click.option("--size", type=click.Choice(["small"]), default="small", show_default=True)
@with_appcontext
def demo(size: str) -> None:
    """Load the demo data (safe to run again) and print the demo logins."""
    from booking.demo import DEMO_PASSWORD, load_demo

    logins = load_demo()
    db.session.commit()
    click.echo("Demo data loaded. Sign in at http://127.0.0.1:5000/login with:")
    for email, role in logins:
        click.echo(f"  {email:<26} {role:<42} password: {DEMO_PASSWORD}")


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
