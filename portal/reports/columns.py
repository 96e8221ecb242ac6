"""The report's per-person columns in SQL: steps done, completion and the derived status.

person_columns computes them from per-person counts (the page of people, exports); quick_status
gives the same status from columns of the person that triggers keep (totals and the chart, over everyone).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, case, distinct, func, or_, select

from portal.database import add_months
from portal.learning.service import renewal_months
from portal.models.curriculum import LESSON_IN_USE, Lesson, Module
from portal.models.progress import Commitment, LessonView
from portal.models.quiz import Attempt, Quiz
from portal.models.user import User
from portal.vocabulary import COMPLETED, IN_PROGRESS, NOT_STARTED, OVERDUE, RENEWAL_DUE


def _completion_cases(signed, still_valid) -> list:
    """The first branches of every status CASE: completed, or completed once and due for renewal."""
    if still_valid is None:
        return [(signed, COMPLETED)]
    return [(and_(signed, still_valid), COMPLETED), (signed, RENEWAL_DUE)]


def quick_status(today: date, now):
    """The same status as person_columns, from the person's own row: what the totals and chart read.

    `User.last_signed_at` and `User.started` are kept by the database's triggers on the facts
    (migration 0015); due dates and renewal expiry depend on the day and are compared here.
    tests/test_maintained_status.py checks it against person_columns after random histories.
    """
    months = renewal_months()
    still_valid = add_months(User.last_signed_at, months) > now if months else None
    return case(
        *_completion_cases(User.last_signed_at.is_not(None), still_valid),
        (and_(User.due_date.is_not(None), User.due_date < today), OVERDUE),
        (User.started.is_(True), IN_PROGRESS),
        else_=NOT_STARTED,
    )


class _Counts:
    """Builds the per-person subqueries, for `user_ids` only when given, and with renewal on only
    from a refresher's start (the newest completion's expiry) for people in a refresher."""

    def __init__(self, now, user_ids: list[int] | None):
        self.user_ids = user_ids
        self.refresher = None
        months = renewal_months()
        if months:
            expiry = add_months(func.max(Commitment.signed_at), months)
            self.refresher = (
                self.only_these(select(Commitment.user_id, expiry.label("starts_at")), Commitment.user_id)
                .group_by(Commitment.user_id)
                .having(expiry <= now)
                .subquery()
            )

    def only_these(self, query, column):
        return query.where(column.in_(self.user_ids)) if self.user_ids is not None else query

    def since_refresher_start(self, query, user_column, moment_column):
        if self.refresher is None:
            return query
        return query.outerjoin(self.refresher, self.refresher.c.user_id == user_column).where(
            or_(self.refresher.c.starts_at.is_(None), moment_column >= self.refresher.c.starts_at)
        )

    def per_person(self, query, user_column, moment_column=None):
        """`query` (user id and a count) for these people, since the refresher's start when a moment is given."""
        if moment_column is not None:
            query = self.since_refresher_start(query, user_column, moment_column)
        return self.only_these(query, user_column).group_by(user_column).subquery()


def person_columns(today: date, now, user_ids: list[int] | None = None):
    """Columns per person: steps done, activity, completion, and the derived status.

    With `user_ids`, the per-person counts are computed for those people only. With renewal on,
    a person whose newest completion has expired is in a refresher: only what they did since the
    expiry counts as steps done (see portal.learning.service.Cycle).
    """
    counts = _Counts(now, user_ids)
    counted_module = and_(Module.required.is_(True), Module.published.is_(True))
    lessons_read = counts.per_person(
        select(LessonView.user_id, func.count().label("n"))
        .join(Lesson, Lesson.id == LessonView.lesson_id)
        .join(Module, Module.id == Lesson.module_id)
        .where(counted_module, LESSON_IN_USE),
        LessonView.user_id,
        LessonView.last_viewed_at,
    )
    quizzes_passed = counts.per_person(
        select(Attempt.user_id, func.count(distinct(Attempt.quiz_id)).label("n"))
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .join(Module, Module.id == Quiz.module_id)
        .where(Attempt.passed.is_(True), counted_module),
        Attempt.user_id,
        Attempt.submitted_at,
    )
    # As on the learner's side (ModuleFacts.started): a submitted attempt, even failed, is a start.
    any_activity = counts.per_person(
        select(Attempt.user_id, func.count().label("n")).where(Attempt.submitted_at.is_not(None)), Attempt.user_id
    )
    # A lesson in the Papelera was never read, as on the learner's side.
    any_reading = counts.per_person(
        select(LessonView.user_id, func.count().label("n"))
        .join(Lesson, Lesson.id == LessonView.lesson_id)
        .where(LESSON_IN_USE),
        LessonView.user_id,
    )
    signed = counts.per_person(
        select(Commitment.user_id, func.max(Commitment.signed_at).label("signed_at")), Commitment.user_id
    )
    has_signed = signed.c.signed_at.is_not(None)
    refresher = counts.refresher
    still_valid = refresher.c.starts_at.is_(None) if refresher is not None else None
    signed_this_cycle = and_(has_signed, still_valid) if still_valid is not None else has_signed
    steps_done = (
        func.coalesce(lessons_read.c.n, 0)
        + func.coalesce(quizzes_passed.c.n, 0)
        + case((signed_this_cycle, 1), else_=0)
    )
    status = case(
        *_completion_cases(has_signed, still_valid),
        (and_(User.due_date.is_not(None), User.due_date < today), OVERDUE),
        (or_(any_activity.c.n > 0, any_reading.c.n > 0), IN_PROGRESS),
        else_=NOT_STARTED,
    )
    joins = [
        (sub, sub.c.user_id == User.id) for sub in (lessons_read, quizzes_passed, any_activity, any_reading, signed)
    ]
    if refresher is not None:
        joins.append((refresher, refresher.c.user_id == User.id))
    return steps_done.label("steps_done"), status.label("status"), signed.c.signed_at.label("completed_at"), joins
