"""Facts of a person's onboarding: pages read, the signed commitment, certificates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow


class LessonView(db.Model):
    """The person marked the lesson as read: the first time, and the latest (what a refresher counts)."""

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), primary_key=True, index=True)
    viewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_viewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Commitment(db.Model):
    """The values commitment as signed: the exact text, its hash and the typed name."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The name as the person typed it.
    signed_name: Mapped[str] = mapped_column(String(200))
    #: The declaration exactly as shown to the person.
    text: Mapped[str] = mapped_column(Text)
    #: SHA-256 (hex) of `text` encoded as UTF-8.
    text_sha256: Mapped[str] = mapped_column(String(64))


class Certificate(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id"))
    #: 128 random bits in base32, without separators; shown grouped for reading.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User")
    commitment: Mapped["Commitment"] = relationship()  # noqa: UP037
