"""The trainers' lessons: writing one with a server-side preview, its order, deleting it, and the images,
documents and video uploaded into it."""

from __future__ import annotations

import re

from flask import current_app, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.attachments import KINDS, human_size
from portal.extensions import db
from portal.flashes import flash_with_button
from portal.markdown import render_markdown
from portal.training import bp, media, service, trash
from portal.training.forms import LessonForm, UploadForm
from portal.training.lookups import direction_from_form, lesson_or_404, module_or_404, trainer_only
from portal.uploads import MAX_IMAGE_BYTES, RejectedUpload, accepts_files
from portal.videos import read_captions


def _file_limit() -> int:
    return max(media.document_limit(), media.video_limit(), MAX_IMAGE_BYTES)


def _ids(name: str) -> list[int]:
    # ASCII digits only: "²" is a digit to str.isdigit() but not to int().
    return [int(value) for value in request.form.getlist(name) if re.fullmatch(r"[0-9]{1,9}", value)]


IMAGE_MESSAGES = {
    "too_big": _l("La imagen supera los 2 MB."),
    "not_image": _l("El archivo no es una imagen PNG, JPEG o WebP."),
}


def image_markdown(name: str) -> str:
    return f"![Descripción de la imagen]({url_for('learning.media', name=name)})"


class Pending:
    """What the editor's form carries besides its fields: documents and a video waiting for the save."""

    def __init__(self, lesson):
        self.documents = [document.id for document in media.waiting_documents(_ids("adjunto_pendiente"))]
        self.video = media.waiting_video(_ids("video_pendiente"))
        current = lesson.video if lesson is not None else None
        self.remove_video = current is not None and request.form.get("quitar_video") == str(current.id)

    def video_after_save(self, lesson):
        """The video the lesson will show once saved (None: no video)."""
        current = lesson.video if lesson is not None else None
        if self.remove_video:
            return self.video if self.video is not None and self.video.stored_name != current.stored_name else None
        return self.video or current


def _take_uploads(form: LessonForm, pending: Pending, lesson) -> bool:
    """Keep the files sent with the lesson's form (the editor without JavaScript); True if any came.

    An image's Markdown goes at the end of the text; a document joins the pending ones; a video
    waits for the save, and captions go to the waiting video (or wait as new captions of the
    lesson's video). A refused file leaves its Spanish message on its field and the text as it was typed.
    """
    came = False
    image = form.image.data
    if image and image.filename:
        came = True
        try:
            name = service.add_image(image.stream, current_app.instance_path, IMAGE_MESSAGES, current_user.id)
        except RejectedUpload as rejection:
            form.image.errors = [str(rejection)]
        else:
            form.body_md.data = (form.body_md.data or "").rstrip("\n") + "\n\n" + image_markdown(name) + "\n"
    document = form.document.data
    if document and document.filename:
        came = True
        try:
            pending.documents.append(media.upload_document(document, current_app.instance_path, current_user.id).id)
        except RejectedUpload as rejection:
            form.document.errors = [str(rejection)]
    return _take_video(form, pending, lesson) or came


def _take_video(form: LessonForm, pending: Pending, lesson) -> bool:
    """The video and captions part of _take_uploads; True if either came."""
    came = False
    video = form.video_file.data
    if video and video.filename:
        came = True
        try:
            pending.video = media.upload_video(video, current_app.instance_path, current_user.id)
        except RejectedUpload as rejection:
            form.video_file.errors = [str(rejection)]
    captions = form.captions.data
    if captions and captions.filename:
        came = True
        try:
            checked = read_captions(captions)
        except RejectedUpload as rejection:
            form.captions.errors = [str(rejection)]
        else:
            if form.video_file.errors:
                form.captions.errors = [_("Elija otra vez los subtítulos junto con un video que se acepte.")]
            elif (captioned := media.add_captions(pending.video, lesson, checked, current_user.id)) is None:
                form.captions.errors = [_("Estos subtítulos no tienen video: elija el video junto con ellos.")]
            else:
                pending.video = captioned
    return came


def _video_problem(module, form: LessonForm, pending: Pending, lesson) -> bool:
    """Refuse a save that would show learners a video without captions, or lose a transcript; True if so."""
    video = pending.video_after_save(lesson)
    if video is None and (form.transcript.data or "").strip():
        form.transcript.errors = [_("La transcripción es la de un video: suba el video o deje este campo vacío.")]
        return True
    if module.published and (problem := media.missing_captions(form.title.data, video)):
        not_saved = _(
            "El módulo está publicado, así que la lección no se guardó: elija los subtítulos y guárdela otra vez."
        )
        form.captions.errors = [f"{problem} {not_saved}"]
        return True
    return False


def _lesson_page(module, lesson):
    """The editor of a new (`lesson` None) or existing lesson: save, preview, or upload and go on editing.

    Files sent with the form are kept whatever the button; the page then comes back with the text as
    typed, unless the button was "Guardar" and everything was accepted.
    """
    video = lesson.video if lesson is not None else None
    form = LessonForm(obj=lesson, data={"transcript": video.transcript if video is not None else ""})
    pending = Pending(lesson)
    preview, status = None, 200
    if form.is_submitted():
        action = request.form.get("action")
        uploaded = _take_uploads(form, pending, lesson)
        refused = bool(form.image.errors or form.document.errors or form.video_file.errors or form.captions.errors)
        if uploaded:
            db.session.commit()  # the files are kept even if the lesson is not saved yet
        if refused or (action not in ("save", "preview") and uploaded):
            status = 422 if refused else 200
            if not refused:
                flash(_("Archivo subido. La lección aún no está guardada: revise el texto y guárdela."), "success")
        elif form.validate():
            if action == "preview":
                preview = render_markdown(form.body_md.data)
            elif _video_problem(module, form, pending, lesson):
                status = 422
            else:
                return _save(module, lesson, form, pending)
        else:
            status = 422
    return make_response(
        render_template(
            "training/lesson_form.html",
            module=module,
            form=form,
            lesson=lesson,
            preview=preview,
            waiting=media.waiting_documents(pending.documents),
            document_limit=human_size(media.document_limit()),
            waiting_video=pending.video,
            remove_video=pending.remove_video,
            video_limit=human_size(media.video_limit()),
        ),
        status,
    )


def _save(module, lesson, form: LessonForm, pending: Pending):
    if lesson is None:
        lesson = service.add_lesson(module, form.title.data, form.body_md.data, current_user.id)
        media.save_video(lesson, pending.video, False, form.transcript.data, current_user.id)
        message = _("Lección agregada.")
    else:
        changed = service.edit_lesson(lesson, form.title.data, form.body_md.data, current_user.id)
        changed = media.remove_documents(lesson, _ids("quitar_adjunto"), current_user.id) or changed
        changed = (
            media.save_video(lesson, pending.video, pending.remove_video, form.transcript.data, current_user.id)
            or changed
        )
        message = _("Lección guardada.") if changed or pending.documents else _("No había cambios que guardar.")
    media.attach_documents(lesson, pending.documents, current_user.id)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("training.module", slug=module.slug))


@bp.route("/modulos/<slug>/lecciones/nueva", methods=["GET", "POST"])
@trainer_only
@accepts_files(_file_limit)
def new_lesson(slug: str):
    """Add a lesson at the end of the module, with a preview and its images and documents."""
    return _lesson_page(module_or_404(slug), None)


@bp.route("/modulos/<slug>/lecciones/<int:lesson_id>", methods=["GET", "POST"])
@trainer_only
@accepts_files(_file_limit)
def edit_lesson(slug: str, lesson_id: int):
    """Edit a lesson's Markdown, images and documents, with a preview."""
    module = module_or_404(slug)
    return _lesson_page(module, lesson_or_404(module, lesson_id))


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
        lead=_(
            "La lección sale del módulo «%(module)s» y queda %(days)s días en la Papelera, desde donde puede "
            "restaurarla. Después se borra definitivamente.",
            module=module.title,
            days=trash.KEEP_DAYS,
        ),
        consequences=[
            _("Las personas dejan de verla en su recorrido y las lecciones siguientes cambian de número."),
            _("Mientras esté en la Papelera, haberla leído no cuenta en el avance de nadie."),
            _("Al borrarse definitivamente se pierden su texto, sus versiones, sus documentos adjuntos y su video.")
            if lesson.video is not None
            else _("Al borrarse definitivamente se pierden su texto, sus versiones y sus documentos adjuntos."),
        ],
        action=url_for("training.delete_lesson", slug=slug, lesson_id=lesson.id),
        fields={},
        confirm_label=_("Eliminar la lección"),
        cancel_url=module_url + "#lecciones",
    )


@bp.post("/modulos/<slug>/lecciones/<int:lesson_id>/eliminar")
@trainer_only
def delete_lesson(slug: str, lesson_id: int):
    """Send a lesson to the Papelera (after confirm_delete_lesson); the message offers to undo it."""
    module = module_or_404(slug)
    lesson = lesson_or_404(module, lesson_id)
    trash.move_to_trash(lesson, current_user.id)
    db.session.commit()
    flash_with_button(
        _(
            "La lección «%(title)s» se movió a la Papelera. Puede restaurarla allí durante %(days)s días.",
            title=lesson.title,
            days=trash.KEEP_DAYS,
        ),
        "success",
        action=url_for("training.restore_lesson", lesson_id=lesson.id),
        button=_("Deshacer"),
    )
    # No "#lecciones": the message, and its "Deshacer", are at the top of the page.
    return redirect(url_for("training.module", slug=slug))


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.post("/imagenes")
@trainer_only
@accepts_files(lambda: MAX_IMAGE_BYTES)
def upload_image():
    """Store a lesson image: the editor's script gets its Markdown as JSON, a plain form a message."""
    form = UploadForm()
    back = request.form.get("back") or url_for("training.index")
    if not back.startswith("/capacitacion/"):
        back = url_for("training.index")
    try:
        if not form.validate_on_submit():
            raise RejectedUpload(_("Elija una imagen PNG, JPEG o WebP."))
        name = service.add_image(form.file.data.stream, current_app.instance_path, IMAGE_MESSAGES, current_user.id)
    except RejectedUpload as rejection:
        if _wants_json():
            return jsonify(error=str(rejection)), 422
        flash(str(rejection), "error")
        return redirect(back)
    db.session.commit()
    if _wants_json():
        return jsonify(markdown=image_markdown(name))
    flash(_("Imagen subida. Péguela en la lección con: %(markdown)s", markdown=image_markdown(name)), "success")
    return redirect(back)


@bp.post("/adjuntos")
@trainer_only
@accepts_files(media.document_limit)
def upload_document():
    """The editor's script uploads a document here; it waits for the lesson's save (JSON answer)."""
    form = UploadForm()
    try:
        if not form.validate_on_submit():
            raise RejectedUpload(_("Elija un documento PDF, Word, Excel u OpenDocument."))
        document = media.upload_document(form.file.data, current_app.instance_path, current_user.id)
    except RejectedUpload as rejection:
        return jsonify(error=str(rejection)), 422
    db.session.commit()
    return jsonify(
        id=document.id, name=document.file_name, kind=str(KINDS[document.kind].label), size=human_size(document.size)
    )


@bp.post("/videos")
@trainer_only
@accepts_files(media.video_limit)
def upload_video():
    """The editor's script uploads a video here; it waits for the lesson's save (JSON answer)."""
    form = UploadForm()
    try:
        if not form.validate_on_submit():
            raise RejectedUpload(_("Elija un video MP4 o WebM."))
        video = media.upload_video(form.file.data, current_app.instance_path, current_user.id)
    except RejectedUpload as rejection:
        return jsonify(error=str(rejection)), 422
    db.session.commit()
    return jsonify(id=video.id, name=video.file_name, kind=video.kind.upper(), size=human_size(video.size))


@bp.post("/vista-previa-markdown")
@trainer_only
def render_preview():
    """The editor's side-by-side preview: the text as learners would see it (the same sanitiser); writes nothing."""
    return render_markdown(request.form.get("body_md", "")[:50_000])
