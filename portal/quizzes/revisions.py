"""Freezing quiz content into revisions, and checking that questions are usable."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

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


def settings_problems(
    pass_mark, max_attempts=None, pool_size=None, question_count: int | None = None
) -> dict[str, str]:
    """Return {setting: problem in Spanish} for quiz settings that cannot be used."""
    problems = {}
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
    pool_size: int | None = None,
    published_by_id: int | None = None,
) -> QuizRevision:
    """Freeze `questions` (exchange-format dicts) and settings as the next revision (flushes).

    Raises ValueError when a setting is out of range or a question is unusable.
    """
    problems = settings_problems(pass_mark, max_attempts, pool_size, len(questions))
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
