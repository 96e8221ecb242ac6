"""Uploaded images (lesson pictures, the logo): PNG, JPEG or WebP recognised by their bytes, stored
under instance/ with new names; and how every uploaded file reaches the portal (spooled to disk,
cut off at its route's limit)."""

from __future__ import annotations

import io
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path

from flask import Request, current_app, send_from_directory
from flask_login import current_user
from PIL import Image, ImageOps

MAX_IMAGE_BYTES = 2 * 1024 * 1024
#: Pixels a logo may have before it is decoded (4 bytes each in memory): far beyond any real logo.
MAX_DECODED_PIXELS = 16_000_000


class RejectedUpload(ValueError):
    """The file is not an accepted image; the message says why, in Spanish."""


def sniff_image_type(head: bytes) -> str | None:
    """Return "png", "jpg" or "webp" from the file's first bytes, or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


#: Largest logo kept, in pixels: three times the header's 160 x 48 box, sharp on dense screens and in print.
LOGO_BOX = (480, 144)
#: A logo heavier than this as PNG (a photograph, say) is kept as JPEG instead.
LOGO_PNG_BUDGET = 48 * 1024


#: Largest lesson image kept: wider than the lesson column on any screen, sharp when printed.
IMAGE_BOX = (1600, 1600)


def normalized_logo(data: bytes) -> tuple[bytes, str]:
    """The logo decoded and encoded again within LOGO_BOX: PNG, or JPEG when PNG would be too heavy."""
    return reencoded_image(data, LOGO_BOX)


def reencoded_image(data: bytes, box: tuple[int, int]) -> tuple[bytes, str]:
    """Decode an image and encode it again within `box`; return (bytes, "png" or "jpg").

    Only pixels survive: whatever else the file carried (appended HTML, metadata) is dropped, and
    a huge picture is shrunk. A PNG logo heavier than LOGO_PNG_BUDGET becomes a JPEG; photographs
    stay JPEG. Raises ValueError when the bytes are not an image Pillow can fully decode, or one so
    large that decoding it could exhaust memory (a "decompression bomb").
    """
    try:
        with Image.open(io.BytesIO(data), formats=["PNG", "JPEG", "WEBP"]) as image:
            if image.width * image.height > MAX_DECODED_PIXELS:
                raise ValueError("image too large to decode")
            image.load()
            photo = image.format == "JPEG"
            # Turned as the camera meant it; converted before shrinking, because Pillow shrinks
            # palette images (most PNG logos) by dropping pixels, which leaves jagged edges.
            picture = ImageOps.exif_transpose(image).convert("RGB" if photo else "RGBA")
            picture.thumbnail(box, Image.Resampling.LANCZOS)
    except (OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise ValueError(str(error)) from error
    if not photo:
        png = io.BytesIO()
        picture.save(png, format="PNG", optimize=True)
        if box != LOGO_BOX or png.tell() <= LOGO_PNG_BUDGET:
            return png.getvalue(), "png"
        flat = Image.new("RGB", picture.size, "white")
        flat.paste(picture, mask=picture.getchannel("A"))
        picture = flat
    jpeg = io.BytesIO()
    picture.save(jpeg, format="JPEG", quality=85, optimize=True)
    return jpeg.getvalue(), "jpg"


def send_instance_file(subfolder: str, name: str, **options):
    """send_from_directory for a file under instance/<subfolder>/, answering Range requests with 206
    (a video's player seeks with them); with MEDIA_ACCEL_REDIRECT set, an empty answer with the same
    headers and X-Accel-Redirect, so the reverse proxy sends the bytes and the worker is free at once
    (a phone on a slow line may take minutes over a large document or a video).

    Behind the proxy the worker answers no Range or condition itself: the proxy does, from the file
    it sends (a 206 worked out here would describe a body the worker no longer sends)."""
    folder = Path(current_app.instance_path) / subfolder
    prefix = current_app.config.get("MEDIA_ACCEL_REDIRECT")
    if prefix:
        options["conditional"] = False
    response = send_from_directory(folder, name, **options)
    if prefix:
        response.close()
        response.response = []
        response.direct_passthrough = False
        response.headers["X-Accel-Redirect"] = f"{prefix.rstrip('/')}/{subfolder}/{name}"
        response.headers.pop("Content-Length", None)
    return response


def upload_folder(instance_path: str) -> Path:
    folder = Path(instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_image(stream, instance_path: str, messages) -> str:
    """Decode the image, encode it again (reencoded_image), store it; return its new file name.

    Raises RejectedUpload. `messages` maps "too_big" and "not_image" to the Spanish texts to show.
    """
    data = stream.read(MAX_IMAGE_BYTES + 1)
    if len(data) > MAX_IMAGE_BYTES:
        raise RejectedUpload(messages["too_big"])
    if sniff_image_type(data[:16]) is None:
        raise RejectedUpload(messages["not_image"])
    try:
        data, kind = reencoded_image(data, IMAGE_BOX)
    except ValueError:
        raise RejectedUpload(messages["not_image"]) from None
    name = f"{secrets.token_hex(16)}.{kind}"
    (upload_folder(instance_path) / name).write_bytes(data)
    return name


# --- Streaming uploads ------------------------------------------------------------------------
#
# Werkzeug parses a multipart body in chunks of 64 KB and hands each file's bytes to the stream
# its request's `_get_file_stream` returns. The portal's streams are temporary files on disk that
# stop keeping bytes once the route's limit is passed, so a file never sits in the worker's memory
# and an oversized one costs only the limit in disk space; the form's text fields still arrive, so
# the page can say "too big" and give back what the person typed.

#: Bytes a request to an upload route may carry beyond its file limit: the form's text, and a
#: file somewhat over the limit still answered with a Spanish message rather than a bare 413.
UPLOAD_REQUEST_SLACK = 64 * 1024 * 1024


class CappedSpool:
    """A temporary file that keeps at most `limit` + 1 bytes and remembers whether more came."""

    def __init__(self, limit: int, folder: Path | None = None):
        self.limit = limit
        self.received = 0
        self.file = tempfile.TemporaryFile(dir=folder)

    @property
    def overflowed(self) -> bool:
        return self.received > self.limit

    def write(self, data: bytes) -> int:
        kept = max(0, min(len(data), self.limit + 1 - self.received))
        if kept:
            self.file.write(data[:kept] if kept < len(data) else data)
        self.received += len(data)
        return len(data)

    def __getattr__(self, name):
        return getattr(self.file, name)

    def __iter__(self):
        return iter(self.file)


def accepts_files(limit: Callable[[], int]):
    """Mark a view as taking files of up to `limit()` bytes each (the request's stream cuts them off)."""

    def mark(view):
        view.upload_limit = limit
        return view

    return mark


class UploadRequest(Request):
    """Flask's request, with files spooled to disk and capped by the view's `accepts_files` limit."""

    def _file_limit(self) -> int | None:
        if current_user.is_anonymous:  # only the people a route admits may send it large files
            return None
        view = current_app.view_functions.get(self.endpoint or "")
        limit = getattr(view, "upload_limit", None)
        return limit() if limit is not None else None

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is None and (limit := self._file_limit()) is not None:
            return 2 * limit + UPLOAD_REQUEST_SLACK
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        limit = self._file_limit()
        if limit is None:
            limit = current_app.config["MAX_CONTENT_LENGTH"] or MAX_IMAGE_BYTES
        return CappedSpool(limit)
