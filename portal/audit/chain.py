"""The hash chain: each event against the one before it, with the key it names."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

#: Fields never written to the log, not even as "changed": part of a key names a secret.
from portal.audit.keys import verification_keys
from portal.dates import day_month_year_time
from portal.extensions import db
from portal.models.audit import GENESIS_HASH, AuditEvent


@dataclass(frozen=True)
class Problem:
    """Something verification found, as a sentence in Spanish for the person who asked."""

    message: str
    #: The event it concerns, when there is one.
    event_id: int | None = None


def _same(stored, expected) -> bool:
    """Constant-time comparison of two hashes; anything else (None, a non-ASCII forgery) is simply different."""
    return expected is not None and hmac.compare_digest(str(stored).encode("utf-8"), str(expected).encode("utf-8"))


def _event_problem(event: AuditEvent, expected_prev: str, keyed_before: bool, keys: dict[str, bytes]):
    """Why this event breaks the chain (a Problem), or None when it is as it was written."""
    where = {"id": event.id, "action": event.action, "when": day_month_year_time(event.occurred_at)}
    if event.key_id is None and keyed_before:
        return Problem(
            _(
                "La cadena de auditoría está rota desde el evento N° %(id)s (%(action)s, %(when)s): tiene el "
                "formato antiguo, sin clave, después de eventos con clave, así que alguien que no tiene la "
                "clave lo reescribió.",
                **where,
            ),
            event.id,
        )
    if event.key_id is not None and event.key_id not in keys:
        return Problem(
            _(
                "La cadena de auditoría está rota desde el evento N° %(id)s (%(action)s, %(when)s): está firmado "
                "con una clave que este servidor no tiene (identificador %(key)s). Fue alterado, o falta una "
                "clave anterior en PORTAL_AUDIT_OLD_KEYS.",
                key=event.key_id,
                **where,
            ),
            event.id,
        )
    try:
        expected_hash = event.content_hash(keys.get(event.key_id))
    except (ValueError, TypeError):  # details that are not JSON any more
        expected_hash = None
    if event.prev_hash != expected_prev or not _same(event.hash, expected_hash):
        return Problem(
            _(
                "La cadena de auditoría está rota desde el evento N° %(id)s (%(action)s, %(when)s): ese evento o "
                "uno anterior fue alterado o eliminado.",
                **where,
            ),
            event.id,
        )
    return None


def _walk(keys: dict[str, bytes]) -> Iterator[tuple[AuditEvent, int, Problem | None]]:
    """Every event in order with how many events there are up to it and what is wrong with it, if anything."""
    expected_prev, keyed_before, count = GENESIS_HASH, False, 0
    for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(500):
        count += 1
        yield event, count, _event_problem(event, expected_prev, keyed_before, keys)
        expected_prev = event.hash
        keyed_before = keyed_before or event.key_id is not None


def first_broken_event() -> AuditEvent | None:
    """Recompute the chain with the audit keys; return the first row whose hash or link is wrong, or None."""
    keys = verification_keys()
    return next((event for event, _count, problem in _walk(keys) if problem is not None), None)


# --- Checkpoints: the head of the chain, kept outside the database -------------------------------------
