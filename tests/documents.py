"""Real documents of every kind a lesson accepts, made on the spot (PDF, DOCX, XLSX, ODT), and a real
video with its captions (committed: CI has no ffmpeg to make one)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from fpdf import FPDF
from openpyxl import Workbook


def pdf(text: str = "Reglamento interno de orden, higiene y seguridad") -> bytes:
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=12)
    document.cell(text=text)
    return bytes(document.output())


def docx(text: str = "Organigrama municipal") -> bytes:
    body = io.BytesIO()
    with zipfile.ZipFile(body, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.document.main+xml"/></Types>',
        )
        package.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>",
        )
    return body.getvalue()


def xlsx() -> bytes:
    book = Workbook()
    book.active.append(["Departamento", "Jefatura"])
    book.active.append(["Tránsito", "Ana Rojas"])
    body = io.BytesIO()
    book.save(body)
    return body.getvalue()


def odt() -> bytes:
    body = io.BytesIO()
    with zipfile.ZipFile(body, "w") as package:
        package.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED
        )
        package.writestr("content.xml", "<office:document-content/>")
        package.writestr("META-INF/manifest.xml", "<manifest:manifest/>")
    return body.getvalue()


HTML_PAGE = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


#: A real 4-second 64x64 VP8 WebM without sound, and its captions (tests/data/media/README.md says
#: how they were made).
MEDIA = Path(__file__).parent / "data" / "media"


def webm() -> bytes:
    return (MEDIA / "leccion.webm").read_bytes()


def vtt() -> bytes:
    return (MEDIA / "leccion.vtt").read_bytes()
