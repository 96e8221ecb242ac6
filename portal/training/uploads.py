"""Uploaded images (lesson pictures, the logo): PNG, JPEG or WebP recognised by their bytes, stored
under instance/ with new names."""

from __future__ import annotations

import io
import secrets
from pathlib import Path

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


def normalized_logo(data: bytes) -> tuple[bytes, str]:
    """Decode an image and encode it again within LOGO_BOX; return (bytes, "png" or "jpg").

    Raises ValueError when the bytes are not an image Pillow can fully decode, or one so large
    that decoding it could exhaust memory (a "decompression bomb").
    """
    try:
        with Image.open(io.BytesIO(data), formats=["PNG", "JPEG", "WEBP"]) as image:
            if image.width * image.height > MAX_DECODED_PIXELS:
                raise ValueError("image too large to decode")
            image.load()
            # Turned as the camera meant it; converted before shrinking, because Pillow shrinks
            # palette images (most PNG logos) by dropping pixels, which leaves jagged edges.
            picture = ImageOps.exif_transpose(image).convert("RGBA")
            picture.thumbnail(LOGO_BOX, Image.Resampling.LANCZOS)
    except (OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise ValueError(str(error)) from error
    png = io.BytesIO()
    picture.save(png, format="PNG", optimize=True)
    if png.tell() <= LOGO_PNG_BUDGET:
        return png.getvalue(), "png"
    flat = Image.new("RGB", picture.size, "white")
    flat.paste(picture, mask=picture.getchannel("A"))
    jpeg = io.BytesIO()
    flat.save(jpeg, format="JPEG", quality=85, optimize=True)
    return jpeg.getvalue(), "jpg"


def upload_folder(instance_path: str) -> Path:
    folder = Path(instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_image(stream, instance_path: str, messages) -> str:
    """Store the image and return its generated file name. Raises RejectedUpload.

    `messages` maps "too_big" and "not_image" to the Spanish texts to show.
    """
    data = stream.read(MAX_IMAGE_BYTES + 1)
    if len(data) > MAX_IMAGE_BYTES:
        raise RejectedUpload(messages["too_big"])
    kind = sniff_image_type(data[:16])
    if kind is None:
        raise RejectedUpload(messages["not_image"])
    name = f"{secrets.token_hex(16)}.{kind}"
    (upload_folder(instance_path) / name).write_bytes(data)
    return name
