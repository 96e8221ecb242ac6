"""What the learner's path and pages read: statements built once, with bound parameters, since every
learner's request runs them (building and keying a statement cost more than running it).

The path's modules and signatures are read as plain rows (ModuleHead, SignedCommitment, IssuedCertificate)
on the session's connection: every learner page reads them, and the ORM's execution and objects cost about
twice the statements themselves.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import NamedTuple

from sqlalchemy import bindparam, case, exists, func, select

from portal.extensions import db
from portal.learning.cycles import Cycle
from portal.models.curriculum import LESSON_IN_USE, Lesson, LessonAttachment, LessonVideo, Module
from portal.models.progress import Certificate, Commitment, LessonView
from portal.models.quiz import Attempt, Quiz, QuizRevision


class ModuleHead(NamedTuple):
    """What the path shows of a module; its lessons are read by the pages that list them."""

    id: int
    slug: str
    title: str
    summary: str
    required: bool


_HEAD_COLUMNS = (Module.id, Module.slug, Module.title, Module.summary, Module.required)
_HEAD_WIDTH = len(_HEAD_COLUMNS)


def _with_heads(rows) -> list[tuple]:
    """Rows whose first columns are a module's _HEAD_COLUMNS, with those as one ModuleHead."""
    return [(ModuleHead(*row[:_HEAD_WIDTH]), *row[_HEAD_WIDTH:]) for row in rows]


def _plain_rows(statement, params: dict | None = None):
    """Run a Core statement on the session's connection, after flushing what the session holds (as
    the ORM's autoflush would), so that what this request changed is read back."""
    db.session.flush()
    return db.session.connection().execute(statement, params or {})


def published_modules() -> list:
    """(module head, lesson count, quiz id or None) for each published module in path order; a quiz
    counts once it has a published revision."""
    return _with_heads(_plain_rows(_PUBLISHED_MODULES))


def _published_modules():
    lesson_counts = (
        select(Lesson.module_id, func.count(Lesson.id).label("n"))
        .where(LESSON_IN_USE)
        .group_by(Lesson.module_id)
        .subquery()
    )
    return (
        select(*_HEAD_COLUMNS, func.coalesce(lesson_counts.c.n, 0), Quiz.id)
        .select_from(Module)
        .outerjoin(lesson_counts, lesson_counts.c.module_id == Module.id)
        .outerjoin(Quiz, (Quiz.module_id == Module.id) & exists().where(QuizRevision.quiz_id == Quiz.id))
        .where(Module.published.is_(True))
        .order_by(Module.position, Module.id)
    )


_PUBLISHED_MODULES = _published_modules()


class SignedCommitment(NamedTuple):
    """A commitment as the person signed it (models.progress.Commitment's columns)."""

    id: int
    user_id: int
    signed_at: datetime
    signed_name: str
    text: str
    text_sha256: str


class IssuedCertificate(NamedTuple):
    """A certificate as issued (models.progress.Certificate's columns)."""

    id: int
    user_id: int
    commitment_id: int
    code: str
    issued_at: datetime


COMMITMENT_COLUMNS = tuple(getattr(Commitment, name) for name in SignedCommitment._fields)
_CERTIFICATE_COLUMNS = tuple(getattr(Certificate, name) for name in IssuedCertificate._fields)
_COMMITMENT_WIDTH = len(COMMITMENT_COLUMNS)

#: The person's two newest commitments, newest first, each with the person's newest certificate (the
#: same on both rows): one statement. A certificate always has a commitment, so no row means neither.
_SIGNATURES = (
    select(*COMMITMENT_COLUMNS, *_CERTIFICATE_COLUMNS)
    .select_from(Commitment)
    .outerjoin(
        Certificate,
        Certificate.id
        == select(Certificate.id)
        .where(Certificate.user_id == bindparam("user_id"))
        .order_by(Certificate.id.desc())
        .limit(1)
        .scalar_subquery(),
    )
    .where(Commitment.user_id == bindparam("user_id"))
    .order_by(Commitment.id.desc())
    .limit(2)
)


def signatures(user_id: int) -> list[tuple[SignedCommitment, IssuedCertificate | None]]:
    """(commitment, newest certificate or None) for the person's two newest commitments, newest first."""
    return [
        (
            SignedCommitment(*row[:_COMMITMENT_WIDTH]),
            IssuedCertificate(*row[_COMMITMENT_WIDTH:]) if row[_COMMITMENT_WIDTH] is not None else None,
        )
        for row in _plain_rows(_SIGNATURES, {"user_id": user_id})
    ]


def signed_commitment(statement) -> SignedCommitment | None:
    """The first commitment a statement over COMMITMENT_COLUMNS finds, if any."""
    row = _plain_rows(statement).first()
    return SignedCommitment(*row) if row is not None else None


def _cycle_parameters(cycle: Cycle, **params) -> tuple[tuple[bool, bool], dict]:
    """Which bounds the cycle has (the statement to use, see _within) and the parameters with its bounds."""
    if cycle.starts_at is not None:
        params["starts_at"] = cycle.starts_at
    if cycle.ends_at is not None:
        params["ends_at"] = cycle.ends_at
    return (cycle.starts_at is not None, cycle.ends_at is not None), params


def _within(query, column, bounds: tuple[bool, bool]):
    """Cycle.bound with bound parameters ("starts_at", "ends_at"), for a statement built once."""
    starts, ends = bounds
    if starts:
        query = query.where(column >= bindparam("starts_at"))
    if ends:
        query = query.where(column <= bindparam("ends_at"))
    return query


@cache
def _path_statement(bounds: tuple[bool, bool]):
    """published_modules() with, on each module's row, the person's lessons read and the quiz's
    (submitted attempts, best score, passed) within the cycle: built once for each kind of bounds."""
    read = _within(
        select(Lesson.module_id, func.count().label("n"))
        .join(LessonView, LessonView.lesson_id == Lesson.id)
        .where(LessonView.user_id == bindparam("user_id"), LESSON_IN_USE),
        LessonView.last_viewed_at,
        bounds,
    )
    read = read.group_by(Lesson.module_id).subquery()
    tried = _within(
        select(
            Attempt.quiz_id,
            func.count(Attempt.submitted_at).label("n"),
            func.max(Attempt.score).label("best"),
            func.max(case((Attempt.passed.is_(True), 1), else_=0)).label("passed"),
        ).where(Attempt.user_id == bindparam("user_id")),
        Attempt.submitted_at,
        bounds,
    )
    tried = tried.group_by(Attempt.quiz_id).subquery()
    return (
        _published_modules()
        .add_columns(
            func.coalesce(read.c.n, 0), func.coalesce(tried.c.n, 0), tried.c.best, func.coalesce(tried.c.passed, 0)
        )
        .outerjoin(read, read.c.module_id == Module.id)
        .outerjoin(tried, tried.c.quiz_id == Quiz.id)
    )


def path_facts(user_id: int, cycle: Cycle) -> list:
    """(module head, lesson count, quiz id, lessons read, attempts, best score, passed) in path order."""
    bounds, params = _cycle_parameters(cycle, user_id=user_id)
    return _with_heads(_plain_rows(_path_statement(bounds), params))


class VideoToShow(NamedTuple):
    """What a lesson page shows of its video (models.curriculum.LessonVideo's columns)."""

    id: int
    kind: str
    captions: str | None
    transcript: str


class DocumentToShow(NamedTuple):
    """What a lesson page shows of a document attached to it (LessonAttachment's columns)."""

    id: int
    file_name: str
    kind: str
    size: int


class LessonToRead(NamedTuple):
    """A lesson as its page shows it."""

    title: str
    body_md: str
    video: VideoToShow | None
    attachments: list[DocumentToShow]


_VIDEO_COLUMNS = tuple(getattr(LessonVideo, name) for name in VideoToShow._fields)
_DOCUMENT_COLUMNS = tuple(getattr(LessonAttachment, name) for name in DocumentToShow._fields)
_VIDEO_AT = 3
_DOCUMENT_AT = _VIDEO_AT + len(_VIDEO_COLUMNS)


def lesson_to_read(user_id: int, module_id: int, number: int, cycle: Cycle) -> tuple[LessonToRead, bool] | None:
    """The module's lesson in use at 1-based `number`, with its video and documents, and whether the
    person read it within the cycle; None when there is no such lesson. One statement: a row for each
    document (at least one row), each with the lesson and its video."""
    bounds, params = _cycle_parameters(cycle, user_id=user_id, module_id=module_id, skip=number - 1)
    rows = _plain_rows(_lesson_statement(bounds), params).all()
    if not rows:
        return None
    title, body_md, read = rows[0][:_VIDEO_AT]
    video = VideoToShow(*rows[0][_VIDEO_AT:_DOCUMENT_AT]) if rows[0][_VIDEO_AT] is not None else None
    # By id: were a second video ever joined, its rows would repeat the documents.
    documents = {row[_DOCUMENT_AT]: DocumentToShow(*row[_DOCUMENT_AT:]) for row in rows if row[_DOCUMENT_AT]}
    return LessonToRead(title, body_md, video, list(documents.values())), bool(read)


@cache
def _lesson_statement(bounds: tuple[bool, bool]):
    """lesson_to_read's statement, built once for each kind of cycle bounds (see _within)."""
    read = _within(
        select(LessonView.lesson_id).where(
            LessonView.user_id == bindparam("user_id"), LessonView.lesson_id == Lesson.id
        ),
        LessonView.last_viewed_at,
        bounds,
    )
    numbered = (
        select(Lesson.id)
        .where(Lesson.module_id == bindparam("module_id"), LESSON_IN_USE)
        # The order of Module.lessons, whose position `number` counts in.
        .order_by(Lesson.position)
        .offset(bindparam("skip"))
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(Lesson.title, Lesson.body_md, read.exists(), *_VIDEO_COLUMNS, *_DOCUMENT_COLUMNS)
        .select_from(Lesson)
        # A lesson shows one video (Lesson.video): the editor replaces it, never adds a second.
        .outerjoin(LessonVideo, LessonVideo.lesson_id == Lesson.id)
        .outerjoin(LessonAttachment, LessonAttachment.lesson_id == Lesson.id)
        .where(Lesson.id == numbered)
        # The order of Lesson.attachments (the first video first, should there ever be two).
        .order_by(LessonVideo.id, LessonAttachment.id)
    )
