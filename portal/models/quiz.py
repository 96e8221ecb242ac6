"""Quizzes, their frozen revisions, and the attempts people make on them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow
from portal.vocabulary import AnswerVisibility

SINGLE = "single"
MULTIPLE = "multiple"
TRUE_FALSE = "true_false"
QUESTION_KINDS = (SINGLE, MULTIPLE, TRUE_FALSE)


class Quiz(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id", ondelete="CASCADE"), unique=True)
    #: The trainers' working copy as JSON (settings and questions in the exchange format);
    #: None means "same as the newest revision". Learners never see it.
    draft: Mapped[str | None] = mapped_column(Text)

    module = relationship("Module", backref=db.backref("quiz", uselist=False))
    revisions: Mapped[list[QuizRevision]] = relationship(
        order_by="QuizRevision.number", back_populates="quiz", cascade="all, delete-orphan"
    )


class QuizRevision(db.Model):
    """An immutable, published version of a quiz. Attempts point here, never at the draft."""

    __table_args__ = (UniqueConstraint("quiz_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"), index=True)
    #: 1, 2, 3... within its quiz; the highest is the one new attempts use.
    number: Mapped[int] = mapped_column(Integer)
    #: Minimum share of right answers, in percent, needed to pass.
    pass_mark: Mapped[int] = mapped_column(Integer, default=80)
    #: Attempts a person may submit; None means unlimited.
    max_attempts: Mapped[int | None] = mapped_column(Integer)
    #: Show each attempt's choices in a new random order.
    shuffle_choices: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    #: Each attempt draws this many of the questions; None means all of them.
    pool_size: Mapped[int | None] = mapped_column(Integer)
    #: Show each attempt's questions in a new random order (stored with the attempt, like the choices').
    shuffle_questions: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    #: When the result page shows the right choices and explanations (AnswerVisibility). The NEWEST
    #: revision's value governs the review of every attempt, older ones included (see quizzes.service).
    show_answers: Mapped[str] = mapped_column(
        String(20), default=AnswerVisibility.AFTER_PASS, server_default=AnswerVisibility.AFTER_PASS.value
    )
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The trainer who published it; None for content loaded from files.
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    quiz: Mapped[Quiz] = relationship(back_populates="revisions")
    questions: Mapped[list[RevisionQuestion]] = relationship(
        order_by="RevisionQuestion.position",
        back_populates="revision",
        cascade="all, delete-orphan",
    )


class RevisionQuestion(db.Model):
    __table_args__ = (UniqueConstraint("revision_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("quiz_revision.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    #: One of QUESTION_KINDS.
    kind: Mapped[str] = mapped_column(String(20))
    prompt: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text, default="")
    #: The institutional values the question assesses (names from the seed's "VALORES
    #: INSTITUCIONALES"), one per line; empty when untagged. See `values`.
    value_tags: Mapped[str] = mapped_column(String(500), default="", server_default="")

    revision: Mapped[QuizRevision] = relationship(back_populates="questions")
    # Whoever loads questions shows or grades their choices: one query for all of them, not one each.
    choices: Mapped[list[RevisionChoice]] = relationship(
        order_by="RevisionChoice.position",
        back_populates="question",
        cascade="all, delete-orphan",
        lazy="selectin",
    )

    @property
    def values(self) -> list[str]:
        return split_values(self.value_tags)


def split_values(stored: str | None) -> list[str]:
    """The value names of a stored `value_tags`."""
    return [name for name in (stored or "").split("\n") if name]


class RevisionChoice(db.Model):
    __table_args__ = (UniqueConstraint("question_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("revision_question.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    correct: Mapped[bool] = mapped_column(Boolean, default=False)

    question: Mapped[RevisionQuestion] = relationship(back_populates="choices")


class Attempt(db.Model):
    """One try at a quiz. Final once submitted_at is set; graded exactly once."""

    __table_args__ = (
        Index("ix_attempt_user_quiz", "user_id", "quiz_id"),
        # At most one unsubmitted attempt per person and quiz, whatever races the requests run.
        Index(
            "uq_attempt_open_per_user_quiz",
            "user_id",
            "quiz_id",
            unique=True,
            sqlite_where=text("submitted_at IS NULL"),
            postgresql_where=text("submitted_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    #: Denormalised from the revision so "best attempt per quiz" is one indexed query.
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"))
    revision_id: Mapped[int] = mapped_column(ForeignKey("quiz_revision.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    correct_count: Mapped[int | None] = mapped_column(Integer)
    question_count: Mapped[int | None] = mapped_column(Integer)
    #: Percentage of right answers, rounded down, 0-100.
    score: Mapped[int | None] = mapped_column(Integer)
    passed: Mapped[bool | None] = mapped_column(Boolean)

    revision: Mapped[QuizRevision] = relationship()
    questions: Mapped[list[AttemptQuestion]] = relationship(
        order_by="AttemptQuestion.position", cascade="all, delete-orphan"
    )

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class AttemptQuestion(db.Model):
    """A question as drawn for one attempt, with the order its choices were shown in."""

    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("revision_question.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    #: Choice ids, comma-separated, in the shuffled order the person saw.
    choice_order: Mapped[str] = mapped_column(String(500))
    #: Set when the attempt is graded.
    is_correct: Mapped[bool | None] = mapped_column(Boolean)

    question: Mapped[RevisionQuestion] = relationship()

    @property
    def choice_ids(self) -> list[int]:
        return choice_order_ids(self.choice_order)


def choice_order_ids(choice_order: str) -> list[int]:
    """The choice ids of a stored `AttemptQuestion.choice_order`, in the order they were shown."""
    return [int(part) for part in choice_order.split(",") if part]


class AttemptAnswer(db.Model):
    """A choice the person ticked in a submitted attempt."""

    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"), primary_key=True)
    choice_id: Mapped[int] = mapped_column(ForeignKey("revision_choice.id"), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("revision_question.id"), index=True)
