"""A lesson's versions: the list, one version as learners would have seen it, and restoring it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth.forms import ButtonForm
from portal.extensions import db
from portal.markdown import render_markdown
from portal.training import bp, service
from portal.training.lookups import lesson_or_404, module_or_404, trainer_only
from portal.training.versions import version_of, versions_of


@bp.get("/modulos/<slug>/lecciones/<int:lesson_id>/versiones")
@trainer_only
def lesson_versions(slug: str, lesson_id: int):
    """Every saved version of a lesson, newest first, with its author and time."""
    module = module_or_404(slug)
    lesson = lesson_or_404(module, lesson_id)
    return render_template("training/lesson_versions.html", module=module, lesson=lesson, versions=versions_of(lesson))


def _version_or_404(slug: str, lesson_id: int, version_id: int):
    module = module_or_404(slug)
    lesson = lesson_or_404(module, lesson_id)
    version = version_of(lesson, version_id)
    if version is None:
        abort(404)
    return module, lesson, version


@bp.get("/modulos/<slug>/lecciones/<int:lesson_id>/versiones/<int:version_id>")
@trainer_only
def lesson_version(slug: str, lesson_id: int, version_id: int):
    """One version as learners saw it, with the button that restores it."""
    module, lesson, version = _version_or_404(slug, lesson_id, version_id)
    current = version.title == lesson.title and version.body_md == lesson.body_md
    return render_template(
        "training/lesson_version.html",
        module=module,
        lesson=lesson,
        version=version,
        body=render_markdown(version.body_md),
        current=current,
        form=ButtonForm(),
    )


@bp.post("/modulos/<slug>/lecciones/<int:lesson_id>/versiones/<int:version_id>/restaurar")
@trainer_only
def restore_lesson_version(slug: str, lesson_id: int, version_id: int):
    """Give the lesson this version's title and text (itself a new version)."""
    module, lesson, version = _version_or_404(slug, lesson_id, version_id)
    if ButtonForm().validate_on_submit():
        changed = service.restore_lesson_version(lesson, version, current_user.id)
        db.session.commit()
        flash(_("Versión restaurada.") if changed else _("La lección ya tenía ese texto."), "success")
    return redirect(url_for("training.lesson_versions", slug=module.slug, lesson_id=lesson.id))
