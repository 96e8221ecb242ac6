"""The Excel export of a long list, made by a job of the queue (portal/jobs) instead of a waiting request.

The workbook is the very one the immediate download builds (exports.write_xlsx, same columns and cell
safety); the job writes it under instance/jobs/, reporting progress every few hundred people, and only
the person who asked downloads it, for a day (its download is audited like the immediate one).
"""

from __future__ import annotations

from contextlib import contextmanager

from flask_babel import get_timezone, ngettext

from portal import downloads
from portal.dates import local_today
from portal.extensions import db
from portal.jobs import JobFile, new_result_path
from portal.reports import exports, service
from portal.reports.reminders import filters_from_details

#: People between two progress reports.
STEP = 500


class _Reporting:
    """The rows, reporting how many went through every STEP (each report commits: the job's heartbeat)."""

    def __init__(self, rows, progress):
        self._rows, self._progress, self.count = iter(rows), progress, 0

    def __iter__(self):
        return self

    def __next__(self):
        row = next(self._rows)
        self.count += 1
        if self.count % STEP == 0:
            self._progress(self.count)
        return row


@contextmanager
def _rows_connection():
    """Where the rows are read, given that each progress report commits the session.

    PostgreSQL streams the rows through a server-side cursor, which a commit closes: there they are
    read on a connection of their own. SQLite's cursor outlives the commit, and a second connection
    would hold the write lock the reports need (outside a request transactions begin IMMEDIATE).
    """
    if db.session.get_bind().dialect.name != "postgresql":
        yield None
        return
    with db.engine.connect() as connection:
        yield connection


def xlsx_job(params: dict, actor_id: int | None, progress) -> JobFile:
    """Write the filtered list's workbook to the job's result file."""
    today = local_today()
    filters = filters_from_details(params["filters"])
    progress(0, service.count_people(filters, today))
    path = new_result_path("xlsx")
    try:
        with _rows_connection() as connection:
            rows, columns = exports.people_and_columns(filters, today, connection)
            count = exports.write_xlsx(_Reporting(rows, progress), path, get_timezone(), columns)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    progress(count, count)
    summary = ngettext("%(num)s persona en el archivo Excel.", "%(num)s personas en el archivo Excel.", count)
    return JobFile(summary, path.name, downloads.file_name("xlsx", today))
