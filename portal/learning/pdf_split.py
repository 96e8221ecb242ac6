"""A PDF of many pages, as fpdf2 writes it, split into standalone one-page PDF files.

fpdf2 writes a plain object table (no object streams, no compressed cross-reference, stream lengths
written directly), so the split only copies bytes: each file gets its page, the objects the page
uses (content stream, fonts, images) renumbered from 4 on, a new catalog, page tree and document
information. pypdf does the same from any PDF but re-parses and re-serialises every shared object
for every file, which took a third of a batch of certificates' time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_OBJECT = re.compile(rb"(\d+) 0 obj\s*")
_STREAM = re.compile(rb">>\s*stream\r?\n")
_REFERENCE = re.compile(rb"(\d+) 0 R\b")
_LENGTH = re.compile(rb"/Length (\d+)\s*[/>]")
_KIDS = re.compile(rb"/Kids\s*\[([^\]]*)\]")
_PARENT = re.compile(rb"/Parent\s+(\d+) 0 R")
_CREATED = re.compile(rb"/CreationDate\s*(\([^)]*\))")


class UnexpectedPdf(ValueError):
    """The document is not laid out as fpdf2 writes one."""


def split_pages(document: bytes, titles: list[tuple[str, str]]) -> Iterator[bytes]:
    """Each page of `document` as a PDF of its own, in order, with the (title, author) given for it."""
    objects = _objects(document)
    trailer = document[document.rindex(b"trailer") :]
    catalog = objects[_reference_after(b"/Root", trailer)][0]
    page_tree_number = _reference_after(b"/Pages", catalog)
    page_tree = objects[page_tree_number][0]
    kids = [int(number) for number in _REFERENCE.findall(_KIDS.search(page_tree).group(1))]
    if len(kids) != len(titles):
        raise UnexpectedPdf(f"{len(kids)} pages for {len(titles)} titles")
    info = objects.get(_reference_after(b"/Info", trailer), (b"", None))[0]
    created = _CREATED.search(info)
    header = document[: _OBJECT.search(document).start()]
    one_kid = _KIDS.sub(b"/Kids [4 0 R]", re.sub(rb"/Count\s+\d+", b"/Count 1", page_tree))
    for page_number, (title, author) in zip(kids, titles, strict=True):
        page = _PARENT.sub(b"", objects[page_number][0])
        used = _used_by(page, objects)
        renumbered = {page_tree_number: 2, page_number: 4} | {old: new for new, old in enumerate(used, start=5)}
        information = b"<< /Title %s /Author %s%s >>" % (
            _text(title),
            _text(author),
            b" /CreationDate " + created.group(1) if created else b"",
        )
        body = [
            (b"<< /Type /Catalog /Pages 2 0 R /OpenAction [4 0 R /FitH null] /PageLayout /OneColumn >>", None),
            (one_kid, None),
            (information, None),
            (_renumber(objects[page_number][0], renumbered), None),
            *((_renumber(objects[old][0], renumbered), objects[old][1]) for old in used),
        ]
        yield _write(header, body)


def _objects(document: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Object number -> (its dictionary or value, its stream's data or None)."""
    objects = {}
    position = 0
    while match := _OBJECT.search(document, position):
        start = match.end()
        end = document.index(b"endobj", start)
        stream = _STREAM.search(document, start, end)
        if stream is None:
            objects[int(match.group(1))] = (document[start:end].rstrip(), None)
            position = end + len(b"endobj")
            continue
        head = document[start : stream.start() + 2]
        length = _LENGTH.search(head)
        if length is None:
            raise UnexpectedPdf(f"object {match.group(1)!r}: a stream without a direct /Length")
        data_start = stream.end()
        data = document[data_start : data_start + int(length.group(1))]
        objects[int(match.group(1))] = (head, data)
        position = document.index(b"endobj", data_start + len(data)) + len(b"endobj")
    return objects


def _reference_after(key: bytes, text: bytes) -> int:
    found = re.search(re.escape(key) + rb"\s+(\d+) 0 R", text)
    if found is None:
        raise UnexpectedPdf(f"no {key!r} reference")
    return int(found.group(1))


def _used_by(page: bytes, objects: dict) -> list[int]:
    """The objects the page refers to, directly or through others, in the order first met."""
    used: list[int] = []
    waiting = [int(number) for number in _REFERENCE.findall(page)]
    while waiting:
        number = waiting.pop(0)
        if number in used:
            continue
        used.append(number)
        waiting.extend(int(found) for found in _REFERENCE.findall(objects[number][0]))
    return used


def _renumber(text: bytes, renumbered: dict[int, int]) -> bytes:
    return _REFERENCE.sub(lambda found: b"%d 0 R" % renumbered[int(found.group(1))], text)


def _text(value: str) -> bytes:
    """A PDF text string (UTF-16 with its byte order mark, in hexadecimal): any script, no escaping."""
    return b"<feff" + value.encode("utf-16-be").hex().encode("ascii") + b">"


def _write(header: bytes, body: list[tuple[bytes, bytes | None]]) -> bytes:
    """The file: header, objects numbered from 1, cross-reference table and trailer."""
    parts = [header]
    offsets = []
    size = len(header)
    for number, (head, data) in enumerate(body, start=1):
        offsets.append(size)
        chunk = b"%d 0 obj\n%s\n" % (number, head)
        chunk += b"stream\n%s\nendstream\nendobj\n" % data if data is not None else b"endobj\n"
        parts.append(chunk)
        size += len(chunk)
    xref = [b"xref\n0 %d\n0000000000 65535 f \n" % (len(body) + 1)]
    xref.extend(b"%010d 00000 n \n" % offset for offset in offsets)
    parts.extend(xref)
    parts.append(b"trailer\n<< /Size %d /Root 1 0 R /Info 3 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(body) + 1, size))
    return b"".join(parts)
