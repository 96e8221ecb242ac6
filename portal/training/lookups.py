"""What every trainers' page looks up first: the module, lesson or question in the address, and its quiz."""

from __future__ import annotations

from flask import abort, request
from sqlalchemy import select

from portal.auth.access import roles_required
from portal.extensions import db
from portal.models.curriculum import Lesson, Module
from portal.models.quiz import Quiz
from portal.vocabulary import TRAINER

trainer_only = roles_required(TRAINER)


def module_or_404(slug: str) -> Module:
    module = db.session.scalar(select(Module).where(Module.slug == slug))
    if module is None:
        abort(404)
    return module


def lesson_or_404(module: Module, lesson_id: int) -> Lesson:
    """A lesson in use of `module`; one in the Papelera (training.trash) is not found either."""
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or lesson.module_id != module.id or lesson.deleted_at is not None:
        abort(404)
    return lesson


def trashed_lesson_or_404(lesson_id: int) -> Lesson:
    """A lesson in the Papelera, of any module."""
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or lesson.deleted_at is None:
        abort(404)
    return lesson


def quiz_of(module: Module, *, create: bool | None = None) -> Quiz:
    """The module's quiz. A module without one gets it with its first change (by default, a POST);
    otherwise it gets an empty quiz that is never added to the session, so reading never writes."""
    if module.quiz is not None:
        return module.quiz
    quiz = Quiz(module_id=module.id)  # not `module=module`, which would add it to the session
    if request.method != "GET" if create is None else create:
        quiz.module = module
        db.session.add(quiz)
        db.session.flush()
    return quiz


def question_number_or_404(draft: dict, number: int) -> int:
    """The index in the draft of question `number` (counted from 1)."""
    if not 1 <= number <= len(draft["questions"]):
        abort(404)
    return number - 1


def direction_from_form() -> int:
    return -1 if request.form.get("direction") == "up" else 1
