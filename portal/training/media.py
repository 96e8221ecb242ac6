"""What trainers upload into lessons besides text: documents attached to a lesson (portal.attachments)
and the lesson's video with its captions (portal.videos).

A document or a video uploaded from the editor waits, with no lesson, until the save that names it:
the editor's form carries the ids of those waiting, so nothing the trainer uploaded is lost when the
lesson is saved afterwards, and nothing reaches learners before that save.
"""

from __future__ import annotations

from sqlalchemy import select

from portal import audit
from portal.attachments import store_document
from portal.extensions import db
from portal.models.curriculum import Lesson, LessonAttachment, LessonVideo
from portal.settings import effective
from portal.videos import Captions, store_video

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


# --- The lesson's video ------------------------------------------------------------------------


def video_limit() -> int:
    """Largest video a trainer may put in a lesson, in bytes (the administrators' setting)."""
    return effective("VIDEO_MAX_MB") * MEGABYTE


def upload_video(upload, instance_path: str, actor_id: int) -> LessonVideo:
    """Check and keep an uploaded video, waiting for a lesson; flushes and audits.

    Raises portal.uploads.RejectedUpload (a Spanish message) when it is too large or not MP4/WebM.
    """
    stored = store_video(upload, instance_path, video_limit())
    video = LessonVideo(
        file_name=stored.file_name,
        stored_name=stored.stored_name,
        kind=stored.kind,
        size=stored.size,
        transcript="",
        uploaded_by_id=actor_id,
    )
    db.session.add(video)
    db.session.flush()
    audit.record(
        "content.video_uploaded",
        actor_id=actor_id,
        video=video.id,
        file=stored.file_name,
        kind=stored.kind,
        size=stored.size,
    )
    return video


def waiting_video(ids: list[int]) -> LessonVideo | None:
    """The newest video among `ids` still waiting for a lesson, or None."""
    if not ids:
        return None
    query = select(LessonVideo).where(LessonVideo.id.in_(ids), LessonVideo.lesson_id.is_(None))
    return db.session.scalars(query.order_by(LessonVideo.id.desc()).limit(1)).first()


def add_captions(
    waiting: LessonVideo | None, lesson: Lesson | None, captions: Captions, actor_id: int
) -> LessonVideo | None:
    """Give checked captions to the waiting video, or else to a waiting copy of the lesson's video (so
    learners get them with the save); flushes, audits. Returns the waiting video, None if there is none."""
    target = waiting
    if target is None:
        current = lesson.video if lesson is not None else None
        if current is None:
            return None
        target = LessonVideo(
            file_name=current.file_name,
            stored_name=current.stored_name,
            kind=current.kind,
            size=current.size,
            transcript=current.transcript,
            uploaded_by_id=current.uploaded_by_id,
            uploaded_at=current.uploaded_at,
        )
        db.session.add(target)
    target.captions, target.captions_name = captions.text, captions.file_name
    db.session.flush()
    audit.record(
        "content.captions_uploaded", actor_id=actor_id, video=target.id, file=captions.file_name, cues=captions.cues
    )
    return target


def missing_captions(lesson_title: str, video: LessonVideo | None) -> str | None:
    """Why a lesson showing `video` cannot reach learners (Spanish), or None: its captions are missing."""
    from flask_babel import gettext as _

    if video is None or video.captions:
        return None
    return _(
        "El video de la lección «%(lesson)s» no tiene subtítulos: súbalos (archivo WebVTT, .vtt) para que "
        "todas las personas puedan seguirlo, también quienes no oyen o no pueden activar el sonido.",
        lesson=lesson_title,
    )


def _video_facts(lesson: Lesson, video: LessonVideo) -> dict:
    return {"module": lesson.module.slug, "lesson": lesson.id, "video": video.id, "file": video.file_name}


def save_video(lesson: Lesson, waiting: LessonVideo | None, remove: bool, transcript: str, actor_id: int) -> bool:
    """At the lesson's save: show the waiting video (replacing the lesson's), or take the lesson's off
    when `remove`, and keep the trainer's transcript; flushes, audits each change. True if any.

    The row of a video taken off goes, its file stays on disk, as with documents.
    """
    current = lesson.video
    changed = False
    if remove and current is not None:
        audit.record("content.video_removed", actor_id=actor_id, **_video_facts(lesson, current))
        if waiting is not None and waiting.stored_name == current.stored_name:
            db.session.delete(waiting)  # new captions for the video being taken off
            waiting = None
        lesson.video = current = None
        changed = True
    if waiting is not None:
        if current is not None and current.stored_name == waiting.stored_name:
            audit.record(
                "content.video_captions_changed",
                actor_id=actor_id,
                **_video_facts(lesson, waiting),
                changes=audit.changes({"captions": current.captions_name}, {"captions": waiting.captions_name}),
            )
        else:
            if current is not None:
                audit.record("content.video_removed", actor_id=actor_id, **_video_facts(lesson, current))
            lesson.video = None
            db.session.flush()  # the old row goes before the new one arrives
            audit.record(
                "content.video_added",
                actor_id=actor_id,
                **_video_facts(lesson, waiting),
                captions=waiting.captions_name,
            )
        lesson.video = waiting
        changed = True
    video = lesson.video
    transcript = (transcript or "").strip()
    if video is not None and video.transcript != transcript:
        before = video.transcript
        video.transcript = transcript
        audit.record(
            "content.video_transcript_edited",
            actor_id=actor_id,
            **_video_facts(lesson, video),
            changes=audit.changes({"transcript": before}, {"transcript": transcript}),
        )
        changed = True
    db.session.flush()
    return changed
