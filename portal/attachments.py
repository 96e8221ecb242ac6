"""Documents attached to lessons (PDF, DOCX, XLSX, ODT): recognised by their bytes, never by their
name, and stored under instance/attachments/ with new names.

A name says what the person expects to download; the content says what the file is. Both must agree:
a PDF renamed .docx or a web page renamed .pdf is refused, so a download always opens in the program
its name promises and a browser is never handed a page to run.
"""

from __future__ import annotations

import secrets
import shutil
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePath

from flask_babel import lazy_gettext as _l

from portal.uploads import RejectedUpload


@dataclass(frozen=True)
class DocumentKind:
    extension: str
    label: object  #: what the lesson page calls it, in Spanish
    mimetype: str


KINDS: dict[str, DocumentKind] = {
    kind.extension: kind
    for kind in (
        DocumentKind("pdf", _l("Documento PDF"), "application/pdf"),
        DocumentKind(
            "docx", _l("Documento Word"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        ),
        DocumentKind("xlsx", _l("Planilla Excel"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        DocumentKind("odt", _l("Documento OpenDocument"), "application/vnd.oasis.opendocument.text"),
    )
}
ACCEPT = ",".join([f".{extension}" for extension in KINDS] + [kind.mimetype for kind in KINDS.values()])
#: The part every Office Open XML package has, and the one that makes it a text or a workbook.
_OOXML_MAIN_PART = {"word/document.xml": "docx", "xl/workbook.xml": "xlsx"}
_ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


def sniff_document(file) -> str | None:
    """ "pdf", "docx", "xlsx" or "odt" from the file's content (a seekable binary file), or None.

    OOXML and OpenDocument files are ZIP packages: only their directory and the small `mimetype`
    entry are read, nothing is unpacked.
    """
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if not head.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(file) as package:
            names = set(package.namelist())
            if "mimetype" in names:
                info = package.getinfo("mimetype")
                if info.file_size <= 100 and package.read(info).strip() == _ODT_MIMETYPE:
                    return "odt"
                return None
            if "[Content_Types].xml" not in names:
                return None
            found = {kind for part, kind in _OOXML_MAIN_PART.items() if part in names}
            return found.pop() if len(found) == 1 else None
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
        return None
    finally:
        file.seek(0)


def clean_file_name(name: str) -> str:
    """The name to show and to download under: no folders, no control characters, at most 120 characters."""
    base = PurePath(name.replace("\\", "/")).name
    base = "".join(char for char in unicodedata.normalize("NFC", base) if unicodedata.category(char)[0] != "C")
    base = " ".join(base.split())
    stem, dot, extension = base.rpartition(".")
    if len(base) > 120:
        base = stem[: 119 - len(extension)] + dot + extension if dot else base[:120]
    return base or "documento"


def attachment_folder(instance_path: str) -> Path:
    folder = Path(instance_path) / "attachments"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass(frozen=True)
class StoredDocument:
    file_name: str  #: as the person named it (cleaned)
    stored_name: str  #: random, under instance/attachments/
    kind: str
    size: int


def store_document(upload, instance_path: str, limit: int) -> StoredDocument:
    """Check an uploaded document (a FileStorage spooled by portal.uploads) and keep it.

    Raises RejectedUpload with a Spanish message when it is larger than `limit` bytes, not one of
    KINDS by its content, or named as another kind than it is.
    """
    name = clean_file_name(upload.filename or "")
    stream = upload.stream
    if getattr(stream, "overflowed", False) or _size(stream) > limit:
        message = _l("«%(name)s» supera el tamaño máximo de %(size)s.", name=name, size=human_size(limit))
        raise RejectedUpload(str(message))
    kind = sniff_document(stream)
    extension = name.rpartition(".")[2].lower()
    if kind is None:
        raise RejectedUpload(
            str(_l("«%(name)s» no es un documento PDF, Word (DOCX), Excel (XLSX) ni OpenDocument (ODT).", name=name))
        )
    if extension != kind:
        raise RejectedUpload(
            str(
                _l(
                    "«%(name)s» no es lo que su nombre dice: su contenido es un %(kind)s. "
                    "Cámbiele el nombre o súbalo en su formato original.",
                    name=name,
                    kind=str(KINDS[kind].label).lower(),
                )
            )
        )
    size = _size(stream)
    stored_name = f"{secrets.token_hex(16)}.{kind}"
    stream.seek(0)
    with (attachment_folder(instance_path) / stored_name).open("wb") as target:
        shutil.copyfileobj(stream, target, 1024 * 1024)
    return StoredDocument(name, stored_name, kind, size)


def _size(stream) -> int:
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    return size


def human_size(size: int) -> str:
    """1,5 MB, 820 KB, 12 bytes: as the lesson page and the messages say it (es-CL decimal comma)."""
    if size >= 1024 * 1024:
        value, unit = size / (1024 * 1024), "MB"
    elif size >= 1024:
        value, unit = size / 1024, "KB"
    else:
        return f"{size} bytes"
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{text.replace('.', ',')} {unit}"
