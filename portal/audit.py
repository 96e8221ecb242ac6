"""Writing to and checking the audit log."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from enum import Enum

from sqlalchemy import select, text

from portal.extensions import db
from portal.models.audit import GENESIS_HASH, AuditEvent

#: Fields never written to the log, not even as "changed": part of a key names a secret.
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
    if db.session.get_bind().dialect.name == "postgresql":
        # Serialise writers so two transactions never chain onto the same previous row.
        db.session.execute(text("SELECT pg_advisory_xact_lock(4207)"))
    previous = db.session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    # Microseconds are dropped so the timestamp round-trips identically on every backend.
    event = AuditEvent(
        occurred_at=datetime.now(UTC).replace(microsecond=0),
        actor_id=actor_id,
        action=action,
        details=details_text(**details),
        prev_hash=previous or GENESIS_HASH,
    )
    event.hash = event.content_hash()
    db.session.add(event)
    db.session.flush()
    return event


def first_broken_event() -> AuditEvent | None:
    """Recompute the chain; return the first row whose hash or link is wrong, or None."""
    expected_prev = GENESIS_HASH
    for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(500):
        if event.prev_hash != expected_prev or event.hash != event.content_hash():
            return event
        expected_prev = event.hash
    return None
