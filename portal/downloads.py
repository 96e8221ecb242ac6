"""File downloads: the HTTP answer (an attachment named after the day, never cached) and a streamed ZIP body."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
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


class _ChunkSink(io.RawIOBase):
    """A write-only, unseekable file that keeps what was written until `drain` hands it over."""

    def __init__(self):
        super().__init__()
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def zip_chunks(entries: Iterable[tuple[str, bytes]]) -> Iterator[bytes]:
    """Yield a ZIP archive of (file name, content) entries, one entry at a time.

    `entries` is consumed lazily, so only one file is in memory at any moment. The stream is not
    seekable: zipfile writes each entry's sizes after its data (a data descriptor), which every
    unzip tool reads.
    """
    sink = _ChunkSink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries:
            archive.writestr(name, content)
            yield sink.drain()
    yield sink.drain()
