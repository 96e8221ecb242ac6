"""`flask modules export|import`: a module, its lessons and its quiz as a JSON file (the exchange format)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import select

from portal import audit
from portal.cli.files import file_error, open_user_file, read_user_file
from portal.extensions import db
from portal.models.curriculum import Module
from portal.quizzes.exchange import ModuleFormatError, export_module, import_module, load_module_json

modules = AppGroup("modules", help="Export and import modules (JSON exchange format).")


def module_by_slug(slug: str) -> Module:
    """The module called `slug`; a ClickException when there is none."""
    module = db.session.scalar(select(Module).where(Module.slug == slug))
    if module is None:
        raise click.ClickException(_("No existe un módulo con el identificador «%(slug)s».", slug=slug))
    return module


@modules.command("export")
@click.argument("slug")
@click.option("--output", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path))
def export_command(slug, output: Path):
    """Write a module, its lessons and its current quiz to a JSON file."""
    module = module_by_slug(slug)
    text = json.dumps(export_module(module), ensure_ascii=False, indent=2) + "\n"
    with open_user_file(output, "w", encoding="utf-8") as handle:
        try:
            handle.write(text)
        except OSError as error:
            raise file_error(output, error, writing=True) from None
    click.echo(f"Módulo «{module.title}» exportado a {output}.")


@modules.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(file: Path):
    """Create a module from a JSON file in the exchange format."""
    try:
        text = read_user_file(file).decode("utf-8")
    except UnicodeDecodeError as error:
        raise click.ClickException(f"{file} no es un JSON válido: {error}") from None
    try:
        module = import_module(load_module_json(text), published=False)
    except ModuleFormatError as error:
        db.session.rollback()
        raise click.ClickException("No se importó nada:\n- " + "\n- ".join(error.problems)) from None
    audit.record("content.module_imported", module=module.slug, via="cli")
    db.session.commit()
    click.echo(f"Módulo «{module.title}» importado como borrador (no publicado).")
