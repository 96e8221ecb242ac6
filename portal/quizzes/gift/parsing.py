"""GIFT text read into exchange-format questions: blocks, each question's name, text and answer block."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext

from portal.quizzes.gift.answers import multiple_choice, true_false
from portal.quizzes.gift.text import (
    BLANK,
    ESCAPE_PATTERN,
    Block,
    GiftReport,
    Parsed,
    label_of,
    plain,
    protect,
    restore,
    split_format,
)
from portal.quizzes.revisions import question_problems, question_values

#: Moodle writes a question's tags in a comment before it: "// [tag:Transparencia] [tag:Inclusión]".
TAG_PATTERN = re.compile(r"\[tag:([^\]]+)\]")


def parse_gift(text: str) -> GiftReport:
    """Read GIFT text into exchange-format questions, skipped questions, notices and errors."""
    report = GiftReport()
    for block in _blocks(text.removeprefix("\ufeff"), report):
        _parse_question(block, report)
    if not report.questions and not report.skipped and not report.errors:
        report.errors.append((1, _("El archivo no contiene preguntas.")))
    report.errors = list(dict.fromkeys(report.errors))  # "{~ ~}" has two empty alternatives
    for messages in (report.skipped, report.notices, report.errors):
        messages.sort(key=lambda message: message[0])
    return report


def _blocks(text: str, report: GiftReport) -> list[Block]:
    """Split on blank lines; blank out comments; turn category lines into notices."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[Block] = []
    current: list[tuple[int, str]] = []
    tags: list[str] = []

    def close() -> None:
        content = [number for number, line in current if line.strip()]
        if content:
            first = content[0]
            kept = [line for number, line in current if number >= first]
            blocks.append(Block(start=first, text="\n".join(kept), tags=tuple(tags)))
        current.clear()
        tags.clear()

    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped:
            close()
        elif stripped.startswith("//"):
            tags.extend(tag.strip() for tag in TAG_PATTERN.findall(stripped))
            current.append((number, ""))
        elif stripped.startswith("$CATEGORY:"):
            category = stripped.removeprefix("$CATEGORY:").strip()
            report.notices.append(
                (
                    number,
                    _(
                        "Se ignoró la categoría «%(category)s»: las preguntas se agregan al cuestionario del módulo.",
                        category=category,
                    ),
                )
            )
            current.append((number, ""))
        else:
            current.append((number, ESCAPE_PATTERN.sub(protect, line)))
    close()
    return blocks


class _Malformed(ValueError):
    """The question's structure is wrong; `position` is where in the block (None: its first line)."""

    def __init__(self, position: int | None, message: str):
        super().__init__(message)
        self.position = position


@dataclass
class _Parts:
    """A question split around its answer block ("::name:: before {answers} after")."""

    name: str | None
    before: str
    answers: str
    after: str
    #: Where the answer block's text starts within the block.
    offset: int


def _parse_question(block: Block, report: GiftReport) -> None:
    """Add the block's question to the report, or say why it is skipped or wrong."""
    errors_before = len(report.errors)

    def error(position: int | None, message: str) -> None:
        report.errors.append((block.start if position is None else block.line_at(position), message))

    try:
        parts = _split_question(block.text)
    except _Malformed as malformed:
        error(malformed.position, str(malformed))
        return
    question_format, question_text = split_format(parts.before, "moodle")
    if parts.after.strip():  # Missing word: the answers go where the blank is.
        question_text = question_text + BLANK + parts.after
    label = label_of(parts.name, question_text, question_format)
    answers_text, general = parts.answers, ""
    general_at = answers_text.rfind("####")
    if general_at != -1:
        general = answers_text[general_at + 4 :]
        answers_text = answers_text[:general_at]
    general_format, general = split_format(general, question_format)
    parsed = _answers(answers_text, parts.offset, block, report, question_format, label)
    if parsed is None:
        return

    prompt = plain(question_text, question_format)
    if not prompt:
        error(None, _("La pregunta no tiene enunciado."))
    if len(report.errors) > errors_before:
        return
    general = plain(general, general_format)
    question = {
        "kind": parsed.kind,
        "prompt": prompt,
        "explanation": general or parsed.explanation,
        "choices": parsed.choices,
    }
    # Moodle's tags that name an institutional value tag the question with it; other tags mean nothing here.
    if values := question_values({"values": list(block.tags)}):
        question["values"] = values
    problems = question_problems(question)
    if problems:
        for problem in problems:
            error(None, problem)
        return
    dropped = parsed.feedback_present - (0 if general else parsed.feedback_used)
    _add_notices(report, block.start, label, parsed, (question_format, general_format), dropped)
    report.questions.append(question)


def _split_question(text: str) -> _Parts:
    """The question's name, the text around its answer block and the block itself.

    Raises _Malformed for an unfinished name, a missing, unbalanced or second answer block.
    """
    body = len(text) - len(text.lstrip())
    name = None
    if text.startswith("::", body):
        end = text.find("::", body + 2)
        if end == -1:
            raise _Malformed(body, _("El nombre de la pregunta empieza con «::» pero no termina con «::»."))
        name = " ".join(restore(text[body + 2 : end]).split()) or None
        body = end + 2
    open_position, close_position = _answer_braces(text, body)
    return _Parts(
        name=name,
        before=text[body:open_position],
        answers=text[open_position + 1 : close_position],
        after=text[close_position + 1 :],
        offset=open_position + 1,
    )


def _answer_braces(text: str, body: int) -> tuple[int, int]:
    """Where the answer block's "{" and "}" are; raises _Malformed unless there is exactly one pair."""
    stray_close = _("Hay una llave de cierre «}» sin su llave de apertura «{». Si es parte del texto, escríbala «\\}».")
    braces = [(match.start(), match.group()) for match in re.finditer(r"[{}]", text) if match.start() >= body]
    if not braces:
        raise _Malformed(
            None,
            _("La pregunta no tiene respuestas: escríbalas entre llaves, por ejemplo {=correcta ~incorrecta}."),
        )
    open_position, brace = braces[0]
    if brace == "}":
        raise _Malformed(open_position, stray_close)
    if len(braces) == 1:
        raise _Malformed(
            open_position, _("Falta la llave de cierre «}» del bloque de respuestas que empieza en esta línea.")
        )
    close_position, brace = braces[1]
    if brace == "{":
        raise _Malformed(
            close_position,
            _("Se abre una llave «{» dentro del bloque de respuestas. Si es parte del texto, escríbala «\\{»."),
        )
    if len(braces) > 2:
        extra, brace = braces[2]
        if brace == "{":
            raise _Malformed(
                extra,
                _("La pregunta tiene más de un bloque de respuestas. ¿Falta una línea en blanco entre dos preguntas?"),
            )
        raise _Malformed(extra, stray_close)
    return open_position, close_position


def _answers(
    answers_text: str, offset: int, block: Block, report: GiftReport, question_format: str, label: str
) -> Parsed | None:
    """The answer block read by the kind it is; None when the kind is skipped or the block has errors."""
    head = answers_text.strip()
    unsupported = _unsupported_kind(head, label)
    if unsupported:
        report.skipped.append((block.start, unsupported))
        return None
    if "~" in head:
        return multiple_choice(answers_text, offset, block, report, question_format, label)
    return true_false(answers_text, offset, block, report, question_format)


def _unsupported_kind(head: str, label: str) -> str | None:
    """How the report lists a valid GIFT question the portal cannot ask; None for the kinds it can."""
    if not head:
        return _("«%(label)s» (ensayo, de respuesta abierta)", label=label)
    if head.startswith("#"):
        return _("«%(label)s» (numérica)", label=label)
    if "~" in head:
        return None
    if head.startswith("=") and "->" in head:
        return _("«%(label)s» (emparejamiento)", label=label)
    if head.startswith("="):
        return _("«%(label)s» (respuesta corta)", label=label)
    return None


def _add_notices(
    report: GiftReport, line: int, label: str, parsed: Parsed, formats: tuple[str, str], dropped: int
) -> None:
    """What changed on the way in: HTML or Markdown text, partial credit, per-answer feedback dropped."""
    question_format = formats[0]
    if "html" in formats or parsed.html:
        report.notices.append((line, _("«%(label)s»: el texto HTML se convirtió a texto simple.", label=label)))
    if question_format == "markdown":
        report.notices.append(
            (
                line,
                _(
                    "«%(label)s»: el texto Markdown se importó tal cual; el portal muestra los "
                    "enunciados como texto simple.",
                    label=label,
                ),
            )
        )
    for message in parsed.messages:
        report.notices.append((line, _("«%(label)s»: %(message)s", label=label, message=message)))
    if dropped:
        report.notices.append(
            (
                line,
                ngettext(
                    "«%(label)s»: el portal no muestra comentarios por alternativa; se descartó %(num)d comentario.",
                    "«%(label)s»: el portal no muestra comentarios por alternativa; se "
                    "descartaron %(num)d comentarios.",
                    dropped,
                    label=label,
                ),
            )
        )
