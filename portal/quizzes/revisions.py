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
    if kind not in QUESTION_KINDS:
        problems.append(_("Tipo de pregunta desconocido: %(kind)s.", kind=kind))
    if not str(question.get("prompt") or "").strip():
        problems.append(_("La pregunta no tiene enunciado."))
    choices = question.get("choices") or []
    if len(choices) < 2:
        problems.append(_("La pregunta necesita al menos dos alternativas."))
    if any(not str(choice.get("text") or "").strip() for choice in choices):
        problems.append(_("Hay una alternativa sin texto."))
    right = sum(1 for choice in choices if choice.get("correct") is True)
    if right == 0:
        problems.append(_("Ninguna alternativa está marcada como correcta."))
    elif kind != MULTIPLE and right > 1:
        problems.append(_("Una pregunta de respuesta única no puede tener más de una alternativa correcta."))
    if kind == TRUE_FALSE and len(choices) != 2:
        problems.append(_("Una pregunta de verdadero o falso tiene exactamente dos alternativas."))
    return problems


def publish_revision(quiz: Quiz, pass_mark: int, questions: list[dict]) -> QuizRevision:
    """Freeze `questions` (exchange-format dicts) as the quiz's next revision (flushes).

    Raises ValueError when the pass mark is out of range or a question is unusable.
    """
    if not 0 < int(pass_mark) <= 100:
        raise ValueError(_("La nota de aprobación debe estar entre 1 y 100 %."))
    if not questions:
        raise ValueError(_("El cuestionario necesita al menos una pregunta."))
    for number, question in enumerate(questions, start=1):
        problems = question_problems(question)
        if problems:
            raise ValueError(_("Pregunta %(n)d: %(problems)s", n=number, problems=" ".join(problems)))
    latest = db.session.scalar(
        select(func.max(QuizRevision.number)).where(QuizRevision.quiz_id == quiz.id)
    )
    revision = QuizRevision(quiz=quiz, number=(latest or 0) + 1, pass_mark=int(pass_mark))
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
        select(QuizRevision)
        .where(QuizRevision.quiz_id == quiz_id)
        .order_by(QuizRevision.number.desc())
        .limit(1)
    )
