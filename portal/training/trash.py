"""The Papelera: a lesson a trainer deletes waits here KEEP_DAYS days, restorable, then is purged for good.

A lesson in the Papelera keeps its row, text, versions, documents and the readings of it, but is out of
`Module.lessons` and out of every count (`LESSON_IN_USE`), so learners, HR, reports and the editor no
longer see it; its address answers 404. Restoring puts it back at the end of its module. The queue's
daily job (portal.queue.periodic) and `flask lessons purge` delete those older than KEEP_DAYS, with their
versions, documents and video (rows and files) and readings. The same purge discards the uploads a trainer
never saved into a lesson (documents and videos waiting for more than ABANDONED_AFTER): an editor closed
without saving must not leave a 200 MB video on the disk for ever. Services flush and audit; the caller
commits.
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
from portal.models.curriculum import Lesson, LessonAttachment, LessonVideo
from portal.models.types import utcnow
from portal.training import service
from portal.videos import video_folder

#: Days a deleted lesson can be restored before the daily purge deletes it for good.
KEEP_DAYS = 30
#: How long an upload may wait for the save of its lesson before the purge discards it.
ABANDONED_AFTER = timedelta(days=1)


def move_to_trash(lesson: Lesson, actor_id: int | None) -> None:
    """Take the lesson out of its module into the Papelera; the lessons after it move up one place."""
    module = lesson.module
    remaining = [item for item in module.lessons if item.id != lesson.id]
    lesson.deleted_at = utcnow()
    lesson.deleted_by_id = actor_id
    lesson.trashed_from_position = lesson.position
    lesson.position = -lesson.id
    db.session.flush()
    service.renumber_lessons(module, remaining)
    db.session.expire(module, ["lessons"])
    audit.record("content.lesson_trashed", actor_id=actor_id, module=module.slug, lesson=lesson.id, title=lesson.title)


def restore(lesson: Lesson, actor_id: int) -> int:
    """Put a lesson of the Papelera back where it was in its module (the lessons from there on move
    down one place), or last if the module has fewer lessons now; returns its number there."""
    module = lesson.module
    ordered = list(module.lessons)
    position = min(lesson.trashed_from_position or len(ordered) + 1, len(ordered) + 1)
    ordered.insert(position - 1, lesson)
    lesson.deleted_at = None
    lesson.deleted_by_id = None
    lesson.trashed_from_position = None
    service.renumber_lessons(module, ordered)
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
    #: Stored names of videos under instance/videos/ whose rows went; a file still named by another
    #: row (new captions share their video's file) stays.
    videos: list[str] = field(default_factory=list)
    #: Uploads never saved into a lesson that were discarded: (documents, videos).
    abandoned: tuple[int, int] = (0, 0)


def purge_expired(*, via: str, actor_id: int | None = None, now: datetime | None = None) -> Purge:
    """Delete for good the lessons in the Papelera for more than KEEP_DAYS, with their versions,
    documents, video and readings (the database cascades), and the uploads abandoned for more than
    ABANDONED_AFTER; an audit event for each kind says how many. Flushes.

    The files stay until the caller has committed and calls remove_files() (a rollback would otherwise
    leave rows naming missing files).
    """
    now = now or utcnow()
    cutoff = now - timedelta(days=KEEP_DAYS)
    lessons = list(
        db.session.scalars(
            select(Lesson)
            .where(Lesson.deleted_at.is_not(None), Lesson.deleted_at <= cutoff)
            .options(selectinload(Lesson.attachments), selectinload(Lesson.video))
            .order_by(Lesson.id)
        )
    )
    abandoned = now - ABANDONED_AFTER
    documents = list(
        db.session.scalars(
            select(LessonAttachment).where(
                LessonAttachment.lesson_id.is_(None), LessonAttachment.uploaded_at <= abandoned
            )
        )
    )
    videos = list(
        db.session.scalars(
            select(LessonVideo).where(LessonVideo.lesson_id.is_(None), LessonVideo.uploaded_at <= abandoned)
        )
    )
    purge = Purge(
        lesson_ids=[lesson.id for lesson in lessons],
        files=[document.stored_name for lesson in lessons for document in lesson.attachments]
        + [document.stored_name for document in documents],
        videos=[lesson.video.stored_name for lesson in lessons if lesson.video is not None]
        + [video.stored_name for video in videos],
        abandoned=(len(documents), len(videos)),
    )
    for row in [*lessons, *documents, *videos]:
        db.session.delete(row)
    db.session.flush()
    if lessons:
        audit.record("content.lessons_purged", actor_id=actor_id, count=len(lessons), lessons=purge.lesson_ids, via=via)
    if documents or videos:
        audit.record(
            "content.abandoned_uploads_discarded",
            actor_id=actor_id,
            documents=[document.file_name for document in documents],
            videos=[video.file_name for video in videos],
            via=via,
        )
    return purge


def purge_summary(purge: Purge) -> str:
    """What a purge did, in Spanish (the daily job's result and the command's output)."""
    count = len(purge.lesson_ids)
    if not count:
        sentences = [_("La papelera no tenía lecciones eliminadas hace más de %(days)s días.", days=KEEP_DAYS)]
    else:
        sentences = [
            ngettext(
                "Se borró definitivamente %(num)s lección eliminada hace más de %(days)s días.",
                "Se borraron definitivamente %(num)s lecciones eliminadas hace más de %(days)s días.",
                count,
                days=KEEP_DAYS,
            )
        ]
    documents, videos = purge.abandoned
    if documents or videos:
        sentences.append(
            _(
                "Se descartaron archivos subidos que nunca se guardaron en una lección: %(documents)s "
                "documento(s) y %(videos)s video(s).",
                documents=documents,
                videos=videos,
            )
        )
    return " ".join(sentences)


def remove_files(purge: Purge, instance_path: str) -> None:
    """Remove the files of the rows the purge deleted (after the commit); a file already gone is fine."""
    still_named = set(
        db.session.scalars(select(LessonVideo.stored_name).where(LessonVideo.stored_name.in_(purge.videos)))
    )
    doomed = [(attachment_folder(instance_path), name) for name in purge.files]
    doomed += [(video_folder(instance_path), name) for name in set(purge.videos) - still_named]
    for folder, name in doomed:
        try:
            (folder / name).unlink(missing_ok=True)
        except OSError:  # the rows are gone for good: a file left behind is only disk space
            current_app.logger.warning("could not remove the purged lesson file %s", name, exc_info=True)
