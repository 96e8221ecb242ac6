"""`flask seed-content` and `flask seed-demo`: the default curriculum and the demo data."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from portal import audit
from portal.content.seed import seed_content
from portal.demo import DemoRefused, seed_demo
from portal.extensions import db
from portal.models.user import User
from portal.quizzes.exchange import ModuleFormatError


@click.command("seed-content")
@with_appcontext
def seed_content_command():
    """Load the default curriculum (the six modules); safe to run again."""
    try:
        created = seed_content()
    except ModuleFormatError as error:
        db.session.rollback()
        raise click.ClickException("El contenido por defecto no es válido: " + "; ".join(error.problems)) from None
    if created:
        audit.record("content.seeded", modules=created)
    db.session.commit()
    click.echo(f"Módulos creados: {', '.join(created)}." if created else "El contenido ya estaba cargado.")


@click.command("seed-demo")
@click.option("--only-if-empty", is_flag=True, help="Do nothing when any account exists.")
@with_appcontext
def seed_demo_command(only_if_empty: bool):
    """Create demo departments, the four demo accounts and about 30 fictional staff."""
    if only_if_empty and db.session.scalar(select(func.count(User.id))):
        click.echo("Ya hay cuentas en la base de datos; no se agregan datos de demostración.")
        return
    try:
        summary = seed_demo(current_app.config)
    except DemoRefused as refusal:
        db.session.rollback()
        raise click.ClickException(str(refusal)) from None
    db.session.commit()
    click.echo(summary)
