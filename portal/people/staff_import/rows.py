"""Reading and checking each row of the file: RUT, name, email, department, employment type, dates."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from portal.dates import in_range, out_of_range_message
from portal.messages import rut_error_message
from portal.people.departments import (
    simplify,
)
from portal.people.staff_import.headers import EMPLOYMENT_ALIASES, Columns
from portal.people.staff_import.reading import clean_text
from portal.rut import InvalidRut, format_rut, normalize_rut

MAX_NAME_LENGTH = 200
MAX_DEPARTMENT_LENGTH = 120
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


def parse_row(line: int, cells: list[str], columns: Columns) -> ParsedRow:
    """Read one row of the file; what is wrong with it goes into the row's reasons, in column order."""

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
    _read_identity(row)
    _read_email(row, cell("email"))
    _read_department(row, clean_text(cell("department")))
    _read_employment_type(row, cell("employment_type"))
    _read_dates(row, cell("start_date"), cell("due_date"))
    return row


def _read_identity(row: ParsedRow) -> None:
    if not row.rut_text:
        row.reasons.append(_("falta el RUT"))
    else:
        try:
            row.rut = normalize_rut(row.rut_text)
        except InvalidRut as error:
            row.reasons.append(_("RUT «%(rut)s»: %(problem)s", rut=row.rut_text, problem=rut_error_message(error)))
    if not row.name:
        row.reasons.append(_("falta el nombre"))
    elif len(row.name) > MAX_NAME_LENGTH:
        row.reasons.append(_("el nombre supera los %(max)d caracteres", max=MAX_NAME_LENGTH))


def _read_email(row: ParsedRow, email: str) -> None:
    if email:
        try:
            row.email = validate_email(email, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            row.reasons.append(_("correo no válido «%(email)s»", email=email))


def _read_department(row: ParsedRow, department: str) -> None:
    if department:
        if len(department) > MAX_DEPARTMENT_LENGTH:
            row.reasons.append(_("el departamento supera los %(max)d caracteres", max=MAX_DEPARTMENT_LENGTH))
        else:
            row.department = department


def _read_employment_type(row: ParsedRow, kind: str) -> None:
    if kind:
        row.employment_type = EMPLOYMENT_ALIASES.get(simplify(kind))
        if row.employment_type is None:
            row.reasons.append(
                _(
                    "calidad jurídica desconocida «%(value)s» (use planta, contrata, código del trabajo u honorarios)",
                    value=kind,
                )
            )


def _read_dates(row: ParsedRow, start: str, due: str) -> None:
    if start:
        row.start_date = parse_date(start)
        if row.start_date is None:
            row.reasons.append(_("fecha de ingreso no reconocida «%(value)s» (use dd-mm-aaaa)", value=start))
        elif not in_range(row.start_date):
            row.reasons.append(
                _("fecha de ingreso «%(value)s»: %(problem)s", value=start, problem=out_of_range_message())
            )
            row.start_date = None
    if due:
        row.due_date = parse_date(due)
        if row.due_date is None:
            row.reasons.append(_("fecha límite no reconocida «%(value)s» (use dd-mm-aaaa)", value=due))
        elif not in_range(row.due_date):
            row.reasons.append(_("fecha límite «%(value)s»: %(problem)s", value=due, problem=out_of_range_message()))
            row.due_date = None
    if row.start_date and row.due_date and row.due_date < row.start_date:
        row.reasons.append(_("la fecha límite es anterior a la fecha de ingreso"))


def _lines_text(lines: list[int]) -> str:
    if len(lines) == 1:
        return _("la línea %(line)d", line=lines[0])
    listed = ", ".join(str(line) for line in lines[:-1])
    return _("las líneas %(lines)s y %(last)d", lines=listed, last=lines[-1])


def flag_repeats(rows: list[ParsedRow]) -> None:
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
