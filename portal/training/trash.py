"""The Papelera: a lesson a trainer deletes waits here KEEP_DAYS days, restorable, then is purged for good.

A lesson in the Papelera keeps its row, text, versions, documents and the readings of it, but is out of
`Module.lessons` and out of every count (`LESSON_IN_USE`), so learners, HR, reports and the editor no
longer see it; its address answers 404. Restoring puts it back at the end of its module. The queue's
daily job (portal.queue.periodic) and `flask lessons purge` delete those older than KEEP_DAYS, with their
versions, documents (rows and files) and readings. Services flush and audit; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import get_timezone, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from portal import audit
from portal.attachments import attachment_folder
from portal.extensions import db
from portal.models.curriculum import Lesson
from portal.models.types import utcnow
from portal.training import service

#: Days a deleted lesson can be restored before the daily purge deletes it for good.
KEEP_DAYS = 30


def move_to_trash(lesson: Lesson, actor_id: int | None) -> None:
    """Take the lesson out of its module into the Papelera; the lessons after it move up one place."""
    module = lesson.module
    remaining = [item for item in module.lessons if item.id != lesson.id]
    lesson.deleted_at = utcnow()
    lesson.deleted_by_id = actor_id
    lesson.position = -lesson.id
    db.session.flush()
    service.renumber_lessons(module, remaining)
    db.session.expire(module, ["lessons"])
    audit.record("content.lesson_trashed", actor_id=actor_id, module=module.slug, lesson=lesson.id, title=lesson.title)


def restore(lesson: Lesson, actor_id: int) -> int:
    """Put a lesson of the Papelera back, last in its module; returns its new number there."""
    module = lesson.module
    position = max((item.position for item in module.lessons), default=0) + 1
    lesson.deleted_at = None
    lesson.deleted_by_id = None
    lesson.position = position
    db.session.flush()
    db.session.expire(module, ["lessons"])
    audit.record(
        "content.lesson_untrashed",
        actor_id=actor_id,
        module=module.slug,
        lesson=lesson.id,
        title=lesson.title,
        position=position,
    )
    return position


def count_in_trash() -> int:
    return db.session.scalar(select(func.count(Lesson.id)).where(Lesson.deleted_at.is_not(None))) or 0


def purge_on(deleted_at: datetime) -> date:
    """The local day from which the daily purge deletes a lesson sent to the Papelera at `deleted_at`."""
    return (deleted_at + timedelta(days=KEEP_DAYS)).astimezone(get_timezone()).date()


@dataclass(frozen=True)
class TrashedLesson:
    lesson: Lesson
    purge_on: date
    #: Whole days until purge_on (0: the next daily purge deletes it).
    days_left: int


def trashed_lessons(today: date) -> list[TrashedLesson]:
    """Every lesson in the Papelera, of every module, the most recently deleted first (two queries)."""
    query = (
        select(Lesson)
        .where(Lesson.deleted_at.is_not(None))
        .options(joinedload(Lesson.module), joinedload(Lesson.deleted_by))
        .order_by(Lesson.deleted_at.desc(), Lesson.id.desc())
    )
    entries = []
    for lesson in db.session.scalars(query):
        day = purge_on(lesson.deleted_at)
        entries.append(TrashedLesson(lesson, day, max((day - today).days, 0)))
    return entries


@dataclass(frozen=True)
class Purge:
    lesson_ids: list[int] = field(default_factory=list)
    #: Stored names of the purged lessons' documents under instance/attachments/, to remove once committed.
    files: list[str] = field(default_factory=list)


def purge_expired(*, via: str, actor_id: int | None = None, now: datetime | None = None) -> Purge:
    """Delete for good the lessons in the Papelera for more than KEEP_DAYS, with their versions,
    documents and readings (the database cascades); one audit event says how many. Flushes.

    The documents' files stay until the caller has committed and calls remove_files() (a rollback
    would otherwise leave rows naming missing files).
    """
    cutoff = (now or utcnow()) - timedelta(days=KEEP_DAYS)
    lessons = list(
        db.session.scalars(
            select(Lesson)
            .where(Lesson.deleted_at.is_not(None), Lesson.deleted_at <= cutoff)
            .options(selectinload(Lesson.attachments))
            .order_by(Lesson.id)
        )
    )
    if not lessons:
        return Purge()
    purge = Purge(
        lesson_ids=[lesson.id for lesson in lessons],
        files=[document.stored_name for lesson in lessons for document in lesson.attachments],
    )
    for lesson in lessons:
        db.session.delete(lesson)
    db.session.flush()
    audit.record("content.lessons_purged", actor_id=actor_id, count=len(lessons), lessons=purge.lesson_ids, via=via)
    return purge


def purge_summary(purge: Purge) -> str:
    """What a purge did, in Spanish (the daily job's result and the command's output)."""
    count = len(purge.lesson_ids)
    if not count:
        return _("La papelera no tenía lecciones eliminadas hace más de %(days)s días.", days=KEEP_DAYS)
    return ngettext(
        "Se borró definitivamente %(num)s lección eliminada hace más de %(days)s días.",
        "Se borraron definitivamente %(num)s lecciones eliminadas hace más de %(days)s días.",
        count,
        days=KEEP_DAYS,
    )


def remove_files(purge: Purge, instance_path: str) -> None:
    """Remove the purged lessons' document files (after the commit); a file already gone is fine."""
    folder = attachment_folder(instance_path)
    for name in purge.files:
        try:
            (folder / name).unlink(missing_ok=True)
        except OSError:  # the rows are gone for good: a file left behind is only disk space
            current_app.logger.warning("could not remove the purged lesson document %s", name, exc_info=True)
