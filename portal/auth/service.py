"""Checking credentials and where to go after signing in."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from portal import audit
from portal.auth.sessions import end_other_sessions
from portal.extensions import db
from portal.models.user import User
from portal.rut import InvalidRut, looks_like_rut, normalize_rut

# Checked when the account does not exist, so both cases cost the same hashing time.
_DUMMY_HASH = generate_password_hash("not-a-real-password")
#: Hex digits kept of a login fingerprint: 64 bits, plenty to tell typed logins apart.
FINGERPRINT_LENGTH = 16


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def password_matches(user: User, password: str | None) -> bool:
    """True when `password` is the account's password (an account without one matches nothing)."""
    return bool(user.password_hash) and check_password_hash(user.password_hash, password or "")


def change_password(user: User, new_password: str) -> int:
    """Give the signed-in person a new password and end their other sessions, keeping this one
    (flushes, audits). Returns how many other sessions ended."""
    user.password_hash = hash_password(new_password)
    db.session.flush()
    ended = end_other_sessions(user.id)
    audit.record("auth.password_changed", actor_id=user.id, other_sessions_ended=ended)
    return ended


def find_user_by_login(login: str) -> User | None:
    """Return the account whose RUT (any common spelling) or email is `login`, or None."""
    login = (login or "").strip()
    if not login:
        return None
    if "@" not in login and looks_like_rut(login):
        try:
            rut = normalize_rut(login)
        except InvalidRut:
            return None
        return db.session.scalar(select(User).where(User.rut == rut))
    return db.session.scalar(select(User).where(func.lower(User.email) == login.lower()))


def normalized_login(login: str | None) -> str:
    """The account identifier as typed, in one spelling: a RUT as "12345678-5", an email lower-case.

    Used to count attempts per account whether or not the account exists.
    """
    login = " ".join((login or "").split()).lower()
    if login and "@" not in login and looks_like_rut(login):
        try:
            return normalize_rut(login).lower()
        except InvalidRut:
            return re.sub(r"[\s.\-]", "", login)
    return login


def login_fingerprint(login: str | None) -> str:
    """A keyed fingerprint of a typed login: the same for every spelling of one RUT or email.

    HMAC-SHA256 with the app's SECRET_KEY, truncated. A plain hash would not hide anything:
    there are few enough RUTs to hash them all and look the fingerprint up.
    """
    key = current_app.config["SECRET_KEY"]
    key = key.encode("utf-8") if isinstance(key, str) else key
    # The prefix keeps these fingerprints apart from any other HMAC made with the same key.
    message = b"login-fingerprint:" + normalized_login(login).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:FINGERPRINT_LENGTH]


@dataclass(frozen=True)
class SignInCheck:
    """What checking a login and password found."""

    #: The account the typed login names, whatever its state; None when no account has it.
    account: User | None
    #: The account to sign in: only when it is active, has a password and the password matched.
    user: User | None


def authenticate(login: str, password: str) -> SignInCheck:
    """Check a login and password; `user` is set only when everything is right."""
    account = find_user_by_login(login)
    stored = account.password_hash if account is not None and account.password_hash else _DUMMY_HASH
    password_ok = check_password_hash(stored, password or "")
    if account is None or not account.password_hash or not password_ok or not account.active:
        return SignInCheck(account, None)
    return SignInCheck(account, account)


def failed_sign_in_details(check: SignInCheck, login: str) -> dict:
    """What the audit log keeps of a failed sign-in: never the RUT or email as typed.

    The account's id when the login names one (anonymising the person then leaves nothing
    personal behind), otherwise the login's keyed fingerprint, so repeated attempts with
    the same unknown login can still be seen together.
    """
    if check.account is not None:
        return {"user_id": check.account.id}
    return {"login_fingerprint": login_fingerprint(login)}


_UNSAFE_IN_TARGET = re.compile(r"[\x00-\x20\x7f\\]")


def safe_next_path(target: str | None) -> str | None:
    """Return `target` if it is a path on this site, else None (open-redirect guard).

    Refuses absolute and scheme-relative URLs ("//host"), backslashes (browsers read
    "/\\host" as "//host"), whitespace and control characters (stripped by browsers).
    """
    if not target or _UNSAFE_IN_TARGET.search(target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
