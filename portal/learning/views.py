"""The learner's pages: dashboard, module, lessons, commitment, certificate, verification."""

from __future__ import annotations

import json

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from portal import audit
from portal.attachments import KINDS
from portal.auth.access import public, signed_in
from portal.auth.forms import ButtonForm
from portal.database import write_transaction
from portal.dates import local_today
from portal.extensions import db
from portal.learning import bp, certificate_documents, service
from portal.learning.forms import CommitmentForm
from portal.learning.lookups import open_row
from portal.markdown import render_lesson_body
from portal.models.curriculum import Lesson, LessonAttachment, LessonVideo
from portal.models.types import utcnow
from portal.people.personal_data import personal_data
from portal.security import CACHE_FOR_A_YEAR
from portal.settings import effective
from portal.uploads import send_instance_file
from portal.videos import MIMETYPES, captioned_minutes
from portal.vocabulary import TRAINER


@bp.get("/")
@signed_in
def dashboard():
    """The path: each module's state, overall progress, due date."""
    path = service.learner_path(current_user.id)
    return render_template(
        "learning/dashboard.html",
        path=path,
        days_left=service.days_left(current_user.due_date, local_today()),
    )


@bp.get("/modulos/<slug>")
@signed_in
def module(slug: str):
    """A module's lessons and quiz."""
    path, row = open_row(slug)
    lessons = service.module_lessons(row.module.id)
    read = service.read_lesson_ids(current_user.id, row.module.id, path.cycle)
    next_unread = next((number for number, item in enumerate(lessons, start=1) if item.id not in read), None)
    videos = service.video_captions(row.module.id)
    return render_template(
        "learning/module.html",
        path=path,
        row=row,
        lessons=lessons,
        read=read,
        next_unread=next_unread,
        videos=len(videos),
        video_length=captioned_minutes(*videos),
    )


@bp.get("/modulos/<slug>/lecciones/<int:number>")
@signed_in
def lesson(slug: str, number: int):
    """One lesson page, with previous and next."""
    path, row = open_row(slug)
    # row.lesson_count counts the lessons in use, as Module.lessons lists them.
    found = service.lesson_to_read(current_user.id, row.module.id, number, path.cycle) if number >= 1 else None
    if found is None:
        abort(404)
    current, already_read = found
    return render_template(
        "learning/lesson.html",
        row=row,
        lesson=current,
        number=number,
        total=row.lesson_count,
        body=render_lesson_body(current.body_md),
        already_read=already_read,
        form=ButtonForm(),
    )


@bp.post("/modulos/<slug>/lecciones/<int:number>/leida")
@signed_in
def mark_read(slug: str, number: int):
    """Record the lesson as read and go on to the next page (or the quiz)."""
    path, row = open_row(slug)
    lessons = service.module_lessons(row.module.id)
    if not 1 <= number <= len(lessons):
        abort(404)
    service.mark_lesson_read(current_user.id, lessons[number - 1])
    db.session.commit()
    if number < len(lessons):
        return redirect(url_for("learning.lesson", slug=slug, number=number + 1))
    if row.quiz_id is not None:
        return redirect(url_for("quizzes.quiz", slug=slug))
    return redirect(url_for("learning.module", slug=slug))


@bp.route("/compromiso", methods=["GET", "POST"])
@signed_in
def commitment():
    """Read and sign the values commitment once every required module is done."""
    path = service.learner_path(current_user.id)
    if path.commitment is not None:
        return render_template("learning/commitment_signed.html", path=path)
    if not path.progress.modules_done:
        return render_template("learning/commitment_locked.html", path=path)
    text = service.commitment_text(current_user, effective("INSTITUTION_NAME"))
    form = CommitmentForm()
    if form.validate_on_submit():
        try:
            service.sign_commitment(current_user, path, form.full_name.data, text)
        except service.CommitmentRefused as refusal:
            form.full_name.errors.append(str(refusal))
        else:
            db.session.commit()
            flash(_("¡Felicitaciones! Completó su inducción. Ya puede descargar su certificado."), "success")
            return redirect(url_for("learning.commitment"))
    return render_template("learning/commitment.html", form=form, text=text, path=path)


@bp.get("/certificado")
@signed_in
def certificate():
    """The person's own certificate as a PDF download."""
    path = service.learner_path(current_user.id)
    if path.certificate is None:
        flash(
            _("El certificado estará disponible cuando complete la inducción y firme la declaración de compromiso."),
            "info",
        )
        return redirect(url_for("learning.dashboard"))
    # During a refresher the newest certificate is the expired one: it shows the scores of its cycle.
    body = certificate_documents.certificate_document(current_user, path.certificate, current=path)
    filename = f"certificado-induccion-{service.certificate_issued_on(path.certificate).isoformat()}.pdf"
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/mis-datos")
@signed_in
def my_data():
    """Everything the portal holds about the signed-in person, as a JSON download (Ley 21.719)."""
    data = personal_data(current_user)
    with write_transaction():
        audit.record("privacy.data_downloaded", actor_id=current_user.id)
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    filename = f"mis-datos-portal-induccion-{local_today().isoformat()}.json"
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@bp.get("/medios/<name>")
@signed_in
def media(name: str):
    """Lesson images uploaded by trainers, for signed-in people only."""
    response = send_instance_file("uploads", name)
    # Uploads get random names and are never rewritten. Private: only signed-in people may
    # fetch them, so a shared cache must not hand them to anyone else.
    response.headers["Cache-Control"] = f"private, {CACHE_FOR_A_YEAR}"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


#: A lesson's document or video is read with its lesson and module in one statement: the rule below needs both.
_WITH_LESSON_AND_MODULE = {
    model: [joinedload(model.lesson).joinedload(Lesson.module)] for model in (LessonAttachment, LessonVideo)
}


def _refuse_unless_readable(item: LessonAttachment | LessonVideo | None) -> None:
    """Abort unless the signed-in person may read the lesson that shows `item` (a document or a video):
    the answer its lesson page gives. Waiting for its lesson's save or in the Papelera: 404 for everyone.
    Trainers preview any other lesson, published or not. Anyone else gets open_row's answer for the
    module, the lesson page's own check: 404 outside the path (unpublished), back to the dashboard while
    it is locked."""
    if item is None or item.lesson is None or item.lesson.deleted_at is not None:
        abort(404)
    if TRAINER not in current_user.roles:
        open_row(item.lesson.module.slug)


@bp.get("/adjuntos/<int:attachment_id>")
@signed_in
def attachment(attachment_id: int):
    """A document attached to a lesson, always downloaded (never shown by the browser), as its type."""
    document = db.session.get(LessonAttachment, attachment_id, options=_WITH_LESSON_AND_MODULE[LessonAttachment])
    _refuse_unless_readable(document)
    response = send_instance_file(
        "attachments",
        document.stored_name,
        mimetype=KINDS[document.kind].mimetype,
        as_attachment=True,
        download_name=document.file_name,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _shown_video(video_id: int) -> LessonVideo:
    """A video a lesson shows, to whoever may read that lesson (see _refuse_unless_readable)."""
    video = db.session.get(LessonVideo, video_id, options=_WITH_LESSON_AND_MODULE[LessonVideo])
    _refuse_unless_readable(video)
    return video


@bp.get("/videos/<int:video_id>")
@signed_in
def video(video_id: int):
    """A lesson's video, with range requests (206) so that the player seeks without downloading it all."""
    shown = _shown_video(video_id)
    response = send_instance_file("videos", shown.stored_name, mimetype=MIMETYPES[shown.kind], max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; media-src 'self'"
    return response


@bp.get("/videos/<int:video_id>/subtitulos.vtt")
@signed_in
def captions(video_id: int):
    """The captions of a lesson's video (WebVTT), for its <track>."""
    shown = _shown_video(video_id)
    if not shown.captions:
        abort(404)
    return Response(
        shown.captions,
        mimetype="text/vtt",
        headers={"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'"},
    )


@bp.get("/verificar/<code>")
@public
def verify(code: str):
    """Public check of a certificate: confirms only the name and the date."""
    found = service.certificate_by_code(code)
    if found is None:
        return render_template("learning/verify_unknown.html"), 404
    issued = found.issued_at.astimezone(get_timezone()).date()
    valid_until = service.certificate_valid_until(found)
    return render_template(
        "learning/verify.html",
        certificate=found,
        issued=issued,
        valid_until=valid_until,
        expired=valid_until is not None and valid_until <= utcnow(),
    )
