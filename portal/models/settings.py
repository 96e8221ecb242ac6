"""Settings administrators change at runtime; each overrides the configuration value of the same key."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


class Setting(db.Model):
    #: The configuration key it overrides, such as "ONBOARDING_DAYS", or "LOGO".
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    #: The value as text; portal.settings converts it back to the key's type.
    value: Mapped[str] = mapped_column(Text)
