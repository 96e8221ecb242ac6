"""Writing to and checking the audit log."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select, text

from portal.extensions import db
from portal.models.audit import GENESIS_HASH, AuditEvent


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
