"""`flask quizzes import-gift`: questions from a Moodle GIFT file into a module's draft quiz."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from portal.cli.files import read_user_file
from portal.cli.modules import module_by_slug
from portal.extensions import db
from portal.quizzes.gift import GiftDecodeError, GiftImportError, decode_gift, import_gift, summary_lines

quizzes = AppGroup("quizzes", help="Add questions to a module's quiz.")


@quizzes.command("import-gift")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--module", "slug", required=True, help="Slug of the receiving module.")
@click.option("--dry-run", is_flag=True, help="Only check the file; store nothing.")
def import_gift_command(file: Path, slug: str, dry_run: bool):
    """Append the questions of a Moodle GIFT file to a module's draft quiz (not published)."""
    module = module_by_slug(slug)
    try:
        text = decode_gift(read_user_file(file))
    except GiftDecodeError as error:
        raise click.ClickException(f"{file}: {error}") from None
    try:
        report = import_gift(module, text, actor_id=None, via="cli", dry_run=dry_run)
    except GiftImportError as error:
        db.session.rollback()
        lines = [_("El archivo tiene errores; no se importó nada:")]
        lines += [_("línea %(line)d: %(text)s", line=number, text=text) for number, text in error.report.errors]
        raise click.ClickException("\n".join(lines)) from None
    if not dry_run:
        db.session.commit()
    click.echo(_("Módulo «%(title)s».", title=module.title))
    click.echo("\n".join(summary_lines(report, dry_run=dry_run)))
