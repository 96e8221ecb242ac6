"""Server-side sign-in records, so that signing out really ends a session.

A record also ends after PORTAL_SESSION_IDLE_MINUTES without a request from its browser.
`last_seen_at` is refreshed at most once a minute, so most requests write nothing.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_url, login_user, logout_user
from sqlalchemy import and_, bindparam, delete, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import contains_eager, lazyload

from portal.database import request_transaction_may_write
from portal.extensions import db
from portal.models.types import utcnow
from portal.models.user import AuthSession, User

SESSION_TOKEN_KEY = "auth_token"
#: last_seen_at is written again only when older than this.
TOUCH_INTERVAL = timedelta(seconds=60)
#: How long a GET waits for SQLite's write lock to refresh last_seen_at before giving up.
TOUCH_BUSY_TIMEOUT_MS = 2000


#: Every signed-in request runs this: the account with its roles and the sign-in record's times, in
#: one statement built once (no second query for the roles; the department loads only where a page
#: uses it).
_SIGNED_IN = (
    select(User, AuthSession.id, AuthSession.created_at, AuthSession.last_seen_at)
    .join(AuthSession, AuthSession.user_id == User.id)
    .outerjoin(User.role_rows)
    .where(AuthSession.token == bindparam("token"), User.id == bindparam("user_id"), User.active.is_(True))
    .options(contains_eager(User.role_rows), lazyload(User.department))
)


def idle_limit() -> timedelta:
    return timedelta(minutes=float(current_app.config["SESSION_IDLE_MINUTES"]))


def init_login_manager(app, login_manager) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Inicie sesión para continuar.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # our token table does this job, per sign-in

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        token = session.get(SESSION_TOKEN_KEY)
        if not token or not (user_id.isascii() and user_id.isdigit()):
            return None
        # A cookie is only as good as its row: once the row is gone, a replayed copy is refused.
        rows = db.session.execute(_SIGNED_IN, {"token": token, "user_id": int(user_id)}).unique().all()
        if not rows:
            return None
        user, record_id, created_at, last_seen_at = rows[0]
        now = utcnow()
        last_seen = last_seen_at or created_at
        if now - last_seen > idle_limit():
            # The row stays until this person signs in again (start_session sweeps it): a GET
            # must not write here. Forgetting the token is enough to refuse the cookie.
            session.pop(SESSION_TOKEN_KEY, None)
            g.session_expired = True
            flash(_("Su sesión expiró por inactividad."), "info")
            return None
        if now - last_seen > TOUCH_INTERVAL:
            _touch(record_id, now)
        return user

    @login_manager.unauthorized_handler
    def unauthorized():
        """Flask-Login's default, with its own message when the session expired from inactivity."""
        if not g.get("session_expired"):  # that message was already flashed by load_user
            flash(str(login_manager.login_message), login_manager.login_message_category)
        # The home page is no particular destination: without a `next`, each person lands on the
        # page of their main work (auth.views.landing_url), HR on its report.
        home = request.path == url_for("learning.dashboard") and not request.query_string
        return redirect(login_url(login_manager.login_view, next_url=None if home else request.url))


def _touch(record_id: int, now) -> None:
    """Record that this session is in use; failing to do so is logged, never fatal."""
    statement = (
        update(AuthSession)
        .where(
            AuthSession.id == record_id,
            or_(AuthSession.last_seen_at.is_(None), AuthSession.last_seen_at < now - TOUCH_INTERVAL),
        )
        .values(last_seen_at=now)
        .execution_options(synchronize_session=False)
    )
    if request_transaction_may_write():
        # This request already holds the write lock (SQLite) or will commit anyway: join its
        # transaction. If the view rolls back instead, the next request tries again.
        db.session.execute(statement)
        return
    # A GET (or a POST that reads before writing) reads in a deferred transaction that must not turn
    # into a write one (SQLite would answer "database is locked"): write on a separate connection,
    # in a short transaction of its own.
    try:
        _run_on_own_connection(statement)
    except DBAPIError as error:
        current_app.logger.warning("could not record session activity: %s", error)


def _run_on_own_connection(statement) -> None:
    with db.engine.connect() as connection:
        raw = connection.connection.dbapi_connection if connection.dialect.name == "sqlite" else None
        if raw is not None:  # wait briefly for SQLite's write lock, not the usual 30 s
            raw.execute(f"PRAGMA busy_timeout = {TOUCH_BUSY_TIMEOUT_MS}")
        try:
            with connection.begin():
                connection.execute(statement)
        finally:
            if raw is not None:
                raw.execute(f"PRAGMA busy_timeout = {int(current_app.config['SQLITE_BUSY_TIMEOUT'] * 1000)}")


def start_session(user: User) -> None:
    """Sign `user` in with a fresh session cookie and a new server-side record (flushes).

    Records of this person that went idle are removed on the way.
    """
    session.clear()  # nothing from before sign-in survives into the signed-in session
    now = utcnow()
    db.session.execute(
        delete(AuthSession).where(
            AuthSession.user_id == user.id,
            or_(
                AuthSession.last_seen_at < now - idle_limit(),
                and_(AuthSession.last_seen_at.is_(None), AuthSession.created_at < now - idle_limit()),
            ),
        )
    )
    record = AuthSession(user_id=user.id, created_at=now, last_seen_at=now)
    db.session.add(record)
    db.session.flush()
    session[SESSION_TOKEN_KEY] = record.token
    login_user(user)


def end_other_sessions(user_id: int) -> int:
    """Delete the person's sign-in records except this browser's (flushes); returns how many ended."""
    ended = db.session.execute(
        delete(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.token != session.get(SESSION_TOKEN_KEY, ""))
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.flush()
    return ended


def end_session() -> None:
    """Delete this browser's sign-in record and empty its cookie (flushes)."""
    token = session.get(SESSION_TOKEN_KEY)
    if token:
        db.session.execute(delete(AuthSession).where(AuthSession.token == token))
    logout_user()
    session.clear()
