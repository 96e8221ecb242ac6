"""The completion certificate as a PDF (A4 landscape) with a verification QR code."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import zxingcpp
from fpdf import FPDF
from fpdf.enums import MethodReturnValue

from portal.learning.pdf_split import split_pages

#: Regular and bold DejaVu Sans, shipped with the portal (fonts/LICENSE-DejaVu.txt): Latin, Greek,
#: Cyrillic and symbols, so a certificate prints on a machine with nothing but Python.
FONTS_FOLDER = Path(__file__).with_name("fonts")
FONT_FILES = {"": FONTS_FOLDER / "DejaVuSans.ttf", "B": FONTS_FOLDER / "DejaVuSans-Bold.ttf"}
FONT = "DejaVu"
#: Chinese, Japanese and Korean characters, which DejaVu lacks: the first of these installed system
#: fonts (Debian's fonts-droid-fallback, fonts-noto-cjk). Too large to ship (4 MB and more).
CJK_FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
    Path("/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc"),
)


def cjk_font() -> Path | None:
    """The installed CJK font the certificate falls back to, or None (such names then print as boxes)."""
    return next((path for path in CJK_FONT_CANDIDATES if path.is_file()), None)


def add_fonts(pdf: FPDF, texts: Iterable[str] | None = None) -> None:
    """Embed DejaVu (subset), with a CJK fallback when one is installed: Łukasz, Ğ, U+2011, 李.

    With `texts` (everything the document will print), the fallback is added only when they need it:
    parsing and subsetting its 4 MB took most of a certificate's time and memory.
    """
    for style, path in FONT_FILES.items():
        pdf.add_font(FONT, style, str(path))
    if texts is None or not drawn_by_dejavu(texts, dejavu_characters(pdf)):
        add_fallback_font(pdf)


def add_fallback_font(pdf: FPDF) -> None:
    """Add the CJK font (when one is installed) for the characters DejaVu lacks."""
    fallback = cjk_font()
    if fallback is not None:
        pdf.add_font("CJKFallback", "", str(fallback))
        # Bold text falls back to the regular CJK font rather than to nothing.
        pdf.set_fallback_fonts(["CJKFallback"], exact_match=False)


def dejavu_characters(pdf: FPDF) -> set[int]:
    """The code points both DejaVu styles draw, from their cmap tables in the document (added by add_fonts)."""
    return set.intersection(*(set(pdf.fonts[FONT.lower() + style].cmap) for style in FONT_FILES))


def drawn_by_dejavu(texts: Iterable[str], characters: set[int]) -> bool:
    """Whether DejaVu draws every character of the texts (spaces and line breaks need no glyph)."""
    missing = set(map(ord, set().union(*texts))) - characters
    return all(chr(code).isspace() for code in missing)


class CertificatePDF(FPDF):
    """fpdf2's document with a quick way to print one line of text.

    cell() lays a text out in styled fragments (markdown, shaping, fallback fonts), half of a
    certificate's drawing time for its twenty-odd short lines; text() writes the line as it is. Where
    a fallback font is in the document, cell() stays: only it switches fonts for the characters
    DejaVu lacks.
    """

    has_fallback = False

    def set_fallback_fonts(self, fallback_fonts, exact_match=True):
        super().set_fallback_fonts(fallback_fonts, exact_match)
        self.has_fallback = bool(fallback_fonts)

    def line_of_text(self, x: float, y: float, w: float, h: float, text: str, align: str = "L") -> None:
        """Print `text` exactly where cell(w, h, text, align=align) at (x, y) prints it."""
        if self.has_fallback:
            self.set_xy(x, y)
            self.cell(w, h, text, align=align)
            return
        if align == "L":
            left = self.c_margin
        else:
            # What get_string_width gives for a text without markdown, spacing or stretching, without
            # its bidirectional analysis and fragments (a seventh of a certificate's drawing).
            width = self.current_font.get_text_width(text, self.font_size_pt, None)[1] / self.k
            left = (w - width) / 2 if align == "C" else w - self.c_margin - width
        # cell() puts the baseline 0.3 of the font size below the middle of the cell.
        self.text(x + left, y + 0.5 * h + 0.3 * self.font_size, text)


@dataclass(frozen=True)
class CertificateData:
    institution: str
    full_name: str
    rut: str
    completed_on: str
    #: (module title, best score in percent or None when the module has no quiz)
    modules: list[tuple[str, int | None]]
    code: str
    verify_url: str
    labels: dict[str, str]
    #: The institution's uploaded logo (PNG or JPEG), printed in the top left corner.
    logo: Path | None = None

    def texts(self) -> list[str]:
        """Every text the certificate prints (to choose its fonts)."""
        return [
            self.institution,
            self.full_name,
            self.rut,
            self.completed_on,
            self.code,
            self.verify_url,
            *self.labels.values(),
            *(title for title, _score in self.modules),
            "% —",
        ]


#: Light modules around a QR code (the quiet zone), drawn as nothing.
QR_BORDER = 2
#: A run of dark modules in a row of the symbol's pixels (0 is dark, 255 light).
_DARK_RUN = re.compile(rb"\x00+")


def draw_qr(pdf: FPDF, data: str, x: float, y: float, size: float) -> None:
    """Draw the QR code (error correction M) as vector rectangles: sharp at any zoom.

    zxing-cpp encodes it (in C++: a fifth of the time segno took with a fixed mask, the mask chosen
    the standard way). Each run of dark modules in a row is one rectangle, and all of them go out as
    one filled path (one content-stream operation instead of a call per square), so a sheet of many
    codes stays quick to build.
    """
    symbol = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    image = symbol.to_image(scale=1, add_quiet_zones=False)
    count = image.shape[0]
    pixels = bytes(memoryview(image))
    module = size / (count + 2 * QR_BORDER)
    scale, height = pdf.k, pdf.h
    pdf.set_fill_color(0, 0, 0)
    # Each coordinate as written in the content stream, formatted once per column, row and run length.
    lefts = [f"{(x + (column + QR_BORDER) * module) * scale:.2f}" for column in range(count)]
    tops = [f"{(height - (y + (row + QR_BORDER) * module)) * scale:.2f}" for row in range(count)]
    widths = [f"{length * module * scale:.2f}" for length in range(count + 1)]
    module_height = f"{-module * scale:.2f}"
    rectangles = []
    for row_index in range(count):
        top = tops[row_index]
        row = pixels[row_index * count : (row_index + 1) * count]
        # Find the dark runs in C, not module by module.
        for run in _DARK_RUN.finditer(row):
            start, end = run.span()
            rectangles.append(f"{lefts[start]} {top} {widths[end - start]} {module_height} re")
    # fpdf2 has no public call for a path of many rectangles; _out writes to the page's content stream.
    pdf._out(" ".join(rectangles) + " f")


def certificate_pdf(data: CertificateData) -> bytes:
    """The certificate as A4 landscape PDF bytes: heading, person, modules and scores, date, code and QR."""
    return _pages_of(_document(data, data.texts()), [data])


def certificate_pdfs(certificates: list[CertificateData]) -> Iterator[tuple[int, bytes]]:
    """One standalone PDF per certificate, each as certificate_pdf draws it, made quickly: yields
    (index of the certificate, its file), those whose text needs the CJK font last.

    The certificates are drawn as pages of one document (the fonts are parsed and subset once
    instead of once per person), which is then split into one-page files, each with its own title
    and author. Those whose text needs the CJK fallback go into a document of their own, so that
    the others do not carry (nor wait for) that font. Pass batches of a few hundred at most: the
    whole document is in memory until it is split; the files are yielded one at a time.
    """
    if not certificates:
        return
    pdf = _document(certificates[0], texts=())
    characters = dejavu_characters(pdf)
    plain, wide = [], []
    for index, data in enumerate(certificates):
        (plain if drawn_by_dejavu(data.texts(), characters) else wide).append(index)
    document = _pages_of(pdf, [certificates[index] for index in plain])
    del pdf
    if plain:
        yield from _split(document, plain, certificates)
    if wide:
        document = _pages_of(_document(certificates[0], texts=None), [certificates[index] for index in wide])
        yield from _split(document, wide, certificates)


def _split(document: bytes, indexes: list[int], certificates: list[CertificateData]) -> Iterator[tuple[int, bytes]]:
    """Each page of the document as a file of its own, with the index of its certificate."""
    titles = [(certificates[index].labels["title"], certificates[index].institution) for index in indexes]
    yield from zip(indexes, split_pages(document, titles), strict=True)


def _pages_of(pdf: FPDF, certificates: list[CertificateData]) -> bytes:
    """The certificates drawn as the pages of the document, output (which releases its fonts)."""
    body_lines: dict[str, list[str]] = {}
    for data in certificates:
        _draw_certificate(pdf, data, body_lines)
    if not certificates:
        pdf.add_page()  # fpdf2 keeps a document's fonts until it is output, even an empty one
    return bytes(pdf.output())


def _document(first: CertificateData, texts: Iterable[str] | None) -> FPDF:
    """An empty A4 landscape document with the fonts for `texts` (see add_fonts), titled after `first`."""
    pdf = CertificatePDF(orientation="L", unit="mm", format="A4")
    add_fonts(pdf, texts)
    pdf.set_title(first.labels["title"])
    pdf.set_author(first.institution)
    pdf.set_auto_page_break(False)
    return pdf


def _draw_certificate(pdf: CertificatePDF, data: CertificateData, body_lines: dict[str, list[str]]) -> None:
    """The certificate on a new page of the document (`body_lines`: see _draw_person)."""
    pdf.add_page()
    _draw_heading(pdf, data)
    _draw_person(pdf, data, body_lines)
    _draw_modules(pdf, data)
    _draw_verification(pdf, data)


def _draw_heading(pdf: CertificatePDF, data: CertificateData) -> None:
    """The double frame, the logo, the institution and the title."""
    pdf.set_draw_color(20, 84, 120)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, 277, 190)
    pdf.set_line_width(0.3)
    pdf.rect(13, 13, 271, 184)

    if data.logo is not None:
        # 14 mm high, at most 45 mm wide (the stored logo is at most 480 x 144 pixels).
        pdf.image(str(data.logo), x=18, y=17, h=14, keep_aspect_ratio=True, w=45)
    pdf.set_text_color(20, 84, 120)
    pdf.set_font(FONT, "B", 14)
    pdf.line_of_text(20, 22, 257, 8, data.institution, align="C")
    pdf.set_font(FONT, "B", 28)
    pdf.line_of_text(20, 34, 257, 14, data.labels["title"], align="C")


def _draw_person(pdf: CertificatePDF, data: CertificateData, body_lines: dict[str, list[str]]) -> None:
    """Who is certified (name and RUT) and what for.

    The body's line breaks are worked out once per document (`body_lines` keeps them by text): it is
    the same for everyone, and breaking it took a third of a page's drawing.
    """
    labels = data.labels
    pdf.set_text_color(30, 30, 30)
    pdf.set_font(FONT, "", 13)
    pdf.line_of_text(20, 54, 257, 8, labels["certifies"], align="C")
    pdf.set_font(FONT, "B", 22)
    pdf.line_of_text(20, 64, 257, 12, data.full_name, align="C")
    pdf.set_font(FONT, "", 12)
    pdf.line_of_text(20, 77, 257, 7, f"{labels['rut']}: {data.rut}", align="C")
    lines = body_lines.get(labels["body"])
    if lines is None:
        lines = pdf.multi_cell(237, 7, labels["body"], align="C", dry_run=True, output=MethodReturnValue.LINES)
        body_lines[labels["body"]] = lines
    for index, line in enumerate(lines):
        pdf.line_of_text(30, 88 + 7 * index, 237, 7, line, align="C")


def _draw_modules(pdf: CertificatePDF, data: CertificateData) -> None:
    """The table of modules with their best scores."""
    pdf.set_font(FONT, "B", 11)
    top = 110
    pdf.line_of_text(40, top, 120, 7, data.labels["module"])
    pdf.line_of_text(160, top, 40, 7, data.labels["score"], align="R")
    pdf.line(40, top + 7, 200, top + 7)  # the header's rule, under both columns
    pdf.set_font(FONT, "", 11)
    for index, (title, score) in enumerate(data.modules, start=1):
        pdf.line_of_text(40, top + 7 * index, 120, 7, title)
        pdf.line_of_text(160, top + 7 * index, 40, 7, f"{score} %" if score is not None else "—", align="R")


def _draw_verification(pdf: CertificatePDF, data: CertificateData) -> None:
    """The QR code, the date, the verification code and the address to check it at."""
    labels = data.labels
    qr_size = 38
    draw_qr(pdf, data.verify_url, 232, 150, qr_size)
    pdf.set_font(FONT, "", 10)
    pdf.line_of_text(20, 172, 200, 6, f"{labels['date']}: {data.completed_on}")
    pdf.line_of_text(20, 178, 200, 6, f"{labels['code']}: {data.code}")
    pdf.set_font(FONT, "", 9)
    pdf.line_of_text(20, 184, 205, 6, f"{labels['verify']}: {data.verify_url}")
