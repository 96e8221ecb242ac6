"""The preview and its changes in words, for the pages and the command line."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from portal.dates import day_month_year
from portal.people.staff_import.plan import (
    CREATE,
    Change,
    DepartmentChoice,
    Preview,
)
from portal.rut import format_rut
from portal.vocabulary import EmploymentType, labels


def describe_value(field_name: str, value) -> str:
    """A value of a change as shown to HR: dates dd-mm-aaaa, employment types by name, "—" for none."""
    if value is None or value == "":
        return "—"
    if isinstance(value, date):
        return day_month_year(value)
    if field_name == "employment_type":
        return str(labels(EmploymentType).get(value, value))
    return str(value)


def describe_change(change: Change) -> str:
    """The change as one line, e.g. "Departamento: Finanzas → Tránsito"."""
    old, new = describe_value(change.field, change.old), describe_value(change.field, change.new)
    return f"{change.label}: {old} → {new}"


def department_line(choice: DepartmentChoice) -> str:
    """What happens to one department of the file, as a sentence («DT» se asignará a «Dirección de Tránsito»)."""
    spelled = ", ".join(f"«{spelling}»" for spelling in choice.spellings)
    if choice.chosen is not None:
        return _("%(spelled)s se asignará a «%(name)s».", spelled=spelled, name=choice.chosen.name)
    if choice.choice == CREATE:
        return _("%(spelled)s se creará como departamento nuevo «%(name)s».", spelled=spelled, name=choice.name)
    return _("%(spelled)s no existe en el portal.", spelled=spelled)


def summary_lines(preview: Preview) -> list[str]:
    """The preview as plain text lines, for the command line."""
    lines = [
        _("Personas nuevas: %(num)d", num=len(preview.creates)),
        _("Cuentas existentes que se actualizan: %(num)d", num=len(preview.updates)),
        _("Cuentas existentes sin cambios: %(num)d", num=len(preview.unchanged)),
        _("Filas con errores: %(num)d", num=len(preview.invalid)),
    ]
    for choice in preview.departments_to_review:
        lines.append(department_line(choice))
    if preview.columns.ignored:
        lines.append(_("Columnas que no se usan: %(names)s", names=", ".join(preview.columns.ignored)))
    if preview.creates:
        lines.append(_("Se crearán:"))
        for plan in preview.creates:
            row = plan.row
            lines.append(
                "  "
                + _(
                    "línea %(line)d: %(name)s (%(rut)s), %(email)s, plazo %(due)s",
                    line=row.line,
                    name=row.full_name,
                    rut=format_rut(row.rut),
                    email=row.email or _("sin correo"),
                    due=describe_value("due_date", plan.due_date),
                )
            )
    if preview.updates:
        lines.append(_("Se actualizarán:"))
        for plan in preview.updates:
            changes = "; ".join(describe_change(change) for change in plan.changes)
            lines.append(
                "  "
                + _(
                    "línea %(line)d: %(name)s (%(rut)s): %(changes)s",
                    line=plan.row.line,
                    name=plan.current_name,
                    rut=format_rut(plan.row.rut),
                    changes=changes,
                )
            )
    return lines


def invalid_lines(preview: Preview) -> list[str]:
    """One "línea N: motivo" per invalid row."""
    return [_("línea %(line)d: %(text)s", line=row.line, text=row.reason) for row in preview.invalid]
