"""The trainers' lessons: writing one with a server-side preview, its order, deleting it, and lesson images."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.extensions import db
from portal.markdown import render_markdown
from portal.training import bp, service
from portal.training.forms import LessonForm, UploadForm
from portal.training.lookups import direction_from_form, lesson_or_404, module_or_404, trainer_only
from portal.uploads import RejectedUpload


@bp.route("/modulos/<slug>/lecciones/nueva", methods=["GET", "POST"])
@trainer_only
def new_lesson(slug: str):
    """Add a lesson at the end of the module, with a server-side preview."""
    module = module_or_404(slug)
    form = LessonForm()
    preview = None
    if form.validate_on_submit():
        if request.form.get("action") == "preview":
            preview = render_markdown(form.body_md.data)
        else:
            service.add_lesson(module, form.title.data, form.body_md.data, current_user.id)
            db.session.commit()
            flash(_("Lección agregada."), "success")
            return redirect(url_for("training.module", slug=slug))
    return render_template(
        "training/lesson_form.html", module=module, form=form, lesson=None, preview=preview, upload=UploadForm()
    )


@bp.route("/modulos/<slug>/lecciones/<int:lesson_id>", methods=["GET", "POST"])
@trainer_only
def edit_lesson(slug: str, lesson_id: int):
    """Edit a lesson's Markdown with a server-side preview."""
    module = module_or_404(slug)
    lesson = lesson_or_404(module, lesson_id)
    form = LessonForm(obj=lesson)
    preview = None
    if form.validate_on_submit():
        if request.form.get("action") == "preview":
            preview = render_markdown(form.body_md.data)
        else:
            changed = service.edit_lesson(lesson, form.title.data, form.body_md.data, current_user.id)
            db.session.commit()
            flash(_("Lección guardada.") if changed else _("No había cambios que guardar."), "success")
            return redirect(url_for("training.module", slug=slug))
    return render_template(
        "training/lesson_form.html", module=module, form=form, lesson=lesson, preview=preview, upload=UploadForm()
    )


@bp.post("/modulos/<slug>/lecciones/<int:lesson_id>/mover")
@trainer_only
def move_lesson(slug: str, lesson_id: int):
    """Move a lesson one place up or down its module."""
    module = module_or_404(slug)
    service.move_lesson(module, lesson_or_404(module, lesson_id), direction_from_form())
    db.session.commit()
    return redirect(url_for("training.module", slug=slug) + "#lecciones")


@bp.get("/modulos/<slug>/lecciones/<int:lesson_id>/eliminar")
@trainer_only
def confirm_delete_lesson(slug: str, lesson_id: int):
    """Ask before deleting a lesson; the form posts to the same address (delete_lesson)."""
    module = module_or_404(slug)
    lesson = lesson_or_404(module, lesson_id)
    module_url = url_for("training.module", slug=slug)
    return render_template(
        "confirm.html",
        title=_("Eliminar la lección «%(title)s»", title=lesson.title),
        crumbs=[(url_for("training.index"), _("Capacitación")), (module_url, module.title)],
        lead=_("La lección se eliminará del módulo «%(module)s». Esto no se puede deshacer:", module=module.title),
        consequences=[
            _("Su texto se pierde. Si quiere conservarlo, cópielo o exporte el módulo antes."),
            _("Las personas dejan de verla en su recorrido y las lecciones siguientes cambian de número."),
        ],
        action=url_for("training.delete_lesson", slug=slug, lesson_id=lesson.id),
        fields={},
        confirm_label=_("Eliminar la lección"),
        cancel_url=module_url + "#lecciones",
    )


@bp.post("/modulos/<slug>/lecciones/<int:lesson_id>/eliminar")
@trainer_only
def delete_lesson(slug: str, lesson_id: int):
    """Delete a lesson (after confirm_delete_lesson)."""
    module = module_or_404(slug)
    service.delete_lesson(module, lesson_or_404(module, lesson_id), current_user.id)
    db.session.commit()
    flash(_("Lección eliminada."), "success")
    return redirect(url_for("training.module", slug=slug) + "#lecciones")


@bp.post("/imagenes")
@trainer_only
def upload_image():
    """Store a lesson image and show the Markdown to paste."""
    form = UploadForm()
    back = request.form.get("back") or url_for("training.index")
    if not back.startswith("/capacitacion/"):
        back = url_for("training.index")
    if not form.validate_on_submit():
        flash(_("Elija una imagen PNG, JPEG o WebP."), "error")
        return redirect(back)
    try:
        name = service.add_image(
            form.file.data.stream,
            current_app.instance_path,
            {
                "too_big": _("La imagen supera los 2 MB."),
                "not_image": _("El archivo no es una imagen PNG, JPEG o WebP."),
            },
            current_user.id,
        )
    except RejectedUpload as rejection:
        flash(str(rejection), "error")
        return redirect(back)
    db.session.commit()
    flash(
        _(
            "Imagen subida. Péguela en la lección con: %(markdown)s",
            markdown=f"![Descripción de la imagen]({url_for('learning.media', name=name)})",
        ),
        "success",
    )
    return redirect(back)
