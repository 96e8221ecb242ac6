"""The completion report: each person's status and progress, computed in SQL from facts."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import Date, String, bindparam, cast, exists, func, or_, select

from portal.database import LIKE_ESCAPE, like_contains
from portal.extensions import db
from portal.learning.service import renewal_months
from portal.models.curriculum import LESSON_IN_USE, Lesson, Module
from portal.models.progress import Certificate
from portal.models.quiz import Quiz, QuizRevision
from portal.models.types import UTCDateTime, utcnow
from portal.models.user import Department, User
from portal.people.teams import PeopleScope
from portal.reports.columns import person_columns, quick_status
from portal.vocabulary import COMPLETED, IN_PROGRESS, NOT_STARTED, OVERDUE, RENEWAL_DUE

if TYPE_CHECKING:
    from portal.reports.results import PathDetails

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
    #: Whose people the report may show at all (people.teams.PeopleScope.department_ids): None for
    #: HR's everyone, a jefatura's departments otherwise. Not a filter: "everyone" counts within it.
    scope_departments: frozenset[int] | None = None

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
            if value not in (None, "", False) and name not in ("page", "scope_departments")
        }


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


#: Lessons and quizzes of the path that count (steps_total): built once, since every report page runs them.
_COUNTED_LESSONS = (
    select(func.count(Lesson.id))
    .join(Module)
    .where(Module.required.is_(True), Module.published.is_(True), LESSON_IN_USE)
)
_COUNTED_QUIZZES = (
    select(func.count(Quiz.id))
    .join(Module)
    .where(
        Module.required.is_(True),
        Module.published.is_(True),
        exists().where(QuizRevision.quiz_id == Quiz.id),
    )
)


def steps_total() -> int:
    """Steps of the path that count: lessons of required published modules, their quizzes, the commitment."""
    lessons = db.session.scalar(_COUNTED_LESSONS)
    quizzes = db.session.scalar(_COUNTED_QUIZZES)
    return (lessons or 0) + (quizzes or 0) + 1


def _base_query(
    filters: ReportFilters,
    today: date,
    now,
    *,
    with_status_filter: bool = True,
    user_ids: list[int] | None = None,
):
    steps_done, status, completed_at, joins = person_columns(today, now, user_ids)
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


def _in_scope(query, filters: ReportFilters):
    """Only the people the report may show (a jefatura's departments), whatever the filters."""
    if filters.scope_departments is None:
        return query
    return query.where(PeopleScope(filters.scope_departments).condition())


def _apply_filters(query, filters: ReportFilters):
    """The scope and every filter but the status, which each query expresses its own way."""
    query = _in_scope(query, filters)
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


def matching_ids(filters: ReportFilters):
    """The ids of the active people every filter but the status keeps, as a query."""
    return _apply_filters(
        select(User.id).outerjoin(Department, Department.id == User.department_id).where(User.active.is_(True)),
        filters,
    )


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


def ordered_report(filters: ReportFilters, today: date, now):
    """The query of every matching person's report columns, in the report's order."""
    query, status, steps_done = _base_query(filters, today, now)
    return query.order_by(*_ordering(filters, status, steps_done))


def report_rows(filters: ReportFilters, today: date, total_steps: int, now=None):
    """Every matching person, in order, as PersonRow; streamed."""
    result = db.session.execute(ordered_report(filters, today, now or utcnow()).execution_options(yield_per=500))
    for row in result:
        yield PersonRow(**row._asdict(), steps_total=total_steps)


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


def count_people(filters: ReportFilters, today: date, now=None) -> int:
    """How many people meet the filters, the status included (what an export of the list writes)."""
    quick = quick_status(today, now or utcnow())
    query = _apply_filters(
        select(func.count(User.id))
        .select_from(User)
        .outerjoin(Department, Department.id == User.department_id)
        .where(User.active.is_(True)),
        filters,
    )
    if filters.status:
        query = query.where(quick == filters.status)
    return db.session.scalar(query) or 0


def completion_report(filters: ReportFilters, today: date, now=None) -> Report:
    """One page of people plus totals by status and completion by department, of the people who
    meet the filters (the status included), and the number of every active person beside them.

    A fixed number of queries, whatever the number of people: totals and the chart come from one
    grouped query on the person's own row (quick_status; the status filter keeps its group); everyone
    is counted apart only when another filter left people out; progress is counted for the page only.
    """
    now = now or utcnow()
    total_steps = steps_total()
    if filters.narrow_people or filters.scope_departments is not None:
        quick = quick_status(today, now)
        built = None
        groups_query = _grouped_by_status(filters, quick)
    else:
        built = _everyone_statements(filters.sort, filters.descending, bool(filters.status), renewal_months())
        groups_query = built[0]
    parameters = {"today": today, "now": now}
    groups = db.session.execute(groups_query, parameters).all()
    if filters.narrow_people:
        everyone = db.session.scalar(_in_scope(select(func.count(User.id)).where(User.active.is_(True)), filters)) or 0
    else:
        everyone = sum(count for _status, _department, count in groups)
    if filters.status:
        groups = [group for group in groups if group[0] == filters.status]
    totals, departments = _totals_and_departments(groups)
    total = sum(totals.values())
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, filters.page), pages)
    offset = (page - 1) * PAGE_SIZE

    if filters.sort == "avance":
        # Ordering by progress needs everyone's progress.
        query, status, steps_done = _base_query(filters, today, now)
        page_query = query.order_by(*_ordering(filters, status, steps_done)).limit(PAGE_SIZE).offset(offset)
        rows = [PersonRow(**row._asdict(), steps_total=total_steps) for row in db.session.execute(page_query)]
    else:
        if built is None:
            ids_query = _page_ids(filters, quick, filters.status, offset)
        else:
            ids_query = built[1]
            parameters |= {"status": filters.status, "offset": offset}
        ids = list(db.session.scalars(ids_query, parameters))
        parameters |= {"user_ids": ids}
        found = {row.id: row for row in db.session.execute(_page_rows(renewal_months()), parameters)}
        # Put in the ids' order, the report's, here: ordered again by name in SQL, the statement made
        # SQLite walk the whole name index for the page's 50 ids.
        rows = [PersonRow(**found[user_id]._asdict(), steps_total=total_steps) for user_id in ids if user_id in found]
    return Report(
        rows=rows, total=total, page=page, pages=pages, totals=totals, departments=departments, everyone=everyone
    )


def _grouped_by_status(filters: ReportFilters, quick):
    """(status, department's name, people) of the people every filter but the status keeps.

    Grouped on the person's row alone, which ix_user_account_status covers, then named: a name
    looked up per group (a few hundred) rather than per person, and the table itself never read.
    """
    status = quick.label("status")
    counted = (
        _apply_filters(
            select(User.department_id, status, func.count().label("people")).where(User.active.is_(True)), filters
        )
        .group_by(User.department_id, status)
        .subquery()
    )
    return (
        select(counted.c.status, Department.name, counted.c.people)
        .select_from(counted)
        .outerjoin(Department, Department.id == counted.c.department_id)
    )


def _page_ids(filters: ReportFilters, quick, status, offset):
    """The ids of a page of the people every filter keeps, in the report's order (not by progress)."""
    query = matching_ids(filters)
    if filters.status:
        query = query.where(quick == status)
    return query.order_by(*_ordering(filters, quick, None)).limit(PAGE_SIZE).offset(offset)


@cache
def _everyone_statements(sort: str, descending: bool, by_status: bool, months: int | None):
    """The totals' and the page's ids statements when no filter but the status leaves people out (the
    report as HR opens it, sorted, by status): built once, with bound parameters ("today", "now",
    "status", "offset"), like _page_rows. `months` is only the cache's key."""
    quick = quick_status(bindparam("today", type_=Date()), bindparam("now", type_=UTCDateTime()))
    filters = ReportFilters(sort=sort, descending=descending, status="any" if by_status else None)
    # Ordered by progress, the page is chosen another way (completion_report).
    ids = None if sort == "avance" else _page_ids(filters, quick, bindparam("status"), bindparam("offset"))
    return _grouped_by_status(filters, quick), ids


@cache
def _page_rows(months: int | None):
    """The report's columns for the people of a page ("user_ids", chosen by every filter and put in
    order beforehand): built once per renewal setting, with bound parameters, since building it (five
    per-person subqueries) cost more than running it. `months` is only the cache's key:
    person_columns reads the setting itself."""
    user_ids = bindparam("user_ids", expanding=True)
    today, now = bindparam("today", type_=Date()), bindparam("now", type_=UTCDateTime())
    return _base_query(ReportFilters(), today, now, user_ids=user_ids)[0]


def _totals_and_departments(groups) -> tuple[dict[str, int], list[DepartmentRow]]:
    """People by status, and by department with how many completed, from (status, department, count) groups."""
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
    return totals, departments


def with_page(filters: ReportFilters, page: int) -> ReportFilters:
    return replace(filters, page=page)
