"""Importing staff from HR's CSV or XLSX files: reading, validating, previewing and applying.

The steps, each usable on its own (the web pages and the `staff import` command share them):

1. `load_table(data, file_name)` reads the bytes (CSV in UTF-8, UTF-8 with BOM, Windows-1252
   or UTF-16, `;`, `,` or tab; or the first sheet of an XLSX) into a `Table` of text cells.
   A problem with the file as a whole raises `ImportFileError`.
2. `build_preview(table)` maps the Spanish headers, validates every row, compares the rows with
   the accounts in the database and returns a `Preview`: people to create, accounts to update
   (with their changes), accounts already up to date and invalid rows with their reasons.
   Each department the file names is matched with the portal's (departments.match_department:
   accents, case, spacing, known abbreviations); a department the portal lacks is created only
   when someone chooses to (HR on the preview page, `--create-departments` on the command line).
   Nothing is written.
3. `apply_import(preview, ...)` creates and updates the accounts, issues one set-password link
   per new person and records one audit event. It flushes and never commits: the caller commits
   once, so the whole file goes in one transaction.

Between the preview page and the confirmation the table travels signed inside the form
(`pack_ticket` / `unpack_ticket`), so no worker needs to remember anything between requests.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from portal.auth.tokens import SET_PASSWORD_LIFETIME, issue_token
from portal.models.staff import SET_PASSWORD
from portal.people.errors import PersonConflict
from portal.people.staff_import import reading
from portal.people.staff_import.apply import (
    ImportResult,
    NewPerson,
    check_applicable,
    create_people,
    departments_by_name,
    record_import,
    safe_file_name,
    update_people,
)
from portal.people.staff_import.errors import ImportFileError, InvalidRowsPresent, InvalidTicket, UndecidedDepartments
from portal.people.staff_import.headers import Columns, map_columns
from portal.people.staff_import.messages import (
    department_line,
    describe_change,
    describe_value,
    invalid_lines,
    summary_lines,
)
from portal.people.staff_import.plan import CREATE, DEPARTMENT_FIELD_PREFIX, DepartmentChoice, Preview
from portal.people.staff_import.preview import build_preview
from portal.people.staff_import.reading import MAX_FILE_BYTES, MAX_LINES, MAX_ROWS, Table
from portal.people.staff_import.rows import parse_date
from portal.people.staff_import.ticket import pack_ticket, unpack_ticket
from portal.people.welcome import LINK_DAYS, queue_welcome_links, set_password_link

__all__ = [
    "CREATE",
    "DEPARTMENT_FIELD_PREFIX",
    "LINK_DAYS",
    "MAX_FILE_BYTES",
    "MAX_LINES",
    "MAX_ROWS",
    "READ_SECONDS",
    "Columns",
    "DepartmentChoice",
    "ImportFileError",
    "ImportResult",
    "InvalidRowsPresent",
    "InvalidTicket",
    "NewPerson",
    "Preview",
    "Table",
    "UndecidedDepartments",
    "apply_import",
    "build_preview",
    "department_line",
    "describe_change",
    "describe_value",
    "invalid_lines",
    "load_table",
    "map_columns",
    "pack_ticket",
    "parse_date",
    "safe_file_name",
    "set_password_link",
    "summary_lines",
    "unpack_ticket",
]

#: Seconds reading one file may take; a file that takes longer is refused (the worker lives on).
READ_SECONDS = reading.READ_SECONDS


def load_table(data: bytes, file_name: str = "") -> Table:
    """Step 1: read a CSV or XLSX file's bytes into a Table (reading.read_table). Raises ImportFileError."""
    return reading.read_table(data, file_name, seconds=READ_SECONDS)


def apply_import(
    preview: Preview, *, actor_id: int | None, via: str, file_name: str, skip_invalid: bool = False
) -> ImportResult:
    """Step 3: create and update the accounts of the preview's valid rows (flushes, never commits).

    Raises InvalidRowsPresent when the file has invalid rows and skip_invalid is not set, and
    UndecidedDepartments while a department of the file has no valid choice. New people get the
    staff role, no password, and a one-time set-password link (returned, not sent). An account
    created by someone else meanwhile with a RUT or email of the file raises IntegrityError, as
    the database itself would: the caller rolls back and shows the new state.
    """
    check_applicable(preview, skip_invalid)
    departments = departments_by_name(preview)
    try:
        new_users = create_people(preview, departments, actor_id)
    except PersonConflict as conflict:
        raise IntegrityError(str(conflict), None, conflict) from conflict
    update_people(preview, departments)
    created = [
        NewPerson(
            user_id=user.id,
            full_name=user.full_name,
            rut=user.rut,
            email=user.email,
            token=issue_token(user, SET_PASSWORD, SET_PASSWORD_LIFETIME),
        )
        for user in new_users
    ]
    result = ImportResult(
        created=created,
        updated=len(preview.updates),
        unchanged=len(preview.unchanged),
        skipped=len(preview.invalid),
        new_departments=preview.new_departments,
    )
    record_import(result, actor_id=actor_id, via=via, file_name=file_name)
    return result


def welcome_new_people(result: ImportResult) -> dict:
    """Queue the welcome e-mail with its set-password link to each new person who has an address.

    Outbox rows of the import's own transaction: the queue delivers them once it commits. Returns
    {email: outbox row}, for the page that shows each mail's state.
    """
    return queue_welcome_links(
        (
            (person.user_id, person.email, person.full_name, set_password_link(person.token))
            for person in result.created
            if person.has_email
        ),
        LINK_DAYS,
    )
