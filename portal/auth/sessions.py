"""Server-side sign-in records, so that signing out really ends a session."""

from __future__ import annotations

from flask import session
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user
from sqlalchemy import delete, select

from portal.extensions import db
from portal.models.user import AuthSession, User

SESSION_TOKEN_KEY = "auth_token"


def init_login_manager(app, login_manager) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Inicie sesión para continuar.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # our token table does this job, per sign-in

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        token = session.get(SESSION_TOKEN_KEY)
        if not token or not user_id.isdigit():
            return None
        # A cookie is only as good as its row: once the row is gone, a replayed copy is refused.
        return db.session.scalar(
            select(User)
            .join(AuthSession, AuthSession.user_id == User.id)
            .where(AuthSession.token == token, User.id == int(user_id), User.active.is_(True))
        )


def start_session(user: User) -> None:
    """Sign `user` in with a fresh session cookie and a new server-side record (flushes)."""
    session.clear()  # nothing from before sign-in survives into the signed-in session
    record = AuthSession(user_id=user.id)
    db.session.add(record)
    db.session.flush()
    session[SESSION_TOKEN_KEY] = record.token
    login_user(user)


def end_session() -> None:
    """Delete this browser's sign-in record and empty its cookie (flushes)."""
    token = session.get(SESSION_TOKEN_KEY)
    if token:
        db.session.execute(delete(AuthSession).where(AuthSession.token == token))
    logout_user()
    session.clear()
