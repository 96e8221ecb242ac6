"""Activation codes: short, single-use, expiring codes printed on slips for people without email.

A person types their RUT and the code (10 characters from an alphabet without look-alikes, shown as
`K7QM-P4RX-2T`) and then chooses a password. About 49 bits: far beyond online guessing under the
sign-in throttle, but few enough that a plain hash leaked with the database could be reversed, so the
table holds an HMAC under a key derived from the secret key (never stored in the database), bound to
the person's id. Rotating PORTAL_SECRET_KEY therefore voids the codes already printed: print again.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from portal import audit
from portal.auth.service import find_user_by_login, login_fingerprint
from portal.auth.tokens import spend_and_set_password
from portal.extensions import db
from portal.models.staff import ActivationCode
from portal.models.types import utcnow
from portal.models.user import User
from portal.settings import effective

#: No 0/O, 1/I/L: what a person reads off paper and types on a phone must not be ambiguous.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 10
#: Shown as K7QM-P4RX-2T.
GROUPS = (4, 4, 2)
_SEPARATORS = str.maketrans("", "", " -.\u2010\u2011\u2012\u2013\u2014_")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def grouped(code: str) -> str:
    """ "K7QMP4RX2T" -> "K7QM-P4RX-2T"."""
    parts, start = [], 0
    for size in GROUPS:
        parts.append(code[start : start + size])
        start += size
    return "-".join(part for part in parts if part)


def normalized(typed: str | None) -> str:
    """The code as typed, upper-case, without spaces or dashes; "" when it cannot be a code."""
    code = (typed or "").strip().upper().translate(_SEPARATORS)
    return code if len(code) == LENGTH and all(char in ALPHABET for char in code) else ""


def _key() -> bytes:
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hmac.new(secret, b"portal-activation-code-key", hashlib.sha256).digest()


def code_hash(user_id: int, code: str) -> str:
    return hmac.new(_key(), f"{user_id}:{code}".encode(), hashlib.sha256).hexdigest()


def lifetime() -> timedelta:
    return timedelta(days=int(effective("ACTIVATION_CODE_DAYS")))


@dataclass(frozen=True)
class IssuedCode:
    user: User
    #: The code in its grouped form, as printed. It exists only in this object and on paper.
    code: str
    expires_at: datetime


def issue_codes(people: list[User], printed_by_id: int | None) -> list[IssuedCode]:
    """A new code for each person (flushes); their earlier unused codes stop working.

    No audit event here: printing is audited once per sheet by portal.activation.slips.
    """
    if not people:
        return []
    ids = [person.id for person in people]
    db.session.execute(delete(ActivationCode).where(ActivationCode.user_id.in_(ids), ActivationCode.used_at.is_(None)))
    now = utcnow()
    expires_at = now + lifetime()
    issued = []
    for person in people:
        raw = new_code()
        db.session.add(
            ActivationCode(
                user_id=person.id,
                code_hash=code_hash(person.id, raw),
                printed_by_id=printed_by_id,
                created_at=now,
                expires_at=expires_at,
            )
        )
        issued.append(IssuedCode(person, grouped(raw), expires_at))
    db.session.flush()
    return issued


def account_for_rut(typed_rut: str | None) -> User | None:
    """The account of a typed RUT (any spelling); an email address names nobody here."""
    return None if "@" in (typed_rut or "") else find_user_by_login(typed_rut or "")


def usable_code(typed_rut: str, typed_code: str) -> ActivationCode | None:
    """The unused, unexpired code of an active account matching this RUT and code, else None.

    Does the same work (one query, one HMAC) whether or not the RUT names an account.
    """
    code = normalized(typed_code)
    user = account_for_rut(typed_rut)
    user_id = user.id if user is not None else 0  # no account has id 0: the same query either way
    rows = db.session.scalars(
        select(ActivationCode).where(ActivationCode.user_id == user_id, ActivationCode.used_at.is_(None))
    ).all()
    expected = code_hash(user_id, code or "-")
    found = next((row for row in rows if hmac.compare_digest(row.code_hash, expected)), None)
    if found is None or not code or found.expires_at <= utcnow() or not user.active:
        return None
    return found


def record_failure(typed_rut: str) -> None:
    """Audit a refused activation: the account's id when the RUT names one, else its fingerprint."""
    user = account_for_rut(typed_rut)
    details = {"user_id": user.id} if user is not None else {"login_fingerprint": login_fingerprint(typed_rut)}
    audit.record("auth.activation_failed", **details)


def activate(found: ActivationCode, password_hash: str) -> bool:
    """Spend the code and set the password, once: False if another request spent it first.

    Every session of the person ends (the slip may have been used by someone else before). Audited
    as auth.account_activated.
    """
    if not spend_and_set_password(found, found.user_id, password_hash):
        return False
    audit.record("auth.account_activated", actor_id=found.user_id, user_id=found.user_id)
    return True
