"""Applying a reviewed preview: what the import writes, and what it gives back (flush, never commit)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath

from portal import audit
from portal.extensions import db
from portal.models.user import Department, User
from portal.people.accounts import create_person
from portal.people.departments import find_or_create_department
from portal.people.staff_import.errors import InvalidRowsPresent, UndecidedDepartments
from portal.people.staff_import.plan import Preview
from portal.people.staff_import.reading import clean_text


@dataclass(frozen=True)
class NewPerson:
    user_id: int
    full_name: str
    rut: str
    email: str | None
    #: The raw one-time set-password token; only its hash is stored.
    token: str

    @property
    def has_email(self) -> bool:
        return bool(self.email)


@dataclass
class ImportResult:
    created: list[NewPerson]
    updated: int
    unchanged: int
    skipped: int
    #: Departments created on purpose (HR's choice, or --create-departments).
    new_departments: list[str] = field(default_factory=list)


def check_applicable(preview: Preview, skip_invalid: bool) -> None:
    """Raise InvalidRowsPresent or UndecidedDepartments when the preview may not be applied as asked."""
    if preview.invalid and not skip_invalid:
        raise InvalidRowsPresent(f"{len(preview.invalid)} invalid rows")
    if preview.undecided_departments:
        raise UndecidedDepartments(", ".join(choice.name for choice in preview.undecided_departments))


def departments_by_name(preview: Preview) -> dict[str, Department]:
    """The department each name in the rows stands for, creating those chosen to be created (flushes).

    Rows carry the name each department choice resolved to: an existing department's, or the name
    of one HR chose to create.
    """
    departments = {choice.chosen.name: choice.chosen for choice in preview.department_choices if choice.chosen}
    for name in preview.new_departments:
        departments[name] = find_or_create_department(name)
    return departments


def create_people(preview: Preview, departments: dict[str, Department], actor_id: int | None) -> list[User]:
    """Create the accounts of the preview's new people through accounts.create_person (flushes).

    The file's import records one event for everything (see record_import), not one per person.
    """
    created = []
    for plan in preview.creates:
        row = plan.row
        data = {
            "rut": row.rut,
            "full_name": row.full_name,
            "email": row.email,
            "employment_type": row.employment_type,
            "start_date": row.start_date,
            # Already the file's due date, or the start date plus the configured days.
            "due_date": plan.due_date,
        }
        department = departments[row.department] if row.department else None
        created.append(create_person(data, actor_id=actor_id, onboarding_days=0, department=department, audited=False))
    return created


def update_people(preview: Preview, departments: dict[str, Department]) -> None:
    """Apply each planned update's changes to its account (flushes)."""
    for plan in preview.updates:
        user = db.session.get(User, plan.user_id)
        for change in plan.changes:
            if change.field == "department":
                user.department = departments[change.new]
            else:
                setattr(user, change.field, change.new)
    db.session.flush()


def record_import(result: ImportResult, *, actor_id: int | None, via: str, file_name: str) -> None:
    audit.record(
        "staff.imported",
        actor_id=actor_id,
        created=len(result.created),
        updated=result.updated,
        unchanged=result.unchanged,
        skipped=result.skipped,
        new_departments=result.new_departments,
        file=file_name,
        via=via,
    )


def safe_file_name(name: str | None) -> str:
    """The file's own name, without folders, for pages and the audit log."""
    return clean_text(PurePosixPath((name or "").replace("\\", "/")).name)[:200]
