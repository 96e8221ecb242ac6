"""The trainers' modules: the index in path order, creating and editing a module, its order and publication."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.auth.forms import ButtonForm
from portal.content import load_library
from portal.extensions import db
from portal.models.curriculum import Module
from portal.quizzes import drafts
from portal.quizzes import statistics as stats
from portal.quizzes.revisions import latest_revision
from portal.training import bp, service, trash
from portal.training.forms import ModuleForm, UploadForm
from portal.training.lookups import direction_from_form, module_or_404, trainer_only


@bp.get("/")
@trainer_only
def index():
    """Every module in path order, with its state and actions."""
    modules = service.modules_in_order()
    pending = {
        module.id for module in modules if module.quiz is not None and drafts.has_unpublished_changes(module.quiz)
    }
    present = {module.slug for module in modules}
    return render_template(
        "training/index.html",
        modules=modules,
        pending=pending,
        library=[(entry, entry["slug"] in present) for entry in load_library()],
        rollups=stats.worst_first(stats.module_rollups()),
        value_rollups=stats.value_rollups(),
        in_trash=trash.count_in_trash(),
        form=ButtonForm(),
        upload=UploadForm(),
    )


@bp.route("/modulos/nuevo", methods=["GET", "POST"])
@trainer_only
def new_module():
    """Create an unpublished module."""
    form = ModuleForm()
    if form.validate_on_submit():
        if db.session.scalar(select(Module.id).where(Module.slug == form.slug.data)):
            form.slug.errors.append(_("Ya existe un módulo con ese identificador."))
        else:
            module = service.create_module(
                form.slug.data, form.title.data, form.summary.data, form.required.data, current_user.id
            )
            db.session.commit()
            flash(_("Módulo creado. Agregue lecciones y preguntas; publíquelo cuando esté listo."), "success")
            return redirect(url_for("training.module", slug=module.slug))
    return render_template("training/module_form.html", form=form, module=None)


@bp.route("/modulos/<slug>", methods=["GET", "POST"])
@trainer_only
def module(slug: str):
    """Edit a module's title, summary and whether it is required; list its lessons."""
    module = module_or_404(slug)
    form = ModuleForm(obj=module)
    del form.slug  # the address stays stable: learners' links and exports rely on it
    if form.validate_on_submit():
        changed = service.edit_module(module, form.title.data, form.summary.data, form.required.data, current_user.id)
        db.session.commit()
        flash(_("Cambios guardados.") if changed else _("No había cambios que guardar."), "success")
        return redirect(url_for("training.module", slug=slug))
    quiz = module.quiz
    return render_template(
        "training/module.html",
        module=module,
        form=form,
        buttons=ButtonForm(),
        revision=latest_revision(quiz.id) if quiz else None,
        pending=quiz is not None and drafts.has_unpublished_changes(quiz),
        keep_days=trash.KEEP_DAYS,
    )


@bp.post("/modulos/<slug>/mover")
@trainer_only
def move_module(slug: str):
    """Move a module one place up or down the path."""
    module = module_or_404(slug)
    service.move_module(module, direction_from_form())
    db.session.commit()
    return redirect(url_for("training.index") + f"#modulo-{module.slug}")


@bp.post("/modulos/<slug>/publicacion")
@trainer_only
def publish_module(slug: str):
    """Publish or unpublish a module (learners see only published ones)."""
    module = module_or_404(slug)
    publish = request.form.get("published") == "1"
    back = url_for("training.index") if request.form.get("back") == "index" else url_for("training.module", slug=slug)
    if publish:
        problem = service.publishing_problem(module)
        if problem:
            flash(problem, "error")
            return redirect(back)
    service.set_published(module, publish, current_user.id)
    db.session.commit()
    flash(_("Módulo publicado.") if publish else _("Módulo retirado: ya no se muestra a las personas."), "success")
    return redirect(back)


@bp.get("/modulos/<slug>/retirar")
@trainer_only
def confirm_unpublish_module(slug: str):
    """Ask before withdrawing a published module; the form posts to publish_module."""
    module = module_or_404(slug)
    back = "index" if request.args.get("back") == "index" else "module"
    cancel = url_for("training.index") if back == "index" else url_for("training.module", slug=slug)
    if not module.published:
        return redirect(cancel)
    return render_template(
        "confirm.html",
        title=_("Retirar el módulo «%(title)s»", title=module.title),
        crumbs=[(url_for("training.index"), _("Capacitación")), (url_for("training.module", slug=slug), module.title)],
        lead=_("Al retirarlo, el módulo deja de mostrarse a las personas:"),
        consequences=[
            _("Desaparece del recorrido de todos, también de quienes lo están haciendo ahora."),
            _("Si es obligatorio, deja de contar para completar la inducción mientras esté retirado."),
            _(
                "Lo que cada persona ya hizo en él (lecturas e intentos) se conserva "
                "y vuelve a contar si lo publica de nuevo."
            ),
        ],
        action=url_for("training.publish_module", slug=slug),
        fields={"published": "0", **({"back": "index"} if back == "index" else {})},
        confirm_label=_("Retirar el módulo"),
        cancel_url=cancel,
    )
