"""The institution's calendar: what day it is, and where a day starts, in the configured time zone."""

from __future__ import annotations

from datetime import date, datetime, time

from flask_babel import get_timezone


def local_today() -> date:
    """Today in the institution's time zone (Flask-Babel's), not the server's."""
    return datetime.now(get_timezone()).date()


def local_midnight(day: date) -> datetime:
    """The moment `day` starts in the institution's time zone."""
    return datetime.combine(day, time.min, tzinfo=get_timezone())
