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
