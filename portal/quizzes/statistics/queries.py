"""Question statistics fed from the database: three queries for any set of revisions, four for every module."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import case, func, select

from portal.content import institutional_text
from portal.extensions import db
from portal.models.curriculum import Module
from portal.models.quiz import (
    Attempt,
    AttemptAnswer,
    AttemptQuestion,
    Quiz,
    QuizRevision,
    RevisionChoice,
    RevisionQuestion,
    split_values,
)
from portal.quizzes.statistics.compute import compute_revision_stats, module_rollup, value_rollups_of, worst_first
from portal.quizzes.statistics.figures import (
    DEFAULT_THRESHOLDS,
    ChoiceRow,
    DrawRow,
    FlagThresholds,
    ModuleRollup,
    PickRow,
    RevisionStats,
    ValueRollup,
    ValueRow,
)


def _revision_rows(revision_ids: list[int]):
    """Query 1: the revisions with their questions and choices, in order."""
    return db.session.execute(
        select(
            QuizRevision.id,
            QuizRevision.number,
            QuizRevision.pass_mark,
            QuizRevision.pool_size,
            RevisionQuestion.id,
            RevisionQuestion.position,
            RevisionQuestion.kind,
            RevisionQuestion.prompt,
            RevisionChoice.id,
            RevisionChoice.position,
            RevisionChoice.text,
            RevisionChoice.correct,
        )
        .join(RevisionQuestion, RevisionQuestion.revision_id == QuizRevision.id)
        .outerjoin(RevisionChoice, RevisionChoice.question_id == RevisionQuestion.id)
        .where(QuizRevision.id.in_(revision_ids))
        .order_by(QuizRevision.id, RevisionQuestion.position, RevisionChoice.position)
    ).all()


def _draw_rows(revision_ids: list[int]):
    """Query 2: every question drawn by a submitted attempt on these revisions."""
    return db.session.execute(
        select(
            Attempt.revision_id,
            AttemptQuestion.attempt_id,
            Attempt.passed,
            AttemptQuestion.question_id,
            AttemptQuestion.is_correct,
        )
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .where(Attempt.revision_id.in_(revision_ids), Attempt.submitted_at.is_not(None))
    ).all()


def _pick_rows(revision_ids: list[int]):
    """Query 3: every choice ticked in a submitted attempt on these revisions."""
    return db.session.execute(
        select(
            Attempt.revision_id,
            AttemptAnswer.attempt_id,
            AttemptAnswer.question_id,
            AttemptAnswer.choice_id,
        )
        .join(Attempt, Attempt.id == AttemptAnswer.attempt_id)
        .where(Attempt.revision_id.in_(revision_ids), Attempt.submitted_at.is_not(None))
    ).all()


def statistics_for_revisions(
    revision_ids: Iterable[int], thresholds: FlagThresholds = DEFAULT_THRESHOLDS
) -> dict[int, RevisionStats]:
    """Statistics of each revision, keyed by id, in three queries whatever the numbers.

    Unknown ids are left out of the result. The rows fetched grow with attempts × drawn
    questions (a few tens of thousands for thousands of attempts); the queries do not.
    """
    ids = sorted(set(revision_ids))
    if not ids:
        return {}
    settings: dict[int, tuple[int, int, int | None]] = {}
    choices: dict[int, list[ChoiceRow]] = defaultdict(list)
    for row in _revision_rows(ids):
        (revision_id, number, pass_mark, pool_size, *choice) = row
        settings[revision_id] = (number, pass_mark, pool_size)
        choices[revision_id].append(ChoiceRow(*choice))
    draws: dict[int, list[DrawRow]] = defaultdict(list)
    for revision_id, *draw in _draw_rows(ids):
        draws[revision_id].append(DrawRow(*draw))
    picks: dict[int, list[PickRow]] = defaultdict(list)
    for revision_id, *pick in _pick_rows(ids):
        picks[revision_id].append(PickRow(*pick))
    return {
        revision_id: compute_revision_stats(
            revision_id=revision_id,
            number=number,
            pass_mark=pass_mark,
            pool_size=pool_size,
            choices=choices[revision_id],
            draws=draws[revision_id],
            picks=picks[revision_id],
            thresholds=thresholds,
        )
        for revision_id, (number, pass_mark, pool_size) in settings.items()
    }


def revision_statistics(revision_id: int, thresholds: FlagThresholds = DEFAULT_THRESHOLDS) -> RevisionStats | None:
    """Statistics of one published revision (three queries); None if it does not exist."""
    return statistics_for_revisions([revision_id], thresholds).get(revision_id)


def _newest_revision_ids():
    """The newest revision of each quiz, as a subquery of (quiz_id, revision id)."""
    newest = (
        select(QuizRevision.quiz_id, func.max(QuizRevision.number).label("number"))
        .group_by(QuizRevision.quiz_id)
        .subquery()
    )
    return (
        select(QuizRevision.id)
        .join(newest, (newest.c.quiz_id == QuizRevision.quiz_id) & (newest.c.number == QuizRevision.number))
        .scalar_subquery()
    )


def value_rollups() -> list[ValueRollup]:
    """Each institutional value across every module's NEWEST revision, worst understood first (one query).

    Counts the submitted, graded draws of the questions tagged with the value (see ValueRollup).
    """
    graded = (
        select(
            AttemptQuestion.question_id,
            func.count().label("answered"),
            func.sum(case((AttemptQuestion.is_correct.is_(True), 1), else_=0)).label("correct"),
        )
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .where(Attempt.submitted_at.is_not(None), AttemptQuestion.is_correct.is_not(None))
        .group_by(AttemptQuestion.question_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Quiz.module_id, RevisionQuestion.value_tags, graded.c.answered, graded.c.correct)
        .join(QuizRevision, QuizRevision.id == RevisionQuestion.revision_id)
        .join(Quiz, Quiz.id == QuizRevision.quiz_id)
        .outerjoin(graded, graded.c.question_id == RevisionQuestion.id)
        .where(RevisionQuestion.revision_id.in_(_newest_revision_ids()), RevisionQuestion.value_tags != "")
    ).all()
    return value_rollups_of(
        [
            ValueRow(module_id, tuple(split_values(tags)), int(answered or 0), int(correct or 0))
            for module_id, tags, answered, correct in rows
        ],
        list(institutional_text().values),
    )


def module_rollups(thresholds: FlagThresholds = DEFAULT_THRESHOLDS) -> list[ModuleRollup]:
    """Every module with a published quiz, from its NEWEST revision, worst understood first.

    Only the newest revision counts: it is what learners take now, and mixing revisions
    would mix questions a trainer has already changed. Modules hidden from the path are
    included (trainers may still want their figures). Four queries in all.
    """
    newest = (
        select(QuizRevision.quiz_id, func.max(QuizRevision.number).label("number"))
        .group_by(QuizRevision.quiz_id)
        .subquery()
    )
    modules = db.session.execute(
        select(Module.id, Module.slug, Module.title, Module.position, QuizRevision.id)
        .join(Quiz, Quiz.module_id == Module.id)
        .join(newest, newest.c.quiz_id == Quiz.id)
        .join(
            QuizRevision,
            (QuizRevision.quiz_id == Quiz.id) & (QuizRevision.number == newest.c.number),
        )
        .order_by(Module.position, Module.id)
    ).all()
    stats = statistics_for_revisions([row[4] for row in modules], thresholds)
    return worst_first(
        module_rollup(module_id=module_id, slug=slug, title=title, position=position, stats=stats[revision_id])
        for module_id, slug, title, position, revision_id in modules
        if revision_id in stats
    )
