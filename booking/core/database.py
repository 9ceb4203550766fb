"""Constraints that a race trips, turned into the message a user sees instead of a 500: a unique
constraint a service writes against (``refuse_duplicate``), or a named constraint of a package
(``CONSTRAINT_MESSAGES``) met on flush or commit (``constraint_error``, ``commit``)."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError

from booking.core.errors import DomainError
from booking.extensions import db

# Messages for database constraints that a race can trip after the services' own checks passed
# (two requests at once). Each package adds its own; others stay errors (a bug to fix).
CONSTRAINT_MESSAGES: dict[str, str] = {}


def constraint_error(error: Exception) -> DomainError | None:
    """The DomainError for the IntegrityError of a constraint in ``CONSTRAINT_MESSAGES``, or None."""
    text = str(getattr(error, "orig", error))
    for name, message in CONSTRAINT_MESSAGES.items():
        if name in text:
            return DomainError(str(message))
    return None


@contextmanager
def refuse_duplicate(table: str, *columns: str, message, field: str | None = None):
    """Write the block in a savepoint. When two requests pass a service's own "is it taken?" check
    at the same moment, the second one's writes hit the unique constraint on ``table(columns)``:
    the savepoint is undone and the request gets a DomainError, like one that came a second later."""
    try:
        with savepoint():
            yield
    except IntegrityError as error:
        if not _violates(error, table, columns):
            raise
        raise DomainError(message, field=field) from None


@contextmanager
def savepoint():
    """A SAVEPOINT inside the request's transaction on both databases (``db.session.begin_nested``
    alone would commit on SQLite when it is the request's first write, see below)."""
    _begin_sqlite_transaction()
    with db.session.begin_nested():
        yield


def _violates(error: IntegrityError, table: str, columns) -> bool:
    text = str(error.orig)
    named = f"uq_{table}_{'_'.join(columns)}"  # the naming convention's name (PostgreSQL reports it)
    listed = ", ".join(f"{table}.{column}" for column in columns)  # SQLite lists the columns
    return named in text or f"failed: {listed}" in text


def _begin_sqlite_transaction() -> None:
    """pysqlite opens a transaction only at the first write; a SAVEPOINT before it would open one
    itself and its RELEASE would commit, ahead of the request's own commit."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    if not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")


def commit() -> None:
    """Commit; a named constraint that a race tripped (``CONSTRAINT_MESSAGES``) becomes its
    DomainError for the form, anything else stays an error."""
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        explained = constraint_error(error)
        if explained is None:
            raise
        raise explained from None
