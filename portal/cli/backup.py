"""`flask backup` and `flask restore`: a consistent, checked copy of the SQLite database, and putting it back."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from portal.backup import BackupError, backup, restore
from portal.extensions import db


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path):
    """Copy the SQLite database consistently, even while the portal is serving."""
    try:
        backup(current_app.config["SQLALCHEMY_DATABASE_URI"], file)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(_("Copia guardada y verificada en %(file)s.", file=file))


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(file: Path, yes: bool):
    """Put a backup back after checking it (stop the portal first)."""
    if not yes:
        click.confirm(
            _("Esto reemplaza todos los datos actuales por los de %(file)s. ¿Continuar?", file=file), abort=True
        )
    db.session.remove()
    db.engine.dispose()
    try:
        restore(current_app.config["SQLALCHEMY_DATABASE_URI"], file)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(_("Base de datos restaurada desde %(file)s.", file=file))
