"""HR's records about people: one-time password links, printed activation codes and reminders sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow

SET_PASSWORD = "set_password"
RESET_PASSWORD = "reset_password"


class PasswordToken(db.Model):
    """A one-time, expiring link to set or reset a password. Only its hash is stored."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    #: SHA-256 (hex) of the random token in the link; the link itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: SET_PASSWORD for new accounts, RESET_PASSWORD for forgotten passwords.
    purpose: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")


class Reminder(db.Model):
    """One reminder e-mail to one person, sent or failed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    #: Who sent it; None for the scheduled command.
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: "sent" or "failed"
    status: Mapped[str] = mapped_column(String(10))
    #: The SMTP server's answer when delivery failed.
    error: Mapped[str | None] = mapped_column(Text)


class ActivationCode(db.Model):
    """A short code printed on an activation slip: with the person's RUT it lets them choose a password.

    Single-use and expiring; printing a new slip deletes the person's unused codes. Only a keyed hash
    is stored (portal.activation.codes), never the code.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    #: HMAC-SHA256 (hex) of the person's id and the code under a key derived from the secret key.
    code_hash: Mapped[str] = mapped_column(String(64))
    #: Who printed the slip; None for the command line.
    printed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User", foreign_keys=[user_id])
