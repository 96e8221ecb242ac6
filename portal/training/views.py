"""The trainers' area: modules, lessons, quiz drafts, publishing, preview, exchange, statistics."""

from __future__ import annotations

import json

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal import audit
from portal.auth.access import roles_required
from portal.auth.forms import ButtonForm
from portal.extensions import db
from portal.markdown import render_markdown
from portal.models.curriculum import Lesson, Module
from portal.models.quiz import Quiz, QuizRevision
from portal.models.user import TRAINER
from portal.quizzes import drafts
from portal.quizzes import statistics as stats
from portal.quizzes.exchange import ModuleFormatError, export_module, import_module, load_module_json
from portal.quizzes.grading import QuestionKey, grade
from portal.quizzes.revisions import latest_revision
from portal.training import bp, service
from portal.training.forms import (
    LessonForm,
    ModuleForm,
    QuestionForm,
    QuizSettingsForm,
    UploadForm,
)
from portal.training.uploads import RejectedUpload, save_image

trainer_only = roles_required(TRAINER)


def module_or_404(slug: str) -> Module:
    module = db.session.scalar(select(Module).where(Module.slug == slug))
    if module is None:
        abort(404)
    return module


def quiz_of(module: Module, *, create: bool | None = None) -> Quiz:
    """The module's quiz. A module without one gets it with its first change (by default, a POST);
    otherwise it gets an empty quiz that is never added to the session, so reading never writes."""
    if module.quiz is not None:
        return module.quiz
    quiz = Quiz(module_id=module.id)  # not `module=module`, which would add it to the session
    if request.method != "GET" if create is None else create:
        quiz.module = module
        db.session.add(quiz)
        db.session.flush()
    return quiz


def direction_from_form() -> int:
    return -1 if request.form.get("direction") == "up" else 1


# --- Modules --------------------------------------------------------------------------


@bp.get("/")
@trainer_only
def index():
    """Every module in path order, with its state and actions."""
    modules = service.modules_in_order()
    pending = {
        module.id for module in modules if module.quiz is not None and drafts.has_unpublished_changes(module.quiz)
    }
    return render_template(
        "training/index.html",
        modules=modules,
        pending=pending,
        rollups=stats.worst_first(stats.module_rollups()),
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
    )


@bp.post("/modulos/<slug>/mover")
@trainer_only
def move_module(slug: str):
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


# --- Lessons --------------------------------------------------------------------------


def lesson_or_404(module: Module, lesson_id: int) -> Lesson:
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or lesson.module_id != module.id:
        abort(404)
    return lesson


@bp.route("/modulos/<slug>/lecciones/nueva", methods=["GET", "POST"])
@trainer_only
def new_lesson(slug: str):
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
        name = save_image(
            form.file.data.stream,
            current_app.instance_path,
            {
                "too_big": _("La imagen supera los 2 MB."),
                "not_image": _("El archivo no es una imagen PNG, JPEG o WebP."),
            },
        )
    except RejectedUpload as rejection:
        flash(str(rejection), "error")
        return redirect(back)
    audit.record("content.image_uploaded", actor_id=current_user.id, file=name)
    db.session.commit()
    flash(
        _(
            "Imagen subida. Péguela en la lección con: %(markdown)s",
            markdown=f"![Descripción de la imagen]({url_for('learning.media', name=name)})",
        ),
        "success",
    )
    return redirect(back)


# --- Quiz draft -----------------------------------------------------------------------


@bp.route("/modulos/<slug>/cuestionario", methods=["GET", "POST"])
@trainer_only
def quiz(slug: str):
    """The quiz draft: settings, questions and what stops it from being published."""
    module = module_or_404(slug)
    quiz = quiz_of(module, create=False)  # created only when the settings change
    draft = drafts.draft_of(quiz)
    form = QuizSettingsForm(
        data={
            "pass_mark": draft["pass_mark"],
            "max_attempts": draft["max_attempts"],
            "shuffle": draft["shuffle"],
            "pool_size": draft["pool_size"],
        }
    )
    if form.validate_on_submit():
        pool = form.pool_size.data
        if pool is not None and pool > len(draft["questions"]):
            form.pool_size.errors.append(
                _("El cuestionario tiene %(n)d preguntas; no se pueden sacar %(m)d.", n=len(draft["questions"]), m=pool)
            )
        else:
            settings = {
                "pass_mark": form.pass_mark.data,
                "max_attempts": form.max_attempts.data,
                "shuffle": form.shuffle.data,
                "pool_size": pool,
            }
            if all(draft[key] == value for key, value in settings.items()):
                flash(_("No había cambios que guardar."), "info")
            else:
                draft.update(settings)
                drafts.save_draft(quiz_of(module), draft)
                db.session.commit()
                flash(_("Configuración guardada en el borrador."), "success")
            return redirect(url_for("training.quiz", slug=slug))
    return render_template(
        "training/quiz.html",
        module=module,
        draft=draft,
        form=form,
        problems=drafts.draft_problems(draft),
        pending=drafts.has_unpublished_changes(quiz),
        revision=latest_revision(quiz.id),
        buttons=ButtonForm(),
        upload=UploadForm(),
    )


@bp.route("/modulos/<slug>/cuestionario/preguntas/nueva", methods=["GET", "POST"])
@trainer_only
def new_question(slug: str):
    module = module_or_404(slug)
    form = QuestionForm()
    if form.validate_on_submit():
        drafts.append_questions(quiz_of(module), [form.to_question()])
        db.session.commit()
        flash(_("Pregunta agregada al borrador."), "success")
        return redirect(url_for("training.quiz", slug=slug) + "#preguntas")
    return render_template("training/question_form.html", module=module, form=form, number=None)


def question_number_or_404(draft: dict, number: int) -> int:
    if not 1 <= number <= len(draft["questions"]):
        abort(404)
    return number - 1


@bp.route("/modulos/<slug>/cuestionario/preguntas/<int:number>", methods=["GET", "POST"])
@trainer_only
def edit_question(slug: str, number: int):
    module = module_or_404(slug)
    quiz = quiz_of(module)
    draft = drafts.draft_of(quiz)
    index = question_number_or_404(draft, number)
    form = QuestionForm()
    if request.method == "GET":
        form.load(draft["questions"][index])
    elif form.validate_on_submit():
        draft["questions"][index] = form.to_question()
        drafts.save_draft(quiz, draft)
        db.session.commit()
        flash(_("Pregunta %(n)d guardada en el borrador.", n=number), "success")
        return redirect(url_for("training.quiz", slug=slug) + f"#pregunta-{number}")
    return render_template("training/question_form.html", module=module, form=form, number=number)


@bp.post("/modulos/<slug>/cuestionario/preguntas/<int:number>/mover")
@trainer_only
def move_question(slug: str, number: int):
    module = module_or_404(slug)
    quiz = quiz_of(module)
    draft = drafts.draft_of(quiz)
    index = question_number_or_404(draft, number)
    other = index + direction_from_form()
    if 0 <= other < len(draft["questions"]):
        questions = draft["questions"]
        questions[index], questions[other] = questions[other], questions[index]
        drafts.save_draft(quiz, draft)
        db.session.commit()
        number = other + 1
    return redirect(url_for("training.quiz", slug=slug) + f"#pregunta-{number}")


@bp.post("/modulos/<slug>/cuestionario/preguntas/<int:number>/eliminar")
@trainer_only
def delete_question(slug: str, number: int):
    module = module_or_404(slug)
    quiz = quiz_of(module)
    draft = drafts.draft_of(quiz)
    index = question_number_or_404(draft, number)
    removed = draft["questions"].pop(index)
    if draft.get("pool_size") and draft["pool_size"] > len(draft["questions"]):
        draft["pool_size"] = len(draft["questions"]) or None
    drafts.save_draft(quiz, draft)
    audit.record("quiz.question_deleted", actor_id=current_user.id, module=slug, prompt=removed["prompt"][:200])
    db.session.commit()
    flash(_("Pregunta eliminada del borrador. Se aplica al publicar."), "success")
    return redirect(url_for("training.quiz", slug=slug) + "#preguntas")


@bp.post("/modulos/<slug>/cuestionario/descartar")
@trainer_only
def discard_draft(slug: str):
    module = module_or_404(slug)
    quiz = quiz_of(module)
    quiz.draft = None
    audit.record("quiz.draft_discarded", actor_id=current_user.id, module=slug)
    db.session.commit()
    flash(_("Borrador descartado: se volvió a la última versión publicada."), "success")
    return redirect(url_for("training.quiz", slug=slug))


@bp.post("/modulos/<slug>/cuestionario/publicar")
@trainer_only
def publish_quiz(slug: str):
    """Freeze the draft as a new revision; attempts already started keep theirs."""
    module = module_or_404(slug)
    quiz = quiz_of(module)
    if drafts.draft_problems(drafts.draft_of(quiz)) or not drafts.draft_of(quiz)["questions"]:
        flash(_("El borrador tiene problemas que impiden publicarlo; están marcados abajo."), "error")
        return redirect(url_for("training.quiz", slug=slug))
    revision = drafts.publish_draft(quiz, current_user.id)
    db.session.commit()
    flash(
        _(
            "Versión %(n)d publicada. Los nuevos intentos usan esta versión; "
            "los intentos en curso terminan en la suya.",
            n=revision.number,
        ),
        "success",
    )
    return redirect(url_for("training.quiz", slug=slug))


@bp.post("/modulos/<slug>/cuestionario/gift")
@trainer_only
def import_gift(slug: str):
    """Add the questions of a Moodle GIFT file to the draft."""
    from portal.quizzes.gift import GiftDecodeError, GiftImportError, decode_gift
    from portal.quizzes.gift import import_gift as run_import

    module = module_or_404(slug)
    form = UploadForm()
    if not form.validate_on_submit():
        flash(_("Elija un archivo GIFT (.txt o .gift)."), "error")
        return redirect(url_for("training.quiz", slug=slug))
    try:
        text = decode_gift(form.file.data.read(2 * 1024 * 1024))
    except GiftDecodeError as error:
        flash(str(error), "error")
        return redirect(url_for("training.quiz", slug=slug))
    try:
        report = run_import(module, text, actor_id=current_user.id, via="web", dry_run=False)
    except GiftImportError as failure:
        db.session.rollback()
        return render_template("training/gift_report.html", module=module, report=failure.report, imported=False), 422
    db.session.commit()
    return render_template("training/gift_report.html", module=module, report=report, imported=True)


# --- Revisions ------------------------------------------------------------------------


@bp.get("/modulos/<slug>/versiones")
@trainer_only
def revisions(slug: str):
    module = module_or_404(slug)
    quiz = quiz_of(module)
    found = service.revisions_of(quiz)
    comparison = older = newer = None
    numbers = {revision.number: revision for revision in found}
    a, b = request.args.get("desde", type=int), request.args.get("hasta", type=int)
    if a is None and b is None and len(found) >= 2:
        a, b = found[1].number, found[0].number
    if a in numbers and b in numbers:
        older, newer = numbers[a], numbers[b]
        comparison = service.compare_revisions(older, newer)
    return render_template(
        "training/revisions.html", module=module, revisions=found, comparison=comparison, older=older, newer=newer
    )


# --- Preview --------------------------------------------------------------------------


@bp.get("/modulos/<slug>/vista-previa")
@trainer_only
def preview(slug: str):
    """The module as a learner will see it, published or not."""
    module = module_or_404(slug)
    return render_template("training/preview_module.html", module=module)


@bp.get("/modulos/<slug>/vista-previa/lecciones/<int:number>")
@trainer_only
def preview_lesson(slug: str, number: int):
    module = module_or_404(slug)
    if not 1 <= number <= len(module.lessons):
        abort(404)
    lesson = module.lessons[number - 1]
    return render_template(
        "training/preview_lesson.html",
        module=module,
        lesson=lesson,
        number=number,
        total=len(module.lessons),
        body=render_markdown(lesson.body_md),
    )


def preview_keys(draft: dict) -> list[QuestionKey]:
    """Stand-in ids for draft questions: question n is n, its choice k is n*100+k."""
    return [
        QuestionKey(
            id=number,
            kind=question["kind"],
            choice_ids=frozenset(number * 100 + k for k in range(1, len(question["choices"]) + 1)),
            correct_ids=frozenset(
                number * 100 + k for k, choice in enumerate(question["choices"], start=1) if choice["correct"]
            ),
        )
        for number, question in enumerate(draft["questions"], start=1)
    ]


@bp.route("/modulos/<slug>/vista-previa/cuestionario", methods=["GET", "POST"])
@trainer_only
def preview_quiz(slug: str):
    """Take the draft quiz and see the result; nothing is stored."""
    module = module_or_404(slug)
    quiz = quiz_of(module)
    draft = drafts.draft_of(quiz)
    db.session.rollback()  # a preview never writes, not even the quiz row
    keys = preview_keys(draft)
    answers: dict[int, list[int]] = {}
    for key in keys:
        # isdigit() alone let "²" through to int(), a 500: ASCII 0-9 only.
        picked = [int(value) for value in request.form.getlist(f"q{key.id}") if value.isascii() and value.isdigit()]
        if picked:
            answers[key.id] = [choice for choice in picked if choice in key.choice_ids]
    result = missing = None
    if request.method == "POST" and keys:
        missing = [key.id for key in keys if not answers.get(key.id)]
        if not missing:
            result = grade(keys, answers, draft["pass_mark"])
    return render_template(
        "training/preview_quiz.html",
        module=module,
        draft=draft,
        keys=keys,
        answers=answers,
        result=result,
        missing=missing,
        buttons=ButtonForm(),
    )


# --- Exchange -------------------------------------------------------------------------


@bp.get("/modulos/<slug>/exportar")
@trainer_only
def export(slug: str):
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
        module = import_module(load_module_json(text), published=False)
    except ModuleFormatError as error:
        db.session.rollback()
        return render_template("training/import_problems.html", problems=error.problems), 422
    audit.record("content.module_imported", actor_id=current_user.id, module=module.slug, via="web")
    db.session.commit()
    flash(_("Módulo «%(title)s» importado sin publicar. Revíselo antes de publicarlo.", title=module.title), "success")
    return redirect(url_for("training.module", slug=module.slug))


# --- Statistics -----------------------------------------------------------------------


@bp.get("/modulos/<slug>/estadisticas")
@trainer_only
def statistics(slug: str):
    """Aggregated answers per question of a published revision; no names."""
    module = module_or_404(slug)
    quiz = quiz_of(module)
    found = service.revisions_of(quiz)
    number = request.args.get("version", type=int)
    revision: QuizRevision | None = next((r for r in found if r.number == number), found[0] if found else None)
    return render_template(
        "training/statistics.html",
        module=module,
        revisions=found,
        revision=revision,
        stats=stats.revision_statistics(revision.id) if revision else None,
    )
