"""One-time, expiring links to set or reset a password."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select, update

from portal import audit
from portal.extensions import db
from portal.models.staff import PasswordToken
from portal.models.types import utcnow
from portal.models.user import AuthSession, User

SET_PASSWORD_LIFETIME = timedelta(days=14)
RESET_PASSWORD_LIFETIME = timedelta(hours=2)


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue_token(user: User, purpose: str, lifetime: timedelta) -> str:
    """Create a link token for `user` and return it (flushes). Earlier unused links stop working."""
    db.session.execute(delete(PasswordToken).where(PasswordToken.user_id == user.id, PasswordToken.used_at.is_(None)))
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        PasswordToken(
            user_id=user.id, token_hash=_hash(raw), purpose=purpose, created_at=now, expires_at=now + lifetime
        )
    )
    db.session.flush()
    return raw


def usable_token(raw: str) -> PasswordToken | None:
    """The unused, unexpired token for an active account, or None."""
    if not raw or len(raw) > 100:
        return None
    token = db.session.scalar(select(PasswordToken).where(PasswordToken.token_hash == _hash(raw)))
    if token is None or token.used_at is not None or token.expires_at <= utcnow() or not token.user.active:
        return None
    return token


def spend_and_set_password(credential, user_id: int, password_hash: str) -> bool:
    """Spend a single-use credential (a link token or a printed activation code) and set the password.

    The conditional UPDATE settles a race between two requests with the same credential: False if
    the other spent it first, and then nothing changes. Every session of the person ends, so a stolen
    cookie (or someone who used the slip before them) is signed out. The caller records the audit event.
    """
    model = type(credential)
    spent = db.session.execute(
        update(model)
        .where(model.id == credential.id, model.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if spent != 1:
        return False
    db.session.execute(
        update(User)
        .where(User.id == user_id)
        .values(password_hash=password_hash)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(delete(AuthSession).where(AuthSession.user_id == user_id))
    db.session.flush()
    return True


def redeem_token(token: PasswordToken, password_hash: str) -> bool:
    """Set the password and spend the token, once: False if another request spent it first.

    Audited (auth.password_set) when it succeeds.
    """
    if not spend_and_set_password(token, token.user_id, password_hash):
        return False
    audit.record("auth.password_set", actor_id=token.user_id, purpose=token.purpose)
    return True
