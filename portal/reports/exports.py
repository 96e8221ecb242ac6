"""The completion list as CSV and XLSX files for HR: columns, cell safety and streaming writers.

Both writers take any iterable of `PersonRow` (normally `details.export_rows`: one query, streamed with
`yield_per`) and never hold the whole list (other tables, such as the audit log's, pass their own
`columns`): the CSV writer yields bytes a few rows at a time, and the XLSX writer uses openpyxl's
write-only mode.

Each required published module adds three columns (best score, attempts, the day it was completed) and the
commitment one (the day it was signed), of the person's current cycle (`columns_for`, `details.export_rows`).

Text that a spreadsheet could take for a formula (starting with =, +, -, @, tab or carriage return) is
neutralised: in CSV it gets a leading apostrophe; in XLSX it is stored as a plain text cell (never a
formula) with Excel's "quote prefix" so it stays text even if someone edits the cell.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, tzinfo
from typing import IO

from flask_babel import lazy_gettext as _l

from portal.reports import details, service
from portal.reports.cells import (
    CONTROL_CHARACTERS,
    DATE,
    FORMULA_TRIGGERS,
    NUMBER,
    TEXT,
    Column,
    clean_text,
    looks_like_formula,
)
from portal.reports.forms import EMPLOYMENT_LABELS, STATUS_LABELS
from portal.reports.results import ModuleResult, PathModule
from portal.reports.service import PersonRow, ReportFilters
from portal.rut import format_rut

FORMATS = ("csv", "xlsx")
CSV_DELIMITER = ";"  # Excel in es-CL uses the comma as decimal separator and ";" between fields
CSV_ROWS_PER_CHUNK = 200
XLSX_SHEET_TITLE = "Inducción"
#: The finished XLSX stays in memory up to this size, then moves to a temporary file on disk.
XLSX_SPOOL_BYTES = 4 * 1024 * 1024
FILE_CHUNK_BYTES = 64 * 1024


def local_day(moment, tz: tzinfo) -> date | None:
    """The local (Chilean) calendar day of a moment stored in UTC."""
    if moment is None:
        return None
    if isinstance(moment, datetime):
        if moment.tzinfo is None:  # stored in UTC
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(tz).date()
    return moment


def _completed_on(row: PersonRow, tz: tzinfo) -> date | None:
    """The local (Chilean) calendar day on which the person signed the commitment."""
    return local_day(row.completed_at, tz)


def _label(labels: dict, key: str | None) -> str | None:
    if not key:
        return None
    return str(labels[key]) if key in labels else key


def _report_columns(employment_labels: dict, status_labels: dict) -> tuple[Column, ...]:
    return (
        Column(_l("RUT"), TEXT, 14, lambda row, tz: format_rut(row.rut)),
        Column(_l("Nombre"), TEXT, 34, lambda row, tz: row.full_name),
        Column(_l("Correo"), TEXT, 32, lambda row, tz: row.email),
        Column(_l("Departamento"), TEXT, 26, lambda row, tz: row.department),
        Column(_l("Calidad jurídica"), TEXT, 20, lambda row, tz: _label(employment_labels, row.employment_type)),
        Column(_l("Fecha de ingreso"), DATE, 16, lambda row, tz: row.start_date),
        Column(_l("Plazo"), DATE, 12, lambda row, tz: row.due_date),
        Column(_l("Estado"), TEXT, 13, lambda row, tz: _label(status_labels, row.status)),
        Column(_l("Avance (%)"), NUMBER, 11, lambda row, tz: row.percent),
        Column(_l("Completado el"), DATE, 15, _completed_on),
    )


COLUMNS: tuple[Column, ...] = _report_columns(EMPLOYMENT_LABELS, STATUS_LABELS)


def _translated(labels: dict) -> dict[str, str]:
    """The labels in the current locale, translated once for a whole file rather than once per cell."""
    return {key: str(label) for key, label in labels.items()}


def _module_result(row: PersonRow, module: PathModule) -> ModuleResult | None:
    return row.details.modules.get(module.id) if row.details is not None else None


def _module_columns(module: PathModule) -> tuple[Column, ...]:
    """Best score (%), attempts and the day completed, in one module: blank where it has no quiz."""
    title = module.title

    def best(row: PersonRow, tz: tzinfo):
        result = _module_result(row, module)
        return result.best_score if result is not None else None

    def attempts(row: PersonRow, tz: tzinfo):
        result = _module_result(row, module)
        return result.attempts if result is not None and module.quiz_id is not None else None

    def completed(row: PersonRow, tz: tzinfo):
        result = _module_result(row, module)
        return local_day(result.completed_at, tz) if result is not None else None

    quiz_columns = (
        (
            Column(_l("%(module)s — mejor puntaje", module=title), NUMBER, 16, best),
            Column(_l("%(module)s — intentos", module=title), NUMBER, 12, attempts),
        )
        if module.quiz_id is not None
        else ()
    )
    return (*quiz_columns, Column(_l("%(module)s — completado el", module=title), DATE, 16, completed))


def _signed_on(row: PersonRow, tz: tzinfo) -> date | None:
    return local_day(row.details.commitment_signed_at, tz) if row.details is not None else None


def columns_for(modules: Iterable[PathModule]) -> tuple[Column, ...]:
    """The report's columns, then each module's results and the day the commitment was signed."""
    module_columns = tuple(column for module in modules for column in _module_columns(module))
    report_columns = _report_columns(_translated(EMPLOYMENT_LABELS), _translated(STATUS_LABELS))
    return (*report_columns, *module_columns, Column(_l("Declaración de compromiso firmada el"), DATE, 16, _signed_on))


def people_and_columns(
    filters: ReportFilters, today: date, connection=None
) -> tuple[Iterator[PersonRow], tuple[Column, ...]]:
    """What an export writes: the filtered people, streamed with their module results (read on
    `connection` when given, else the session), and the columns."""
    modules = details.required_modules()
    rows = details.export_rows(filters, today, service.steps_total(), modules, connection=connection)
    return rows, columns_for(modules)


def headers(columns: tuple[Column, ...] = COLUMNS) -> list[str]:
    return [str(column.header) for column in columns]


def row_values(row: PersonRow, tz: tzinfo = UTC, columns: tuple[Column, ...] = COLUMNS) -> list:
    """One person's typed values in column order: str, date, int or None."""
    return [column.value(row, tz) for column in columns]


def csv_text(value) -> str:
    """A text cell for CSV: cleaned, with a leading apostrophe when a spreadsheet could run it."""
    text = clean_text(value)
    return "'" + text if looks_like_formula(text) else text


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d-%m-%Y %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, int | float):
        return str(value)
    return csv_text(value)


def _csv_formatter() -> Callable[[object], str]:
    """_csv_cell for one file, the commonest types first; each day's text is worked out once (a list
    of people repeats the same few hundred days)."""
    days: dict[date, str] = {}

    def cell(value) -> str:
        kind = type(value)
        if kind is str:  # csv_text, inlined: a file has tens of thousands of text cells
            text = CONTROL_CHARACTERS.sub("", value)
            return "'" + text if text.startswith(FORMULA_TRIGGERS) else text
        if value is None:
            return ""
        if kind is int:
            return str(value)
        if kind is date:
            text = days.get(value)
            if text is None:
                text = days[value] = value.strftime("%d-%m-%Y")
            return text
        return _csv_cell(value)

    return cell


def csv_chunks(
    rows: Iterable[PersonRow],
    tz: tzinfo = UTC,
    rows_per_chunk: int = CSV_ROWS_PER_CHUNK,
    columns: tuple[Column, ...] = COLUMNS,
):
    """Yield the CSV file as bytes: BOM and header first, then a few rows at a time.

    UTF-8 with BOM, ";" between fields and CRLF line ends, as Excel in es-CL expects. Only one chunk
    (at most `rows_per_chunk` rows) is in memory at any moment; `rows` is consumed lazily.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)

    def drain() -> bytes:
        data = buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
        return data

    buffer.write("\ufeff")
    writer.writerow([csv_text(header) for header in headers(columns)])
    yield drain()
    pending = 0
    cell = _csv_formatter()
    for row in rows:
        writer.writerow([cell(value) for value in row_values(row, tz, columns)])
        pending += 1
        if pending >= rows_per_chunk:
            yield drain()
            pending = 0
    if pending:
        yield drain()


class CountingIterator:
    """Wraps an iterable and counts what went through (for the audit record)."""

    def __init__(self, iterable: Iterable):
        self._iterator = iter(iterable)
        self.count = 0

    def __iter__(self):
        return self

    def __next__(self):
        item = next(self._iterator)
        self.count += 1
        return item


def write_csv(
    rows: Iterable[PersonRow], target: IO[bytes], tz: tzinfo = UTC, columns: tuple[Column, ...] = COLUMNS
) -> int:
    """Write the CSV file to an open binary file; return the number of people written."""
    counted = CountingIterator(rows)
    for chunk in csv_chunks(counted, tz, columns=columns):
        target.write(chunk)
    return counted.count


def write_xlsx(
    rows: Iterable[PersonRow],
    target,
    tz: tzinfo = UTC,
    columns: tuple[Column, ...] = COLUMNS,
    sheet_title: str = XLSX_SHEET_TITLE,
) -> int:
    """Write the workbook to a path or a seekable binary file; return the number of people written.

    The writer is portal/reports/xlsx.py, imported with the first workbook: openpyxl weighs 8 MB
    that a web worker or the queue's consumer otherwise never needs.
    """
    from portal.reports import xlsx

    values = (row_values(row, tz, columns) for row in rows)
    return xlsx.write_workbook(headers(columns), values, target, columns, sheet_title)


def xlsx_file(
    rows: Iterable[PersonRow],
    tz: tzinfo = UTC,
    columns: tuple[Column, ...] = COLUMNS,
    sheet_title: str = XLSX_SHEET_TITLE,
) -> tuple[IO[bytes], int, int]:
    """Build the workbook in a spooled temporary file; return (file at position 0, size, people).

    The caller owns the file and must close it (`file_chunks` does so when it finishes).
    """
    spool = tempfile.SpooledTemporaryFile(max_size=XLSX_SPOOL_BYTES)
    try:
        count = write_xlsx(rows, spool, tz, columns, sheet_title)
        size = spool.tell()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return spool, size, count


def file_chunks(file: IO[bytes], chunk_size: int = FILE_CHUNK_BYTES) -> Iterator[bytes]:
    """Yield a file's bytes and close it at the end, or when the download is abandoned."""
    try:
        while chunk := file.read(chunk_size):
            yield chunk
    finally:
        file.close()
