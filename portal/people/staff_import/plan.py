"""What an import would do: the preview's rows, changes and department choices (plain data)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.models.user import Department
from portal.people.departments import (
    ALIAS,
    DepartmentMatch,
)
from portal.people.staff_import.headers import Columns

FIELD_LABELS = {
    "full_name": _l("Nombre"),
    "email": _l("Correo"),
    "department": _l("Departamento"),
    "employment_type": _l("Calidad jurídica"),
    "start_date": _l("Fecha de ingreso"),
    "due_date": _l("Plazo"),
}
# --- The preview ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffRow:
    """A valid row: what the file says about one person."""

    line: int
    rut: str
    full_name: str
    email: str | None
    department: str | None
    employment_type: str | None
    start_date: date | None
    due_date: date | None


@dataclass(frozen=True)
class PlannedCreate:
    row: StaffRow
    #: The file's due date, else start date + ONBOARDING_DAYS; None without either.
    due_date: date | None


@dataclass(frozen=True)
class Change:
    field: str
    old: object
    new: object

    @property
    def label(self) -> str:
        return str(FIELD_LABELS[self.field])


@dataclass(frozen=True)
class PlannedUpdate:
    row: StaffRow
    user_id: int
    current_name: str
    active: bool
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class InvalidRow:
    line: int
    rut_text: str
    name: str
    reasons: tuple[str, ...]

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


#: The value of a department choice that creates the file's department.
CREATE = "nuevo"
#: Department choices travel in form fields named this plus a digest of the department's key.
DEPARTMENT_FIELD_PREFIX = "departamento-"


@dataclass
class DepartmentChoice:
    """A department as the file writes it, and what the import does with it.

    Spellings with the same department_unit ("DT", "Direccion de Transito") are one choice. The
    choice is an existing department's id or CREATE; None until someone decides (HR on the preview
    page; the command line with --create-departments). A department that only differs from an
    existing one in accents, case, punctuation or spacing (SAME_LETTERS) cannot be created again.
    """

    unit: str
    #: The file's spellings, first one first; a new department gets the first.
    spellings: list[str]
    match: DepartmentMatch | None
    rows: int = 0
    choice: int | str | None = None
    #: The existing department chosen, when the choice is one.
    chosen: Department | None = None
    error: str | None = None

    @property
    def name(self) -> str:
        return self.spellings[0]

    @property
    def field_name(self) -> str:
        return DEPARTMENT_FIELD_PREFIX + hashlib.sha256(self.unit.encode("utf-8")).hexdigest()[:12]

    @property
    def can_create(self) -> bool:
        return self.match is None or self.match.how == ALIAS

    @property
    def needs_review(self) -> bool:
        """Shown to HR: anything but the very name of an existing department."""
        return self.match is None or any(spelling != self.match.department.name for spelling in self.spellings)

    @property
    def match_reason(self) -> str:
        """Why the match is the same department, for HR."""
        if self.match is not None and self.match.how == ALIAS:
            return _("nombre abreviado o sigla conocida")
        return _("se escribe igual sin contar tildes, mayúsculas ni espacios")

    @property
    def target(self) -> str:
        """The department's name after the import: the chosen one's, else the file's."""
        return self.chosen.name if self.chosen is not None else self.name


@dataclass
class Preview:
    columns: Columns
    creates: list[PlannedCreate] = field(default_factory=list)
    updates: list[PlannedUpdate] = field(default_factory=list)
    unchanged: list[PlannedUpdate] = field(default_factory=list)
    invalid: list[InvalidRow] = field(default_factory=list)
    #: Every department the valid rows name, in the order the file first names them.
    department_choices: list[DepartmentChoice] = field(default_factory=list)
    #: The portal's departments, sorted by name: what a department choice may point to.
    existing_departments: list[Department] = field(default_factory=list)
    #: Hash of what confirming would do apart from HR's department choices (see fingerprint).
    _facts: str = ""

    @property
    def has_work(self) -> bool:
        return bool(self.creates or self.updates)

    @property
    def valid_count(self) -> int:
        return len(self.creates) + len(self.updates) + len(self.unchanged)

    @property
    def departments_to_review(self) -> list[DepartmentChoice]:
        return [choice for choice in self.department_choices if choice.needs_review]

    @property
    def new_departments(self) -> list[str]:
        """Departments the import will create, as first spelled in the file."""
        return [choice.name for choice in self.department_choices if choice.choice == CREATE]

    @property
    def undecided_departments(self) -> list[DepartmentChoice]:
        return [choice for choice in self.department_choices if choice.choice is None or choice.error]

    @property
    def fingerprint(self) -> str:
        """Changes whenever what confirming would do changes (the database moved on, for instance).

        HR's department choices are not part of it: they are HR's to change on the page, and
        are checked on their own at confirmation.
        """
        return self._facts
