"""Checking credentials and where to go after signing in."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from portal.extensions import db
from portal.models.user import User
from portal.rut import InvalidRut, looks_like_rut, normalize_rut

# Checked when the account does not exist, so both cases cost the same hashing time.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def hash_password(password: str) -> str:
    return generate_password_hash(password)


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


def authenticate(login: str, password: str) -> User | None:
    """Return the active account matching login and password, or None for any failure."""
    user = find_user_by_login(login)
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    password_ok = check_password_hash(stored, password or "")
    if user is None or not user.password_hash or not password_ok or not user.active:
        return None
    return user


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
