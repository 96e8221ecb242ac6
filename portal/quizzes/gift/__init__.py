"""Importing Moodle GIFT question files into a module's draft quiz.

GIFT is the plain-text question format Moodle documents at docs.moodle.org/en/GIFT_format.
`parse_gift` turns a file's text into exchange-format questions (see `portal.quizzes.exchange`)
without touching the database; `import_gift` appends them to the end of a module's draft quiz,
so learners keep seeing the published revision until a trainer publishes the draft.

What the portal can ask (single choice, multiple choice, true/false, and Moodle's missing-word
variant of them) is imported; short answer, matching, numerical and essay questions are listed
as skipped with their line number. Any syntax error means nothing is imported.

This module is the importer's entry point; the parser lives beside it: text.py (escapes, formats, the
report), parsing.py (blocks, a question's structure) and answers.py (true/false and choice answers).
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from portal import audit
from portal.extensions import db
from portal.models.curriculum import Module
from portal.models.quiz import Quiz
from portal.quizzes.drafts import append_questions
from portal.quizzes.gift.parsing import parse_gift
from portal.quizzes.gift.text import GiftReport


class GiftImportError(ValueError):
    """The file has syntax errors; `report.errors` lists them and nothing was stored."""

    def __init__(self, report: GiftReport):
        super().__init__("; ".join(f"línea {line}: {message}" for line, message in report.errors))
        self.report = report


class GiftDecodeError(ValueError):
    """The file is not UTF-8 text; the message says where, in Spanish."""


def decode_gift(data: bytes) -> str:
    """The text of an uploaded or read GIFT file: UTF-8, with or without a byte order mark."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise GiftDecodeError(
            _(
                "El archivo no está en UTF-8 (línea %(line)d). Guárdelo como texto UTF-8 e inténtelo de nuevo.",
                line=line,
            )
        ) from None


def import_gift(
    module: Module, text: str, *, actor_id: int | None = None, via: str, dry_run: bool = False
) -> GiftReport:
    """Parse `text` and append its questions to the end of `module`'s draft quiz (flushes).

    All or nothing: raises GiftImportError, storing nothing, when the file has any error.
    A dry run only parses. The published revision is left alone either way; one audit event
    records a real import that added questions.
    """
    report = parse_gift(text)
    if report.errors:
        raise GiftImportError(report)
    if dry_run or not report.questions:
        return report
    quiz = module.quiz
    if quiz is None:
        quiz = Quiz(module=module)
        db.session.add(quiz)
        db.session.flush()
    append_questions(quiz, report.questions)
    audit.record(
        "quiz.gift_imported",
        actor_id=actor_id,
        module=module.slug,
        questions=len(report.questions),
        skipped=len(report.skipped),
        via=via,
    )
    return report


def summary_lines(report: GiftReport, *, dry_run: bool) -> list[str]:
    """The outcome of a (possibly simulated) successful import, as lines of Spanish text."""
    count = len(report.questions)
    if dry_run:
        lines = [
            ngettext(
                "Se importaría %(num)d pregunta al borrador del cuestionario.",
                "Se importarían %(num)d preguntas al borrador del cuestionario.",
                count,
            )
        ]
    else:
        lines = [
            ngettext(
                "Se importó %(num)d pregunta al borrador del cuestionario.",
                "Se importaron %(num)d preguntas al borrador del cuestionario.",
                count,
            )
        ]
    if report.skipped:
        lines.append(
            ngettext(
                "Se omitió %(num)d pregunta de un tipo que el portal no admite:",
                "Se omitieron %(num)d preguntas de tipos que el portal no admite:",
                len(report.skipped),
            )
        )
        lines.extend(_("  línea %(line)d: %(text)s", line=line, text=text) for line, text in report.skipped)
    if report.notices:
        lines.append(_("Avisos:"))
        lines.extend(_("  línea %(line)d: %(text)s", line=line, text=text) for line, text in report.notices)
    if dry_run:
        lines.append(_("Simulación: no se guardó nada."))
    elif count:
        lines.append(_("Las personas siguen viendo la versión publicada hasta que se publique el borrador."))
    return lines
