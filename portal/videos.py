"""Lesson videos (MP4, WebM) recognised by their bytes, never by their name, stored under
instance/videos/ with new names; their captions (WebVTT), checked, and the transcript read from them.

A browser plays what the portal serves as video/mp4 or video/webm, and the type comes from the
content: an MP4 is an ISO base media file whose first box is 'ftyp' with a video brand (not a
HEIC photo, which is one too), a WebM is an EBML file whose DocType is "webm" (a Matroska .mkv is
not: browsers need not play it).
"""

from __future__ import annotations

import html
import math
import re
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l

from portal.attachments import clean_file_name, human_size
from portal.uploads import RejectedUpload

MIMETYPES = {"mp4": "video/mp4", "webm": "video/webm"}
ACCEPT = ".mp4,.webm,video/mp4,video/webm"
#: Largest captions file: an hour of dense dialogue is about 100 KB.
MAX_CAPTIONS_BYTES = 512 * 1024
#: Silence between two cues, in seconds, that starts a new paragraph of the transcript.
PARAGRAPH_PAUSE = 2.0

#: ISO-BMFF brands of MP4 video that browsers play.
_MP4_BRANDS = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso7", b"iso8", b"iso9",
    b"mp41", b"mp42", b"mp71", b"avc1", b"dash", b"M4V ", b"M4VH", b"M4VP", b"MSNV", b"mmp4",
}  # fmt: skip
#: Major brands of ISO-BMFF files that are not MP4 video: still images (HEIC, AVIF) and QuickTime.
_NOT_MP4_VIDEO = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"mif1", b"msf1", b"avif", b"avis", b"crx ", b"qt  "}
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"
_EBML_DOCTYPE = 0x4282


def sniff_video(file) -> str | None:
    """ "mp4" or "webm" from the file's first bytes (a seekable binary file), or None."""
    file.seek(0)
    head = file.read(4096)
    file.seek(0)
    if head[4:8] == b"ftyp":
        return "mp4" if _is_mp4_video(head) else None
    if head.startswith(_EBML_MAGIC):
        return "webm" if _ebml_doctype(head) == b"webm" else None
    return None


def _is_mp4_video(head: bytes) -> bool:
    size = int.from_bytes(head[:4], "big")
    if not 16 <= size <= len(head) or size % 4:
        return False
    major = head[8:12]
    compatible = {head[offset : offset + 4] for offset in range(16, size, 4)}
    if major in _NOT_MP4_VIDEO:
        return False
    return major in _MP4_BRANDS or bool(compatible & _MP4_BRANDS)


def _vint(data: bytes, position: int, *, marker: bool) -> tuple[int, int]:
    """An EBML variable-length integer at `position`: (value, next position); raises ValueError."""
    if position >= len(data) or data[position] == 0:
        raise ValueError("not an EBML integer")
    first = data[position]
    length = 9 - first.bit_length()
    if position + length > len(data):
        raise ValueError("truncated EBML integer")
    value = first if marker else first & (0xFF >> length)
    for byte in data[position + 1 : position + length]:
        value = value << 8 | byte
    return value, position + length


def _ebml_doctype(head: bytes) -> bytes | None:
    """The DocType of the EBML header that starts `head`, or None."""
    try:
        _, position = _vint(head, 0, marker=True)
        size, position = _vint(head, position, marker=False)
        end = min(position + size, len(head))
        while position < end:
            element, position = _vint(head, position, marker=True)
            length, position = _vint(head, position, marker=False)
            if element == _EBML_DOCTYPE:
                return head[position : position + length].rstrip(b"\x00")
            position += length
    except ValueError:
        return None
    return None


def video_folder(instance_path: str) -> Path:
    folder = Path(instance_path) / "videos"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass(frozen=True)
class StoredVideo:
    file_name: str  #: as the person named it (cleaned)
    stored_name: str  #: random, under instance/videos/
    kind: str
    size: int


def store_video(upload, instance_path: str, limit: int) -> StoredVideo:
    """Check an uploaded video (a FileStorage spooled by portal.uploads) and keep it.

    Raises RejectedUpload with a Spanish message when it is larger than `limit` bytes or, by its
    content, neither MP4 nor WebM (whatever its name says).
    """
    name = clean_file_name(upload.filename or "")
    stream = upload.stream
    size = _size(stream)
    if getattr(stream, "overflowed", False) or size > limit:
        raise RejectedUpload(
            str(_l("El video «%(name)s» supera el tamaño máximo de %(size)s.", name=name, size=human_size(limit)))
        )
    kind = sniff_video(stream)
    if kind is None:
        raise RejectedUpload(
            str(
                _l(
                    "«%(name)s» no es un video MP4 ni WebM. Guárdelo en uno de esos formatos y súbalo otra vez.",
                    name=name,
                )
            )
        )
    stored_name = f"{secrets.token_hex(16)}.{kind}"
    stream.seek(0)
    with (video_folder(instance_path) / stored_name).open("wb") as target:
        shutil.copyfileobj(stream, target, 1024 * 1024)
    return StoredVideo(name, stored_name, kind, size)


def _size(stream) -> int:
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    return size


# --- Captions (WebVTT) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cue:
    start: float  #: seconds
    end: float
    text: str  #: without tags, entities decoded, on one line


@dataclass(frozen=True)
class Captions:
    file_name: str
    text: str  #: the WebVTT file, as UTF-8 text with "\n" line ends
    cues: int


_SIGNATURE = re.compile(r"WEBVTT(?:[ \t][^\n]*)?(?:\n|$)")
_TIME = r"(?:(\d+):)?([0-5]\d):([0-5]\d)\.(\d{3})"
_TIMING = re.compile(rf"^{_TIME}[ \t]+-->[ \t]+{_TIME}(?:[ \t]|$)")
_TAG = re.compile(r"<[^>]*>")


def read_captions(upload) -> Captions:
    """Check an uploaded captions file: WebVTT ("WEBVTT" first), UTF-8, at most MAX_CAPTIONS_BYTES,
    with at least one timed cue. Raises RejectedUpload with a Spanish message."""
    name = clean_file_name(upload.filename or "")
    stream = upload.stream
    stream.seek(0)
    data = stream.read(MAX_CAPTIONS_BYTES + 1)
    if len(data) > MAX_CAPTIONS_BYTES or getattr(stream, "overflowed", False):
        message = _l(
            "Los subtítulos «%(name)s» superan el tamaño máximo de %(size)s.",
            name=name,
            size=human_size(MAX_CAPTIONS_BYTES),
        )
        raise RejectedUpload(str(message))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RejectedUpload(
            str(_l("Los subtítulos «%(name)s» no están en UTF-8: guárdelos con esa codificación.", name=name))
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")
    if not _SIGNATURE.match(text):
        raise RejectedUpload(
            str(_l("«%(name)s» no es un archivo de subtítulos WebVTT: su primera línea debe ser «WEBVTT».", name=name))
        )
    cues = parse_cues(text)
    if not cues:
        raise RejectedUpload(str(_l("«%(name)s» no tiene ningún subtítulo con sus tiempos.", name=name)))
    return Captions(name, text, len(cues))


def _seconds(hours: str | None, minutes: str, seconds: str, millis: str) -> float:
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000


def parse_cues(text: str) -> list[Cue]:
    """The cues of a WebVTT text, in the file's order (notes, styles, regions and bad blocks skipped)."""
    cues = []
    for block in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n"))[1:]:
        lines = block.strip("\n").split("\n")
        if not lines or re.match(r"(NOTE|STYLE|REGION)(\s|$)", lines[0]):
            continue
        if len(lines) > 1 and not _TIMING.match(lines[0]):
            lines = lines[1:]  # the cue's identifier
        timing = _TIMING.match(lines[0])
        if timing is None:
            continue
        words = html.unescape(_TAG.sub("", " ".join(lines[1:])))
        cue_text = " ".join(words.split())
        if cue_text:
            times = timing.groups()
            cues.append(Cue(_seconds(*times[:4]), _seconds(*times[4:]), cue_text))
    return cues


def captioned_seconds(captions: str | None) -> float:
    """How long the video runs as far as its captions tell (the end of their last cue): the file itself
    is never opened. 0 without captions."""
    cues = parse_cues(captions or "")
    return max(cue.end for cue in cues) if cues else 0.0


def captioned_minutes(*captions: str | None) -> int:
    """How long these videos run together, in whole minutes rounded up (see captioned_seconds)."""
    return math.ceil(sum(captioned_seconds(text) for text in captions) / 60)


def transcript_paragraphs(captions: str | None, written: str = "") -> list[str]:
    """The transcript to show under a video: the trainer's own (`written`, paragraphs separated by a
    blank line) when there is one, else the captions' text in order, a new paragraph after each pause
    of PARAGRAPH_PAUSE seconds or more."""
    if written.strip():
        return [" ".join(part.split()) for part in re.split(r"\n[ \t]*\n", written) if part.strip()]
    paragraphs: list[list[str]] = []
    previous: Cue | None = None
    for cue in parse_cues(captions or ""):
        if previous is not None and cue.text == previous.text:
            continue  # captions that repeat a line while the next one rolls in
        if previous is None or cue.start - previous.end >= PARAGRAPH_PAUSE:
            paragraphs.append([])
        paragraphs[-1].append(cue.text)
        previous = cue
    return [" ".join(parts) for parts in paragraphs]
