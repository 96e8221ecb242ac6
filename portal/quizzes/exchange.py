"""The module exchange format (JSON): a module with its lessons and its current quiz."""

from __future__ import annotations

import json
import re

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.extensions import db
from portal.models.curriculum import Lesson, Module
from portal.models.quiz import Quiz
from portal.quizzes.revisions import (
    latest_revision,
    publish_revision,
    question_problems,
    settings_problems,
)
from portal.vocabulary import AnswerVisibility


class ModuleFormatError(ValueError):
    """The data is not a valid module; `problems` lists each issue in Spanish."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def export_module(module: Module) -> dict:
    """Return the module as an exchange dict, with its newest quiz revision."""
    data: dict = {
        "slug": module.slug,
        "title": module.title,
        "summary": module.summary,
        "lessons": [{"title": lesson.title, "body_md": lesson.body_md} for lesson in module.lessons],
    }
    revision = latest_revision(module.quiz.id) if module.quiz else None
    if revision is not None:
        data["quiz"] = {
            "pass_mark": revision.pass_mark,
            **optional_settings(revision),
            "questions": [exported_question(question) for question in revision.questions],
        }
    return data


def exported_question(question) -> dict:
    """A revision's question in the exchange format; "values" only when it is tagged."""
    data = {
        "kind": question.kind,
        "prompt": question.prompt,
        "explanation": question.explanation,
        "choices": [{"text": choice.text, "correct": choice.correct} for choice in question.choices],
    }
    if question.values:
        data["values"] = question.values
    return data


def optional_settings(revision) -> dict:
    """Settings beyond the contract's pass mark, written only when they differ from the default."""
    settings = {}
    if revision.max_attempts is not None:
        settings["max_attempts"] = revision.max_attempts
    if not revision.shuffle_choices:
        settings["shuffle"] = False
    if revision.pool_size is not None:
        settings["pool_size"] = revision.pool_size
    if not revision.shuffle_questions:
        settings["shuffle_questions"] = False
    if revision.show_answers != AnswerVisibility.AFTER_PASS:
        settings["show_answers"] = str(revision.show_answers)
    return settings


#: The shape of a module's slug, shared with the trainers' module form.
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
#: Longest texts accepted, as the trainers' forms accept them.
MAX_LENGTHS = {"slug": 80, "title": 200, "summary": 1000, "lesson_title": 200, "body_md": 50_000}


def load_module_json(text: str):
    """Parse an exchange file's text. Raises ModuleFormatError for invalid JSON or absurd nesting."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ModuleFormatError(
            [
                _(
                    "El archivo no es un JSON válido (línea %(line)d, columna %(col)d).",
                    line=error.lineno,
                    col=error.colno,
                )
            ]
        ) from None
    except RecursionError:
        raise ModuleFormatError([_("El archivo anida listas u objetos a demasiada profundidad.")]) from None


def _text_problem(value, label: str, max_length: int, required: bool = True) -> str | None:
    """The problem with one text field of the file (missing, not text, too long), or None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return _("Falta %(label)s.", label=label) if required else None
    if not isinstance(value, str):
        return _("%(label)s debe ser texto entre comillas.", label=label[:1].upper() + label[1:])
    if len(value) > max_length:
        return _("%(label)s supera los %(max)d caracteres.", label=label[:1].upper() + label[1:], max=max_length)
    return None


def module_problems(data) -> list[str]:
    """Return every problem that stops `data` from being imported; empty when it is valid.

    Checks the types as well as the presence of each field, so that a number as a title or a list
    as a lesson's text is reported, not stored or crashed on.
    """
    if not isinstance(data, dict):
        return [_("El archivo debe contener un objeto JSON con el módulo.")]
    problems = []
    slug = data.get("slug")
    if problem := _text_problem(slug, _("el campo «slug»"), MAX_LENGTHS["slug"]):
        problems.append(problem)
    elif not re.fullmatch(SLUG_PATTERN, slug.strip()):
        problems.append(_("El campo «slug» admite minúsculas sin tildes, números y guiones, por ejemplo «buen-trato»."))
    for key, required in (("title", True), ("summary", False)):
        if problem := _text_problem(data.get(key), _("el campo «%(key)s»", key=key), MAX_LENGTHS[key], required):
            problems.append(problem)
    problems.extend(_lesson_problems(data.get("lessons")))
    quiz = data.get("quiz")
    if quiz is not None:
        problems.extend(_quiz_problems(quiz))
    return problems


def _lesson_problems(lessons) -> list[str]:
    if not isinstance(lessons, list) or not lessons:
        return [_("El módulo necesita al menos una lección.")]
    problems = []
    for number, lesson in enumerate(lessons, start=1):
        if not isinstance(lesson, dict):
            problems.append(_("Lección %(n)d: debe ser un objeto con «title» y «body_md».", n=number))
            continue
        for key, limit in (("title", MAX_LENGTHS["lesson_title"]), ("body_md", MAX_LENGTHS["body_md"])):
            if problem := _text_problem(lesson.get(key), _("el campo «%(key)s»", key=key), limit):
                problems.append(_("Lección %(n)d: %(problem)s", n=number, problem=problem))
    return problems


def _quiz_problems(quiz) -> list[str]:
    if not isinstance(quiz, dict) or not isinstance(quiz.get("questions"), list):
        return [_("El cuestionario debe tener una lista de preguntas.")]
    problems = list(
        settings_problems(
            quiz.get("pass_mark", 80),
            quiz.get("max_attempts"),
            quiz.get("pool_size"),
            len(quiz["questions"]),
            quiz.get("show_answers", AnswerVisibility.AFTER_PASS),
        ).values()
    )
    for key in ("shuffle", "shuffle_questions"):
        if not isinstance(quiz.get(key, True), bool):
            problems.append(_("«%(key)s» debe ser true o false.", key=key))
    for number, question in enumerate(quiz["questions"], start=1):
        if not isinstance(question, dict):
            problems.append(_("Pregunta %(n)d: formato no válido.", n=number))
            continue
        problems.extend(
            _("Pregunta %(n)d: %(problem)s", n=number, problem=problem) for problem in question_problems(question)
        )
    return problems


def import_module(data: dict, *, required: bool = True, published: bool = True) -> Module:
    """Create a module, its lessons and a first quiz revision from an exchange dict (flushes).

    Raises ModuleFormatError when the data is invalid or the slug is taken.
    """
    problems = module_problems(data)
    if not problems and db.session.scalar(select(Module.id).where(Module.slug == data["slug"])):
        problems.append(_("Ya existe un módulo con el identificador «%(slug)s».", slug=data["slug"]))
    if problems:
        raise ModuleFormatError(problems)
    last_position = db.session.scalar(select(func.max(Module.position))) or 0
    module = Module(
        slug=data["slug"].strip(),
        title=data["title"].strip(),
        summary=(data.get("summary") or "").strip(),
        position=last_position + 1,
        required=required,
        published=published,
        lessons=[
            Lesson(position=position, title=lesson["title"].strip(), body_md=lesson["body_md"])
            for position, lesson in enumerate(data["lessons"], start=1)
        ],
    )
    db.session.add(module)
    if data.get("quiz"):
        quiz = Quiz(module=module)
        db.session.add(quiz)
        db.session.flush()
        settings = data["quiz"]
        publish_revision(
            quiz,
            settings.get("pass_mark", 80),
            settings["questions"],
            max_attempts=settings.get("max_attempts"),
            shuffle_choices=settings.get("shuffle", True),
            shuffle_questions=settings.get("shuffle_questions", True),
            show_answers=settings.get("show_answers", AnswerVisibility.AFTER_PASS),
            pool_size=settings.get("pool_size"),
        )
    db.session.flush()
    return module
