"""Activation slips on A4 paper: eight to a page, with dashed cut lines (pure drawing, no database)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

from portal.learning.certificate import FONT, add_fonts, draw_qr

PAGE_WIDTH, PAGE_HEIGHT = 210.0, 297.0
COLUMNS, ROWS = 2, 4
SLIP_WIDTH, SLIP_HEIGHT = PAGE_WIDTH / COLUMNS, PAGE_HEIGHT / ROWS
#: Inside each slip, away from the cut.
MARGIN = 6.0
QR_SIZE = 30.0
INK = (30, 30, 30)
ACCENT = (20, 84, 120)


@dataclass(frozen=True)
class Slip:
    full_name: str
    rut: str
    #: The code as printed, grouped: K7QM-P4RX-2T.
    code: str
    #: "Válido hasta el 21-12-2026": the expiry in the reader's words.
    valid_until: str
    #: The activation page, as printed for typing.
    address: str
    #: What the QR code opens (the activation page; it may carry the code where the server never sees it).
    qr_target: str

    def texts(self) -> list[str]:
        return [self.full_name, self.rut, self.code, self.valid_until, self.address]


@dataclass(frozen=True)
class SlipSheet:
    institution: str
    logo: Path | None
    labels: dict[str, str]
    slips: list[Slip]

    def texts(self) -> list[str]:
        """Every text the sheet prints (to choose its fonts)."""
        return [self.institution, *self.labels.values(), *(text for slip in self.slips for text in slip.texts())]


def new_document(title: str, author: str, texts: Iterable[str]) -> FPDF:
    """An A4 portrait document with the portal's fonts for `texts` (the CJK fallback only when they
    need it: see add_fonts), no automatic page breaks."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    add_fonts(pdf, texts)
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_auto_page_break(False)
    return pdf


def slips_pdf(sheet: SlipSheet) -> bytes:
    """Every slip of the sheet, COLUMNS x ROWS to a page, with cut lines between them."""
    pdf = new_document(sheet.labels["title"], sheet.institution, sheet.texts())
    per_page = COLUMNS * ROWS
    for index, slip in enumerate(sheet.slips):
        if index % per_page == 0:
            pdf.add_page()
            draw_cut_lines(pdf)
        place = index % per_page
        draw_slip(pdf, sheet, slip, (place % COLUMNS) * SLIP_WIDTH, (place // COLUMNS) * SLIP_HEIGHT)
    return bytes(pdf.output())


def draw_cut_lines(pdf: FPDF, top: float = 0.0, rows: int = ROWS) -> None:
    """Dashed lines between the slips (and a scissors mark), where the page is to be cut."""
    pdf.set_draw_color(150, 150, 150)
    pdf.set_line_width(0.2)
    with pdf.local_context():
        pdf.set_dash_pattern(dash=2, gap=1.5)
        for column in range(1, COLUMNS):
            pdf.line(column * SLIP_WIDTH, top, column * SLIP_WIDTH, top + rows * SLIP_HEIGHT)
        for row in range(0 if top else 1, rows):
            y = top + row * SLIP_HEIGHT
            pdf.line(0, y, PAGE_WIDTH, y)
    pdf.set_dash_pattern()


def _fit(pdf: FPDF, text: str, style: str, size: float, width: float, smallest: float = 6.5) -> None:
    """Set the largest font size up to `size` at which `text` fits in `width` on one line.

    Remembered per document: the institution, the heading and the address are the same on every slip.
    """
    fitted = pdf.__dict__.setdefault("_portal_fitted_sizes", {})
    key = (text, style, size, width)
    if key not in fitted:
        pdf.set_font(FONT, style, size)
        while size > smallest and pdf.get_string_width(text) > width:
            size -= 0.5
            pdf.set_font(FONT, style, size)
        fitted[key] = size
    pdf.set_font(FONT, style, fitted[key])


def draw_slip(pdf: FPDF, sheet: SlipSheet, slip: Slip, x: float, y: float) -> None:
    """One slip in the SLIP_WIDTH x SLIP_HEIGHT box whose top left corner is (x, y)."""
    labels = sheet.labels
    left, width = x + MARGIN, SLIP_WIDTH - 2 * MARGIN
    text_left = left
    if sheet.logo is not None:
        pdf.image(str(sheet.logo), x=left, y=y + MARGIN - 1, h=9, w=20, keep_aspect_ratio=True)
        text_left = left + 22
    pdf.set_text_color(*ACCENT)
    _fit(pdf, sheet.institution, "B", 8.5, left + width - text_left)
    pdf.set_xy(text_left, y + MARGIN)
    pdf.cell(left + width - text_left, 4, sheet.institution)
    pdf.set_font(FONT, "", 7.5)
    pdf.set_xy(text_left, y + MARGIN + 4)
    pdf.cell(left + width - text_left, 4, labels["portal"])

    pdf.set_text_color(*INK)
    _fit(pdf, labels["heading"], "B", 10, width)
    pdf.set_xy(left, y + 17)
    pdf.cell(width, 5, labels["heading"])
    _fit(pdf, slip.full_name, "B", 11, width)
    pdf.set_xy(left, y + 23)
    pdf.cell(width, 5.5, slip.full_name)
    pdf.set_font(FONT, "", 9)
    pdf.set_xy(left, y + 28.5)
    pdf.cell(width, 4.5, f"{labels['rut']}: {slip.rut}")

    column = width - QR_SIZE - 2
    pdf.set_font(FONT, "", 7.5)
    pdf.set_xy(left, y + 35)
    pdf.multi_cell(column, 3.4, labels["step_open"], new_x="LEFT", new_y="NEXT", align="L")
    _fit(pdf, slip.address, "B", 8, column)
    pdf.multi_cell(column, 3.6, slip.address, new_x="LEFT", new_y="NEXT", align="L")
    pdf.set_font(FONT, "", 7.5)
    pdf.multi_cell(column, 3.4, labels["step_type"], new_x="LEFT", new_y="NEXT", align="L")
    _fit(pdf, slip.code, "B", 15, column)
    pdf.set_x(left)
    pdf.cell(column, 7, slip.code, new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "", 6.8)
    pdf.multi_cell(column, 3.1, f"{slip.valid_until}. {labels['once']}", new_x="LEFT", new_y="NEXT", align="L")
    draw_qr(pdf, slip.qr_target, x + SLIP_WIDTH - MARGIN - QR_SIZE, y + 36, QR_SIZE)
