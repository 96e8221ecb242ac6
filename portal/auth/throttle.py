"""Failed sign-ins counted per account, without letting anyone keep a colleague out.

Every wrong password for an account counts against one budget
(`SIGN_IN_LIMIT_PER_ACCOUNT`), whichever spelling was typed: the account's RUT, its email, or
an unknown login in its normalised form. Once the budget is spent, addresses that have been
failing for that account wait for the window to pass. An address that has not failed for it
may still sign in with the right password: a correct password typed by its owner is never
refused because someone else typed their RUT with wrong ones. Each such address gets one
wrong try before it counts as failing too, so guessing needs a new address per guess, on top
of the per-address limit; with the password policy (12+ characters, not a common password)
that is far from enough to find a password.

The counters live in Flask-Limiter's storage (memory per process, or Redis shared by every
worker) under keyed fingerprints, never a RUT or an email.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from flask_limiter.util import get_remote_address
from limits import parse

from portal.auth.service import find_user_by_login, login_fingerprint
from portal.extensions import limiter


def _fingerprint(text: str) -> str:
    key = current_app.config["SECRET_KEY"]
    key = key.encode("utf-8") if isinstance(key, str) else key
    return hmac.new(key, b"sign-in-throttle:" + text.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def account_key(typed_login: str | None) -> str:
    """One key per account, whatever spelling was typed; per normalised login when unknown."""
    user = find_user_by_login(typed_login or "")
    # The RUT, not the id: ids start again at 1 in every database that shares one limiter storage
    # (a Redis serving several portals, or the test suite's processes).
    return _fingerprint(f"account:{user.rut}") if user is not None else "login:" + login_fingerprint(typed_login)


def _limit():
    return parse(current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"])


def _on() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True)) and limiter.enabled


def may_try(account: str) -> bool:
    """Whether this address may try a password for this account now."""
    if not _on():
        return True
    strategy, limit = limiter.limiter, _limit()
    if strategy.test(limit, "sign-in-account", account):
        return True
    # The account's budget is spent: only addresses that have not been failing for it may try.
    address = _fingerprint(get_remote_address() or "")
    return strategy.get_window_stats(limit, "sign-in-failing", account, address).remaining == limit.amount


def record_failure(account: str) -> None:
    if not _on():
        return
    strategy, limit = limiter.limiter, _limit()
    strategy.hit(limit, "sign-in-account", account)
    strategy.hit(limit, "sign-in-failing", account, _fingerprint(get_remote_address() or ""))
