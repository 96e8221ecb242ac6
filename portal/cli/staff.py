"""`flask staff import`: accounts created or updated from HR's CSV or XLSX file."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from portal.cli.files import read_user_file
from portal.extensions import db
from portal.people import staff_import as importer
from portal.rut import format_rut

staff = AppGroup("staff", help="Import staff from HR's files.")


def _preview(file: Path, create_departments: bool):
    """Read and check the file; print its summary; refuse it when rows or departments need a decision."""
    data = read_user_file(file, limit=importer.MAX_FILE_BYTES)
    try:
        table = importer.load_table(data, file.name)
        preview = importer.build_preview(table, create_departments=create_departments)
    except importer.ImportFileError as error:
        raise click.ClickException(f"{file}: " + " ".join(error.problems)) from None
    click.echo("\n".join(importer.summary_lines(preview)))
    return preview


def _refuse_undecided(preview, skip_invalid: bool) -> None:
    """Stop before storing anything while invalid rows or unknown departments wait for the user."""
    if preview.invalid and not skip_invalid:
        lines = [_("El archivo tiene filas con errores; no se importó nada:")]
        lines += importer.invalid_lines(preview)
        lines.append(_("Corríjalas, o use --skip-invalid para importar solo las filas válidas."))
        raise click.ClickException("\n".join(lines))
    if preview.undecided_departments:
        lines = [_("Estos departamentos no existen en el portal; no se importó nada:")]
        lines += ["  " + importer.department_line(choice) for choice in preview.undecided_departments]
        lines.append(
            _(
                "Corrija el nombre en el archivo (o créelo desde la administración), o use --create-departments "
                "para crearlos."
            )
        )
        raise click.ClickException("\n".join(lines))
    if preview.invalid:
        click.echo(_("Se omiten estas filas con errores:"))
        click.echo("\n".join("  " + line for line in importer.invalid_lines(preview)))


def _apply(preview, file: Path, skip_invalid: bool):
    """Store the import in one transaction; a concurrent change to the same accounts stores nothing."""
    try:
        result = importer.apply_import(
            preview, actor_id=None, via="cli", file_name=file.name, skip_invalid=skip_invalid
        )
        importer.welcome_new_people(result)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise click.ClickException(
            _("Alguien modificó las mismas cuentas mientras se importaba; no se guardó nada. Repita el comando.")
        ) from None
    click.echo(
        _(
            "Importación lista. Personas nuevas: %(created)d; cuentas actualizadas: %(updated)d; "
            "filas omitidas: %(skipped)d.",
            created=len(result.created),
            updated=result.updated,
            skipped=result.skipped,
        )
    )
    return result


def _hand_out_links(created) -> None:
    """Print the set-password links of people without e-mail; say how many welcomes were queued for the others."""
    without_email = [person for person in created if not person.has_email]
    if without_email:
        click.echo(_("Personas sin correo: entrégueles en persona su enlace para crear la contraseña:"))
        for person in without_email:
            link = importer.set_password_link(person.token)
            click.echo(f"  {person.full_name} ({format_rut(person.rut)}): {link}")
    with_email = [person for person in created if person.has_email]
    if with_email:
        click.echo(
            _(
                "Correos de bienvenida en la cola de envío: %(total)d. Su estado se ve en la ficha de cada "
                "persona y en la página de correos de la administración.",
                total=len(with_email),
            )
        )
    if created:
        click.echo(_("Cada enlace sirve una sola vez y vence en %(days)d días.", days=importer.LINK_DAYS))
        if not current_app.config.get("BASE_URL"):
            click.echo(_("Defina PORTAL_BASE_URL para que los enlaces muestren la dirección completa del portal."))


@staff.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only check the file and show the preview; store nothing.")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows and leave the invalid ones out.")
@click.option(
    "--create-departments",
    is_flag=True,
    help="Create the departments the portal does not have yet. Without it such a file is refused. "
    "Departments written another way (accents, case, spacing, DIDECO, DOM, SECPLAN...) always go "
    "to the existing one.",
)
def import_staff_command(file: Path, dry_run: bool, skip_invalid: bool, create_departments: bool):
    """Create or update accounts from a CSV or XLSX file (columns rut, nombre, correo, departamento...).

    A department written like an existing one but for accents, case, spacing or a known
    abbreviation (DIDECO, DOM, SECPLAN, DAF, DIMAO, DAEM, DESAM, DT) goes to the existing one;
    an unknown one stops the import unless --create-departments is given.
    """
    preview = _preview(file, create_departments)
    _refuse_undecided(preview, skip_invalid)
    if dry_run:
        click.echo(_("Prueba (--dry-run): no se guardó nada."))
        return
    if not preview.has_work:
        click.echo(_("No hay cambios que importar."))
        return
    result = _apply(preview, file, skip_invalid)
    _hand_out_links(result.created)
