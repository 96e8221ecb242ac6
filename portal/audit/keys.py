"""The audit keys: the current one, the old ones that still verify, and their short ids."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from flask import current_app


#: Fields never written to the log, not even as "changed": part of a key names a secret.
def _bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def derived_key(secret_key: str | bytes) -> bytes:
    """The audit key used when PORTAL_AUDIT_KEY is unset: an HMAC of a fixed label under the secret key.

    The label keeps it apart from every other use of the secret key (sessions, CSRF, login fingerprints),
    and the HMAC reveals nothing about the secret key itself.
    """
    return hmac.new(_bytes(secret_key), b"portal-audit-key:v1", hashlib.sha256).digest()


def key_id(key: bytes) -> str:
    """A short public name for a key, stored with each event and checkpoint to find the key again."""
    return hmac.new(key, b"portal-audit-key-id", hashlib.sha256).hexdigest()[:8]


def current_key(config: Mapping | None = None) -> tuple[str, bytes]:
    """(key id, key) that new events and checkpoints are made with."""
    config = current_app.config if config is None else config
    explicit = config.get("AUDIT_KEY")
    key = _bytes(explicit) if explicit else derived_key(config["SECRET_KEY"])
    return key_id(key), key


def verification_keys(config: Mapping | None = None) -> dict[str, bytes]:
    """{key id: key} for the current key and each former one.

    A former value in AUDIT_OLD_KEYS may be either an audit key or a secret key from before AUDIT_KEY was
    set; both readings are tried, the key id picks the right one.
    """
    config = current_app.config if config is None else config
    keys = dict([current_key(config)])
    for old in config.get("AUDIT_OLD_KEYS") or []:
        for key in (_bytes(old), derived_key(old)):
            keys.setdefault(key_id(key), key)
    return keys
