"""Reading HR's file: CSV (several encodings and separators) or the first sheet of an XLSX, into a Table.

Every limit here keeps a crafted file from keeping a worker busy for long."""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from time import monotonic
from xml.parsers import expat

from flask import current_app
from flask_babel import gettext as _

from portal.people.staff_import.errors import ImportFileError
from portal.people.staff_import.headers import header_role

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


def read_table(data: bytes, file_name: str = "", *, seconds: float = READ_SECONDS) -> Table:
    """Read a CSV or XLSX file's bytes. Raises ImportFileError.

    Reading stops after MAX_LINES rows (empty ones count) and after `seconds`, so no file,
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
    deadline = _Deadline(seconds)
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


def _too_big() -> ImportFileError:
    return ImportFileError(_("El libro de Excel es demasiado grande. Divídalo en partes más pequeñas."))


def _too_many_cells() -> ImportFileError:
    return ImportFileError(
        _(
            "El libro de Excel tiene demasiadas celdas. Deje en el libro solo la hoja con las personas, "
            "con una fila por persona, o divídalo en partes más pequeñas."
        )
    )


class _PartCount:
    """What the scan of one XML part has met so far; start() raises _PartTooBig past a limit."""

    def __init__(self):
        self.root: str | None = None
        self.elements = self.rows = self.cells = self.strings = 0

    def start(self, name: str, attributes: dict) -> None:
        local = name.rpartition(":")[2]
        if self.root is None:
            self.root = local
        self.elements += 1
        if self.elements > {"worksheet": 4 * MAX_CELLS, "sst": 3 * MAX_SHARED_STRINGS}.get(
            self.root, MAX_PART_ELEMENTS
        ):
            raise _PartTooBig(_too_many_cells() if self.root == "worksheet" else _too_big())
        if self.root == "worksheet":
            self._worksheet_element(local, attributes)
        elif self.root == "sst" and local == "si":
            self.strings += 1
            if self.strings > MAX_SHARED_STRINGS:
                raise _PartTooBig(_too_big())

    def _worksheet_element(self, local: str, attributes: dict) -> None:
        if local == "row":
            number = attributes.get("r", "")
            self.rows = max(self.rows + 1, int(number) if number.isdigit() else 0)
            if self.rows > MAX_LINES:
                raise _PartTooBig(_too_many_lines())
        elif local == "c":
            self.cells += 1
            if self.cells > MAX_CELLS:
                raise _PartTooBig(_too_many_cells())


def _scan_xlsx_part(source, deadline: _Deadline) -> None:
    """Stream one XML part of an XLSX through expat and refuse it when it is bigger than any HR file.

    openpyxl reads every worksheet's rows (looking for its size), the shared strings and the
    styles before it gives back a single row, in time that grows with the element count (and
    faster than that for the shared strings): so count before openpyxl reads anything. Rows
    count with the gaps that their numbers leave (openpyxl yields those as empty rows too).
    Raises ImportFileError.
    """

    def no_doctype(*_args) -> None:
        raise _PartTooBig(_too_big())  # workbooks never declare one; entity tricks start here

    parser = expat.ParserCreate()
    parser.StartElementHandler = _PartCount().start
    parser.StartDoctypeDeclHandler = no_doctype
    try:
        while chunk := source.read(64 * 1024):
            deadline.check()
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _PartTooBig as stop:
        raise stop.error from None


def _not_xlsx() -> ImportFileError:
    return ImportFileError(_("El archivo no es un libro de Excel (.xlsx) válido. Ábralo en Excel y guárdelo de nuevo."))


def _xlsx_rows(data: bytes, deadline: _Deadline) -> list[tuple[int, list[str]]]:
    try:
        _scan_xlsx(data, deadline)
        return _first_sheet_rows(data, deadline)
    except ImportFileError:
        raise
    except Exception as error:  # damaged or encrypted archive, malformed XML; openpyxl raises many kinds
        current_app.logger.info("unreadable XLSX in staff import: %r", error)
        raise _not_xlsx() from None


def _scan_xlsx(data: bytes, deadline: _Deadline) -> None:
    """Refuse an archive that is no workbook, or that is bigger than any HR file, before openpyxl reads it."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = archive.infolist()
        if "xl/workbook.xml" not in {entry.filename for entry in entries}:
            raise _not_xlsx()
        if sum(entry.file_size for entry in entries) > MAX_UNZIPPED_BYTES:
            raise _too_big()
        for entry in entries:
            if entry.filename.lower().endswith((".xml", ".rels")):
                with archive.open(entry) as source:
                    _scan_xlsx_part(source, deadline)


def _first_sheet_rows(data: bytes, deadline: _Deadline) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    rows: list[tuple[int, list[str]]] = []
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
    return rows


def _table_from(rows: list[tuple[int, list[str]]]) -> Table:
    rows = [(line, cells) for line, cells in rows if any(cells)]
    if not rows:
        raise ImportFileError(_("El archivo no tiene datos."))
    header_at = 0
    for index, (_line, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if any(header_role(cell) == "rut" for cell in cells):
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
