"""What the learner's pages look up from the address: an open module of the signed-in person's path.

Shared by the learning and quiz pages, so that no blueprint imports another's views.
"""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.learning import service
from portal.vocabulary import LOCKED


def open_row(slug: str) -> tuple[service.LearnerPath, service.ModuleProgressRow]:
    """The person's path and the row of an open module: 404 when there is no such module, and back to
    the dashboard (abort with a redirect) when it is still locked."""
    path = service.learner_path(current_user.id)
    row = path.row_for(slug)
    if row is None:
        abort(404)
    if row.state == LOCKED:
        blocking = path.blocking_row(row)
        if blocking is None:  # not reached: a locked module always follows an unfinished required one
            flash(_("Este módulo se abre cuando complete el anterior."), "info")
        else:
            flash(
                _(
                    "El módulo «%(module)s» se abre cuando complete «%(first)s».",
                    module=row.module.title,
                    first=blocking.module.title,
                ),
                "info",
            )
        abort(redirect(url_for("learning.dashboard")))
    return path, row
