"""The HTTP answer of a file download: an attachment, named after the day, never cached."""

from __future__ import annotations

from datetime import date

from flask import Response

MIMETYPES = {
    "csv": "text/csv",  # Flask adds "; charset=utf-8" to text types
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def file_name(extension: str, today: date, stem: str = "induccion") -> str:
    return f"{stem}-{today.isoformat()}.{extension}"


def download(body, extension: str, today: date, stem: str = "induccion", size: int | None = None) -> Response:
    """A CSV, XLSX or PDF attachment named after `stem` and the day; no-store, since it holds personal data."""
    response = Response(body, mimetype=MIMETYPES[extension])
    response.headers.set("Content-Disposition", "attachment", filename=file_name(extension, today, stem))
    response.headers["Cache-Control"] = "no-store"
    if size is not None:
        response.content_length = size
    return response
