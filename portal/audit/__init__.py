"""Writing to and checking the audit log.

Each event's hash is an HMAC-SHA256 over the previous event's hash and its own content, with a key that is
never stored in the database (PORTAL_AUDIT_KEY, or one derived from PORTAL_SECRET_KEY). Someone who can
write to the database but does not hold the key can neither change an event nor recompute the hashes after
it. Deleting the newest events leaves a valid, shorter chain: `checkpoint` writes the signed head of the
chain to a file (and mails it), and `verify` checks the database against every checkpoint.

Rows written before the chain was keyed (key_id NULL) keep their plain SHA-256 and still verify, but only
as the beginning of the chain: once a keyed row appears, an unkeyed one after it is a rewrite.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from enum import Enum

from sqlalchemy import select

from portal.audit.chain import Problem, first_broken_event  # noqa: F401
from portal.audit.checkpoints import append_checkpoint, checkpoint_line, checkpoint_path, make_checkpoint  # noqa: F401

#: Fields never written to the log, not even as "changed": part of a key names a secret.
from portal.audit.keys import current_key, derived_key, key_id, verification_keys  # noqa: F401
from portal.audit.verification import (  # noqa: F401
    Verification,
    checkpoint_mail,
    summary_lines,
    verify,
    write_and_mail_checkpoint,
)
from portal.database import AUDIT_CHAIN_LOCK, serialise_writers
from portal.extensions import db
from portal.models.audit import GENESIS_HASH, AuditEvent

SECRET_MARKERS = ("password", "token", "secret")
#: What anonymisation removes from an account. The log is never rewritten, so it says that these
#: changed but keeps neither value (see `changes`).
PERSONAL_FIELDS = frozenset({"rut", "full_name", "email", "signed_name"})


def plain(value):
    """A value as the log keeps it: dates as ISO text, sets sorted, enums by value, "" as None."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(plain(item) for item in value)
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if value == "":
        return None
    return value


def is_secret(field: str) -> bool:
    return any(marker in field.lower() for marker in SECRET_MARKERS)


def changes(before: Mapping, after: Mapping) -> dict:
    """What changed between two snapshots of plain values, for an event's `changes` detail.

    Returns {field: {"before": old, "after": new}} for every field whose value differs (a field
    missing from one snapshot counts as None), in the snapshots' order; empty when nothing changed.
    Secrets (passwords, hashes, tokens) are left out entirely. Personal identifiers (PERSONAL_FIELDS)
    are recorded as {"withheld": True}: the log shows that they changed, never what they said.
    """
    found = {}
    for field in [*before, *(key for key in after if key not in before)]:
        if is_secret(field):
            continue
        old, new = plain(before.get(field)), plain(after.get(field))
        if old == new:
            continue
        found[field] = {"withheld": True} if field in PERSONAL_FIELDS else {"before": old, "after": new}
    return found


def details_text(**details) -> str:
    """An event's details as stored: searches match stored events by comparing this text."""
    return json.dumps(details, sort_keys=True, ensure_ascii=False, default=str)


def record(action: str, actor_id: int | None = None, **details) -> AuditEvent:
    """Append an event to the chain within the current transaction (flushes, never commits)."""
    # Two transactions must never chain onto the same previous row.
    serialise_writers(AUDIT_CHAIN_LOCK)
    previous = db.session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    signing_id, key = current_key()
    # Microseconds are dropped so the timestamp round-trips identically on every backend.
    event = AuditEvent(
        occurred_at=datetime.now(UTC).replace(microsecond=0),
        actor_id=actor_id,
        action=action,
        details=details_text(**details),
        prev_hash=previous or GENESIS_HASH,
        key_id=signing_id,
    )
    event.hash = event.content_hash(key)
    db.session.add(event)
    db.session.flush()
    return event


# --- Checking the chain -------------------------------------------------------------------------
