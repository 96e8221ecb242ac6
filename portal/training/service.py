"""Trainers' changes to modules and lessons (flush, never commit; the view commits)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal import audit
from portal.extensions import db
from portal.models.curriculum import Lesson, LessonVersion, Module
from portal.models.quiz import Quiz, QuizRevision
from portal.quizzes import exchange
from portal.quizzes.drafts import SETTINGS, revision_as_draft
from portal.training import media
from portal.training.versions import record_version
from portal.uploads import save_image


def modules_in_order() -> list[Module]:
    """Every module in path order, with its lessons and quiz loaded (the trainers' index shows both)."""
    query = (
        select(Module)
        .order_by(Module.position, Module.id)
        .options(selectinload(Module.lessons), selectinload(Module.quiz))
    )
    return list(db.session.scalars(query))


def create_module(slug: str, title: str, summary: str, required: bool, actor_id: int) -> Module:
    """A new, unpublished module at the end of the path, with an empty quiz draft."""
    last = db.session.scalar(select(func.max(Module.position))) or 0
    module = Module(
        slug=slug,
        title=title.strip(),
        summary=(summary or "").strip(),
        required=required,
        published=False,
        position=last + 1,
    )
    db.session.add(module)
    db.session.add(Quiz(module=module))
    db.session.flush()
    audit.record("content.module_created", actor_id=actor_id, module=slug)
    return module


def import_module(data: dict, actor_id: int | None, *, via: str) -> Module:
    """An unpublished module from an exchange dict (flushes, audits). Raises exchange.ModuleFormatError."""
    module = exchange.import_module(data, published=False)
    audit.record("content.module_imported", actor_id=actor_id, module=module.slug, via=via)
    return module


def module_snapshot(module: Module) -> dict:
    return {"title": module.title, "summary": module.summary, "required": module.required}


def edit_module(module: Module, title: str, summary: str, required: bool, actor_id: int) -> dict:
    """Change a module's title, summary and whether it is required; audited with old and new values.

    Returns the changes (audit.changes); saving the same values records nothing.
    """
    before = module_snapshot(module)
    module.title = title.strip()
    module.summary = (summary or "").strip()
    module.required = required
    db.session.flush()
    changed = audit.changes(before, module_snapshot(module))
    if changed:
        audit.record("content.module_edited", actor_id=actor_id, module=module.slug, changes=changed)
    return changed


def move_module(module: Module, direction: int) -> bool:
    """Swap the module with its neighbour above (-1) or below (+1); False at either end."""
    modules = modules_in_order()
    index = modules.index(module)
    other = index + direction
    if not 0 <= other < len(modules):
        return False
    # Renumber the whole path so equal or sparse positions never make a move ambiguous.
    modules[index], modules[other] = modules[other], modules[index]
    for position, item in enumerate(modules, start=1):
        item.position = position
    db.session.flush()
    return True


#: A blank the municipality must fill in before learners read the lesson, such as the library's
#: "[CANAL DE DENUNCIA DE LA MUNICIPALIDAD]": three or more words in capitals in square brackets that
#: are not a link's text (a lone "[ATENCIÓN]" is the trainer's own emphasis).
BLANK = re.compile(r"\[[A-ZÁÉÍÓÚÑÜ]+(?: [A-ZÁÉÍÓÚÑÜ,.]+){2,}\](?![(\[])")


def publishing_problem(module: Module) -> str | None:
    """Why the module cannot be shown to learners yet (Spanish), or None."""
    from flask_babel import gettext as _

    from portal.quizzes.drafts import draft_of
    from portal.quizzes.revisions import latest_revision

    if not module.lessons:
        return _("Agregue al menos una lección antes de publicar el módulo.")
    for lesson in module.lessons:
        blank = BLANK.search(lesson.body_md or "")
        if blank:
            return _(
                "Complete %(blank)s en la lección «%(lesson)s» antes de publicar el módulo.",
                blank=blank.group(0),
                lesson=lesson.title,
            )
        if missing := media.missing_captions(lesson.title, lesson.video):
            return missing
    quiz = module.quiz
    if quiz is not None and latest_revision(quiz.id) is None and draft_of(quiz)["questions"]:
        return _("El cuestionario tiene preguntas sin publicar: publique el cuestionario antes que el módulo.")
    return None


def set_published(module: Module, published: bool, actor_id: int) -> None:
    """Show the module to learners or withdraw it; audited when that changes."""
    if module.published == published:
        return
    module.published = published
    audit.record(
        "content.module_published" if published else "content.module_unpublished",
        actor_id=actor_id,
        module=module.slug,
    )
    db.session.flush()


def add_lesson(module: Module, title: str, body_md: str, actor_id: int | None) -> Lesson:
    lesson = Lesson(module=module, position=len(module.lessons) + 1, title=title.strip(), body_md=body_md)
    db.session.add(lesson)
    db.session.flush()
    record_version(lesson, actor_id)
    audit.record(
        "content.lesson_created",
        actor_id=actor_id,
        module=module.slug,
        lesson=lesson.id,
        changes=audit.changes({}, lesson_snapshot(lesson)),
    )
    return lesson


def lesson_snapshot(lesson: Lesson) -> dict:
    return {"title": lesson.title, "body_md": lesson.body_md}


def edit_lesson(lesson: Lesson, title: str, body_md: str, actor_id: int) -> dict:
    """Change a lesson's title and text; audited with the old and new title and text.

    Returns the changes (audit.changes); saving the same text records nothing.
    """
    before = lesson_snapshot(lesson)
    lesson.title = title.strip()
    lesson.body_md = body_md
    db.session.flush()
    changed = audit.changes(before, lesson_snapshot(lesson))
    if changed:
        record_version(lesson, actor_id)
        audit.record(
            "content.lesson_edited", actor_id=actor_id, module=lesson.module.slug, lesson=lesson.id, changes=changed
        )
    return changed


def restore_lesson_version(lesson: Lesson, version: LessonVersion, actor_id: int) -> dict:
    """Give the lesson a version's title and text: one more save, so one more version; audited."""
    changed = edit_lesson(lesson, version.title, version.body_md, actor_id)
    if changed:
        audit.record(
            "content.lesson_restored",
            actor_id=actor_id,
            module=lesson.module.slug,
            lesson=lesson.id,
            version=version.id,
        )
    return changed


def renumber_lessons(module: Module, ordered: list[Lesson]) -> None:
    """Number `ordered` (the module's lessons in use) 1, 2, 3... in that order; flushes."""
    # (module_id, position) is unique, and a lesson in the Papelera holds minus its id (training.trash):
    # park every lesson below the lowest position the module has, then number them.
    lowest = db.session.scalar(select(func.min(Lesson.position)).where(Lesson.module_id == module.id)) or 0
    for index, lesson in enumerate(ordered, start=1):
        lesson.position = min(lowest, 0) - index
    db.session.flush()
    for index, lesson in enumerate(ordered, start=1):
        lesson.position = index
    db.session.flush()


def move_lesson(module: Module, lesson: Lesson, direction: int) -> bool:
    lessons = list(module.lessons)
    index = lessons.index(lesson)
    other = index + direction
    if not 0 <= other < len(lessons):
        return False
    lessons[index], lessons[other] = lessons[other], lessons[index]
    renumber_lessons(module, lessons)
    db.session.expire(module, ["lessons"])
    return True


def add_image(stream, instance_path: str, messages, actor_id: int) -> str:
    """Store a lesson image (uploads.save_image) and audit it; returns its file name.

    Raises uploads.RejectedUpload with one of `messages` when the file is not an acceptable image.
    """
    name = save_image(stream, instance_path, messages)
    audit.record("content.image_uploaded", actor_id=actor_id, file=name)
    return name


def revisions_of(quiz: Quiz) -> list[QuizRevision]:
    return list(
        db.session.scalars(
            select(QuizRevision).where(QuizRevision.quiz_id == quiz.id).order_by(QuizRevision.number.desc())
        )
    )


@dataclass(frozen=True)
class QuestionChange:
    #: "added", "removed", "changed" or "same"
    status: str
    before: dict | None
    after: dict | None


@dataclass(frozen=True)
class RevisionComparison:
    settings: list[tuple[str, object, object]]
    questions: list[QuestionChange]

    @property
    def changed_count(self) -> int:
        return sum(1 for change in self.questions if change.status != "same")


def _question_key(question: dict) -> str:
    return question["prompt"].strip().casefold()


def compare_revisions(old: QuizRevision, new: QuizRevision) -> RevisionComparison:
    """What changed from `old` to `new`: settings, and each question added, removed or edited.

    Questions are matched in order with difflib on their prompts, then a pair of
    replaced questions counts as "changed" (an edit) rather than removed plus added.
    """
    before, after = revision_as_draft(old), revision_as_draft(new)
    settings = [(name, before[name], after[name]) for name in SETTINGS if before[name] != after[name]]
    old_questions, new_questions = before["questions"], after["questions"]
    matcher = difflib.SequenceMatcher(
        a=[_question_key(q) for q in old_questions], b=[_question_key(q) for q in new_questions], autojunk=False
    )
    changes: list[QuestionChange] = []
    for tag, a_start, a_end, b_start, b_end in matcher.get_opcodes():
        if tag == "equal":
            for old_q, new_q in zip(old_questions[a_start:a_end], new_questions[b_start:b_end], strict=True):
                changes.append(QuestionChange("same" if old_q == new_q else "changed", old_q, new_q))
            continue
        olds, news = old_questions[a_start:a_end], new_questions[b_start:b_end]
        paired = min(len(olds), len(news)) if tag == "replace" else 0
        for old_q, new_q in zip(olds[:paired], news[:paired], strict=True):
            changes.append(QuestionChange("changed", old_q, new_q))
        changes.extend(QuestionChange("removed", old_q, None) for old_q in olds[paired:])
        changes.extend(QuestionChange("added", None, new_q) for new_q in news[paired:])
    return RevisionComparison(settings=settings, questions=changes)
