"""A GIFT answer block read into the portal's choices: true/false, or single or multiple choice."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _

from portal.models.quiz import MULTIPLE, SINGLE, TRUE_FALSE
from portal.quizzes.gift.text import (
    FALSE_WORDS,
    TRUE_WORDS,
    WEIGHT_TOLERANCE,
    Block,
    GiftReport,
    Parsed,
    plain,
    restore,
    split_format,
)

_WEIGHT_PATTERN = re.compile(r"\s*%(-?\d+(?:[.,]\d+)?)%")


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


class _Refused(ValueError):
    """One alternative cannot be read; the message says why, in Spanish."""


# --- True or false ---------------------------------------------------------------------


def true_false(answers_text: str, offset: int, block: Block, report: GiftReport, question_format: str) -> Parsed | None:
    """{T}, {TRUE}, {F}, {FALSE}, optionally {T#feedback if wrong#feedback if right}."""
    parts = answers_text.split("#")
    words = parts[0].split(None, 1)
    word = words[0].upper() if words else ""
    problem = _true_false_problem(parts, words, word)
    if problem:
        report.errors.append((block.line_at(offset + len(answers_text) - len(answers_text.lstrip())), problem))
        return None
    uses_html = False
    feedback = []
    for part in parts[1:]:
        part_format, part_text = split_format(part, question_format)
        uses_html = uses_html or part_format == "html"
        feedback.append(plain(part_text, part_format))
    wrong_feedback = feedback[0] if feedback else ""
    right_feedback = feedback[1] if len(feedback) > 1 else ""
    truth = word in TRUE_WORDS
    # The right answer's feedback explains best; Moodle's examples often give only the
    # wrong answer's ("No, he's buried in Grant's tomb."), which explains the truth too.
    explanation = right_feedback or wrong_feedback
    return Parsed(
        kind=TRUE_FALSE,
        choices=[{"text": "Verdadero", "correct": truth}, {"text": "Falso", "correct": not truth}],
        explanation=explanation,
        feedback_used=1 if explanation else 0,
        feedback_present=sum(1 for text in feedback if text),
        html=uses_html,
    )


def _true_false_problem(parts: list[str], words: list[str], word: str) -> str | None:
    """Why the block is not a true/false answer (in Spanish), or None when it is one."""
    if word not in TRUE_WORDS | FALSE_WORDS:
        return _(
            "No se reconocen las respuestas «%(text)s»: cada alternativa empieza con "
            "«=» (correcta) o «~» (incorrecta), y una pregunta de verdadero o falso "
            "lleva {T} o {F}.",
            text=" ".join(restore(parts[0]).split()),
        )
    if len(words) > 1:
        return _(
            "Una pregunta de verdadero o falso lleva solo T, TRUE, F o FALSE entre llaves; sobra «%(extra)s».",
            extra=" ".join(restore(words[1]).split()),
        )
    if len(parts) > 3:
        return _(
            "Una pregunta de verdadero o falso admite a lo más dos comentarios "
            "({T#si responde mal#si responde bien}); escriba «\\#» si el signo es parte "
            "del texto."
        )
    return None


# --- Single or multiple choice ---------------------------------------------------------


def multiple_choice(
    answers_text: str,
    offset: int,
    block: Block,
    report: GiftReport,
    question_format: str,
    label: str,
) -> Parsed | None:
    """{=right ~wrong ~wrong} (single choice) or {~%50%a ~%50%b ~%-100%c} (weights)."""
    errors_before = len(report.errors)
    answers = _alternatives(answers_text, offset, block, report, question_format)
    if len(report.errors) > errors_before:
        return None
    if len(answers) < 2:
        report.errors.append((block.start, _("Una pregunta de alternativas necesita al menos dos alternativas.")))
        return None
    if any(answer.plainly_right for answer in answers):
        chosen = _single_choice(answers, block, report, label)
    else:
        chosen = _weighted_choice(answers, block, report)
    if chosen is None:
        return None
    kind, right, messages = chosen
    right_feedback = [answers[index].feedback for index in sorted(right) if answers[index].feedback]
    return Parsed(
        kind=kind,
        choices=[{"text": answer.text, "correct": index in right} for index, answer in enumerate(answers)],
        explanation=" ".join(right_feedback),
        feedback_used=len(right_feedback),
        feedback_present=sum(1 for answer in answers if answer.feedback),
        html=any(answer.html for answer in answers),
        messages=messages,
    )


def _alternatives(
    answers_text: str, offset: int, block: Block, report: GiftReport, question_format: str
) -> list[_Answer]:
    """The alternatives that could be read; an error in the report for each one that could not."""
    markers = list(re.finditer(r"[=~]", answers_text))
    lead = answers_text[: markers[0].start()]
    if lead.strip():
        report.errors.append(
            (
                block.line_at(offset + len(lead) - len(lead.lstrip())),
                _(
                    "Hay texto antes de la primera alternativa: «%(text)s». Cada alternativa "
                    "empieza con «=» (correcta) o «~» (incorrecta).",
                    text=" ".join(restore(lead).split()),
                ),
            )
        )
    answers: list[_Answer] = []
    for index, marker in enumerate(markers):
        end = markers[index + 1].start() if index + 1 < len(markers) else len(answers_text)
        try:
            answers.append(_alternative(marker.group(), answers_text[marker.end() : end], question_format))
        except _Refused as refusal:
            report.errors.append((block.line_at(offset + marker.start()), str(refusal)))
    return answers


def _alternative(marker: str, segment: str, question_format: str) -> _Answer:
    """One alternative after its "=" or "~": an optional %weight%, the text, an optional #feedback.

    Raises _Refused when the weight is malformed or out of range, or the text is empty.
    """
    weight = None
    if segment.lstrip().startswith("%"):
        match = _WEIGHT_PATTERN.match(segment)
        if match is None:
            raise _Refused(
                _(
                    "El peso de la alternativa «%(text)s» está mal escrito: use un "
                    "número entre signos de porcentaje, por ejemplo «~%%50%%».",
                    text=" ".join(restore(segment).split()),
                )
            )
        weight = float(match.group(1).replace(",", "."))
        if not -100 <= weight <= 100:
            raise _Refused(
                _("El peso %(weight)s %% está fuera del rango permitido (de -100 a 100).", weight=match.group(1))
            )
        segment = segment[match.end() :]
    choice, _hash, feedback = segment.partition("#")
    choice_format, choice = split_format(choice, question_format)
    feedback_format, feedback = split_format(feedback, question_format)
    choice_text = plain(choice, choice_format)
    if not choice_text:
        raise _Refused(_("Hay una alternativa sin texto."))
    return _Answer(
        marker=marker,
        weight=weight,
        text=choice_text,
        feedback=plain(feedback, feedback_format),
        html="html" in (choice_format, feedback_format),
    )


def _single_choice(
    answers: list[_Answer], block: Block, report: GiftReport, label: str
) -> tuple[str, set[int], list[str]] | None:
    """Moodle: a bare "=" makes a single-choice question; other positive weights give
    partial credit there, which the portal does not. None (skipped) with several right answers."""
    right = {index for index, answer in enumerate(answers) if answer.plainly_right or answer.weight == 100}
    if len(right) > 1:
        report.skipped.append(
            (
                block.start,
                _("selección única con varias respuestas correctas «%(label)s»", label=label),
            )
        )
        return None
    messages = [
        _(
            "la alternativa «%(text)s» daba crédito parcial (%(weight)s %%); se importó como incorrecta.",
            text=answer.text,
            weight=f"{answer.weight:g}",
        )
        for index, answer in enumerate(answers)
        if index not in right and answer.weight is not None and answer.weight > 0
    ]
    return SINGLE, right, messages


def _weighted_choice(
    answers: list[_Answer], block: Block, report: GiftReport
) -> tuple[str, set[int], list[str]] | None:
    """Weights only: every alternative with a positive weight is right. None (an error) when none is."""
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
    messages = []
    total = sum(answers[index].weight for index in right)
    if abs(total - 100) > WEIGHT_TOLERANCE:
        messages.append(
            _(
                "los pesos positivos suman %(total)s %%, no 100 %%; se importaron como "
                "correctas las alternativas con peso positivo.",
                total=f"{total:g}",
            )
        )
    return (SINGLE if len(right) == 1 else MULTIPLE), right, messages
