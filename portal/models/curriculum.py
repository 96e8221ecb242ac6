"""The onboarding path: modules and their lesson pages."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from portal.models.user import User


class Module(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    #: Order in the path; lower comes first.
    position: Mapped[int] = mapped_column(Integer, index=True)
    #: Required modules count towards completion and unlock the ones after them.
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    published: Mapped[bool] = mapped_column(Boolean, default=True)

    #: The lessons in use, in order; those in the Papelera (training.trash) are left out here, and so
    #: everywhere learners, HR, reports and the editor see a module's lessons.
    lessons: Mapped[list[Lesson]] = relationship(
        primaryjoin="and_(Module.id == Lesson.module_id, Lesson.deleted_at.is_(None))",
        order_by="Lesson.position",
        cascade="all, delete-orphan",
        back_populates="module",
    )

    def __repr__(self) -> str:
        return f"<Module {self.slug}>"


class Lesson(db.Model):
    __table_args__ = (UniqueConstraint("module_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id", ondelete="CASCADE"), index=True)
    #: 1-based page number within the module, used in URLs. A lesson in the Papelera has none: it
    #: holds minus its id, which no lesson in use can take.
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body_md: Mapped[str] = mapped_column(Text)
    #: When a trainer sent the lesson to the Papelera (training.trash); NULL while it is in use.
    #: Thirty days later the daily purge deletes it for good.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: The lesson's number in its module when it was deleted: restoring puts it back there.
    trashed_from_position: Mapped[int | None] = mapped_column(Integer)

    module: Mapped[Module] = relationship(back_populates="lessons")
    deleted_by: Mapped[User | None] = relationship()
    attachments: Mapped[list[LessonAttachment]] = relationship(
        order_by="LessonAttachment.id", cascade="all, delete-orphan", passive_deletes=True, back_populates="lesson"
    )
    video: Mapped[LessonVideo | None] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, back_populates="lesson", uselist=False
    )


class LessonAttachment(db.Model):
    """A document attached to a lesson (portal.attachments), kept under instance/attachments/.

    Uploaded from the editor before the lesson is saved, it waits with no lesson (`lesson_id` NULL)
    until the save that names it; the editor's form carries the ids of those waiting.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    #: The name the trainer's file had (cleaned): what learners see and download it as.
    file_name: Mapped[str] = mapped_column(String(200))
    #: Random name of the file under instance/attachments/.
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    #: portal.attachments.KINDS key: "pdf", "docx", "xlsx" or "odt", from the file's content.
    kind: Mapped[str] = mapped_column(String(10))
    size: Mapped[int] = mapped_column(BigInteger)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lesson: Mapped[Lesson | None] = relationship(back_populates="attachments")


#: The condition a lesson in use meets, for queries that count or join lessons outside
#: `Module.lessons` (reports, progress): those in the Papelera never count.
LESSON_IN_USE = Lesson.deleted_at.is_(None)


class LessonVideo(db.Model):
    """The video shown in a lesson (portal.videos), kept under instance/videos/, with its captions.

    Like a document, an uploaded video waits with no lesson (`lesson_id` NULL) until the save that
    names it. New captions for the video a lesson already shows wait the same way, as a copy of its
    row sharing its file, so learners see them only once the lesson is saved. A lesson shows at most
    one video (training.media keeps it so).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    #: The name the trainer's file had (cleaned).
    file_name: Mapped[str] = mapped_column(String(200))
    #: Random name of the file under instance/videos/ (shared by a waiting copy with new captions).
    stored_name: Mapped[str] = mapped_column(String(64))
    #: "mp4" or "webm", from the file's content (portal.videos.MIMETYPES).
    kind: Mapped[str] = mapped_column(String(10))
    size: Mapped[int] = mapped_column(BigInteger)
    #: The WebVTT captions, checked (portal.videos.read_captions); required to publish the lesson.
    captions: Mapped[str | None] = mapped_column(Text)
    captions_name: Mapped[str | None] = mapped_column(String(200))
    #: The trainer's own transcript; when empty, learners read the captions' text instead.
    transcript: Mapped[str] = mapped_column(Text, default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lesson: Mapped[Lesson | None] = relationship(back_populates="video")


class LessonVersion(db.Model):
    """A lesson's title and text as one save left them: who saved, and when (training.versions)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body_md: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")
