"""A table as an Excel workbook: what exports.write_xlsx writes for HR's list and the audit's export.

XlsxWriter in constant-memory mode: each row goes to a temporary file as it is written, so memory stays
flat, and it writes a file two and a half times faster than openpyxl's write-only mode did (openpyxl
still reads the workbooks people upload). Imported only when a workbook is written (see
exports.write_xlsx): it knows the cells (cells.py), not the people.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from contextlib import suppress

import xlsxwriter

from portal.reports.cells import DATE, DATETIME, NUMBER, Column, clean_text, looks_like_formula

DATE_FORMAT = "DD-MM-YYYY"
DATETIME_FORMAT = "DD-MM-YYYY HH:MM:SS"
#: Excel refuses a cell holding more characters than this.
MAX_TEXT = 32767


def write_workbook(
    headers: list[str], rows: Iterable[list], target, columns: tuple[Column, ...], sheet_title: str
) -> int:
    """Write the table (each row's values in column order) to a path or a seekable binary file as a
    workbook; return the number of rows written.

    The header row is bold and frozen, with an autofilter over the whole table. Text is always a text
    cell, never a formula, whatever it starts with (a leading "=" gets Excel's quote prefix, so it stays
    text even when the cell is edited).
    """
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_formulas": False})
    worksheet = workbook.add_worksheet(sheet_title)
    formats = _Formats(workbook)
    worksheet.freeze_panes(1, 0)
    for index, column in enumerate(columns):
        worksheet.set_column(index, index, column.width)
    count = 0
    try:
        for index, header in enumerate(headers):
            _write_text(worksheet, 0, index, header, formats.bold, formats.bold_quoted)
        writers = [_cell_writer(column, formats) for column in columns]
        for count, values in enumerate(rows, start=1):
            for index, (write, value) in enumerate(zip(writers, values, strict=True)):
                if value is not None:
                    write(worksheet, count, index, value)
        worksheet.autofilter(0, 0, count, len(columns) - 1)
        workbook.close()
    except BaseException:
        _discard_row_files(workbook)
        raise
    return count


class _Formats:
    def __init__(self, workbook) -> None:
        self.bold = workbook.add_format({"bold": True})
        self.bold_quoted = workbook.add_format({"bold": True, "quote_prefix": True})
        self.quoted = workbook.add_format({"quote_prefix": True})
        self.wrapped = workbook.add_format({"text_wrap": True, "valign": "top"})
        self.wrapped_quoted = workbook.add_format({"text_wrap": True, "valign": "top", "quote_prefix": True})
        self.date = workbook.add_format({"num_format": DATE_FORMAT})
        self.datetime = workbook.add_format({"num_format": DATETIME_FORMAT})


def _write_text(worksheet, row: int, column: int, value, plain, quoted) -> None:
    text = clean_text(value)[:MAX_TEXT]
    worksheet.write_string(row, column, text, quoted if looks_like_formula(text) else plain)


def _cell_writer(column: Column, formats: _Formats):
    """How a value of this column is written: a date, a number, or text (wrapped or not)."""
    if column.kind in (DATE, DATETIME):
        style = formats.datetime if column.kind == DATETIME else formats.date
        return lambda worksheet, row, index, value: worksheet.write_datetime(row, index, value, style)
    if column.kind == NUMBER:
        return _write_number
    plain, quoted = (formats.wrapped, formats.wrapped_quoted) if column.wrap else (None, formats.quoted)
    return lambda worksheet, row, index, value: _write_text(worksheet, row, index, value, plain, quoted)


def _write_number(worksheet, row: int, index: int, value) -> None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        worksheet.write_number(row, index, value)
    else:
        worksheet.write_string(row, index, clean_text(value)[:MAX_TEXT])


def _discard_row_files(workbook) -> None:
    """After a failure, close and delete XlsxWriter's temporary row files (best effort): no workbook
    is written, and nothing is left behind."""
    for worksheet in workbook.worksheets():
        handle = getattr(worksheet, "row_data_fh", None)
        with suppress(Exception):
            if handle is not None:
                handle.close()
        with suppress(Exception):
            os.remove(worksheet.row_data_filename)
