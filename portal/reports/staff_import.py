"""Importing staff from HR's CSV or XLSX files: reading, validating, previewing and applying.

The steps, each usable on its own (the web pages and the `staff import` command share them):

1. `load_table(data, file_name)` reads the bytes (CSV in UTF-8, UTF-8 with BOM, Windows-1252
   or UTF-16, `;`, `,` or tab; or the first sheet of an XLSX) into a `Table` of text cells.
   A problem with the file as a whole raises `ImportFileError`.
2. `build_preview(table)` maps the Spanish headers, validates every row, compares the rows with
   the accounts in the database and returns a `Preview`: people to create, accounts to update
   (with their changes), accounts already up to date and invalid rows with their reasons.
   Each department the file names is matched with the portal's (people.match_department:
   accents, case, spacing, known abbreviations); a department the portal lacks is created only
   when someone chooses to (HR on the preview page, `--create-departments` on the command line).
   Nothing is written.
3. `apply_import(preview, ...)` creates and updates the accounts, issues one set-password link
   per new person and records one audit event. It flushes and never commits: the caller commits
   once, so the whole file goes in one transaction.

Between the preview page and the confirmation the table travels signed inside the form
(`pack_ticket` / `unpack_ticket`), so no worker needs to remember anything between requests.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import warnings
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import PurePosixPath
from time import monotonic
from xml.parsers import expat

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select

from portal import audit
from portal.auth.authority import STAFF_IMPORT_AUTHORITY, may_manage
from portal.auth.tokens import SET_PASSWORD_LIFETIME, issue_token
from portal.dates import in_range, out_of_range_message
from portal.extensions import db
from portal.messages import rut_error_message
from portal.models.staff import SET_PASSWORD
from portal.models.user import STAFF, Department, User
from portal.reports.forms import EMPLOYMENT_LABELS
from portal.reports.people import (
    ALIAS,
    DepartmentMatch,
    default_due_date,
    department_unit,
    find_or_create_department,
    match_department,
    simplify,
)
from portal.rut import InvalidRut, format_rut, normalize_rut
from portal.settings import effective
from portal.urls import public_url

#: Largest file accepted (the web server refuses requests above MAX_CONTENT_LENGTH, 5 MB, anyway).
MAX_FILE_BYTES = 4 * 1024 * 1024
#: Rows with data, not counting the header. Applying 2000 rows takes a few seconds, mostly in
#: issue_token(); larger files are refused with a request to split them.
MAX_ROWS = 2000
#: Rows read at most, counting empty ones: reading stops here, so a file of millions of empty
#: rows costs no more than a full one.
MAX_LINES = 2 * MAX_ROWS
#: Seconds reading one file may take; a file that takes longer is refused (the worker lives on).
READ_SECONDS = 10.0
#: XLSX cells (`<c>` elements, empty ones too) in a worksheet: 2000 rows of 60 columns.
MAX_CELLS = MAX_ROWS * 60
#: Entries of an XLSX's shared string table (openpyxl reads it in time that grows faster than
#: its size: 50,000 took 2 s here); a full 2000-row file has a few thousand.
MAX_SHARED_STRINGS = 30_000
#: XML elements in any other part of an XLSX (styles, themes, relationships).
MAX_PART_ELEMENTS = 100_000
#: An XLSX is a zip: refuse archives that claim to expand beyond this.
MAX_UNZIPPED_BYTES = 64 * 1024 * 1024
#: Columns read from each XLSX row; HR files have a dozen at most.
MAX_COLUMNS = 60
#: The header is looked for in this many first non-empty rows (some files have a title row).
HEADER_SEARCH_ROWS = 10
#: Column widths in the database.
MAX_NAME_LENGTH = 200
MAX_DEPARTMENT_LENGTH = 120
TICKET_SALT = "staff-import"
#: Seconds the reviewed file stays confirmable.
TICKET_MAX_AGE = 2 * 60 * 60
#: Werkzeug refuses form fields above MAX_FORM_MEMORY_SIZE (500 kB by default).
MAX_TICKET_LENGTH = 450_000
#: Days a set-password link works.
LINK_DAYS = SET_PASSWORD_LIFETIME.days

#: What the changes of an update are called on the pages.
FIELD_LABELS = {
    "full_name": _l("Nombre"),
    "email": _l("Correo"),
    "department": _l("Departamento"),
    "employment_type": _l("Calidad jurídica"),
    "start_date": _l("Fecha de ingreso"),
    "due_date": _l("Plazo"),
}


class ImportFileError(ValueError):
    """The file as a whole cannot be read (size, format, columns); no row was processed."""

    def __init__(self, *problems: str):
        super().__init__(" ".join(problems))
        self.problems = list(problems)


class InvalidRowsPresent(ValueError):
    """apply_import() was asked to import a file with invalid rows without skip_invalid."""


class UndecidedDepartments(ValueError):
    """apply_import() was asked to import while a department of the file has no valid choice."""


class InvalidTicket(ValueError):
    """The confirmation form's ticket is forged, expired or belongs to someone else."""


# --- Reading the file --------------------------------------------------------------------------


@dataclass
class Table:
    """The header and the non-empty rows of a file, every cell as text.

    Line numbers are the file's own: in a CSV the physical line where the record starts, in an
    XLSX the row number Excel shows. XLSX date cells become ISO text ("2024-03-01").
    """

    header: list[str]
    rows: list[tuple[int, list[str]]]
    header_line: int = 1


def clean_text(value: str) -> str:
    """Collapse every run of whitespace (including line breaks inside a cell) to one space."""
    return " ".join(str(value).split())


def load_table(data: bytes, file_name: str = "") -> Table:
    """Read a CSV or XLSX file's bytes. Raises ImportFileError.

    Reading stops after MAX_LINES rows (empty ones count) and after READ_SECONDS, so no file,
    however it is built, keeps a worker busy for long.
    """
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(
            _(
                "El archivo pesa más de %(size)d MB. Divídalo en partes más pequeñas.",
                size=MAX_FILE_BYTES // (1024 * 1024),
            )
        )
    if not data.strip():
        raise ImportFileError(_("El archivo está vacío."))
    deadline = _Deadline(READ_SECONDS)
    if data.startswith(b"PK\x03\x04"):
        rows = _xlsx_rows(data, deadline)
    elif data.startswith(b"\xd0\xcf\x11\xe0") or file_name.lower().endswith(".xls"):
        raise ImportFileError(
            _(
                "El archivo es una planilla de Excel antigua (.xls). Ábrala en Excel y guárdela como "
                "«Libro de Excel (.xlsx)» o como «CSV (delimitado por punto y coma)»."
            )
        )
    else:
        rows = _csv_rows(_decode(data), deadline)
    return _table_from(rows)


class _Deadline:
    """The moment reading a file must be over; check() raises ImportFileError after it."""

    def __init__(self, seconds: float):
        self.at = monotonic() + seconds

    def check(self) -> None:
        if monotonic() > self.at:
            raise ImportFileError(
                _(
                    "El archivo tardó demasiado en leerse. Ábralo en Excel, deje solo las filas con personas "
                    "y guárdelo de nuevo, o divídalo en partes más pequeñas."
                )
            )


def _too_many_lines() -> ImportFileError:
    return ImportFileError(
        _(
            "El archivo tiene más de %(max)d filas, contando las vacías. Borre las filas vacías "
            "o divídalo en partes más pequeñas.",
            max=MAX_LINES,
        )
    )


def _decode(data: bytes) -> str:
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
            text = data.decode("utf-16")
        else:
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data.decode("cp1252")  # Excel's "CSV (delimitado por comas)" on Windows
    except UnicodeDecodeError:
        raise ImportFileError(
            _("No se pudo leer el texto del archivo. Guárdelo desde Excel como «CSV UTF-8» o como «Libro de Excel».")
        ) from None
    if "\x00" in text:
        raise ImportFileError(_("El archivo no es un CSV ni un libro de Excel (.xlsx)."))
    return text


def _first_line(text: str) -> str:
    """The first line with something on it, looked for among the first MAX_LINES lines."""
    for number, line in enumerate(io.StringIO(text, newline=None)):
        if line.strip():
            return line
        if number >= MAX_LINES:
            break
    return ""


def _csv_rows(text: str, deadline: _Deadline) -> list[tuple[int, list[str]]]:
    first_line = _first_line(text)
    # Excel in Chile separates with ";" (the comma is the decimal mark); ties favour ";".
    delimiter = max((";", ",", "\t"), key=first_line.count)
    if not first_line.count(delimiter):
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    previous_end = 0
    try:
        for cells in reader:
            line = previous_end + 1
            previous_end = reader.line_num
            if line > MAX_LINES:
                raise _too_many_lines()
            if line % 256 == 0:
                deadline.check()
            rows.append((line, [clean_text(cell) for cell in cells[:MAX_COLUMNS]]))
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise ImportFileError(
                _(
                    "Una celda cerca de la línea %(line)d es demasiado larga (más de %(max)d caracteres). "
                    "Revise que el archivo sea la planilla de personas.",
                    line=previous_end + 1,
                    max=csv.field_size_limit(),
                )
            ) from None
        raise ImportFileError(
            _("El CSV está mal formado cerca de la línea %(line)d (revise las comillas).", line=previous_end + 1)
        ) from None
    return rows


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean_text(value)


class _PartTooBig(Exception):
    """Raised from inside the XML scan to stop it; carries the message for HR."""

    def __init__(self, error: ImportFileError):
        super().__init__(str(error))
        self.error = error


def _scan_xlsx_part(source, deadline: _Deadline) -> None:
    """Stream one XML part of an XLSX through expat and refuse it when it is bigger than any HR file.

    openpyxl reads every worksheet's rows (looking for its size), the shared strings and the
    styles before it gives back a single row, in time that grows with the element count (and
    faster than that for the shared strings): so count before openpyxl reads anything. Rows
    count with the gaps that their numbers leave (openpyxl yields those as empty rows too).
    Raises ImportFileError.
    """
    too_big = ImportFileError(_("El libro de Excel es demasiado grande. Divídalo en partes más pequeñas."))
    too_many_cells = ImportFileError(
        _(
            "El libro de Excel tiene demasiadas celdas. Deje en el libro solo la hoja con las personas, "
            "con una fila por persona, o divídalo en partes más pequeñas."
        )
    )
    state = {"root": None, "elements": 0, "rows": 0, "cells": 0, "strings": 0}

    def start(name: str, attributes: dict) -> None:
        local = name.rpartition(":")[2]
        if state["root"] is None:
            state["root"] = local
        state["elements"] += 1
        if state["elements"] > {"worksheet": 4 * MAX_CELLS, "sst": 3 * MAX_SHARED_STRINGS}.get(
            state["root"], MAX_PART_ELEMENTS
        ):
            raise _PartTooBig(too_many_cells if state["root"] == "worksheet" else too_big)
        if state["root"] == "worksheet":
            if local == "row":
                number = attributes.get("r", "")
                state["rows"] = max(state["rows"] + 1, int(number) if number.isdigit() else 0)
                if state["rows"] > MAX_LINES:
                    raise _PartTooBig(_too_many_lines())
            elif local == "c":
                state["cells"] += 1
                if state["cells"] > MAX_CELLS:
                    raise _PartTooBig(too_many_cells)
        elif state["root"] == "sst" and local == "si":
            state["strings"] += 1
            if state["strings"] > MAX_SHARED_STRINGS:
                raise _PartTooBig(too_big)

    def no_doctype(*_args) -> None:
        raise _PartTooBig(too_big)  # workbooks never declare one; entity tricks start here

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = no_doctype
    try:
        while chunk := source.read(64 * 1024):
            deadline.check()
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _PartTooBig as stop:
        raise stop.error from None


def _xlsx_rows(data: bytes, deadline: _Deadline) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    not_xlsx = _("El archivo no es un libro de Excel (.xlsx) válido. Ábralo en Excel y guárdelo de nuevo.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
            if "xl/workbook.xml" not in names:
                raise ImportFileError(not_xlsx)
            if sum(entry.file_size for entry in entries) > MAX_UNZIPPED_BYTES:
                raise ImportFileError(_("El libro de Excel es demasiado grande. Divídalo en partes más pequeñas."))
            for entry in entries:
                if entry.filename.lower().endswith((".xml", ".rels")):
                    with archive.open(entry) as source:
                        _scan_xlsx_part(source, deadline)
    except ImportFileError:
        raise
    except Exception as error:  # damaged or encrypted archive, unknown compression, malformed XML
        current_app.logger.info("unreadable XLSX in staff import: %r", error)
        raise ImportFileError(not_xlsx) from None

    rows: list[tuple[int, list[str]]] = []
    try:
        # openpyxl warns about workbook features it drops (styles, validations); they do not
        # matter for reading values. defusedxml, when installed, guards its XML parsing.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                # Every row counts, empty ones too (openpyxl also yields the rows a sheet skips).
                for line, values in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
                    if line > MAX_LINES:
                        raise _too_many_lines()
                    if line % 256 == 0:
                        deadline.check()
                    cells = [_cell_text(value) for value in values]
                    while cells and not cells[-1]:
                        cells.pop()
                    if cells:
                        rows.append((line, cells))
            finally:
                workbook.close()
    except ImportFileError:
        raise
    except Exception as error:  # openpyxl raises many kinds of errors for damaged files
        current_app.logger.info("unreadable XLSX in staff import: %r", error)
        raise ImportFileError(not_xlsx) from None
    return rows


def _table_from(rows: list[tuple[int, list[str]]]) -> Table:
    rows = [(line, cells) for line, cells in rows if any(cells)]
    if not rows:
        raise ImportFileError(_("El archivo no tiene datos."))
    header_at = 0
    for index, (_line, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if any(_header_role(cell) == "rut" for cell in cells):
            header_at = index
            break
    header_line, header = rows[header_at]
    body = rows[header_at + 1 :]
    if not body:
        raise ImportFileError(_("El archivo solo tiene la fila de títulos; no hay personas que importar."))
    if len(body) > MAX_ROWS:
        raise ImportFileError(
            _("El archivo tiene más de %(max)d filas. Divídalo en partes más pequeñas.", max=MAX_ROWS)
        )
    return Table(header=header, rows=body, header_line=header_line)


# --- Columns -------------------------------------------------------------------------------------


#: Header variants (simplified) for each role.
HEADER_ALIASES = {
    "rut": {"rut", "run", "rut funcionario", "rut funcionaria", "rut trabajador", "rut trabajadora", "rut persona"},
    "check_digit": {"dv", "digito verificador", "digito", "rut dv"},
    "full_name": {
        "nombre completo",
        "nombres y apellidos",
        "nombre y apellidos",
        "nombre y apellido",
        "nombre funcionario",
        "nombre funcionaria",
        "nombre del funcionario",
        "nombre de la funcionaria",
        "funcionario",
        "funcionaria",
    },
    "given_names": {"nombre", "nombres", "nombre s"},
    "surnames": {"apellidos", "apellido"},
    "paternal": {"apellido paterno", "primer apellido", "apellido 1", "ap paterno"},
    "maternal": {"apellido materno", "segundo apellido", "apellido 2", "ap materno"},
    "email": {
        "correo",
        "email",
        "e mail",
        "mail",
        "correo electronico",
        "correo e",
        "correo institucional",
        "email institucional",
    },
    "department": {
        "departamento",
        "depto",
        "dpto",
        "unidad",
        "direccion",
        "dependencia",
        "area",
        "unidad municipal",
        "direccion municipal",
    },
    "start_date": {
        "fecha ingreso",
        "fecha de ingreso",
        "ingreso",
        "fecha inicio",
        "fecha de inicio",
        "inicio",
        "fecha de incorporacion",
    },
    "employment_type": {
        "calidad juridica",
        "calidad",
        "tipo de contrato",
        "tipo contrato",
        "contrato",
        "tipo de contratacion",
        "calidad contractual",
    },
    "due_date": {"fecha limite", "plazo", "fecha plazo", "plazo induccion", "fecha limite induccion"},
}
_ROLE_OF = {alias: role for role, aliases in HEADER_ALIASES.items() for alias in aliases}

EMPLOYMENT_ALIASES = {
    "planta": "planta",
    "de planta": "planta",
    "contrata": "contrata",
    "a contrata": "contrata",
    "codigo del trabajo": "codigo_trabajo",
    "codigo de trabajo": "codigo_trabajo",
    "codigo trabajo": "codigo_trabajo",
    "ct": "codigo_trabajo",
    "honorarios": "honorarios",
    "honorario": "honorarios",
    "a honorarios": "honorarios",
}


def _header_role(text: str) -> str | None:
    return _ROLE_OF.get(simplify(text))


@dataclass(frozen=True)
class Columns:
    """Where each role is in the header, and the headers nobody uses."""

    index: dict[str, int]
    ignored: tuple[str, ...] = ()

    def has(self, role: str) -> bool:
        return role in self.index


def map_columns(header: list[str]) -> Columns:
    """Recognise the Spanish headers. Raises ImportFileError naming a missing or repeated column."""
    index: dict[str, int] = {}
    ignored = []
    problems = []
    for position, title in enumerate(header):
        role = _header_role(title)
        if role is None:
            if title:
                ignored.append(title)
        elif role in index:
            first = header[index[role]]
            if simplify(first) == simplify(title):
                problems.append(_("La columna «%(column)s» aparece dos veces.", column=title))
            else:
                problems.append(
                    _(
                        "Las columnas «%(first)s» y «%(second)s» significan lo mismo para el portal; deje solo una.",
                        first=first,
                        second=title,
                    )
                )
        else:
            index[role] = position
    if "rut" not in index:
        problems.append(_("Falta la columna «rut» en la fila de títulos."))
    if "full_name" not in index and "given_names" not in index:
        problems.append(
            _("Falta la columna «nombre» (o «nombre completo», o «nombres» con «apellidos») en la fila de títulos.")
        )
    if problems:
        raise ImportFileError(*problems)
    return Columns(index=index, ignored=tuple(ignored))


# --- Rows ----------------------------------------------------------------------------------------

# re.ASCII: \d would also take "٢٠٢٤" (Arabic-Indic digits), which int() reads as 2024.
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$", re.ASCII)
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$", re.ASCII)


def parse_date(text: str) -> date | None:
    """dd-mm-aaaa, dd/mm/aaaa, dd.mm.aaaa or aaaa-mm-dd (also with a time). None when not a date.

    A date outside portal.dates' range (year 1, 9999) is returned as is: the row says it is out of range.
    """
    text = text.strip()
    if match := _DMY.match(text):
        day, month, year = (int(part) for part in match.groups())
    elif match := _YMD.match(text):
        year, month, day = (int(part) for part in match.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


@dataclass
class ParsedRow:
    line: int
    rut_text: str
    name: str
    rut: str | None = None
    email: str | None = None
    department: str | None = None
    employment_type: str | None = None
    start_date: date | None = None
    due_date: date | None = None
    reasons: list[str] = field(default_factory=list)


def _parse_row(line: int, cells: list[str], columns: Columns) -> ParsedRow:
    def cell(role: str) -> str:
        position = columns.index.get(role)
        return cells[position].strip() if position is not None and position < len(cells) else ""

    rut_text = cell("rut")
    if columns.has("check_digit") and rut_text and cell("check_digit"):
        rut_text = f"{rut_text}-{cell('check_digit')}"
    if columns.has("full_name"):
        name = cell("full_name")
    else:
        given = cell("given_names")
        name = " ".join(part for part in (given, cell("surnames"), cell("paternal"), cell("maternal")) if part)
        if not given:
            name = ""
    row = ParsedRow(line=line, rut_text=rut_text, name=clean_text(name))

    if not rut_text:
        row.reasons.append(_("falta el RUT"))
    else:
        try:
            row.rut = normalize_rut(rut_text)
        except InvalidRut as error:
            row.reasons.append(_("RUT «%(rut)s»: %(problem)s", rut=rut_text, problem=rut_error_message(error)))
    if not row.name:
        row.reasons.append(_("falta el nombre"))
    elif len(row.name) > MAX_NAME_LENGTH:
        row.reasons.append(_("el nombre supera los %(max)d caracteres", max=MAX_NAME_LENGTH))

    email = cell("email")
    if email:
        try:
            row.email = validate_email(email, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            row.reasons.append(_("correo no válido «%(email)s»", email=email))

    department = clean_text(cell("department"))
    if department:
        if len(department) > MAX_DEPARTMENT_LENGTH:
            row.reasons.append(_("el departamento supera los %(max)d caracteres", max=MAX_DEPARTMENT_LENGTH))
        else:
            row.department = department

    kind = cell("employment_type")
    if kind:
        row.employment_type = EMPLOYMENT_ALIASES.get(simplify(kind))
        if row.employment_type is None:
            row.reasons.append(
                _(
                    "calidad jurídica desconocida «%(value)s» (use planta, contrata, código del trabajo u honorarios)",
                    value=kind,
                )
            )

    start = cell("start_date")
    if start:
        row.start_date = parse_date(start)
        if row.start_date is None:
            row.reasons.append(_("fecha de ingreso no reconocida «%(value)s» (use dd-mm-aaaa)", value=start))
        elif not in_range(row.start_date):
            row.reasons.append(
                _("fecha de ingreso «%(value)s»: %(problem)s", value=start, problem=out_of_range_message())
            )
            row.start_date = None
    due = cell("due_date")
    if due:
        row.due_date = parse_date(due)
        if row.due_date is None:
            row.reasons.append(_("fecha límite no reconocida «%(value)s» (use dd-mm-aaaa)", value=due))
        elif not in_range(row.due_date):
            row.reasons.append(_("fecha límite «%(value)s»: %(problem)s", value=due, problem=out_of_range_message()))
            row.due_date = None
    if row.start_date and row.due_date and row.due_date < row.start_date:
        row.reasons.append(_("la fecha límite es anterior a la fecha de ingreso"))
    return row


def _lines_text(lines: list[int]) -> str:
    if len(lines) == 1:
        return _("la línea %(line)d", line=lines[0])
    listed = ", ".join(str(line) for line in lines[:-1])
    return _("las líneas %(lines)s y %(last)d", lines=listed, last=lines[-1])


def _flag_repeats(rows: list[ParsedRow]) -> None:
    """Every row whose RUT or email appears again in the file is invalid, all of them."""
    by_rut: dict[str, list[int]] = defaultdict(list)
    by_email: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        if row.rut:
            by_rut[row.rut].append(row.line)
        if row.email:
            by_email[row.email].append(row.line)
    for row in rows:
        if row.rut and len(by_rut[row.rut]) > 1:
            others = [line for line in by_rut[row.rut] if line != row.line]
            row.reasons.append(
                _("el RUT %(rut)s se repite en %(lines)s", rut=format_rut(row.rut), lines=_lines_text(others))
            )
        if row.email and len(by_email[row.email]) > 1:
            others = [line for line in by_email[row.email] if line != row.line]
            row.reasons.append(
                _("el correo %(email)s se repite en %(lines)s", email=row.email, lines=_lines_text(others))
            )


# --- The preview ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffRow:
    """A valid row: what the file says about one person."""

    line: int
    rut: str
    full_name: str
    email: str | None
    department: str | None
    employment_type: str | None
    start_date: date | None
    due_date: date | None


@dataclass(frozen=True)
class PlannedCreate:
    row: StaffRow
    #: The file's due date, else start date + ONBOARDING_DAYS; None without either.
    due_date: date | None


@dataclass(frozen=True)
class Change:
    field: str
    old: object
    new: object

    @property
    def label(self) -> str:
        return str(FIELD_LABELS[self.field])


@dataclass(frozen=True)
class PlannedUpdate:
    row: StaffRow
    user_id: int
    current_name: str
    active: bool
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class InvalidRow:
    line: int
    rut_text: str
    name: str
    reasons: tuple[str, ...]

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


#: The value of a department choice that creates the file's department.
CREATE = "nuevo"
#: Department choices travel in form fields named this plus a digest of the department's key.
DEPARTMENT_FIELD_PREFIX = "departamento-"


@dataclass
class DepartmentChoice:
    """A department as the file writes it, and what the import does with it.

    Spellings with the same department_unit ("DT", "Direccion de Transito") are one choice. The
    choice is an existing department's id or CREATE; None until someone decides (HR on the preview
    page; the command line with --create-departments). A department that only differs from an
    existing one in accents, case, punctuation or spacing (SAME_LETTERS) cannot be created again.
    """

    unit: str
    #: The file's spellings, first one first; a new department gets the first.
    spellings: list[str]
    match: DepartmentMatch | None
    rows: int = 0
    choice: int | str | None = None
    #: The existing department chosen, when the choice is one.
    chosen: Department | None = None
    error: str | None = None

    @property
    def name(self) -> str:
        return self.spellings[0]

    @property
    def field_name(self) -> str:
        return DEPARTMENT_FIELD_PREFIX + hashlib.sha256(self.unit.encode("utf-8")).hexdigest()[:12]

    @property
    def can_create(self) -> bool:
        return self.match is None or self.match.how == ALIAS

    @property
    def needs_review(self) -> bool:
        """Shown to HR: anything but the very name of an existing department."""
        return self.match is None or any(spelling != self.match.department.name for spelling in self.spellings)

    @property
    def match_reason(self) -> str:
        """Why the match is the same department, for HR."""
        if self.match is not None and self.match.how == ALIAS:
            return _("nombre abreviado o sigla conocida")
        return _("se escribe igual sin contar tildes, mayúsculas ni espacios")

    @property
    def target(self) -> str:
        """The department's name after the import: the chosen one's, else the file's."""
        return self.chosen.name if self.chosen is not None else self.name


@dataclass
class Preview:
    columns: Columns
    creates: list[PlannedCreate] = field(default_factory=list)
    updates: list[PlannedUpdate] = field(default_factory=list)
    unchanged: list[PlannedUpdate] = field(default_factory=list)
    invalid: list[InvalidRow] = field(default_factory=list)
    #: Every department the valid rows name, in the order the file first names them.
    department_choices: list[DepartmentChoice] = field(default_factory=list)
    #: The portal's departments, sorted by name: what a department choice may point to.
    existing_departments: list[Department] = field(default_factory=list)
    #: Hash of what confirming would do apart from HR's department choices (see fingerprint).
    _facts: str = ""

    @property
    def has_work(self) -> bool:
        return bool(self.creates or self.updates)

    @property
    def valid_count(self) -> int:
        return len(self.creates) + len(self.updates) + len(self.unchanged)

    @property
    def departments_to_review(self) -> list[DepartmentChoice]:
        return [choice for choice in self.department_choices if choice.needs_review]

    @property
    def new_departments(self) -> list[str]:
        """Departments the import will create, as first spelled in the file."""
        return [choice.name for choice in self.department_choices if choice.choice == CREATE]

    @property
    def undecided_departments(self) -> list[DepartmentChoice]:
        return [choice for choice in self.department_choices if choice.choice is None or choice.error]

    @property
    def fingerprint(self) -> str:
        """Changes whenever what confirming would do changes (the database moved on, for instance).

        HR's department choices are not part of it: they are HR's to change on the page, and
        are checked on their own at confirmation.
        """
        return self._facts


def _chunks(values: list, size: int = 500):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _decide(
    choice: DepartmentChoice,
    raw: str | None,
    by_id: dict[int, Department],
    *,
    submitted: bool,
    create_unknown: bool,
) -> None:
    """Set choice.choice (and chosen, error) from a submitted form value, or the default."""
    if not submitted or raw is None:
        if choice.match is not None:
            choice.choice, choice.chosen = choice.match.department.id, choice.match.department
        elif create_unknown:
            choice.choice = CREATE
        elif submitted:
            choice.error = _("Elija a qué departamento pertenece «%(name)s» o créelo como nuevo.", name=choice.name)
        return
    raw = raw.strip()
    if raw == CREATE:
        if choice.can_create:
            choice.choice = CREATE
        else:
            choice.error = _(
                "«%(name)s» es el departamento «%(existing)s» escrito de otra forma; elija un departamento existente.",
                name=choice.name,
                existing=choice.match.department.name,
            )
    elif raw.isdigit() and int(raw) in by_id:
        choice.choice, choice.chosen = int(raw), by_id[int(raw)]
    elif raw == "":
        choice.error = _("Elija a qué departamento pertenece «%(name)s» o créelo como nuevo.", name=choice.name)
    else:
        choice.error = _("Elija una de las opciones de la lista para «%(name)s».", name=choice.name)


def build_preview(
    table: Table,
    *,
    onboarding_days: int | None = None,
    department_choices: dict[str, str] | None = None,
    create_departments: bool = False,
) -> Preview:
    """Validate every row and compare it with the database; writes nothing. Raises ImportFileError.

    Each department the file names is matched with the portal's (people.match_department). The
    match is the default choice; a department without one stays undecided unless
    `create_departments` (the command line's flag) says to create it. `department_choices` are
    the values HR submitted (field name -> existing department id or CREATE): when given, every
    undecided or impossible choice gets an error, and the rows follow HR's choices.
    """
    columns = map_columns(table.header)
    days = effective("ONBOARDING_DAYS") if onboarding_days is None else onboarding_days
    rows = [_parse_row(line, cells, columns) for line, cells in table.rows]
    _flag_repeats(rows)

    ruts = sorted({row.rut for row in rows if row.rut})
    existing: dict[str, User] = {}
    for chunk in _chunks(ruts):
        existing.update({user.rut: user for user in db.session.scalars(select(User).where(User.rut.in_(chunk)))})
    emails = sorted({row.email for row in rows if row.email})
    owners: dict[str, str] = {}
    for chunk in _chunks(emails):
        found = db.session.execute(select(func.lower(User.email), User.rut).where(func.lower(User.email).in_(chunk)))
        owners.update(dict(found.all()))
    for row in rows:
        if row.email and owners.get(row.email, row.rut) != row.rut:
            row.reasons.append(_("el correo %(email)s ya pertenece a otra persona del portal", email=row.email))
        holder = existing.get(row.rut)
        if holder is not None and not may_manage(STAFF_IMPORT_AUTHORITY, holder.roles):
            # The import is HR's tool: it never changes a trainer's, HR's or an administrator's account.
            row.reasons.append(_("la cuenta con este RUT tiene roles que solo Administración puede modificar"))

    departments = sorted(db.session.scalars(select(Department)), key=lambda department: simplify(department.name))
    by_id = {department.id: department for department in departments}
    preview = Preview(columns=columns, existing_departments=departments)
    choices: dict[str, DepartmentChoice] = {}
    for parsed in rows:
        if parsed.reasons or not parsed.department:
            continue
        unit = department_unit(parsed.department)
        choice = choices.get(unit)
        if choice is None:
            choice = choices[unit] = DepartmentChoice(
                unit=unit, spellings=[], match=match_department(parsed.department, departments)
            )
        if parsed.department not in choice.spellings:
            choice.spellings.append(parsed.department)
        choice.rows += 1
    for choice in choices.values():
        raw = None if department_choices is None else department_choices.get(choice.field_name)
        _decide(choice, raw, by_id, submitted=department_choices is not None, create_unknown=create_departments)
    preview.department_choices = list(choices.values())

    facts: list = []
    for parsed in rows:
        if parsed.reasons:
            preview.invalid.append(InvalidRow(parsed.line, parsed.rut_text, parsed.name, tuple(parsed.reasons)))
            facts.append(["invalid", parsed.line, list(parsed.reasons)])
            continue
        choice = choices[department_unit(parsed.department)] if parsed.department else None
        row = StaffRow(
            line=parsed.line,
            rut=parsed.rut,
            full_name=parsed.name,
            email=parsed.email,
            department=choice.target if choice else None,
            employment_type=parsed.employment_type,
            start_date=parsed.start_date,
            due_date=parsed.due_date,
        )
        unit = choice.unit if choice else None
        user = existing.get(row.rut)
        if user is None:
            due = row.due_date or default_due_date(row.start_date, days)
            preview.creates.append(PlannedCreate(row=row, due_date=due))
            facts.append(["create", row.line, row.rut, row.full_name, row.email, row.employment_type, due, unit])
            continue
        plan = PlannedUpdate(
            row=row, user_id=user.id, current_name=user.full_name, active=user.active, changes=_changes(user, row, days)
        )
        (preview.updates if plan.changes else preview.unchanged).append(plan)
        other_changes = [[c.field, str(c.old), str(c.new)] for c in plan.changes if c.field != "department"]
        facts.append(["update", row.line, user.id, other_changes, user.department_id, unit])
    facts.append(
        [
            [choice.unit, choice.spellings, choice.match and [choice.match.department.id, choice.match.how]]
            for choice in preview.department_choices
        ]
    )
    preview._facts = hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode("utf-8")).hexdigest()
    return preview


def _changes(user: User, row: StaffRow, days: int) -> tuple[Change, ...]:
    """What the row changes in the account. Empty cells leave the account's value as it is."""
    changes = []
    if row.full_name != user.full_name:
        changes.append(Change("full_name", user.full_name, row.full_name))
    if row.email and row.email != user.email:
        changes.append(Change("email", user.email, row.email))
    current_department = user.department.name if user.department else None
    if row.department and row.department != current_department:
        changes.append(Change("department", current_department, row.department))
    if row.employment_type and row.employment_type != user.employment_type:
        changes.append(Change("employment_type", user.employment_type, row.employment_type))
    if row.start_date and row.start_date != user.start_date:
        changes.append(Change("start_date", user.start_date, row.start_date))
    if row.due_date and row.due_date != user.due_date:
        changes.append(Change("due_date", user.due_date, row.due_date))
    elif not row.due_date and user.due_date is None and (row.start_date or user.start_date):
        # An account without a due date (made by hand) gets the usual one.
        changes.append(Change("due_date", None, default_due_date(row.start_date or user.start_date, days)))
    return tuple(changes)


def describe_value(field_name: str, value) -> str:
    """A value of a change as shown to HR: dates dd-mm-aaaa, employment types by name, "—" for none."""
    if value is None or value == "":
        return "—"
    if isinstance(value, date):
        return format_date(value, "dd-MM-yyyy")
    if field_name == "employment_type":
        return str(EMPLOYMENT_LABELS.get(value, value))
    return str(value)


def describe_change(change: Change) -> str:
    """The change as one line, e.g. "Departamento: Finanzas → Tránsito"."""
    old, new = describe_value(change.field, change.old), describe_value(change.field, change.new)
    return f"{change.label}: {old} → {new}"


def department_line(choice: DepartmentChoice) -> str:
    """What happens to one department of the file, as a sentence («DT» se asignará a «Dirección de Tránsito»)."""
    spelled = ", ".join(f"«{spelling}»" for spelling in choice.spellings)
    if choice.chosen is not None:
        return _("%(spelled)s se asignará a «%(name)s».", spelled=spelled, name=choice.chosen.name)
    if choice.choice == CREATE:
        return _("%(spelled)s se creará como departamento nuevo «%(name)s».", spelled=spelled, name=choice.name)
    return _("%(spelled)s no existe en el portal.", spelled=spelled)


def summary_lines(preview: Preview) -> list[str]:
    """The preview as plain text lines, for the command line."""
    lines = [
        _("Personas nuevas: %(num)d", num=len(preview.creates)),
        _("Cuentas existentes que se actualizan: %(num)d", num=len(preview.updates)),
        _("Cuentas existentes sin cambios: %(num)d", num=len(preview.unchanged)),
        _("Filas con errores: %(num)d", num=len(preview.invalid)),
    ]
    for choice in preview.departments_to_review:
        lines.append(department_line(choice))
    if preview.columns.ignored:
        lines.append(_("Columnas que no se usan: %(names)s", names=", ".join(preview.columns.ignored)))
    if preview.creates:
        lines.append(_("Se crearán:"))
        for plan in preview.creates:
            row = plan.row
            lines.append(
                "  "
                + _(
                    "línea %(line)d: %(name)s (%(rut)s), %(email)s, plazo %(due)s",
                    line=row.line,
                    name=row.full_name,
                    rut=format_rut(row.rut),
                    email=row.email or _("sin correo"),
                    due=describe_value("due_date", plan.due_date),
                )
            )
    if preview.updates:
        lines.append(_("Se actualizarán:"))
        for plan in preview.updates:
            changes = "; ".join(describe_change(change) for change in plan.changes)
            lines.append(
                "  "
                + _(
                    "línea %(line)d: %(name)s (%(rut)s): %(changes)s",
                    line=plan.row.line,
                    name=plan.current_name,
                    rut=format_rut(plan.row.rut),
                    changes=changes,
                )
            )
    return lines


def invalid_lines(preview: Preview) -> list[str]:
    """One "línea N: motivo" per invalid row."""
    return [_("línea %(line)d: %(text)s", line=row.line, text=row.reason) for row in preview.invalid]


# --- Applying ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewPerson:
    user_id: int
    full_name: str
    rut: str
    email: str | None
    #: The raw one-time set-password token; only its hash is stored.
    token: str

    @property
    def has_email(self) -> bool:
        return bool(self.email)


@dataclass
class ImportResult:
    created: list[NewPerson]
    updated: int
    unchanged: int
    skipped: int
    #: Departments created on purpose (HR's choice, or --create-departments).
    new_departments: list[str] = field(default_factory=list)


def apply_import(
    preview: Preview, *, actor_id: int | None, via: str, file_name: str, skip_invalid: bool = False
) -> ImportResult:
    """Create and update the accounts of the preview's valid rows (flushes, never commits).

    Raises InvalidRowsPresent when the file has invalid rows and skip_invalid is not set, and
    UndecidedDepartments while a department of the file has no valid choice. New people get the
    staff role, no password, and a one-time set-password link (returned, not sent).
    """
    if preview.invalid and not skip_invalid:
        raise InvalidRowsPresent(f"{len(preview.invalid)} invalid rows")
    if preview.undecided_departments:
        raise UndecidedDepartments(", ".join(choice.name for choice in preview.undecided_departments))
    # Rows carry the name each department choice resolved to: an existing department's, or the
    # name of one HR chose to create.
    departments = {choice.chosen.name: choice.chosen for choice in preview.department_choices if choice.chosen}
    for name in preview.new_departments:
        departments[name] = find_or_create_department(name)

    def department_named(name: str) -> Department:
        return departments[name]

    new_users = []
    for plan in preview.creates:
        row = plan.row
        user = User(
            rut=row.rut,
            full_name=row.full_name,
            email=row.email,
            employment_type=row.employment_type,
            start_date=row.start_date,
            due_date=plan.due_date,
            active=True,
            password_hash=None,
        )
        user.set_roles([STAFF])
        if row.department:
            user.department = department_named(row.department)
        db.session.add(user)
        new_users.append(user)
    for plan in preview.updates:
        user = db.session.get(User, plan.user_id)
        for change in plan.changes:
            if change.field == "department":
                user.department = department_named(change.new)
            else:
                setattr(user, change.field, change.new)
    db.session.flush()

    created = [
        NewPerson(
            user_id=user.id,
            full_name=user.full_name,
            rut=user.rut,
            email=user.email,
            token=issue_token(user, SET_PASSWORD, SET_PASSWORD_LIFETIME),
        )
        for user in new_users
    ]
    result = ImportResult(
        created=created,
        updated=len(preview.updates),
        unchanged=len(preview.unchanged),
        skipped=len(preview.invalid),
        new_departments=preview.new_departments,
    )
    audit.record(
        "staff.imported",
        actor_id=actor_id,
        created=len(result.created),
        updated=result.updated,
        unchanged=result.unchanged,
        skipped=result.skipped,
        new_departments=result.new_departments,
        file=file_name,
        via=via,
    )
    return result


def set_password_link(token: str) -> str:
    """The absolute set-password address for a token."""
    return public_url("auth.set_password", token=token)


def safe_file_name(name: str | None) -> str:
    """The file's own name, without folders, for pages and the audit log."""
    return clean_text(PurePosixPath((name or "").replace("\\", "/")).name)[:200]


# --- Carrying the reviewed file to the confirmation -------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TICKET_SALT)


def pack_ticket(table: Table, columns: Columns, *, user_id: int, file_name: str) -> str:
    """Sign the recognised columns of the table (compressed) for the confirmation form.

    Columns the import does not use are left out, so they never travel back and forth.
    Raises ImportFileError when the result would be too big for a form field.
    """
    keep = sorted(columns.index.values())
    payload = {
        "u": user_id,
        "f": file_name,
        "h": [table.header[position] for position in keep],
        "r": [[line, *(cells[p] if p < len(cells) else "" for p in keep)] for line, cells in table.rows],
    }
    ticket = _serializer().dumps(payload)
    if len(ticket) > MAX_TICKET_LENGTH:
        raise ImportFileError(
            _("El archivo tiene demasiados datos para revisarlo en una sola página. Divídalo en partes más pequeñas.")
        )
    return ticket


def unpack_ticket(ticket: str, *, user_id: int) -> tuple[Table, str]:
    """Return the table and file name signed by pack_ticket for this person. Raises InvalidTicket."""
    try:
        payload = _serializer().loads(ticket or "", max_age=TICKET_MAX_AGE)
    except BadSignature:  # also SignatureExpired
        raise InvalidTicket("bad or expired signature") from None
    if not isinstance(payload, dict) or payload.get("u") != user_id:
        raise InvalidTicket("ticket of another account")
    rows = [(int(row[0]), [str(cell) for cell in row[1:]]) for row in payload["r"]]
    return Table(header=[str(title) for title in payload["h"]], rows=rows), str(payload.get("f", ""))
