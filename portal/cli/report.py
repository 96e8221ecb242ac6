"""`flask report export`: the completion list written to a CSV or XLSX file, with its audit record."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import get_timezone, ngettext
from flask_babel import gettext as _
from sqlalchemy import select

from portal import audit
from portal.cli.files import open_user_file
from portal.extensions import db
from portal.models.user import Department
from portal.reports import exports, service
from portal.reports.forms import EMPLOYMENT_LABELS
from portal.reports.views import local_today

report = AppGroup("report", help="Export the completion report.")


def department_id_named(department: str) -> int:
    """The id of the department called `department` (case, accents of capitals and spacing aside)."""
    name = " ".join(department.split())
    # Compared in Python: SQLite's lower() leaves "Ñ" and accented capitals alone.
    departments = db.session.execute(select(Department.name, Department.id).order_by(Department.name)).all()
    matches = [id_ for name_, id_ in departments if " ".join(name_.split()).casefold() == name.casefold()]
    if not matches:
        known = ", ".join(name_ for name_, _id in departments) or "-"
        raise click.ClickException(
            _("No existe el departamento «%(name)s». Departamentos: %(known)s.", name=name, known=known)
        )
    return matches[0]


def report_filters(department, status, employment_type, search) -> service.ReportFilters:
    """The report's filters from the command's options, each checked with a message naming the valid values."""
    department_id = department_id_named(department) if department is not None else None
    if status is not None and status.strip().lower() not in service.STATUSES:
        raise click.ClickException(
            _("Estado no válido: «%(value)s». Use uno de: %(valid)s.", value=status, valid=", ".join(service.STATUSES))
        )
    if employment_type is not None and employment_type.strip().lower() not in EMPLOYMENT_LABELS:
        raise click.ClickException(
            _(
                "Calidad jurídica no válida: «%(value)s». Use una de: %(valid)s.",
                value=employment_type,
                valid=", ".join(EMPLOYMENT_LABELS),
            )
        )
    return service.ReportFilters(
        department_id=department_id,
        employment_type=employment_type.strip().lower() if employment_type else None,
        status=status.strip().lower() if status else None,
        text=(search or "").strip(),
    )


def write_report(filters: service.ReportFilters, file_format: str, output: Path) -> int:
    """Write the report to `output` and commit its audit record; return the number of people written.

    On any failure, neither the file nor the record is left behind.
    """
    handle = open_user_file(output, "wb")
    rows, columns = exports.people_and_columns(filters, local_today())
    write = exports.write_csv if file_format == "csv" else exports.write_xlsx
    try:
        with handle:
            count = write(rows, handle, get_timezone(), columns)
        audit.record(
            "report.exported", format=file_format, filters=filters.as_details(), rows=count, via="cli", file=str(output)
        )
        db.session.commit()
    except OSError as error:
        db.session.rollback()
        output.unlink(missing_ok=True)
        raise click.ClickException(_("No se pudo escribir %(file)s: %(reason)s", file=output, reason=error)) from None
    except BaseException:
        # No half-written file and no file without its audit record.
        db.session.rollback()
        output.unlink(missing_ok=True)
        raise
    return count


@report.command("export")
@click.option("--format", "file_format", required=True, help="csv or xlsx.")
@click.option("--output", required=True, type=click.Path(path_type=Path), help="File to write (overwritten).")
@click.option("--department", default=None, help="Only people of this department (its name).")
@click.option("--status", default=None, help="not_started, in_progress, completed, overdue or renewal_due.")
@click.option("--employment-type", default=None, help="planta, contrata, codigo_trabajo or honorarios.")
@click.option("--search", default="", help="Text to find in the name, RUT or e-mail.")
def export_report_command(file_format, output: Path, department, status, employment_type, search):
    """Write the completion list (the report's columns, ordered by name) to a CSV or XLSX file."""
    file_format = file_format.strip().lower()
    if file_format not in exports.FORMATS:
        raise click.ClickException(_("Formato no válido: «%(value)s». Use csv o xlsx.", value=file_format))
    filters = report_filters(department, status, employment_type, search)
    count = write_report(filters, file_format, output)
    click.echo(
        ngettext(
            "Se exportó %(num)s persona a %(file)s.",
            "Se exportaron %(num)s personas a %(file)s.",
            count,
            file=output,
        )
    )
