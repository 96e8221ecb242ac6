"""Freezing quiz content into revisions, and checking that questions are usable."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.content import institutional_text
from portal.extensions import db
from portal.models.quiz import (
    MULTIPLE,
    QUESTION_KINDS,
    TRUE_FALSE,
    Quiz,
    QuizRevision,
    RevisionChoice,
    RevisionQuestion,
)
from portal.vocabulary import AnswerVisibility


def question_problems(question: dict) -> list[str]:
    """Return what makes a question unusable, in Spanish; empty when it can be published."""
    problems = []
    kind = question.get("kind")
    if not isinstance(kind, str) or kind not in QUESTION_KINDS:
        problems.append(_("Tipo de pregunta desconocido: %(kind)s.", kind=str(kind)[:40]))
    prompt = question.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        problems.append(_("La pregunta no tiene enunciado."))
    if not isinstance(question.get("explanation") or "", str):
        problems.append(_("La explicación debe ser texto."))
    problems.extend(value_problems(question.get("values")))
    choices = question.get("choices") or []
    if not isinstance(choices, list) or not all(isinstance(choice, dict) for choice in choices):
        return [*problems, _("Las alternativas deben ser una lista de objetos con «text» y «correct».")]
    if len(choices) < 2:
        problems.append(_("La pregunta necesita al menos dos alternativas."))
    if any(not isinstance(choice.get("text"), str) or not choice["text"].strip() for choice in choices):
        problems.append(_("Hay una alternativa sin texto."))
    right = sum(1 for choice in choices if choice.get("correct") is True)
    if right == 0:
        problems.append(_("Ninguna alternativa está marcada como correcta."))
    elif kind != MULTIPLE and right > 1:
        problems.append(_("Una pregunta de respuesta única no puede tener más de una alternativa correcta."))
    if kind == TRUE_FALSE and len(choices) != 2:
        problems.append(_("Una pregunta de verdadero o falso tiene exactamente dos alternativas."))
    return problems


def value_problems(values) -> list[str]:
    """What is wrong with a question's value tags: a list of the seed's value names, or nothing."""
    if values is None:
        return []
    known = institutional_text().values
    if not isinstance(values, list) or not all(isinstance(name, str) for name in values):
        return [_("Los valores de la pregunta deben ser una lista de nombres.")]
    unknown = [name for name in values if name not in known]
    if unknown:
        return [
            _(
                "Valor institucional desconocido: %(names)s. Los valores son: %(known)s.",
                names=", ".join(name[:60] for name in unknown[:3]),
                known=", ".join(known),
            )
        ]
    return []


def question_values(question: dict) -> list[str]:
    """The question's value tags, each once, in the seed's order."""
    tagged = set(question.get("values") or ())
    return [name for name in institutional_text().values if name in tagged]


def settings_problems(
    pass_mark,
    max_attempts=None,
    pool_size=None,
    question_count: int | None = None,
    show_answers=AnswerVisibility.AFTER_PASS,
) -> dict[str, str]:
    """Return {setting: problem in Spanish} for quiz settings that cannot be used."""
    problems = {}
    if show_answers not in tuple(AnswerVisibility):
        problems["show_answers"] = _(
            "«show_answers» debe ser uno de: %(names)s.", names=", ".join(map(str, AnswerVisibility))
        )
    if not isinstance(pass_mark, int) or isinstance(pass_mark, bool) or not 0 < pass_mark <= 100:
        problems["pass_mark"] = _("La nota de aprobación debe estar entre 1 y 100 %.")
    if max_attempts is not None and (not isinstance(max_attempts, int) or max_attempts < 1):
        problems["max_attempts"] = _("Los intentos permitidos deben ser al menos 1, o ilimitados.")
    if pool_size is not None:
        if not isinstance(pool_size, int) or pool_size < 1:
            problems["pool_size"] = _("Cada intento debe sacar al menos una pregunta.")
        elif question_count is not None and pool_size > question_count:
            problems["pool_size"] = _(
                "El sorteo pide %(m)d preguntas, pero el cuestionario tiene %(n)d.", m=pool_size, n=question_count
            )
    return problems


def publish_revision(
    quiz: Quiz,
    pass_mark: int,
    questions: list[dict],
    *,
    max_attempts: int | None = None,
    shuffle_choices: bool = True,
    shuffle_questions: bool = True,
    show_answers: str = AnswerVisibility.AFTER_PASS,
    pool_size: int | None = None,
    published_by_id: int | None = None,
) -> QuizRevision:
    """Freeze `questions` (exchange-format dicts) and settings as the next revision (flushes).

    Raises ValueError when a setting is out of range or a question is unusable.
    """
    problems = settings_problems(pass_mark, max_attempts, pool_size, len(questions), show_answers)
    if problems:
        raise ValueError(" ".join(problems.values()))
    if not questions:
        raise ValueError(_("El cuestionario necesita al menos una pregunta."))
    for number, question in enumerate(questions, start=1):
        problems = question_problems(question)
        if problems:
            raise ValueError(_("Pregunta %(n)d: %(problems)s", n=number, problems=" ".join(problems)))
    latest = db.session.scalar(select(func.max(QuizRevision.number)).where(QuizRevision.quiz_id == quiz.id))
    revision = QuizRevision(
        quiz=quiz,
        number=(latest or 0) + 1,
        pass_mark=int(pass_mark),
        max_attempts=max_attempts,
        shuffle_choices=shuffle_choices,
        shuffle_questions=shuffle_questions,
        show_answers=AnswerVisibility(show_answers),
        pool_size=pool_size,
        published_by_id=published_by_id,
    )
    for position, question in enumerate(questions, start=1):
        revision.questions.append(
            RevisionQuestion(
                position=position,
                kind=question["kind"],
                prompt=question["prompt"].strip(),
                explanation=(question.get("explanation") or "").strip(),
                value_tags="\n".join(question_values(question)),
                choices=[
                    RevisionChoice(position=index, text=choice["text"].strip(), correct=choice["correct"])
                    for index, choice in enumerate(question["choices"], start=1)
                ],
            )
        )
    db.session.add(revision)
    db.session.flush()
    return revision


def latest_revision(quiz_id: int) -> QuizRevision | None:
    """The revision new attempts use: the highest number."""
    return db.session.scalar(
        select(QuizRevision).where(QuizRevision.quiz_id == quiz_id).order_by(QuizRevision.number.desc()).limit(1)
    )
