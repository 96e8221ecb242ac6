"""A table as an Excel workbook (openpyxl, write-only): what exports.write_xlsx writes for HR's list.

Imported only when a workbook is written (see exports.write_xlsx): it knows the cells (cells.py),
not the people.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from portal.reports.cells import DATE, DATETIME, NUMBER, Column, clean_text, looks_like_formula

DATE_FORMAT = "DD-MM-YYYY"
DATETIME_FORMAT = "DD-MM-YYYY HH:MM:SS"
#: Excel refuses a cell holding more characters than this.
MAX_TEXT = 32767


def _xlsx_text(worksheet, value) -> WriteOnlyCell:
    """A cell that is always a string, never a formula, whatever the text starts with."""
    text = clean_text(value)[:MAX_TEXT]
    cell = WriteOnlyCell(worksheet, value=text)
    cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
    if looks_like_formula(text):
        cell.quotePrefix = True  # Excel keeps it as text even when the cell is edited
    return cell


def _xlsx_cell(worksheet, column: Column, value):
    if value is None:
        return None
    if column.kind in (DATE, DATETIME):
        cell = WriteOnlyCell(worksheet, value=value)
        cell.number_format = DATETIME_FORMAT if column.kind == DATETIME else DATE_FORMAT
        return cell
    if column.kind == NUMBER:
        return value
    if not column.wrap and type(value) is str:
        text = clean_text(value)[:MAX_TEXT]
        if not looks_like_formula(text):
            return text  # openpyxl stores a str that is not a formula as the same text cell
    cell = _xlsx_text(worksheet, value)
    if column.wrap:
        cell.alignment = WRAPPED
    return cell


WRAPPED = Alignment(wrap_text=True, vertical="top")


def write_workbook(
    headers: list[str], rows: Iterable[list], target, columns: tuple[Column, ...], sheet_title: str
) -> int:
    """Write the table (each row's values in column order) to a path or a seekable binary file as a
    workbook; return the number of rows written.

    Write-only mode: each row goes to openpyxl's temporary file as it is appended, so memory stays flat.
    The header row is bold and frozen, with an autofilter over the whole table.
    """
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet_title)
    # Views and column widths are written before the first row: set them now.
    worksheet.freeze_panes = "A2"
    for index, column in enumerate(columns, 1):
        worksheet.column_dimensions[get_column_letter(index)].width = column.width
    bold = Font(bold=True)
    count = 0
    try:
        header_cells = []
        for header in headers:
            cell = _xlsx_text(worksheet, header)
            cell.font = bold
            header_cells.append(cell)
        worksheet.append(header_cells)
        for values in rows:
            worksheet.append(
                [_xlsx_cell(worksheet, column, value) for column, value in zip(columns, values, strict=True)]
            )
            count += 1
        # The autofilter is written after the rows, when the sheet is closed: it can be set last.
        worksheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
        workbook.save(target)
    except BaseException:
        _discard_sheet_file(worksheet)
        raise
    return count


def _discard_sheet_file(worksheet) -> None:
    """After a failure, close and delete openpyxl's temporary file for the sheet (best effort)."""
    writer = getattr(worksheet, "_writer", None)
    if writer is None:
        return
    with suppress(Exception):
        if not worksheet.closed:
            worksheet.close()
    with suppress(Exception):
        writer.cleanup()
