"""Each person's results module by module, for the exports: a few queries per batch of people."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from itertools import islice

from sqlalchemy import case, exists, func, literal, or_, select, true

from portal.extensions import db
from portal.learning.service import current_cycle, renewal_months
from portal.models.curriculum import LESSON_IN_USE, Lesson, Module
from portal.models.progress import Commitment, LessonView
from portal.models.quiz import Attempt, Quiz, QuizRevision
from portal.models.types import UTCDateTime, utcnow
from portal.reports.service import ModuleResult, PathDetails, PathModule, PersonRow, ReportFilters, report_rows

#: People whose module results are read together, in a few queries, while an export streams.
EXPORT_BATCH = 500


def required_modules() -> list[PathModule]:
    """The required published modules in path order, with their lesson count and published quiz."""
    lesson_counts = (
        select(Lesson.module_id, func.count(Lesson.id).label("n"))
        .where(LESSON_IN_USE)
        .group_by(Lesson.module_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Module.id, Module.title, func.coalesce(lesson_counts.c.n, 0), Quiz.id)
        .outerjoin(lesson_counts, lesson_counts.c.module_id == Module.id)
        .outerjoin(Quiz, (Quiz.module_id == Module.id) & exists().where(QuizRevision.quiz_id == Quiz.id))
        .where(Module.required.is_(True), Module.published.is_(True))
        .order_by(Module.position, Module.id)
    ).all()
    return [PathModule(*row) for row in rows]


def export_rows(
    filters: ReportFilters, today: date, total_steps: int, modules: list[PathModule], now=None
) -> Iterator[PersonRow]:
    """report_rows with each person's PathDetails, read EXPORT_BATCH people at a time.

    Three queries a batch (commitments, attempts, lessons read), never one per person, and only
    one batch in memory: the rows still stream.
    """
    now = now or utcnow()
    months = renewal_months()
    rows = report_rows(filters, today, total_steps, now)
    while batch := list(islice(rows, EXPORT_BATCH)):
        details = path_details([row.id for row in batch], modules, now, months)
        for row in batch:
            yield replace(row, details=details[row.id])


def path_details(
    user_ids: list[int], modules: list[PathModule], now: datetime, months: int | None
) -> dict[int, PathDetails]:
    """Each person's results in `modules` and commitment, counting only their current cycle
    (portal.learning.service.current_cycle, as their own page does).

    Three queries; attempts and readings are grouped by person and module in SQL. A refresher's
    start is written into them as a CASE on the person, for those people only.
    """
    signatures = _signatures(user_ids)
    starts = {}
    for user_id, signed in signatures.items():
        cycle = current_cycle(signed[0] if signed else None, signed[1] if len(signed) > 1 else None, now, months)
        if cycle.starts_at is not None:
            starts[user_id] = cycle.starts_at
    attempts = _attempts(user_ids, modules, starts)
    reading = _reading(user_ids, modules, starts)
    details = {}
    for user_id in user_ids:
        results = {}
        for module in modules:
            count, best, passed_at = attempts.get((user_id, module.id), (0, None, None))
            read, last_read = reading.get((user_id, module.id), (0, None))
            done = read >= module.lesson_count and (module.quiz_id is None or passed_at is not None)
            moments = [moment for moment in (last_read, passed_at) if moment is not None]
            results[module.id] = ModuleResult(
                attempts=count, best_score=best, completed_at=max(moments) if done and moments else None
            )
        latest = signatures[user_id][0] if signatures[user_id] else None
        start = starts.get(user_id)
        signed_in_cycle = latest if latest is not None and (start is None or latest >= start) else None
        details[user_id] = PathDetails(modules=results, commitment_signed_at=signed_in_cycle)
    return details


def _signatures(user_ids: list[int]) -> dict[int, list[datetime]]:
    """Each person's commitment signatures, newest first."""
    signatures: dict[int, list[datetime]] = {user_id: [] for user_id in user_ids}
    for user_id, signed_at in db.session.execute(
        select(Commitment.user_id, Commitment.signed_at)
        .where(Commitment.user_id.in_(user_ids))
        .order_by(Commitment.user_id, Commitment.id.desc())
    ):
        signatures[user_id].append(signed_at)
    return signatures


def _in_cycle(starts: dict[int, datetime], user_column, moment_column):
    """The condition "the moment belongs to the person's current cycle" (always true in a first cycle)."""
    if not starts:
        return true()
    start = case({user_id: literal(moment, UTCDateTime()) for user_id, moment in starts.items()}, value=user_column)
    return or_(start.is_(None), moment_column >= start)


def _attempts(user_ids: list[int], modules: list[PathModule], starts: dict[int, datetime]) -> dict:
    """(user, module) -> (attempts, best score, first passed at), in the current cycle."""
    module_of_quiz = {module.quiz_id: module.id for module in modules if module.quiz_id is not None}
    attempts = {}
    if module_of_quiz:
        first_pass = func.min(case((Attempt.passed.is_(True), Attempt.submitted_at)))
        for user_id, quiz_id, count, best, passed_at in db.session.execute(
            select(Attempt.user_id, Attempt.quiz_id, func.count(), func.max(Attempt.score), first_pass)
            .where(
                Attempt.user_id.in_(user_ids),
                Attempt.quiz_id.in_(list(module_of_quiz)),
                Attempt.submitted_at.is_not(None),
                _in_cycle(starts, Attempt.user_id, Attempt.submitted_at),
            )
            .group_by(Attempt.user_id, Attempt.quiz_id)
        ):
            attempts[user_id, module_of_quiz[quiz_id]] = (count, best, passed_at)
    return attempts


def _reading(user_ids: list[int], modules: list[PathModule], starts: dict[int, datetime]) -> dict:
    """(user, module) -> (lessons read, when the last of them was read), in the current cycle."""
    # When a lesson was read in this cycle: the first reading if it belongs to it, else the latest
    # (the one a refresher counts).
    read_at = (
        case(
            (_in_cycle(starts, LessonView.user_id, LessonView.viewed_at), LessonView.viewed_at),
            else_=LessonView.last_viewed_at,
        )
        if starts
        else LessonView.viewed_at
    )
    return {
        (user_id, module_id): (count, last_read)
        for user_id, module_id, count, last_read in db.session.execute(
            select(LessonView.user_id, Lesson.module_id, func.count(), func.max(read_at))
            .join(Lesson, Lesson.id == LessonView.lesson_id)
            .where(
                LessonView.user_id.in_(user_ids),
                Lesson.module_id.in_([module.id for module in modules]),
                LESSON_IN_USE,
                _in_cycle(starts, LessonView.user_id, LessonView.last_viewed_at),
            )
            .group_by(LessonView.user_id, Lesson.module_id)
        )
    }
