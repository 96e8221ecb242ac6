"""HR's list as an Excel workbook (openpyxl, write-only): what exports.write_xlsx writes.

Imported only when a workbook is written (see exports.write_xlsx).
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress
from datetime import tzinfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from portal.reports.exports import (
    DATE,
    DATETIME,
    NUMBER,
    XLSX_DATE_FORMAT,
    XLSX_DATETIME_FORMAT,
    XLSX_MAX_TEXT,
    Column,
    clean_text,
    headers,
    looks_like_formula,
    row_values,
)
from portal.reports.service import PersonRow


def _xlsx_text(worksheet, value) -> WriteOnlyCell:
    """A cell that is always a string, never a formula, whatever the text starts with."""
    text = clean_text(value)[:XLSX_MAX_TEXT]
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
        cell.number_format = XLSX_DATETIME_FORMAT if column.kind == DATETIME else XLSX_DATE_FORMAT
        return cell
    if column.kind == NUMBER:
        return value
    if not column.wrap and type(value) is str:
        text = clean_text(value)[:XLSX_MAX_TEXT]
        if not looks_like_formula(text):
            return text  # openpyxl stores a str that is not a formula as the same text cell
    cell = _xlsx_text(worksheet, value)
    if column.wrap:
        cell.alignment = WRAPPED
    return cell


WRAPPED = Alignment(wrap_text=True, vertical="top")


def write_workbook(rows: Iterable[PersonRow], target, tz: tzinfo, columns: tuple[Column, ...], sheet_title: str) -> int:
    """Write the workbook to a path or a seekable binary file; return the number of people written.

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
        for header in headers(columns):
            cell = _xlsx_text(worksheet, header)
            cell.font = bold
            header_cells.append(cell)
        worksheet.append(header_cells)
        for row in rows:
            values = row_values(row, tz, columns)
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
