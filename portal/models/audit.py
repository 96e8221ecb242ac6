"""The append-only, hash-chained audit log."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime

GENESIS_HASH = "0" * 64
#: Prefix of every keyed event hash, so that no other HMAC made with the audit key can pass for one.
KEYED_HASH_PREFIX = b"portal-audit-event:v2:"


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
    #: Which audit key made `hash` (a short fingerprint of the key, see portal.audit.key_id); None for
    #: rows written before the chain was keyed, whose hash is plain SHA-256.
    key_id: Mapped[str | None] = mapped_column(String(16))
    #: HMAC-SHA256 (or, for rows without key_id, SHA-256) over prev_hash and this row; see content_hash().
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    @property
    def subject_id(self) -> int | None:
        """The account the event concerns when its details name one (`user_id`), else None."""
        try:
            subject = json.loads(self.details).get("user_id")
        except (ValueError, AttributeError):
            return None
        return subject if isinstance(subject, int) and not isinstance(subject, bool) else None

    def _payload(self) -> str:
        return json.dumps(
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

    def content_hash(self, key: bytes | None = None) -> str:
        """The hash this row must carry: keyed with `key` when the row has a key_id, else plain SHA-256.

        Raises ValueError when the row has a key_id and no key is given.
        """
        if self.key_id is None:
            return hashlib.sha256((self.prev_hash + self._payload()).encode("utf-8")).hexdigest()
        if key is None:
            raise ValueError(f"audit event {self.id} needs the key {self.key_id}")
        message = KEYED_HASH_PREFIX + f"{self.key_id}:{self.prev_hash}{self._payload()}".encode()
        return hmac.new(key, message, hashlib.sha256).hexdigest()
