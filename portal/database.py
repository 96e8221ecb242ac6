"""Database engine set-up: SQLite pragmas and write-lock handling, dialect helpers."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime

from flask import current_app, g, has_request_context, request
from sqlalchemy import event, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from portal.dates import add_months as months_later
from portal.extensions import db
from portal.models.types import UTCDateTime
from portal.security import refuse_embedded_or_cross_site_fetch

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


_WRITE_LOCK_FLAG = "_portal_write_transaction"
#: PostgreSQL advisory locks that queue writers which must not interleave. Take them in this order
#: within a transaction (a reminders batch ends with its audit event), never the other way round.
REMINDERS_LOCK = 4208
AUDIT_CHAIN_LOCK = 4207
#: The escape character of the patterns like_contains() builds: pass it as `.like(pattern, escape=LIKE_ESCAPE)`.
LIKE_ESCAPE = "\\"


def like_contains(text: str) -> str:
    """A LIKE pattern for "contains `text`", in which a typed % or _ matches only itself."""
    escaped = text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")
    return f"%{escaped}%"


_READS_FIRST = "reads_before_writing"


def reads_before_writing(view):
    """Declare that this POST view reads and decides first and writes only in write_transaction().

    Its transactions begin deferred like a GET's, so on SQLite it does not hold the write lock
    (and queue every other writer behind it) while it reads and computes; write_transaction() then
    takes the lock for the writes alone. Its writes must not depend on what it read being still true,
    or must check it in the write itself (a conditional UPDATE), since another request may have
    written in between.
    """
    setattr(view, _READS_FIRST, True)
    return view


def _wants_write_lock() -> bool:
    # Reads run deferred so they never wait for writers; anything that may write takes
    # SQLite's write lock up front, where busy_timeout applies, instead of failing with
    # "database is locked" when a read transaction later tries to become a write one.
    if not has_request_context():
        return True
    if g.get(_WRITE_LOCK_FLAG, False):
        return True
    if request.method in READ_ONLY_METHODS:
        return False
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return not getattr(view, _READS_FIRST, False)


def request_transaction_may_write() -> bool:
    """Whether this request's transaction took (or will take) the write lock, so a write may join it."""
    return _wants_write_lock()


@contextmanager
def write_transaction():
    """Write from a GET (a download's audit event) or a @reads_before_writing POST in a transaction
    of its own that takes the write lock up front, then commit; the request's later transactions
    read without it.

    Only the person's own navigation may write from a GET (security.refuse_embedded_or_cross_site_fetch).

    The read transaction in progress ends first: on SQLite, turning it into a write one fails at
    once, without waiting, whenever another request wrote meanwhile (two HR exports at a time).
    """
    if request.method == "GET":
        refuse_embedded_or_cross_site_fetch()
    db.session.commit()
    g.setdefault(_WRITE_LOCK_FLAG, True)
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        g.pop(_WRITE_LOCK_FLAG, None)


def configure_sqlite(engine, busy_timeout_seconds: int) -> None:
    """Turn on WAL, foreign keys and a busy timeout, and begin write transactions IMMEDIATE."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event, not the driver, decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_seconds * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()
        dbapi_connection.create_function("portal_add_months", 2, _sqlite_add_months, deterministic=True)

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _wants_write_lock() else "BEGIN")


def serialise_writers(lock: int) -> None:
    """Wait until no other transaction holds `lock`, then hold it until this one ends.

    What a waiting transaction reads afterwards includes what the holder committed (PostgreSQL reads
    each statement's snapshot under READ COMMITTED). SQLite needs nothing: its writers already run
    one at a time, each in a transaction begun IMMEDIATE.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": lock})


def upsert(model, *, key: dict, insert: dict, update: dict) -> None:
    """INSERT the row identified by `key`, or UPDATE `update` on the existing one, in one statement."""
    dialect = db.session.get_bind().dialect.name
    insert_for = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert_for(model).values(**key, **insert)
    db.session.execute(statement.on_conflict_do_update(index_elements=list(key), set_=update))


class add_months(FunctionElement):  # noqa: N801 - reads as the SQL function it stands for
    """`moment` plus `months` calendar months, in UTC, on the month's last day when it is shorter.

    Matches portal.dates.add_months exactly: PostgreSQL's interval arithmetic clamps
    the same way (done in UTC so the session's time zone cannot shift it), and SQLite calls that
    very Python function, registered on each connection.
    """

    type = UTCDateTime()
    inherit_cache = True
    name = "portal_add_months"


@compiles(add_months)
def _add_months_sqlite(element, compiler, **kw):
    return f"portal_add_months({compiler.process(element.clauses, **kw)})"


@compiles(add_months, "postgresql")
def _add_months_postgresql(element, compiler, **kw):
    moment, months = list(element.clauses)
    return (
        f"(({compiler.process(moment, **kw)} AT TIME ZONE 'UTC') "
        f"+ make_interval(months => {compiler.process(months, **kw)})) AT TIME ZONE 'UTC'"
    )


_SQLITE_STORED = "%Y-%m-%d %H:%M:%S.%f"


def _sqlite_add_months(stored: str | None, months: int | None) -> str | None:
    """SQLite's side of add_months: stored UTC text in, stored UTC text out."""
    if stored is None or months is None:
        return None
    return months_later(datetime.fromisoformat(stored), int(months)).strftime(_SQLITE_STORED)
