"""Every save of a lesson is a version (its title and text, who saved, when); a trainer may restore one.

Restoring is one more save: the lesson takes the old title and text and that becomes the newest
version, so nothing is ever lost by restoring either.
"""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models.curriculum import Lesson, LessonVersion


def record_version(lesson: Lesson, actor_id: int | None) -> LessonVersion:
    """Keep the lesson's current title and text as a version by `actor_id`; flushes."""
    version = LessonVersion(lesson_id=lesson.id, title=lesson.title, body_md=lesson.body_md, author_id=actor_id)
    db.session.add(version)
    db.session.flush()
    return version


def versions_of(lesson: Lesson) -> list[LessonVersion]:
    """The lesson's versions, newest first."""
    query = select(LessonVersion).where(LessonVersion.lesson_id == lesson.id)
    return list(db.session.scalars(query.order_by(LessonVersion.id.desc())))


def version_of(lesson: Lesson, version_id: int) -> LessonVersion | None:
    version = db.session.get(LessonVersion, version_id)
    return version if version is not None and version.lesson_id == lesson.id else None
