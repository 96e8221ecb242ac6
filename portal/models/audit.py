"""The append-only, hash-chained audit log."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime

GENESIS_HASH = "0" * 64


class AuditEvent(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: Who did it; None for the system or an anonymous visitor.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    #: Dotted name such as "auth.login" or "learning.commitment_signed".
    action: Mapped[str] = mapped_column(String(60), index=True)
    #: JSON object with the event's particulars.
    details: Mapped[str] = mapped_column(Text, default="{}")
    #: `hash` of the previous row, or GENESIS_HASH for the first.
    prev_hash: Mapped[str] = mapped_column(String(64))
    #: SHA-256 over prev_hash and this row's content; see content_hash().
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    @property
    def subject_id(self) -> int | None:
        """The account the event concerns when its details name one (`user_id`), else None."""
        try:
            subject = json.loads(self.details).get("user_id")
        except (ValueError, AttributeError):
            return None
        return subject if isinstance(subject, int) and not isinstance(subject, bool) else None

    def content_hash(self) -> str:
        payload = json.dumps(
            {
                "occurred_at": self.occurred_at.isoformat(),
                "actor_id": self.actor_id,
                "action": self.action,
                "details": json.loads(self.details),
            },
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hashlib.sha256((self.prev_hash + payload).encode("utf-8")).hexdigest()
