"""A module as an exchange JSON file: the trainers' download, and creating a module from one."""

from __future__ import annotations

import json

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth.forms import ButtonForm
from portal.content import library_module
from portal.extensions import db
from portal.quizzes.exchange import ModuleFormatError, export_module, load_module_json
from portal.training import bp, service
from portal.training.forms import UploadForm
from portal.training.lookups import module_or_404, trainer_only


@bp.get("/modulos/<slug>/exportar")
@trainer_only
def export(slug: str):
    """The module, its lessons and its latest quiz revision as a JSON download."""
    module = module_or_404(slug)
    body = json.dumps(export_module(module), ensure_ascii=False, indent=2) + "\n"
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="modulo-{module.slug}.json"'},
    )


@bp.post("/importar")
@trainer_only
def import_json():
    """Create an unpublished module from an exchange JSON file."""
    form = UploadForm()
    if not form.validate_on_submit():
        flash(_("Elija un archivo JSON de módulo."), "error")
        return redirect(url_for("training.index"))
    try:
        text = form.file.data.read(5 * 1024 * 1024).decode("utf-8-sig")
    except UnicodeDecodeError:
        flash(_("El archivo no es un JSON válido en UTF-8."), "error")
        return redirect(url_for("training.index"))
    try:
        module = service.import_module(load_module_json(text), current_user.id, via="web")
    except ModuleFormatError as error:
        db.session.rollback()
        return render_template("training/import_problems.html", problems=error.problems), 422
    db.session.commit()
    flash(_("Módulo «%(title)s» importado sin publicar. Revíselo antes de publicarlo.", title=module.title), "success")
    return redirect(url_for("training.module", slug=module.slug))


@bp.post("/biblioteca/<slug>")
@trainer_only
def add_from_library(slug: str):
    """Add an optional module of the shipped library in one click, unpublished until a trainer reviews it."""
    data = library_module(slug)
    if data is None:
        abort(404)
    if not ButtonForm().validate_on_submit():
        flash(_("La página expiró. Vuelva a intentarlo."), "error")
        return redirect(url_for("training.index"))
    try:
        module = service.import_module(data, current_user.id, via="library")
    except ModuleFormatError as error:
        db.session.rollback()
        flash(" ".join(error.problems), "error")
        return redirect(url_for("training.index"))
    db.session.commit()
    message = _("Módulo «%(title)s» agregado sin publicar. Revíselo antes de publicarlo.", title=module.title)
    if data.get("fill_in"):
        message += " " + _("Reemplace en sus lecciones: %(blanks)s.", blanks=", ".join(data["fill_in"]))
    flash(message, "success")
    return redirect(url_for("training.module", slug=module.slug))
