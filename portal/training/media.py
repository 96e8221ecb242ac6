"""What trainers upload into lessons besides text: documents attached to a lesson (portal.attachments).

A document uploaded from the editor waits, with no lesson, until the save that names it: the
editor's form carries the ids of those waiting, so nothing the trainer uploaded is lost when the
lesson is saved afterwards, and nothing reaches learners before that save.
"""

from __future__ import annotations

from sqlalchemy import select

from portal import audit
from portal.attachments import store_document
from portal.extensions import db
from portal.models.curriculum import Lesson, LessonAttachment
from portal.settings import effective

MEGABYTE = 1024 * 1024


def document_limit() -> int:
    """Largest document a trainer may attach, in bytes (the administrators' setting)."""
    return effective("ATTACHMENT_MAX_MB") * MEGABYTE


def upload_document(upload, instance_path: str, actor_id: int) -> LessonAttachment:
    """Check and keep an uploaded document, waiting for a lesson; flushes and audits.

    Raises portal.uploads.RejectedUpload (a Spanish message) when it is too large or not a document.
    """
    stored = store_document(upload, instance_path, document_limit())
    document = LessonAttachment(
        file_name=stored.file_name,
        stored_name=stored.stored_name,
        kind=stored.kind,
        size=stored.size,
        uploaded_by_id=actor_id,
    )
    db.session.add(document)
    db.session.flush()
    audit.record(
        "content.attachment_uploaded",
        actor_id=actor_id,
        attachment=document.id,
        file=stored.file_name,
        kind=stored.kind,
        size=stored.size,
    )
    return document


def waiting_documents(ids: list[int]) -> list[LessonAttachment]:
    """The documents among `ids` still waiting for a lesson (others are ignored), in upload order."""
    if not ids:
        return []
    query = select(LessonAttachment).where(LessonAttachment.id.in_(ids), LessonAttachment.lesson_id.is_(None))
    return list(db.session.scalars(query.order_by(LessonAttachment.id)))


def attach_documents(lesson: Lesson, ids: list[int], actor_id: int) -> int:
    """Give the waiting documents among `ids` to `lesson`; flushes, audits each; returns how many."""
    documents = waiting_documents(ids)
    for document in documents:
        lesson.attachments.append(document)
        audit.record(
            "content.attachment_added",
            actor_id=actor_id,
            module=lesson.module.slug,
            lesson=lesson.id,
            attachment=document.id,
            file=document.file_name,
        )
    db.session.flush()
    return len(documents)


def remove_documents(lesson: Lesson, ids: list[int], actor_id: int) -> int:
    """Take the lesson's documents among `ids` off it; flushes, audits each; returns how many.

    The row goes, the file stays on disk: the audit log names it and a backup restores it whole.
    """
    removed = [document for document in lesson.attachments if document.id in set(ids)]
    for document in removed:
        audit.record(
            "content.attachment_removed",
            actor_id=actor_id,
            module=lesson.module.slug,
            lesson=lesson.id,
            attachment=document.id,
            file=document.file_name,
        )
        lesson.attachments.remove(document)
    db.session.flush()
    return len(removed)
