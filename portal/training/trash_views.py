"""The Papelera's pages: the lessons deleted in the last days, and restoring one (training.trash)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth.forms import ButtonForm
from portal.dates import local_today
from portal.extensions import db
from portal.training import bp, trash
from portal.training.lookups import trainer_only, trashed_lesson_or_404


@bp.get("/papelera")
@trainer_only
def trash_page():
    """Every module's deleted lessons: who deleted them, when, and the days left to restore them."""
    entries = trash.trashed_lessons(local_today())
    return render_template("training/trash.html", entries=entries, keep_days=trash.KEEP_DAYS, form=ButtonForm())


@bp.post("/papelera/<int:lesson_id>/restaurar")
@trainer_only
def restore_lesson(lesson_id: int):
    """Put a deleted lesson back in its place in its module (from the Papelera, or the "Deshacer" after deleting)."""
    lesson = trashed_lesson_or_404(lesson_id)
    module = lesson.module
    position = trash.restore(lesson, current_user.id)
    db.session.commit()
    flash(
        _(
            "La lección «%(title)s» volvió al módulo «%(module)s»: es la lección %(number)s.",
            title=lesson.title,
            module=module.title,
            number=position,
        ),
        "success",
    )
    return redirect(url_for("training.module", slug=module.slug))
