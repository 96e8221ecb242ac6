"""`flask lessons purge`: delete for good the lessons in the Papelera for more than 30 days (training.trash).

The queue's daily job does the same every day; this is the command to run it by hand.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from portal.extensions import db
from portal.training import trash

lessons = AppGroup("lessons", help="Lessons: the Papelera of deleted lessons.")


@lessons.command("purge")
def purge_command():
    """Delete for good the lessons deleted more than 30 days ago, with their versions, documents and readings."""
    purge = trash.purge_expired(via="cli")
    db.session.commit()
    trash.remove_files(purge, current_app.instance_path)
    click.echo(trash.purge_summary(purge))
