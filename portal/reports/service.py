"""The completion report: each person's status and progress, computed in SQL from facts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from itertools import islice

from sqlalchemy import String, and_, case, cast, distinct, exists, func, literal, or_, select, true

from portal.database import LIKE_ESCAPE, add_months, like_contains
from portal.extensions import db
from portal.learning.progress import COMPLETED, IN_PROGRESS, NOT_STARTED, OVERDUE, RENEWAL_DUE
from portal.learning.service import current_cycle, renewal_months
from portal.models.curriculum import Lesson, Module
from portal.models.progress import Certificate, Commitment, LessonView
from portal.models.quiz import Attempt, Quiz, QuizRevision
from portal.models.types import UTCDateTime, utcnow
from portal.models.user import Department, User

#: Every status a person can have; RENEWAL_DUE only while renewal is on (RENEWAL_MONTHS).
STATUSES = (NOT_STARTED, IN_PROGRESS, COMPLETED, OVERDUE, RENEWAL_DUE)
PAGE_SIZE = 50
SORTS = ("nombre", "departamento", "ingreso", "plazo", "avance", "estado")


@dataclass(frozen=True)
class ReportFilters:
    department_id: int | None = None
    employment_type: str | None = None
    status: str | None = None
    start_from: date | None = None
    start_to: date | None = None
    text: str = ""
    sort: str = "nombre"
    descending: bool = False
    page: int = 1

    @property
    def narrow_people(self) -> bool:
        """Some filter other than the status leaves people out (the status is applied apart)."""
        return any(
            (self.department_id, self.employment_type, self.start_from, self.start_to, " ".join(self.text.split()))
        )

    @property
    def narrowed(self) -> bool:
        """Some filter leaves people out: the report's numbers are of part of the staff."""
        return self.narrow_people or bool(self.status)

    def as_details(self) -> dict:
        """The filters for an audit record: only what was set."""
        return {
            name: (value.isoformat() if isinstance(value, date) else value)
            for name, value in self.__dict__.items()
            if value not in (None, "", False) and name not in ("page",)
        }


@dataclass(frozen=True)
class PathModule:
    """A required published module: a group of the export's columns."""

    id: int
    title: str
    lesson_count: int
    #: The module's quiz, if it has a published revision; None for a module of lessons only.
    quiz_id: int | None


@dataclass(frozen=True)
class ModuleResult:
    """What a person did in one module during their current cycle."""

    attempts: int = 0
    best_score: int | None = None
    #: When the module became complete: its last lesson read or its quiz first passed, whichever came later.
    completed_at: datetime | None = None


@dataclass(frozen=True)
class PathDetails:
    """A person's results module by module and their commitment, in their current cycle (for exports)."""

    modules: dict[int, ModuleResult]
    commitment_signed_at: datetime | None = None


@dataclass(frozen=True)
class PersonRow:
    id: int
    full_name: str
    rut: str
    email: str | None
    department: str | None
    employment_type: str | None
    start_date: date | None
    due_date: date | None
    steps_done: int
    steps_total: int
    status: str
    completed_at: object | None
    #: Module by module results; only the exports ask for them (export_rows).
    details: PathDetails | None = None

    @property
    def percent(self) -> int:
        return min(100, self.steps_done * 100 // self.steps_total) if self.steps_total else 0


@dataclass(frozen=True)
class DepartmentRow:
    name: str
    people: int
    completed: int

    @property
    def percent(self) -> int:
        return self.completed * 100 // self.people if self.people else 0


@dataclass
class Report:
    rows: list[PersonRow]
    #: People who meet the filters; the totals by status and the chart count exactly these.
    total: int
    page: int
    pages: int
    totals: dict[str, int] = field(default_factory=dict)
    departments: list[DepartmentRow] = field(default_factory=list)
    #: Every active person, whatever the filters.
    everyone: int = 0


def steps_total() -> int:
    """Steps of the path that count: lessons of required published modules, their quizzes, the commitment."""
    lessons = db.session.scalar(
        select(func.count(Lesson.id)).join(Module).where(Module.required.is_(True), Module.published.is_(True))
    )
    quizzes = db.session.scalar(
        select(func.count(Quiz.id))
        .join(Module)
        .where(
            Module.required.is_(True),
            Module.published.is_(True),
            exists().where(QuizRevision.quiz_id == Quiz.id),
        )
    )
    return (lessons or 0) + (quizzes or 0) + 1


def _completion_cases(signed, still_valid) -> list:
    """The first branches of every status CASE: completed, or completed once and due for renewal."""
    if still_valid is None:
        return [(signed, COMPLETED)]
    return [(and_(signed, still_valid), COMPLETED), (signed, RENEWAL_DUE)]


def _quick_status(today: date, now):
    """The same status as _person_columns, from indexed EXISTS tests instead of per-person counts."""
    months = renewal_months()
    still_valid = (
        exists().where(Commitment.user_id == User.id, add_months(Commitment.signed_at, months) > now)
        if months
        else None
    )
    return case(
        *_completion_cases(exists().where(Commitment.user_id == User.id), still_valid),
        (and_(User.due_date.is_not(None), User.due_date < today), OVERDUE),
        (
            or_(
                exists().where(Attempt.user_id == User.id, Attempt.submitted_at.is_not(None)),
                exists().where(LessonView.user_id == User.id),
            ),
            IN_PROGRESS,
        ),
        else_=NOT_STARTED,
    )


def _person_columns(today: date, now, user_ids: list[int] | None = None):
    """Columns per person: steps done, activity, completion, and the derived status.

    With `user_ids`, the per-person counts are computed for those people only. With renewal on,
    a person whose newest completion has expired is in a refresher: only what they did since the
    expiry counts as steps done (see portal.learning.service.Cycle).
    """

    def only_these(query, column):
        return query.where(column.in_(user_ids)) if user_ids is not None else query

    months = renewal_months()
    refresher = None
    if months:
        expiry = add_months(func.max(Commitment.signed_at), months)
        refresher = (
            only_these(select(Commitment.user_id, expiry.label("starts_at")), Commitment.user_id)
            .group_by(Commitment.user_id)
            .having(expiry <= now)
            .subquery()
        )

    def since_refresher_start(query, user_column, moment_column):
        if refresher is None:
            return query
        return query.outerjoin(refresher, refresher.c.user_id == user_column).where(
            or_(refresher.c.starts_at.is_(None), moment_column >= refresher.c.starts_at)
        )

    counted_module = and_(Module.required.is_(True), Module.published.is_(True))
    lessons_read = (
        only_these(
            since_refresher_start(
                select(LessonView.user_id, func.count().label("n"))
                .join(Lesson, Lesson.id == LessonView.lesson_id)
                .join(Module, Module.id == Lesson.module_id)
                .where(counted_module),
                LessonView.user_id,
                LessonView.last_viewed_at,
            ),
            LessonView.user_id,
        )
        .group_by(LessonView.user_id)
        .subquery()
    )
    quizzes_passed = (
        only_these(
            since_refresher_start(
                select(Attempt.user_id, func.count(distinct(Attempt.quiz_id)).label("n"))
                .join(Quiz, Quiz.id == Attempt.quiz_id)
                .join(Module, Module.id == Quiz.module_id)
                .where(Attempt.passed.is_(True), counted_module),
                Attempt.user_id,
                Attempt.submitted_at,
            ),
            Attempt.user_id,
        )
        .group_by(Attempt.user_id)
        .subquery()
    )
    # As on the learner's side (ModuleFacts.started): a submitted attempt, even failed, is a start.
    any_activity = (
        only_these(
            select(Attempt.user_id, func.count().label("n")).where(Attempt.submitted_at.is_not(None)), Attempt.user_id
        )
        .group_by(Attempt.user_id)
        .subquery()
    )
    any_reading = (
        only_these(select(LessonView.user_id, func.count().label("n")), LessonView.user_id)
        .group_by(LessonView.user_id)
        .subquery()
    )
    signed = (
        only_these(select(Commitment.user_id, func.max(Commitment.signed_at).label("signed_at")), Commitment.user_id)
        .group_by(Commitment.user_id)
        .subquery()
    )
    has_signed = signed.c.signed_at.is_not(None)
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
        (lessons_read, lessons_read.c.user_id == User.id),
        (quizzes_passed, quizzes_passed.c.user_id == User.id),
        (any_activity, any_activity.c.user_id == User.id),
        (any_reading, any_reading.c.user_id == User.id),
        (signed, signed.c.user_id == User.id),
    ]
    if refresher is not None:
        joins.append((refresher, refresher.c.user_id == User.id))
    return steps_done.label("steps_done"), status.label("status"), signed.c.signed_at.label("completed_at"), joins


def _base_query(
    filters: ReportFilters,
    today: date,
    now,
    *,
    with_status_filter: bool = True,
    user_ids: list[int] | None = None,
):
    steps_done, status, completed_at, joins = _person_columns(today, now, user_ids)
    query = (
        select(
            User.id,
            User.full_name,
            User.rut,
            User.email,
            Department.name.label("department"),
            User.employment_type,
            User.start_date,
            User.due_date,
            steps_done,
            status,
            completed_at,
        )
        .outerjoin(Department, Department.id == User.department_id)
        .where(User.active.is_(True))
    )
    for subquery, condition in joins:
        query = query.outerjoin(subquery, condition)
    if user_ids is not None:
        query = query.where(User.id.in_(user_ids))
    query = _apply_filters(query, filters)
    if with_status_filter and filters.status:
        query = query.where(status == filters.status)
    return query, status, steps_done


def _apply_filters(query, filters: ReportFilters):
    """Every filter but the status, which each query expresses its own way."""
    if filters.department_id:
        query = query.where(User.department_id == filters.department_id)
    if filters.employment_type:
        query = query.where(User.employment_type == filters.employment_type)
    if filters.start_from:
        query = query.where(User.start_date >= filters.start_from)
    if filters.start_to:
        query = query.where(User.start_date <= filters.start_to)
    text = " ".join(filters.text.split()).lower()
    if text:
        pattern = like_contains(text)
        compact = "".join(ch for ch in text if ch.isalnum())
        conditions = [
            func.lower(User.full_name).like(pattern, escape=LIKE_ESCAPE),
            func.lower(func.coalesce(User.email, "")).like(pattern, escape=LIKE_ESCAPE),
        ]
        if compact:  # "12.345.678-5" and "123456785" both find 12345678-5
            conditions.append(func.replace(func.lower(cast(User.rut, String)), "-", "").like(f"%{compact}%"))
        query = query.where(or_(*conditions))
    return query


def _ordering(filters: ReportFilters, status, steps_done):
    columns = {
        "nombre": func.lower(User.full_name),
        "departamento": func.lower(func.coalesce(Department.name, "")),
        "ingreso": User.start_date,
        "plazo": User.due_date,
        "avance": steps_done,
        "estado": status,
    }
    column = columns.get(filters.sort, columns["nombre"])
    primary = column.desc() if filters.descending else column.asc()
    return [primary, func.lower(User.full_name), User.id]


def report_rows(filters: ReportFilters, today: date, total_steps: int, now=None):
    """Every matching person, in order, as PersonRow; streamed for exports."""
    query, status, steps_done = _base_query(filters, today, now or utcnow())
    result = db.session.execute(
        query.order_by(*_ordering(filters, status, steps_done)).execution_options(yield_per=500)
    )
    for row in result:
        yield PersonRow(**row._asdict(), steps_total=total_steps)


#: People whose module results are read together, in a few queries, while an export streams.
EXPORT_BATCH = 500


def required_modules() -> list[PathModule]:
    """The required published modules in path order, with their lesson count and published quiz."""
    lesson_counts = select(Lesson.module_id, func.count(Lesson.id).label("n")).group_by(Lesson.module_id).subquery()
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
    signatures: dict[int, list[datetime]] = {user_id: [] for user_id in user_ids}
    for user_id, signed_at in db.session.execute(
        select(Commitment.user_id, Commitment.signed_at)
        .where(Commitment.user_id.in_(user_ids))
        .order_by(Commitment.user_id, Commitment.id.desc())
    ):
        signatures[user_id].append(signed_at)
    starts = {}
    for user_id, signed in signatures.items():
        cycle = current_cycle(signed[0] if signed else None, signed[1] if len(signed) > 1 else None, now, months)
        if cycle.starts_at is not None:
            starts[user_id] = cycle.starts_at

    def cycle_start(user_column):
        """The person's refresher start; NULL in a first cycle."""
        return case({user_id: literal(moment, UTCDateTime()) for user_id, moment in starts.items()}, value=user_column)

    def in_cycle(user_column, moment_column):
        if not starts:
            return true()
        start = cycle_start(user_column)
        return or_(start.is_(None), moment_column >= start)

    module_of_quiz = {module.quiz_id: module.id for module in modules if module.quiz_id is not None}
    #: (user, module) -> (attempts, best score, first passed at)
    attempts = {}
    if module_of_quiz:
        first_pass = func.min(case((Attempt.passed.is_(True), Attempt.submitted_at)))
        for user_id, quiz_id, count, best, passed_at in db.session.execute(
            select(Attempt.user_id, Attempt.quiz_id, func.count(), func.max(Attempt.score), first_pass)
            .where(
                Attempt.user_id.in_(user_ids),
                Attempt.quiz_id.in_(list(module_of_quiz)),
                Attempt.submitted_at.is_not(None),
                in_cycle(Attempt.user_id, Attempt.submitted_at),
            )
            .group_by(Attempt.user_id, Attempt.quiz_id)
        ):
            attempts[user_id, module_of_quiz[quiz_id]] = (count, best, passed_at)
    # When a lesson was read in this cycle: the first reading if it belongs to it, else the latest
    # (the one a refresher counts).
    read_at = (
        case(
            (in_cycle(LessonView.user_id, LessonView.viewed_at), LessonView.viewed_at),
            else_=LessonView.last_viewed_at,
        )
        if starts
        else LessonView.viewed_at
    )
    #: (user, module) -> (lessons read, when the last of them was read)
    reading = {
        (user_id, module_id): (count, last_read)
        for user_id, module_id, count, last_read in db.session.execute(
            select(LessonView.user_id, Lesson.module_id, func.count(), func.max(read_at))
            .join(Lesson, Lesson.id == LessonView.lesson_id)
            .where(
                LessonView.user_id.in_(user_ids),
                Lesson.module_id.in_([module.id for module in modules]),
                in_cycle(LessonView.user_id, LessonView.last_viewed_at),
            )
            .group_by(LessonView.user_id, Lesson.module_id)
        )
    }

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


def newest_certificates(filters: ReportFilters, today: date, limit: int, now=None) -> list[tuple[int, int]]:
    """(person id, id of their newest certificate) for matching people who hold one, in the report's order.

    At most `limit` pairs; one query. People without a certificate are left out.
    """
    query, status, steps_done = _base_query(filters, today, now or utcnow())
    newest = (
        select(Certificate.user_id, func.max(Certificate.id).label("certificate_id"))
        .group_by(Certificate.user_id)
        .subquery()
    )
    query = (
        query.join(newest, newest.c.user_id == User.id)
        .with_only_columns(User.id, newest.c.certificate_id)
        .order_by(*_ordering(filters, status, steps_done))
        .limit(limit)
    )
    return [(user_id, certificate_id) for user_id, certificate_id in db.session.execute(query)]


def completion_report(filters: ReportFilters, today: date, now=None) -> Report:
    """One page of people plus totals by status and completion by department, of the people who
    meet the filters (the status included), and the number of every active person beside them.

    A fixed number of queries, whatever the number of people: totals and the chart come
    from one grouped query on cheap EXISTS tests (the status filter keeps its group); everyone is
    counted apart only when another filter left people out; progress is counted for the page only.
    """
    now = now or utcnow()
    total_steps = steps_total()
    quick_status = _quick_status(today, now)
    matching = _apply_filters(
        select(Department.name.label("department"), quick_status.label("status"))
        .select_from(User)
        .outerjoin(Department, Department.id == User.department_id)
        .where(User.active.is_(True)),
        filters,
    ).subquery()
    groups = db.session.execute(
        select(matching.c.status, matching.c.department, func.count()).group_by(
            matching.c.status, matching.c.department
        )
    ).all()
    if filters.narrow_people:
        everyone = db.session.scalar(select(func.count(User.id)).where(User.active.is_(True))) or 0
    else:
        everyone = sum(count for _status, _department, count in groups)
    if filters.status:
        groups = [group for group in groups if group[0] == filters.status]
    totals = dict.fromkeys(STATUSES, 0)
    by_department: dict[str, list[int]] = {}
    for status, department, count in groups:
        totals[status] += count
        people_and_completed = by_department.setdefault(department or "", [0, 0])
        people_and_completed[0] += count
        if status == COMPLETED:
            people_and_completed[1] += count
    departments = [
        DepartmentRow(name, people, completed)
        for name, (people, completed) in sorted(by_department.items(), key=lambda item: item[0].casefold())
    ]
    total = sum(totals.values())
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, filters.page), pages)
    offset = (page - 1) * PAGE_SIZE

    if filters.sort == "avance":
        # Ordering by progress needs everyone's progress.
        query, status, steps_done = _base_query(filters, today, now)
        page_query = query.order_by(*_ordering(filters, status, steps_done)).limit(PAGE_SIZE).offset(offset)
    else:
        ids_query = _apply_filters(
            select(User.id).outerjoin(Department, Department.id == User.department_id).where(User.active.is_(True)),
            filters,
        )
        if filters.status:
            ids_query = ids_query.where(quick_status == filters.status)
        ids = list(
            db.session.scalars(
                ids_query.order_by(*_ordering(filters, quick_status, None)).limit(PAGE_SIZE).offset(offset)
            )
        )
        query, status, steps_done = _base_query(filters, today, now, user_ids=ids)
        page_query = query.order_by(*_ordering(filters, status, steps_done))
    rows = [PersonRow(**row._asdict(), steps_total=total_steps) for row in db.session.execute(page_query)]
    return Report(
        rows=rows, total=total, page=page, pages=pages, totals=totals, departments=departments, everyone=everyone
    )


def with_page(filters: ReportFilters, page: int) -> ReportFilters:
    return replace(filters, page=page)
