"""Reminders on paper, laid out (pure drawing, no database): a page per department for the jefatura,
and a letter per person, with an activation slip to cut off at the foot of the page when there is one."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from portal.activation.pdf import (
    ACCENT,
    INK,
    PAGE_HEIGHT,
    SLIP_HEIGHT,
    Slip,
    SlipSheet,
    draw_cut_lines,
    draw_slip,
    new_document,
)
from portal.learning.certificate import FONT

MARGIN = 15.0
WIDTH = 210.0 - 2 * MARGIN


@dataclass(frozen=True)
class SheetRow:
    full_name: str
    rut: str
    #: What the person still has to do, in the path's order.
    pending: list[str]
    due: str


@dataclass(frozen=True)
class DepartmentPage:
    department: str
    rows: list[SheetRow]


@dataclass(frozen=True)
class Letter:
    full_name: str
    paragraphs: list[str]
    pending: list[str]
    closing: list[str]
    slip: Slip | None = None


@dataclass(frozen=True)
class ReminderPaper:
    institution: str
    logo: Path | None
    labels: dict[str, str]
    departments: list[DepartmentPage]
    letters: list[Letter] = field(default_factory=list)
    #: The labels and branding of the letters' slips.
    slip_sheet: SlipSheet | None = None

    def texts(self) -> list[str]:
        """Every text the paper prints (to choose its fonts)."""
        texts = [self.institution, *self.labels.values(), "• "]  # the bullet of each pending step
        for page in self.departments:
            texts.append(page.department)
            for row in page.rows:
                texts += [row.full_name, row.rut, row.due, *row.pending]
        for letter in self.letters:
            texts += [letter.full_name, *letter.paragraphs, *letter.pending, *letter.closing]
            if letter.slip is not None:
                texts += letter.slip.texts()
        if self.slip_sheet is not None:
            texts += self.slip_sheet.texts()
        return texts


def reminder_paper_pdf(paper: ReminderPaper) -> bytes:
    pdf = new_document(paper.labels["document"], paper.institution, paper.texts())
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    for page in paper.departments:
        _department_page(pdf, paper, page)
    for letter in paper.letters:
        _letter(pdf, paper, letter)
    return bytes(pdf.output())


def _heading(pdf: FPDF, paper: ReminderPaper) -> None:
    pdf.add_page()
    left = MARGIN
    if paper.logo is not None:
        pdf.image(str(paper.logo), x=MARGIN, y=MARGIN - 2, h=12, w=30, keep_aspect_ratio=True)
        left = MARGIN + 33
    pdf.set_text_color(*ACCENT)
    pdf.set_font(FONT, "B", 11)
    pdf.set_xy(left, MARGIN)
    pdf.cell(WIDTH - (left - MARGIN), 5, paper.institution)
    pdf.set_font(FONT, "", 9)
    pdf.set_xy(left, MARGIN + 5)
    pdf.cell(WIDTH - (left - MARGIN), 5, paper.labels["portal"])
    pdf.set_text_color(*INK)
    pdf.set_xy(MARGIN, MARGIN + 16)


def _department_page(pdf: FPDF, paper: ReminderPaper, page: DepartmentPage) -> None:
    """One department's pending people as a table; a long list continues on the next pages."""
    labels = paper.labels
    pdf.set_auto_page_break(True, margin=MARGIN)
    _heading(pdf, paper)
    pdf.set_font(FONT, "B", 15)
    pdf.multi_cell(WIDTH, 7, f"{labels['sheet_title']}: {page.department}", new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_font(FONT, "", 9.5)
    pdf.multi_cell(WIDTH, 5, labels["sheet_lead"], new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(3)
    pdf.set_font(FONT, "", 9.5)
    heading = FontFace(emphasis="BOLD", fill_color=(225, 235, 242))
    with pdf.table(
        col_widths=(62, 83, 35), text_align="LEFT", line_height=4.8, headings_style=heading, padding=1.5
    ) as table:
        table.row([labels["person"], labels["pending"], labels["due"]])
        for row in page.rows:
            table.row(
                [
                    f"{row.full_name}\n{labels['rut']}: {row.rut}",
                    "\n".join(f"• {step}" for step in row.pending),
                    row.due,
                ]
            )


def _letter(pdf: FPDF, paper: ReminderPaper, letter: Letter) -> None:
    """A reminder letter to one person; their activation slip, if any, at the foot of the page."""
    pdf.set_auto_page_break(False)
    _heading(pdf, paper)
    pdf.set_font(FONT, "B", 12)
    pdf.multi_cell(
        WIDTH, 6, paper.labels["letter_greeting"].format(name=letter.full_name), new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(2)
    pdf.set_font(FONT, "", 10.5)
    for paragraph in letter.paragraphs:
        pdf.multi_cell(WIDTH, 5.2, paragraph, new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.ln(2)
    pdf.set_font(FONT, "B", 10.5)
    pdf.multi_cell(WIDTH, 5.2, paper.labels["letter_pending"], new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_font(FONT, "", 10.5)
    for step in letter.pending:
        pdf.multi_cell(WIDTH, 5.2, f"• {step}", new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(2)
    for paragraph in letter.closing:
        pdf.multi_cell(WIDTH, 5.2, paragraph, new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.ln(1)
    if letter.slip is not None and paper.slip_sheet is not None:
        top = PAGE_HEIGHT - SLIP_HEIGHT
        draw_cut_lines(pdf, top=top, rows=1)
        draw_slip(pdf, paper.slip_sheet, letter.slip, 0, top)
        pdf.set_font(FONT, "", 9)
        pdf.set_xy(105 + MARGIN, top + MARGIN + 10)
        pdf.multi_cell(105 - 2 * MARGIN, 4.5, paper.labels["letter_cut"], align="L")
