"""`flask db ...`: Flask-Migrate's commands over Alembic, and the schema upgrade for code (tests, bench).

Flask-Migrate and Alembic are loaded when a migration runs, not when the application is built: they
weigh 11 MB that no web worker and no queue consumer ever uses.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import ScriptInfo

from portal.extensions import db

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent.parent / "migrations"


def init_migrations(app: Flask) -> None:
    """Bind Flask-Migrate to the application (once): what `flask db` and `upgrade` need."""
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)


def upgrade(revision: str = "head") -> None:
    """Upgrade the current application's database, as `flask db upgrade` does."""
    import flask_migrate

    init_migrations(current_app._get_current_object())
    flask_migrate.upgrade(revision=revision)


def downgrade(revision: str) -> None:
    """Downgrade the current application's database, as `flask db downgrade` does."""
    import flask_migrate

    init_migrations(current_app._get_current_object())
    flask_migrate.downgrade(revision=revision)


class MigrationCommands(click.Group):
    """The `db` group as `flask --help` lists it; used, it is Flask-Migrate's own group (options,
    commands and help), imported at that moment."""

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        init_migrations(parent.ensure_object(ScriptInfo).load_app())
        from flask_migrate.cli import db as commands

        return commands.make_context(info_name, args, parent=parent, **extra)


migration_commands = MigrationCommands("db", help="Perform database migrations (Flask-Migrate, Alembic).")
