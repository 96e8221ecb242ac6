"""Importing Moodle GIFT question files into a module's draft quiz.

GIFT is the plain-text question format Moodle documents at docs.moodle.org/en/GIFT_format.
`parse_gift` turns a file's text into exchange-format questions (see `portal.quizzes.exchange`)
without touching the database; `import_gift` appends them to the end of a module's draft quiz,
so learners keep seeing the published revision until a trainer publishes the draft.

What the portal can ask (single choice, multiple choice, true/false, and Moodle's missing-word
variant of them) is imported; short answer, matching, numerical and essay questions are listed
as skipped with their line number. Any syntax error means nothing is imported.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import nh3
from flask_babel import gettext as _
from flask_babel import ngettext

from portal import audit
from portal.extensions import db
from portal.models.curriculum import Module
from portal.models.quiz import MULTIPLE, SINGLE, TRUE_FALSE, Quiz
from portal.quizzes.drafts import append_questions
from portal.quizzes.revisions import question_problems

#: What replaces the answer block in missing-word questions.
BLANK = "_____"
TRUE_WORDS = {"T", "TRUE"}
FALSE_WORDS = {"F", "FALSE"}
TEXT_FORMATS = ("moodle", "html", "plain", "markdown")
#: Positive weights adding up to 100 within this margin are "complete" (33.333 × 3 and the like).
WEIGHT_TOLERANCE = 0.5
LABEL_LENGTH = 60

# Escaped special characters become private-use placeholders while the structure is parsed,
# and are turned back into the characters they stand for in the final text (as Moodle does).
_ESCAPES = {
    "\\": "\ue05c",
    ":": "\ue03a",
    "#": "\ue023",
    "=": "\ue03d",
    "{": "\ue07b",
    "}": "\ue07d",
    "~": "\ue07e",
    "n": "\ue00a",
}
_RESTORE = str.maketrans({placeholder: ("\n" if char == "n" else char) for char, placeholder in _ESCAPES.items()})
_ESCAPE_PATTERN = re.compile(r"\\(.)")
_FORMAT_PATTERN = re.compile(r"\[(" + "|".join(TEXT_FORMATS) + r")\]")
_WEIGHT_PATTERN = re.compile(r"\s*%(-?\d+(?:[.,]\d+)?)%")
_HTML_BREAKS = re.compile(r"<br\s*/?>|</(?:p|div|li|h[1-6]|tr)\s*>", re.IGNORECASE)


@dataclass
class GiftReport:
    """What a GIFT file holds; every message is in Spanish and carries a line number."""

    #: Exchange-format questions, in file order, ready for `append_questions`.
    questions: list[dict] = field(default_factory=list)
    #: (line, description) of valid GIFT questions of a type the portal cannot ask.
    skipped: list[tuple[int, str]] = field(default_factory=list)
    #: (line, message) of things changed or ignored on the way: categories, formats, feedback.
    notices: list[tuple[int, str]] = field(default_factory=list)
    #: (line, message) of syntax errors; when there is any, nothing may be imported.
    errors: list[tuple[int, str]] = field(default_factory=list)


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


# --- Parsing -------------------------------------------------------------------------------


@dataclass
class _Block:
    """The lines of one question, comments blanked and escapes replaced by placeholders."""

    start: int
    text: str

    def line_at(self, position: int) -> int:
        return self.start + self.text.count("\n", 0, position)


@dataclass
class _Answer:
    marker: str
    weight: float | None
    text: str
    feedback: str
    html: bool

    @property
    def plainly_right(self) -> bool:
        """Marked with a bare "=", Moodle's "the right answer" of a single-choice question."""
        return self.marker == "=" and self.weight is None


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


def _blocks(text: str, report: GiftReport) -> list[_Block]:
    """Split on blank lines; blank out comments; turn category lines into notices."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[_Block] = []
    current: list[tuple[int, str]] = []

    def close() -> None:
        content = [number for number, line in current if line.strip()]
        if content:
            first = content[0]
            kept = [line for number, line in current if number >= first]
            blocks.append(_Block(start=first, text="\n".join(kept)))
        current.clear()

    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped:
            close()
        elif stripped.startswith("//"):
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
            current.append((number, _ESCAPE_PATTERN.sub(_protect, line)))
    close()
    return blocks


def _protect(match: re.Match) -> str:
    return _ESCAPES.get(match.group(1), match.group(0))


def _restore(text: str) -> str:
    return text.translate(_RESTORE)


def _split_format(text: str, default: str) -> tuple[str, str]:
    """("html", rest) for "[html]rest"; the default format when there is no known marker."""
    stripped = text.lstrip()
    match = _FORMAT_PATTERN.match(stripped)
    if match:
        return match.group(1), stripped[match.end() :]
    return default, text


def _plain(text: str, text_format: str) -> str:
    """Final text: escapes restored, HTML reduced to plain text, spaces tidied, lines kept."""
    text = _restore(text)
    if text_format == "html":
        text = _HTML_BREAKS.sub("\n", re.sub(r"\s+", " ", text))
        text = html.unescape(nh3.clean(text, tags=set()))
    lines = (re.sub(r"\s+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _label(name: str | None, question_text: str, text_format: str) -> str:
    """How messages refer to a question: its GIFT name, or the start of its text."""
    if name:
        return name
    text = " ".join(_plain(question_text, text_format).split())
    return text if len(text) <= LABEL_LENGTH else text[: LABEL_LENGTH - 1].rstrip() + "…"


@dataclass
class _Parsed:
    """A question's answers as the portal represents them, before the prompt is added."""

    kind: str
    choices: list[dict]
    #: Built from the right answers' feedback; a general feedback replaces it.
    explanation: str = ""
    #: Per-answer feedback texts used in `explanation`, and present in all.
    feedback_used: int = 0
    feedback_present: int = 0
    html: bool = False
    messages: list[str] = field(default_factory=list)


def _parse_question(block: _Block, report: GiftReport) -> None:
    text = block.text
    errors_before = len(report.errors)

    def error(position: int | None, message: str) -> None:
        report.errors.append((block.start if position is None else block.line_at(position), message))

    body = len(text) - len(text.lstrip())
    name = None
    if text.startswith("::", body):
        end = text.find("::", body + 2)
        if end == -1:
            error(body, _("El nombre de la pregunta empieza con «::» pero no termina con «::»."))
            return
        name = " ".join(_restore(text[body + 2 : end]).split()) or None
        body = end + 2

    stray_close = _("Hay una llave de cierre «}» sin su llave de apertura «{». Si es parte del texto, escríbala «\\}».")
    braces = [(match.start(), match.group()) for match in re.finditer(r"[{}]", text) if match.start() >= body]
    if not braces:
        error(
            None,
            _("La pregunta no tiene respuestas: escríbalas entre llaves, por ejemplo {=correcta ~incorrecta}."),
        )
        return
    open_position, brace = braces[0]
    if brace == "}":
        error(open_position, stray_close)
        return
    if len(braces) == 1:
        error(
            open_position,
            _("Falta la llave de cierre «}» del bloque de respuestas que empieza en esta línea."),
        )
        return
    close_position, brace = braces[1]
    if brace == "{":
        error(
            close_position,
            _("Se abre una llave «{» dentro del bloque de respuestas. Si es parte del texto, escríbala «\\{»."),
        )
        return
    if len(braces) > 2:
        extra, brace = braces[2]
        if brace == "{":
            error(
                extra,
                _("La pregunta tiene más de un bloque de respuestas. ¿Falta una línea en blanco entre dos preguntas?"),
            )
        else:
            error(extra, stray_close)
        return

    before = text[body:open_position]
    answers_text = text[open_position + 1 : close_position]
    after = text[close_position + 1 :]
    question_format, question_text = _split_format(before, "moodle")
    if after.strip():  # Missing word: the answers go where the blank is.
        question_text = question_text + BLANK + after
    label = _label(name, question_text, question_format)
    general = ""
    general_at = answers_text.rfind("####")
    if general_at != -1:
        general = answers_text[general_at + 4 :]
        answers_text = answers_text[:general_at]
    general_format, general = _split_format(general, question_format)
    offset = open_position + 1
    head = answers_text.strip()

    if not head:
        report.skipped.append((block.start, _("ensayo (respuesta abierta) «%(label)s»", label=label)))
        return
    if head.startswith("#"):
        report.skipped.append((block.start, _("numérica «%(label)s»", label=label)))
        return
    if "~" in head:
        parsed = _multiple_choice(answers_text, offset, block, report, question_format, label)
    elif head.startswith("=") and "->" in head:
        report.skipped.append((block.start, _("emparejamiento «%(label)s»", label=label)))
        return
    elif head.startswith("="):
        report.skipped.append((block.start, _("respuesta corta «%(label)s»", label=label)))
        return
    else:
        parsed = _true_false(answers_text, offset, block, report, question_format)
    if parsed is None:
        return

    prompt = _plain(question_text, question_format)
    if not prompt:
        error(None, _("La pregunta no tiene enunciado."))
    if len(report.errors) > errors_before:
        return
    general = _plain(general, general_format)
    explanation = general or parsed.explanation
    dropped = parsed.feedback_present - (0 if general else parsed.feedback_used)
    question = {
        "kind": parsed.kind,
        "prompt": prompt,
        "explanation": explanation,
        "choices": parsed.choices,
    }
    problems = question_problems(question)
    if problems:
        for problem in problems:
            error(None, problem)
        return

    if "html" in (question_format, general_format) or parsed.html:
        report.notices.append((block.start, _("«%(label)s»: el texto HTML se convirtió a texto simple.", label=label)))
    if question_format == "markdown":
        report.notices.append(
            (
                block.start,
                _(
                    "«%(label)s»: el texto Markdown se importó tal cual; el portal muestra los "
                    "enunciados como texto simple.",
                    label=label,
                ),
            )
        )
    for message in parsed.messages:
        report.notices.append((block.start, _("«%(label)s»: %(message)s", label=label, message=message)))
    if dropped:
        report.notices.append(
            (
                block.start,
                ngettext(
                    "«%(label)s»: el portal no muestra comentarios por alternativa; se descartó %(num)d comentario.",
                    "«%(label)s»: el portal no muestra comentarios por alternativa; se "
                    "descartaron %(num)d comentarios.",
                    dropped,
                    label=label,
                ),
            )
        )
    report.questions.append(question)


def _true_false(
    answers_text: str, offset: int, block: _Block, report: GiftReport, question_format: str
) -> _Parsed | None:
    """{T}, {TRUE}, {F}, {FALSE}, optionally {T#feedback if wrong#feedback if right}."""
    parts = answers_text.split("#")
    words = parts[0].split(None, 1)
    line = block.line_at(offset + len(answers_text) - len(answers_text.lstrip()))
    word = words[0].upper() if words else ""
    if word not in TRUE_WORDS | FALSE_WORDS:
        report.errors.append(
            (
                line,
                _(
                    "No se reconocen las respuestas «%(text)s»: cada alternativa empieza con "
                    "«=» (correcta) o «~» (incorrecta), y una pregunta de verdadero o falso "
                    "lleva {T} o {F}.",
                    text=" ".join(_restore(parts[0]).split()),
                ),
            )
        )
        return None
    if len(words) > 1:
        report.errors.append(
            (
                line,
                _(
                    "Una pregunta de verdadero o falso lleva solo T, TRUE, F o FALSE entre llaves; sobra «%(extra)s».",
                    extra=" ".join(_restore(words[1]).split()),
                ),
            )
        )
        return None
    if len(parts) > 3:
        report.errors.append(
            (
                line,
                _(
                    "Una pregunta de verdadero o falso admite a lo más dos comentarios "
                    "({T#si responde mal#si responde bien}); escriba «\\#» si el signo es parte "
                    "del texto."
                ),
            )
        )
        return None
    uses_html = False
    feedback = []
    for part in parts[1:]:
        part_format, part_text = _split_format(part, question_format)
        uses_html = uses_html or part_format == "html"
        feedback.append(_plain(part_text, part_format))
    wrong_feedback = feedback[0] if feedback else ""
    right_feedback = feedback[1] if len(feedback) > 1 else ""
    truth = word in TRUE_WORDS
    # The right answer's feedback explains best; Moodle's examples often give only the
    # wrong answer's ("No, he's buried in Grant's tomb."), which explains the truth too.
    explanation = right_feedback or wrong_feedback
    return _Parsed(
        kind=TRUE_FALSE,
        choices=[{"text": "Verdadero", "correct": truth}, {"text": "Falso", "correct": not truth}],
        explanation=explanation,
        feedback_used=1 if explanation else 0,
        feedback_present=sum(1 for text in feedback if text),
        html=uses_html,
    )


def _multiple_choice(
    answers_text: str,
    offset: int,
    block: _Block,
    report: GiftReport,
    question_format: str,
    label: str,
) -> _Parsed | None:
    """{=right ~wrong ~wrong} (single choice) or {~%50%a ~%50%b ~%-100%c} (weights)."""
    errors_before = len(report.errors)
    markers = list(re.finditer(r"[=~]", answers_text))
    lead = answers_text[: markers[0].start()]
    if lead.strip():
        report.errors.append(
            (
                block.line_at(offset + len(lead) - len(lead.lstrip())),
                _(
                    "Hay texto antes de la primera alternativa: «%(text)s». Cada alternativa "
                    "empieza con «=» (correcta) o «~» (incorrecta).",
                    text=" ".join(_restore(lead).split()),
                ),
            )
        )
    answers: list[_Answer] = []
    for index, marker in enumerate(markers):
        end = markers[index + 1].start() if index + 1 < len(markers) else len(answers_text)
        segment = answers_text[marker.end() : end]
        line = block.line_at(offset + marker.start())
        weight = None
        if segment.lstrip().startswith("%"):
            match = _WEIGHT_PATTERN.match(segment)
            if match is None:
                report.errors.append(
                    (
                        line,
                        _(
                            "El peso de la alternativa «%(text)s» está mal escrito: use un "
                            "número entre signos de porcentaje, por ejemplo «~%%50%%».",
                            text=" ".join(_restore(segment).split()),
                        ),
                    )
                )
                continue
            weight = float(match.group(1).replace(",", "."))
            if not -100 <= weight <= 100:
                report.errors.append(
                    (
                        line,
                        _(
                            "El peso %(weight)s %% está fuera del rango permitido (de -100 a 100).",
                            weight=match.group(1),
                        ),
                    )
                )
                continue
            segment = segment[match.end() :]
        choice, _hash, feedback = segment.partition("#")
        choice_format, choice = _split_format(choice, question_format)
        feedback_format, feedback = _split_format(feedback, question_format)
        choice_text = _plain(choice, choice_format)
        if not choice_text:
            report.errors.append((line, _("Hay una alternativa sin texto.")))
            continue
        answers.append(
            _Answer(
                marker=marker.group(),
                weight=weight,
                text=choice_text,
                feedback=_plain(feedback, feedback_format),
                html="html" in (choice_format, feedback_format),
            )
        )
    if len(report.errors) > errors_before:
        return None
    if len(answers) < 2:
        report.errors.append((block.start, _("Una pregunta de alternativas necesita al menos dos alternativas.")))
        return None

    messages = []
    if any(answer.plainly_right for answer in answers):
        # Moodle: a bare "=" makes a single-choice question; other positive weights give
        # partial credit there, which the portal does not.
        right = {index for index, answer in enumerate(answers) if answer.plainly_right or answer.weight == 100}
        if len(right) > 1:
            report.skipped.append(
                (
                    block.start,
                    _("selección única con varias respuestas correctas «%(label)s»", label=label),
                )
            )
            return None
        kind = SINGLE
        messages.extend(
            _(
                "la alternativa «%(text)s» daba crédito parcial (%(weight)s %%); se importó como incorrecta.",
                text=answer.text,
                weight=f"{answer.weight:g}",
            )
            for index, answer in enumerate(answers)
            if index not in right and answer.weight is not None and answer.weight > 0
        )
    else:
        right = {index for index, answer in enumerate(answers) if answer.weight is not None and answer.weight > 0}
        if not right:
            report.errors.append(
                (
                    block.start,
                    _(
                        "Ninguna alternativa es correcta: marque la correcta con «=» o dé pesos "
                        "positivos, por ejemplo «~%50%»."
                    ),
                )
            )
            return None
        kind = SINGLE if len(right) == 1 else MULTIPLE
        total = sum(answers[index].weight for index in right)
        if abs(total - 100) > WEIGHT_TOLERANCE:
            messages.append(
                _(
                    "los pesos positivos suman %(total)s %%, no 100 %%; se importaron como "
                    "correctas las alternativas con peso positivo.",
                    total=f"{total:g}",
                )
            )
    right_feedback = [answers[index].feedback for index in sorted(right) if answers[index].feedback]
    return _Parsed(
        kind=kind,
        choices=[{"text": answer.text, "correct": index in right} for index, answer in enumerate(answers)],
        explanation=" ".join(right_feedback),
        feedback_used=len(right_feedback),
        feedback_present=sum(1 for answer in answers if answer.feedback),
        html=any(answer.html for answer in answers),
        messages=messages,
    )
