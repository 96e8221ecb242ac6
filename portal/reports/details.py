"""Each person's results module by module, for the exports: columns of the report's own query.

The results come from three grouped subqueries (the two newest signatures, attempts by quiz, readings by
module), one column per module, joined to the people on their id: one query for a whole export, streamed,
however many people it holds, and one per batch for a given list of people (the reminder sheets).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import and_, case, exists, func, or_, select

from portal.database import add_months
from portal.extensions import db
from portal.learning.service import renewal_months
from portal.models.curriculum import LESSON_IN_USE, Lesson, Module
from portal.models.progress import Commitment, LessonView
from portal.models.quiz import Attempt, Quiz, QuizRevision
from portal.models.types import utcnow
from portal.models.user import User
from portal.reports.results import ModuleResult, PathDetails, PathModule
from portal.reports.service import PersonRow, ReportFilters, matching_ids, ordered_report

#: People whose module results are read together, in one query, by those who hold a list of people.
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


class PathColumns:
    """Each person's results in `modules` and commitment, counting only their current cycle
    (portal.learning.cycles.current_cycle, as their own page does), as columns to join on User.id.

    With `user_ids` (a list or a query of ids), the facts of those people only are grouped.
    """

    def __init__(self, modules: list[PathModule], now: datetime, months: int | None, user_ids=None):
        self.modules = modules
        self.user_ids = user_ids
        self.cycles = self._cycles(now, months)
        self.attempts = self._attempts()
        self.reading = self._reading(months)

    def _only_these(self, query, column):
        return query.where(column.in_(self.user_ids)) if self.user_ids is not None else query

    def _cycles(self, now: datetime, months: int | None):
        """Per person: the newest signature (`latest`) and, in a refresher, when its cycle began (`starts_at`).

        current_cycle in SQL: after an expired completion the refresher starts at its expiry; after a
        renewal, at the expiry of the completion it renewed. "Newest" is by commitment id, as there.
        """
        ranked = self._only_these(
            select(
                Commitment.user_id,
                Commitment.signed_at,
                func.row_number().over(partition_by=Commitment.user_id, order_by=Commitment.id.desc()).label("rank"),
            ),
            Commitment.user_id,
        ).subquery()
        latest = func.max(case((ranked.c.rank == 1, ranked.c.signed_at)))
        if months:
            previous = func.max(case((ranked.c.rank == 2, ranked.c.signed_at)))
            expiry, renewed_from = add_months(latest, months), add_months(previous, months)
            starts_at = case((expiry <= now, expiry), (renewed_from <= latest, renewed_from))
        else:
            starts_at = None
        columns = [ranked.c.user_id, latest.label("latest")]
        if starts_at is not None:
            columns.append(starts_at.label("starts_at"))
        return select(*columns).where(ranked.c.rank <= 2).group_by(ranked.c.user_id).subquery()

    def _in_cycle(self, query, user_column, moment_column):
        """Only facts of the person's current cycle (all of them in a first cycle)."""
        if "starts_at" not in self.cycles.c:
            return query
        return query.outerjoin(self.cycles, self.cycles.c.user_id == user_column).where(
            or_(self.cycles.c.starts_at.is_(None), moment_column >= self.cycles.c.starts_at)
        )

    def _attempts(self):
        """Per person and quiz: submitted attempts, the best score and when it was first passed."""
        quizzes = [module.quiz_id for module in self.modules if module.quiz_id is not None]
        if not quizzes:
            return None
        columns = []
        for quiz_id in quizzes:
            this_quiz = Attempt.quiz_id == quiz_id
            columns += [
                func.count(case((this_quiz, 1))).label(f"attempts_{quiz_id}"),
                func.max(case((this_quiz, Attempt.score))).label(f"best_{quiz_id}"),
                func.min(case((and_(this_quiz, Attempt.passed.is_(True)), Attempt.submitted_at))).label(
                    f"passed_{quiz_id}"
                ),
            ]
        query = select(Attempt.user_id, *columns).where(Attempt.quiz_id.in_(quizzes), Attempt.submitted_at.is_not(None))
        query = self._in_cycle(self._only_these(query, Attempt.user_id), Attempt.user_id, Attempt.submitted_at)
        return query.group_by(Attempt.user_id).subquery()

    def _reading(self, months: int | None):
        """Per person and module: lessons read and when the last of them was read."""
        if not self.modules:
            return None
        # When a lesson was read in this cycle: the first reading if it belongs to it, else the latest
        # (the one a refresher counts).
        read_at = LessonView.viewed_at
        if "starts_at" in self.cycles.c:
            starts_at = self.cycles.c.starts_at
            read_at = case(
                (or_(starts_at.is_(None), LessonView.viewed_at >= starts_at), LessonView.viewed_at),
                else_=LessonView.last_viewed_at,
            )
        columns = []
        for module in self.modules:
            this_module = Lesson.module_id == module.id
            columns += [
                func.count(case((this_module, 1))).label(f"read_{module.id}"),
                func.max(case((this_module, read_at))).label(f"last_read_{module.id}"),
            ]
        query = (
            select(LessonView.user_id, *columns)
            .join(Lesson, Lesson.id == LessonView.lesson_id)
            .where(Lesson.module_id.in_([module.id for module in self.modules]), LESSON_IN_USE)
        )
        query = self._in_cycle(
            self._only_these(query, LessonView.user_id), LessonView.user_id, LessonView.last_viewed_at
        )
        return query.group_by(LessonView.user_id).subquery()

    def joins(self) -> list:
        """(subquery, condition) pairs to outer-join on the person."""
        return [
            (subquery, subquery.c.user_id == User.id)
            for subquery in (self.cycles, self.attempts, self.reading)
            if subquery is not None
        ]

    def columns(self) -> list:
        """The commitment signed in this cycle, then each module's attempts, best score and completion
        moment (attempts and score only for a module with a quiz); `details` reads them back."""
        latest = self.cycles.c.latest
        if "starts_at" in self.cycles.c:
            starts_at = self.cycles.c.starts_at
            latest = case((or_(starts_at.is_(None), latest >= starts_at), latest))
        columns = [latest.label("signed_in_cycle")]
        for module in self.modules:
            read = func.coalesce(self.reading.c[f"read_{module.id}"], 0)
            last_read = self.reading.c[f"last_read_{module.id}"]
            all_read = read >= module.lesson_count
            if module.quiz_id is None:
                columns.append(case((all_read, last_read)).label(f"completed_{module.id}"))
                continue
            passed_at = self.attempts.c[f"passed_{module.quiz_id}"]
            # The later of the last reading and the first pass, when the module is complete.
            later = case((last_read.is_(None), passed_at), (last_read >= passed_at, last_read), else_=passed_at)
            columns += [
                func.coalesce(self.attempts.c[f"attempts_{module.quiz_id}"], 0).label(f"attempts_{module.id}"),
                self.attempts.c[f"best_{module.quiz_id}"].label(f"best_{module.id}"),
                case((and_(all_read, passed_at.is_not(None)), later)).label(f"completed_{module.id}"),
            ]
        return columns

    def details(self, values) -> PathDetails:
        """The PathDetails of the values `columns` gave, in their order."""
        values = iter(values)
        signed_in_cycle = next(values)
        results = {}
        for module in self.modules:
            if module.quiz_id is None:
                results[module.id] = ModuleResult(completed_at=next(values))
            else:
                results[module.id] = ModuleResult(next(values), next(values), next(values))
        return PathDetails(modules=results, commitment_signed_at=signed_in_cycle)


def export_rows(
    filters: ReportFilters, today: date, total_steps: int, modules: list[PathModule], now=None, connection=None
) -> Iterator[PersonRow]:
    """report_rows with each person's PathDetails, from one query streamed a few hundred rows at a time,
    on `connection` when given (else the session)."""
    now = now or utcnow()
    # A filter that leaves most people out (a department) should not group everyone's facts.
    path = PathColumns(modules, now, renewal_months(), matching_ids(filters) if filters.narrow_people else None)
    query = ordered_report(filters, today, now)
    width = len(query.selected_columns)
    for subquery, condition in path.joins():
        query = query.outerjoin(subquery, condition)
    query = query.add_columns(*path.columns())
    for row in (connection or db.session).execute(query.execution_options(yield_per=EXPORT_BATCH)):
        # The report's columns are PersonRow's in order, steps_total after steps_done.
        yield PersonRow(*row[:9], total_steps, *row[9:width], path.details(row[width:]))


def path_details(
    user_ids: list[int], modules: list[PathModule], now: datetime, months: int | None
) -> dict[int, PathDetails]:
    """These people's PathDetails (as in the exports), in one query."""
    path = PathColumns(modules, now, months, user_ids)
    query = select(User.id).where(User.id.in_(user_ids))
    for subquery, condition in path.joins():
        query = query.outerjoin(subquery, condition)
    query = query.add_columns(*path.columns())
    return {row[0]: path.details(row[1:]) for row in db.session.execute(query)}
