"""The trainers' quiz editor: the draft's settings and questions, discarding or publishing it, GIFT import."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth.forms import ButtonForm
from portal.extensions import db
from portal.quizzes import drafts
from portal.quizzes.gift import GiftDecodeError, GiftImportError, decode_gift
from portal.quizzes.gift import import_gift as run_import
from portal.quizzes.revisions import latest_revision
from portal.training import bp
from portal.training.forms import QuestionForm, QuizSettingsForm, UploadForm
from portal.training.lookups import direction_from_form, module_or_404, question_number_or_404, quiz_of, trainer_only


@bp.route("/modulos/<slug>/cuestionario", methods=["GET", "POST"])
@trainer_only
def quiz(slug: str):
    """The quiz draft: settings, questions and what stops it from being published."""
    module = module_or_404(slug)
    quiz = quiz_of(module, create=False)  # created only when the settings change
    draft = drafts.draft_of(quiz)
    form = QuizSettingsForm(data={name: draft[name] for name in drafts.SETTINGS})
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
                "shuffle_questions": form.shuffle_questions.data,
                "show_answers": form.show_answers.data,
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
    """Add a question at the end of the draft."""
    module = module_or_404(slug)
    form = QuestionForm()
    if form.validate_on_submit():
        drafts.append_questions(quiz_of(module), [form.to_question()])
        db.session.commit()
        flash(_("Pregunta agregada al borrador."), "success")
        return redirect(url_for("training.quiz", slug=slug) + "#preguntas")
    return render_template("training/question_form.html", module=module, form=form, number=None)


@bp.route("/modulos/<slug>/cuestionario/preguntas/<int:number>", methods=["GET", "POST"])
@trainer_only
def edit_question(slug: str, number: int):
    """Edit one question of the draft."""
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
    """Move a question one place up or down the draft."""
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
    """Remove a question from the draft (learners keep the published revision)."""
    module = module_or_404(slug)
    quiz = quiz_of(module)
    draft = drafts.draft_of(quiz)
    drafts.delete_question(quiz, draft, question_number_or_404(draft, number), current_user.id)
    db.session.commit()
    flash(_("Pregunta eliminada del borrador. Se aplica al publicar."), "success")
    return redirect(url_for("training.quiz", slug=slug) + "#preguntas")


@bp.post("/modulos/<slug>/cuestionario/descartar")
@trainer_only
def discard_draft(slug: str):
    """Forget the draft and go back to the latest published revision."""
    module = module_or_404(slug)
    drafts.discard_draft(quiz_of(module), current_user.id)
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
