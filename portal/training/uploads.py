"""Lesson images: PNG, JPEG or WebP recognised by their bytes, stored under instance/ with new names."""

from __future__ import annotations

import secrets
from pathlib import Path

MAX_IMAGE_BYTES = 2 * 1024 * 1024


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
