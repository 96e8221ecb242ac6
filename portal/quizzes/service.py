"""Starting, submitting and reading quiz attempts."""

from __future__ import annotations

import random
import secrets
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, func, insert, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models.quiz import (
    TRUE_FALSE,
    Attempt,
    AttemptAnswer,
    AttemptQuestion,
    QuizRevision,
    RevisionChoice,
    RevisionQuestion,
    choice_order_ids,
)
from portal.models.types import utcnow
from portal.quizzes.grading import GradeResult, QuestionKey, grade
from portal.quizzes.revisions import latest_revision
from portal.vocabulary import AnswerVisibility

_shuffler = random.Random(secrets.randbits(64))


#: An attempt with its revision, questions and choices, in display order, in the same query (joined):
#: the quiz page, a submission and the result page read all of them.
_WITH_QUESTIONS = (
    joinedload(Attempt.revision),
    joinedload(Attempt.questions).joinedload(AttemptQuestion.question).joinedload(RevisionQuestion.choices),
)


#: The person's unsubmitted attempt at a quiz, built once.
_OPEN = select(Attempt).where(
    Attempt.user_id == bindparam("user_id"), Attempt.quiz_id == bindparam("quiz_id"), Attempt.submitted_at.is_(None)
)
_FOR_USER = (
    select(Attempt)
    .where(Attempt.id == bindparam("attempt_id"), Attempt.user_id == bindparam("user_id"))
    .options(*_WITH_QUESTIONS)
)


def open_attempt(user_id: int, quiz_id: int) -> Attempt | None:
    """The person's unsubmitted attempt at this quiz, if any."""
    return db.session.scalars(_OPEN, {"user_id": user_id, "quiz_id": quiz_id}).first()


class ChoiceToTake(NamedTuple):
    id: int
    text: str
    correct: bool


class QuestionToTake(NamedTuple):
    id: int
    kind: str
    prompt: str
    choices: list[ChoiceToTake]


class ItemToTake(NamedTuple):
    question_id: int
    position: int
    choice_ids: list[int]
    question: QuestionToTake


class RevisionToTake(NamedTuple):
    pass_mark: int


class AttemptToTake(NamedTuple):
    """An attempt as the quiz page and a submission read it, with the names of Attempt's attributes that
    quiz_form_for, grade_attempt and quizzes/take.html use: plain rows, because neither writes through
    ORM objects (record_submission writes by ids), and building those cost more than the rest of the read."""

    id: int
    quiz_id: int
    submitted_at: datetime | None
    revision: RevisionToTake
    questions: list[ItemToTake]

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


#: An attempt with its revision's pass mark, its questions and their choices, in display order: one row
#: per choice. Built once, and run on the session's connection: plain columns gain nothing from the ORM's
#: execution, which cost more than the query (the attempt's own rows are never pending in the session).
_TO_TAKE = (
    select(
        Attempt.id,
        Attempt.quiz_id,
        Attempt.submitted_at,
        QuizRevision.pass_mark,
        AttemptQuestion.question_id,
        AttemptQuestion.position,
        AttemptQuestion.choice_order,
        RevisionQuestion.kind,
        RevisionQuestion.prompt,
        RevisionChoice.id,
        RevisionChoice.text,
        RevisionChoice.correct,
    )
    .join(QuizRevision, QuizRevision.id == Attempt.revision_id)
    .outerjoin(AttemptQuestion, AttemptQuestion.attempt_id == Attempt.id)
    .outerjoin(RevisionQuestion, RevisionQuestion.id == AttemptQuestion.question_id)
    .outerjoin(RevisionChoice, RevisionChoice.question_id == RevisionQuestion.id)
    .order_by(AttemptQuestion.position, RevisionChoice.position)
)
_OPEN_TO_TAKE = _TO_TAKE.where(
    Attempt.user_id == bindparam("user_id"), Attempt.quiz_id == bindparam("quiz_id"), Attempt.submitted_at.is_(None)
)
_TO_TAKE_FOR_USER = _TO_TAKE.where(Attempt.id == bindparam("attempt_id"), Attempt.user_id == bindparam("user_id"))


def open_attempt_to_take(user_id: int, quiz_id: int) -> AttemptToTake | None:
    """The person's unsubmitted attempt at this quiz, if any, with its questions (one statement)."""
    return _to_take(db.session.connection().execute(_OPEN_TO_TAKE, {"user_id": user_id, "quiz_id": quiz_id}).all())


def attempt_to_take(attempt_id: int, user_id: int) -> AttemptToTake | None:
    """The attempt with its questions, only if it belongs to `user_id` (one statement)."""
    return _to_take(
        db.session.connection().execute(_TO_TAKE_FOR_USER, {"attempt_id": attempt_id, "user_id": user_id}).all()
    )


def _to_take(rows: list) -> AttemptToTake | None:
    if not rows:
        return None
    items: list[ItemToTake] = []
    item = None
    for *_attempt, question_id, position, choice_order, kind, prompt, choice_id, text, correct in rows:
        if question_id is None:  # an attempt without questions: its one row
            break
        if item is None or item.question_id != question_id:
            question = QuestionToTake(question_id, kind, prompt, [])
            item = ItemToTake(question_id, position, choice_order_ids(choice_order), question)
            items.append(item)
        if choice_id is not None:
            item.question.choices.append(ChoiceToTake(choice_id, text, correct))
    attempt_id, quiz_id, submitted_at, pass_mark = rows[0][:4]
    return AttemptToTake(attempt_id, quiz_id, submitted_at, RevisionToTake(pass_mark), items)


class NoAttemptsLeft(Exception):
    """The person used every attempt the quiz allows."""


def attempts_left(user_id: int, revision: QuizRevision, since: datetime | None = None) -> int | None:
    """How many more attempts the person may submit (since the start of a refresher); None when unlimited."""
    if revision.max_attempts is None:
        return None
    used = db.session.scalar(
        select(func.count(Attempt.id)).where(
            Attempt.user_id == user_id,
            Attempt.quiz_id == revision.quiz_id,
            Attempt.submitted_at.is_not(None),
            Attempt.submitted_at >= since if since is not None else true(),
        )
    )
    return max(0, revision.max_attempts - used)


def start_attempt(
    user_id: int, quiz_id: int, since: datetime | None = None, *, shuffler: random.Random | None = None
) -> Attempt:
    """Return the open attempt, or start one on the newest revision with shuffled choices.

    `shuffler` draws the pool and shuffles (the demo data passes its seeded one, so that the same
    demo comes out on every run); by default a generator seeded from the system's randomness.
    Flushes. Two simultaneous starts end with one open attempt (a partial unique index).
    Raises LookupError when the quiz has no published revision, NoAttemptsLeft when the
    person has used every attempt allowed.
    """
    existing = open_attempt(user_id, quiz_id)
    if existing is not None:
        return existing
    revision = latest_revision(quiz_id)
    if revision is None:
        raise LookupError("quiz has no published revision")
    if attempts_left(user_id, revision, since) == 0:
        raise NoAttemptsLeft()
    questions = list(revision.questions)
    shuffler = shuffler or _shuffler
    if revision.pool_size and revision.pool_size < len(questions):
        # Draw a different set each attempt (in the revision's own order unless shuffled below).
        drawn = set(shuffler.sample(range(len(questions)), revision.pool_size))
        questions = [question for index, question in enumerate(questions) if index in drawn]
    if revision.shuffle_questions:
        # Stored as the attempt's positions, so the review shows the order the person saw.
        shuffler.shuffle(questions)
    attempt = Attempt(user_id=user_id, quiz_id=quiz_id, revision_id=revision.id, started_at=utcnow())
    for position, question in enumerate(questions, start=1):
        choice_ids = [choice.id for choice in question.choices]
        # "Verdadero, Falso" reads best in its usual order.
        if revision.shuffle_choices and question.kind != TRUE_FALSE:
            shuffler.shuffle(choice_ids)
        attempt.questions.append(
            AttemptQuestion(
                question_id=question.id,
                position=position,
                choice_order=",".join(map(str, choice_ids)),
            )
        )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:
        # Another request opened one in the meantime: use that one.
        existing = open_attempt(user_id, quiz_id)
        if existing is None:
            raise
        return existing
    return attempt


def attempt_for_user(attempt_id: int, user_id: int) -> Attempt | None:
    """The attempt with its questions and choices, only if it belongs to `user_id` (one query)."""
    return db.session.scalars(_FOR_USER, {"attempt_id": attempt_id, "user_id": user_id}).unique().first()


def question_keys(attempt: Attempt | AttemptToTake) -> list[QuestionKey]:
    return [
        QuestionKey(
            id=item.question.id,
            kind=item.question.kind,
            choice_ids=frozenset(choice.id for choice in item.question.choices),
            correct_ids=frozenset(choice.id for choice in item.question.choices if choice.correct),
        )
        for item in attempt.questions
    ]


def submit_attempt(attempt: Attempt, answers: dict[int, list[int]]) -> GradeResult | None:
    """Grade and close the attempt; return None if it was already submitted (flushes).

    grade_attempt() then record_submission(); see there. Raises InvalidAnswers when an answer is
    foreign to the attempt.
    """
    result = grade_attempt(attempt, answers)
    if not record_submission(attempt.id, result, answers):
        return None
    for item in attempt.questions:  # written by record_submission: read back when next used
        db.session.expire(item, ["is_correct"])
    return result


def grade_attempt(attempt: Attempt | AttemptToTake, answers: dict[int, list[int]]) -> GradeResult:
    """Grade the attempt as loaded by attempt_for_user() or attempt_to_take(); reads only, writes nothing.

    Raises InvalidAnswers when an answer is foreign to the attempt.
    """
    return grade(question_keys(attempt), answers, attempt.revision.pass_mark)


# record_submission's statements, on the tables rather than the classes (no ORM bookkeeping, nothing
# loaded under the write lock), built once.
_ATTEMPT = Attempt.__table__
_CLAIM = (
    update(_ATTEMPT)
    .where(_ATTEMPT.c.id == bindparam("key_attempt"), _ATTEMPT.c.submitted_at.is_(None))
    .values(
        submitted_at=bindparam("at"),
        correct_count=bindparam("correct"),
        question_count=bindparam("questions"),
        score=bindparam("graded_score"),
        passed=bindparam("graded_passed"),
    )
)
_MARKED = AttemptQuestion.__table__
#: One executemany UPDATE by the bound keys.
_MARK = (
    update(_MARKED)
    .where(_MARKED.c.attempt_id == bindparam("key_attempt"), _MARKED.c.question_id == bindparam("key_question"))
    .values(is_correct=bindparam("right"))
)
_ANSWER = insert(AttemptAnswer.__table__)


def record_submission(attempt_id: int, result: GradeResult, answers: dict[int, list[int]]) -> bool:
    """Close the attempt with its grade and store the answers; False if it was already submitted.

    The database decides who wins: one conditional UPDATE ... WHERE submitted_at IS NULL,
    so double clicks, two tabs or replayed requests grade an attempt exactly once, even when
    each graded it from what it read before another one wrote (views.submit reads before it
    writes). Uses ids only, so that it loads nothing while it holds SQLite's write lock.
    """
    # Core statements on the session's connection and transaction: the ORM's execution would add
    # nothing to them but its cost (a third of the submission's writes).
    connection = db.session.connection()
    claimed = connection.execute(
        _CLAIM,
        {
            "key_attempt": attempt_id,
            "at": utcnow(),
            "correct": result.correct_count,
            "questions": result.question_count,
            "graded_score": result.score,
            "graded_passed": result.passed,
        },
    ).rowcount
    if claimed != 1:
        return False
    marks = [
        {"key_attempt": attempt_id, "key_question": question_id, "right": right}
        for question_id, right in result.per_question.items()
    ]
    if marks:
        connection.execute(_MARK, marks)
    rows = [
        {"attempt_id": attempt_id, "question_id": question_id, "choice_id": choice_id}
        for question_id, choice_ids in answers.items()
        for choice_id in set(choice_ids)
    ]
    if rows:
        connection.execute(_ANSWER, rows)
    return True


def chosen_choice_ids(attempt_id: int) -> set[int]:
    return set(db.session.scalars(select(AttemptAnswer.choice_id).where(AttemptAnswer.attempt_id == attempt_id)))


def submitted_attempts(user_id: int, quiz_id: int) -> list[Attempt]:
    return list(
        db.session.scalars(
            select(Attempt)
            .where(Attempt.user_id == user_id, Attempt.quiz_id == quiz_id, Attempt.submitted_at.is_not(None))
            .order_by(Attempt.submitted_at.desc())
        )
    )


def answers_visible(revision: QuizRevision | None, passed: bool) -> bool:
    """Whether the person's result pages may show the right choices and the explanations.

    `revision` must be the quiz's NEWEST revision, whatever revision the attempt reviewed was made on:
    the setting is a disclosure rule, not part of what was graded, and a trainer who stops showing the
    key must stop it on past attempts too, or reviewing an old attempt would hand out the answers to
    questions the new revision still asks. `passed` is whether the person has passed the quiz (in the
    current cycle, for renewals).
    """
    setting = revision.show_answers if revision is not None else AnswerVisibility.AFTER_PASS
    if setting == AnswerVisibility.ALWAYS:
        return True
    if setting == AnswerVisibility.NEVER:
        return False
    return passed
