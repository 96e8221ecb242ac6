"""Dates: the institution's calendar, the range the portal accepts and day arithmetic that cannot overflow.

local_today(), local_midnight() and at_local_hour() use the institution's time zone (Flask-Babel's), not the server's.

Python's dates end at 9999-12-31: a start date of 31-12-9999 plus the onboarding days, or a due
date moved a week, raised OverflowError (a 500). Every date that enters (forms, imports, filters)
is held to EARLIEST..LATEST, far from that edge, and arithmetic goes through add_days().
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta

from flask_babel import get_timezone, to_user_timezone
from flask_babel import lazy_gettext as _l

EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)


class DateOutOfRange(ValueError):
    """A date, typed or computed, falls outside EARLIEST..LATEST."""


def in_range(value: date) -> bool:
    return EARLIEST <= value <= LATEST


def out_of_range_message():
    """The Spanish message for a date outside the range (lazy: format it inside a request or app)."""
    return _l(
        "La fecha debe estar entre el %(earliest)s y el %(latest)s.",
        earliest=EARLIEST.strftime("%d-%m-%Y"),
        latest=LATEST.strftime("%d-%m-%Y"),
    )


def add_days(value: date, days: int) -> date:
    """`value` moved by `days`. Raises DateOutOfRange when the result leaves EARLIEST..LATEST."""
    try:
        result = value + timedelta(days=days)
    except OverflowError:
        raise DateOutOfRange(value) from None
    if not in_range(result):
        raise DateOutOfRange(result)
    return result


def local_today() -> date:
    """Today in the institution's time zone, not the server's."""
    return datetime.now(get_timezone()).date()


def local_midnight(day: date) -> datetime:
    """The moment `day` starts in the institution's time zone."""
    return at_local_hour(day, 0)


def at_local_hour(day: date, hour: int) -> datetime:
    """The moment the institution's clocks show `hour`:00 on `day`, even on a day they move: on Chile's
    spring-forward day midnight plus three hours is 04:00 on the wall.

    Flask-Babel's zones are pytz's: given as `tzinfo=` one gives its first offset in history
    (Santiago's mean solar time, -4:43), so the zone places the wall time itself (`localize`).
    """
    return get_timezone().localize(datetime.combine(day, time(hour)))


def day_month_year(value: date | datetime | None) -> str:
    """`value` as 31-12-2026 (the `date_cl` filter); a moment on its day in the institution's time zone
    (a naive moment is UTC, as the database keeps them).

    Digits by hand, as Babel's "dd-MM-yyyy" would write them: the report shows two per person, and
    Babel's pattern machinery cost about 2 ms a page of 50 people.
    """
    if not value:
        return ""
    if isinstance(value, datetime):
        value = to_user_timezone(value)
    return f"{value.day:02d}-{value.month:02d}-{value.year:04d}"


def day_month_year_time(moment: datetime | None) -> str:
    """`moment` as 31-12-2026 14:05 in the institution's time zone (the `datetime_cl` filter), as
    Babel's "dd-MM-yyyy HH:mm" would write it, digits by hand as in day_month_year."""
    if not moment:
        return ""
    local = to_user_timezone(moment)
    return f"{day_month_year(local.date())} {hour_minute(local)}"


def hour_minute(moment: datetime | None) -> str:
    """`moment`'s time as 14:05 in the institution's time zone (the `time_cl` filter), as Babel's "HH:mm"
    would write it: for sentences that say the day and the time apart («el 31-12-2026 a las 14:05»)."""
    if not moment:
        return ""
    local = to_user_timezone(moment)
    return f"{local.hour:02d}:{local.minute:02d}"


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later, on the month's last day when it is shorter.

    PostgreSQL's interval arithmetic does the same, so SQL and Python agree on expiry.
    """
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)
