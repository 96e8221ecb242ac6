"""Building the preview: validate every row and compare it with the database; writes nothing."""

from __future__ import annotations

import hashlib
import json

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.auth.authority import STAFF_IMPORT_AUTHORITY, may_manage
from portal.extensions import db
from portal.models.user import Department, User
from portal.people.accounts import default_due_date
from portal.people.departments import (
    department_unit,
    match_department,
    simplify,
)
from portal.people.staff_import.headers import map_columns
from portal.people.staff_import.plan import (
    CREATE,
    Change,
    DepartmentChoice,
    InvalidRow,
    PlannedCreate,
    PlannedUpdate,
    Preview,
    StaffRow,
)
from portal.people.staff_import.reading import Table
from portal.people.staff_import.rows import ParsedRow, flag_repeats, parse_row
from portal.settings import effective


def _chunks(values: list, size: int = 500):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _decide(
    choice: DepartmentChoice,
    raw: str | None,
    by_id: dict[int, Department],
    *,
    submitted: bool,
    create_unknown: bool,
) -> None:
    """Set choice.choice (and chosen, error) from a submitted form value, or the default."""
    if not submitted or raw is None:
        if choice.match is not None:
            choice.choice, choice.chosen = choice.match.department.id, choice.match.department
        elif create_unknown:
            choice.choice = CREATE
        elif submitted:
            choice.error = _("Elija a qué departamento pertenece «%(name)s» o créelo como nuevo.", name=choice.name)
        return
    raw = raw.strip()
    if raw == CREATE:
        if choice.can_create:
            choice.choice = CREATE
        else:
            choice.error = _(
                "«%(name)s» es el departamento «%(existing)s» escrito de otra forma; elija un departamento existente.",
                name=choice.name,
                existing=choice.match.department.name,
            )
    elif raw.isdigit() and int(raw) in by_id:
        choice.choice, choice.chosen = int(raw), by_id[int(raw)]
    elif raw == "":
        choice.error = _("Elija a qué departamento pertenece «%(name)s» o créelo como nuevo.", name=choice.name)
    else:
        choice.error = _("Elija una de las opciones de la lista para «%(name)s».", name=choice.name)


def build_preview(
    table: Table,
    *,
    onboarding_days: int | None = None,
    department_choices: dict[str, str] | None = None,
    create_departments: bool = False,
) -> Preview:
    """Validate every row and compare it with the database; writes nothing. Raises ImportFileError.

    Each department the file names is matched with the portal's (departments.match_department). The
    match is the default choice; a department without one stays undecided unless
    `create_departments` (the command line's flag) says to create it. `department_choices` are
    the values HR submitted (field name -> existing department id or CREATE): when given, every
    undecided or impossible choice gets an error, and the rows follow HR's choices.
    """
    columns = map_columns(table.header)
    days = effective("ONBOARDING_DAYS") if onboarding_days is None else onboarding_days
    rows = [parse_row(line, cells, columns) for line, cells in table.rows]
    flag_repeats(rows)
    existing = _existing_accounts(rows)
    departments = sorted(db.session.scalars(select(Department)), key=lambda department: simplify(department.name))
    preview = Preview(columns=columns, existing_departments=departments)
    choices = _department_choices(rows, departments)
    by_id = {department.id: department for department in departments}
    for choice in choices.values():
        raw = None if department_choices is None else department_choices.get(choice.field_name)
        _decide(choice, raw, by_id, submitted=department_choices is not None, create_unknown=create_departments)
    preview.department_choices = list(choices.values())
    facts = [_plan_row(preview, parsed, choices, existing, days) for parsed in rows]
    facts.append(
        [
            [choice.unit, choice.spellings, choice.match and [choice.match.department.id, choice.match.how]]
            for choice in preview.department_choices
        ]
    )
    preview._facts = hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode("utf-8")).hexdigest()
    return preview


def _existing_accounts(rows: list[ParsedRow]) -> dict[str, User]:
    """The accounts with the rows' RUTs, by RUT; rows whose email is someone else's, or whose account
    is outside the import's authority, get a reason."""
    ruts = sorted({row.rut for row in rows if row.rut})
    existing: dict[str, User] = {}
    for chunk in _chunks(ruts):
        existing.update({user.rut: user for user in db.session.scalars(select(User).where(User.rut.in_(chunk)))})
    emails = sorted({row.email for row in rows if row.email})
    owners: dict[str, str] = {}
    for chunk in _chunks(emails):
        found = db.session.execute(select(func.lower(User.email), User.rut).where(func.lower(User.email).in_(chunk)))
        owners.update(dict(found.all()))
    for row in rows:
        if row.email and owners.get(row.email, row.rut) != row.rut:
            row.reasons.append(_("el correo %(email)s ya pertenece a otra persona del portal", email=row.email))
        holder = existing.get(row.rut)
        if holder is not None and not may_manage(STAFF_IMPORT_AUTHORITY, holder.roles):
            # The import is HR's tool: it never changes a trainer's, HR's or an administrator's account.
            row.reasons.append(_("la cuenta con este RUT tiene roles que solo Administración puede modificar"))
    return existing


def _department_choices(rows: list[ParsedRow], departments: list[Department]) -> dict[str, DepartmentChoice]:
    """One choice per department unit the valid rows name, in the order the file first names them."""
    choices: dict[str, DepartmentChoice] = {}
    for parsed in rows:
        if parsed.reasons or not parsed.department:
            continue
        unit = department_unit(parsed.department)
        choice = choices.get(unit)
        if choice is None:
            choice = choices[unit] = DepartmentChoice(
                unit=unit, spellings=[], match=match_department(parsed.department, departments)
            )
        if parsed.department not in choice.spellings:
            choice.spellings.append(parsed.department)
        choice.rows += 1
    return choices


def _plan_row(
    preview: Preview, parsed: ParsedRow, choices: dict[str, DepartmentChoice], existing: dict[str, User], days: int
) -> list:
    """Add the row to the preview (invalid, create, update or unchanged); return its facts for the fingerprint."""
    if parsed.reasons:
        preview.invalid.append(InvalidRow(parsed.line, parsed.rut_text, parsed.name, tuple(parsed.reasons)))
        return ["invalid", parsed.line, list(parsed.reasons)]
    choice = choices[department_unit(parsed.department)] if parsed.department else None
    row = StaffRow(
        line=parsed.line,
        rut=parsed.rut,
        full_name=parsed.name,
        email=parsed.email,
        department=choice.target if choice else None,
        employment_type=parsed.employment_type,
        start_date=parsed.start_date,
        due_date=parsed.due_date,
    )
    unit = choice.unit if choice else None
    user = existing.get(row.rut)
    if user is None:
        due = row.due_date or default_due_date(row.start_date, days)
        preview.creates.append(PlannedCreate(row=row, due_date=due))
        return ["create", row.line, row.rut, row.full_name, row.email, row.employment_type, due, unit]
    plan = PlannedUpdate(
        row=row, user_id=user.id, current_name=user.full_name, active=user.active, changes=_changes(user, row, days)
    )
    (preview.updates if plan.changes else preview.unchanged).append(plan)
    other_changes = [[c.field, str(c.old), str(c.new)] for c in plan.changes if c.field != "department"]
    return ["update", row.line, user.id, other_changes, user.department_id, unit]


def _changes(user: User, row: StaffRow, days: int) -> tuple[Change, ...]:
    """What the row changes in the account. Empty cells leave the account's value as it is."""
    changes = []
    if row.full_name != user.full_name:
        changes.append(Change("full_name", user.full_name, row.full_name))
    if row.email and row.email != user.email:
        changes.append(Change("email", user.email, row.email))
    current_department = user.department.name if user.department else None
    if row.department and row.department != current_department:
        changes.append(Change("department", current_department, row.department))
    if row.employment_type and row.employment_type != user.employment_type:
        changes.append(Change("employment_type", user.employment_type, row.employment_type))
    if row.start_date and row.start_date != user.start_date:
        changes.append(Change("start_date", user.start_date, row.start_date))
    if row.due_date and row.due_date != user.due_date:
        changes.append(Change("due_date", user.due_date, row.due_date))
    elif not row.due_date and user.due_date is None and (row.start_date or user.start_date):
        # An account without a due date (made by hand) gets the usual one.
        changes.append(Change("due_date", None, default_due_date(row.start_date or user.start_date, days)))
    return tuple(changes)
