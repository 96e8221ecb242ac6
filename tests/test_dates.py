"""The portal's own date digits read as Babel's patterns would write them, in the institution's time zone."""

from datetime import UTC, date, datetime, timedelta, timezone

from flask_babel import format_date, format_datetime, get_timezone

from portal.dates import at_local_hour, day_month_year, day_month_year_time, hour_minute, local_midnight

#: Every 37 minutes through 2026, naive (UTC, as the database keeps them): both of Chile's clock changes,
#: midnights and year ends on either side of the offset.
MOMENTS = [datetime(2025, 12, 31, 20, 0) + timedelta(minutes=37 * step) for step in range(0, 15_000)]


def test_dates_and_moments_read_as_babel_writes_them(app):
    with app.test_request_context():
        assert str(get_timezone()) == "America/Santiago"
        for moment in MOMENTS:
            assert day_month_year_time(moment) == format_datetime(moment, "dd-MM-yyyy HH:mm"), moment
            assert day_month_year(moment) == format_date(moment, "dd-MM-yyyy"), moment
            assert hour_minute(moment) == format_datetime(moment, "HH:mm"), moment
        aware = datetime(2026, 4, 5, 2, 30, tzinfo=timezone(timedelta(hours=-4)))
        assert day_month_year_time(aware) == format_datetime(aware, "dd-MM-yyyy HH:mm") == "05-04-2026 02:30"
        assert day_month_year_time(datetime(2026, 1, 1, 2, 59, tzinfo=UTC)) == "31-12-2025 23:59"
        assert day_month_year(date(2026, 3, 9)) == format_date(date(2026, 3, 9), "dd-MM-yyyy") == "09-03-2026"
        assert hour_minute(datetime(2026, 1, 1, 2, 59, tzinfo=UTC)) == "23:59"
        assert day_month_year(None) == day_month_year_time(None) == hour_minute(None) == ""


def test_a_local_day_starts_at_midnight_in_chile_summer_and_winter(app):
    with app.test_request_context():
        assert local_midnight(date(2026, 12, 8)).astimezone(UTC) == datetime(2026, 12, 8, 3, 0, tzinfo=UTC)  # -03
        assert local_midnight(date(2026, 7, 1)).astimezone(UTC) == datetime(2026, 7, 1, 4, 0, tzinfo=UTC)  # -04
        assert day_month_year_time(local_midnight(date(2026, 12, 8))) == "08-12-2026 00:00"


def test_a_local_hour_is_the_hour_the_clocks_show_even_on_the_day_they_move(app):
    with app.test_request_context():
        # 2026-09-06: Chile's clocks jump from 00:00 (-04) to 01:00 (-03).
        assert at_local_hour(date(2026, 9, 6), 3).astimezone(UTC) == datetime(2026, 9, 6, 6, 0, tzinfo=UTC)
        assert at_local_hour(date(2026, 9, 5), 3).astimezone(UTC) == datetime(2026, 9, 5, 7, 0, tzinfo=UTC)
        # 2026-04-05: back from 00:00 (-03) to 23:00 (-04) the day before.
        assert at_local_hour(date(2026, 4, 5), 3).astimezone(UTC) == datetime(2026, 4, 5, 7, 0, tzinfo=UTC)
        assert day_month_year_time(at_local_hour(date(2026, 9, 6), 3)) == "06-09-2026 03:00"
