"""Trainers add images and documents to a lesson without losing a word of what they typed.

Without JavaScript the files travel in the lesson's own form: saving keeps them all, a refused file
gives the text back with a Spanish message. Documents are recognised by their content, served as
downloads of their own type, and the size limit is the administrators' setting.
"""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from portal.extensions import db
from portal.models.audit import AuditEvent
from portal.models.curriculum import Lesson, LessonAttachment, Module
from portal.settings import store
from portal.vocabulary import STAFF, TRAINER
from tests import documents
from tests.conftest import login
from tests.helpers import SLUGS
from tests.municipality import fetch
from tests.test_quiz_editor import PNG

SLUG = SLUGS[0]
NEW_LESSON = f"/capacitacion/modulos/{SLUG}/lecciones/nueva"
PARAGRAPH = "Cada persona funcionaria recibe el reglamento interno el primer día.\n\nLéalo con calma."


@pytest.fixture
def trainer(app, make_user):
    person = make_user(full_name="Rodrigo Soto", roles=(STAFF, TRAINER))
    browser = app.test_client()
    assert login(browser, person.email).status_code == 302
    return browser


def lesson_form(title="Reglamento interno", body=PARAGRAPH, action="save", **files) -> dict:
    data = {"title": title, "body_md": body, "action": action}
    data.update({field: (io.BytesIO(content), name) for field, (content, name) in files.items()})
    return data


def lesson_titled(app, title: str) -> Lesson | None:
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).where(Lesson.title == title))
        if lesson is not None:
            lesson.attachments  # noqa: B018 (loaded while the session is open)
        return lesson


def post_in_memory(client, url: str, data: dict):
    """POST multipart data encoded in memory: the test client spools bodies over 500 KB to a file
    it never closes, which pytest then reports."""
    fields = {
        key: FileStorage(value[0], filename=value[1]) if isinstance(value, tuple) else value
        for key, value in data.items()
    }
    boundary, body = encode_multipart(MultiDict(fields))
    return client.post(url, data=body, content_type=f'multipart/form-data; boundary="{boundary}"')


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_without_javascript_the_image_and_the_document_travel_with_the_text(app, trainer):
    saved = trainer.post(
        NEW_LESSON,
        data=lesson_form(image=(PNG, "organigrama.png"), document=(documents.pdf(), "Reglamento interno.pdf")),
    )
    assert saved.status_code == 302
    lesson = lesson_titled(app, "Reglamento interno")
    assert lesson.body_md.startswith(PARAGRAPH)
    assert re.search(r"!\[Descripción de la imagen\]\(/medios/[0-9a-f]{32}\.png\)\n$", lesson.body_md)
    assert [(item.file_name, item.kind) for item in lesson.attachments] == [("Reglamento interno.pdf", "pdf")]

    with app.app_context():
        number = db.session.get(Lesson, lesson.id).position
    page = trainer.get(f"/modulos/{SLUG}/lecciones/{number}").get_data(as_text=True)
    assert "Léalo con calma." in page and 'src="/medios/' in page
    assert "Reglamento interno.pdf" in page and re.search(r"Documento PDF · \d+ bytes", page)


def test_uploading_before_saving_gives_the_text_back_and_the_save_keeps_the_document(app, trainer):
    typed = "Texto a medio escribir, **sin guardar** todavía."
    page = trainer.post(
        NEW_LESSON, data=lesson_form(body=typed, action="upload", document=(documents.xlsx(), "x.xlsx"))
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "sin guardar" in html and "Reglamento interno" in html
    assert "se adjuntará al guardar" in html and count(app, Lesson) == count(app, Lesson)
    assert lesson_titled(app, "Reglamento interno") is None  # nothing saved yet
    waiting = re.search(r'name="adjunto_pendiente" value="(\d+)"', html).group(1)

    trainer.post(NEW_LESSON, data={**lesson_form(body=typed), "adjunto_pendiente": waiting})
    lesson = lesson_titled(app, "Reglamento interno")
    assert lesson.body_md == typed and [item.kind for item in lesson.attachments] == ["xlsx"]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (documents.pdf(), "organigrama.docx", "no es lo que su nombre dice: su contenido es un documento pdf"),
        (documents.HTML_PAGE, "reglamento.pdf", "no es un documento PDF, Word (DOCX), Excel (XLSX) ni OpenDocument"),
        (b"%PDF-1.7\n" + b"0" * (1024 * 1024 + 10), "grande.pdf", "supera el tamaño máximo de 1 MB"),
    ],
    ids=["pdf-named-docx", "html-named-pdf", "too-large"],
)
def test_a_refused_document_gives_the_text_back_and_stores_nothing(app, trainer, content, name, message):
    with app.app_context():
        store({"ATTACHMENT_MAX_MB": 1})
        db.session.commit()
    before = (count(app, Lesson), count(app, LessonAttachment))
    refused = post_in_memory(trainer, NEW_LESSON, lesson_form(document=(content, name)))
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert message in html.replace("&#34;", '"') and "Léalo con calma." in html and "Reglamento interno" in html
    assert (count(app, Lesson), count(app, LessonAttachment)) == before


def test_a_refused_image_keeps_the_text_and_the_document_uploaded_with_it(app, trainer):
    refused = trainer.post(
        NEW_LESSON, data=lesson_form(image=(b"<svg onload=alert(1)>", "foto.png"), document=(documents.odt(), "a.odt"))
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "no es una imagen PNG, JPEG o WebP" in html and "Léalo con calma." in html
    assert 'name="adjunto_pendiente"' in html and lesson_titled(app, "Reglamento interno") is None


def test_a_document_downloads_with_its_type_and_never_as_a_page(app, trainer, client, make_user):
    content = documents.docx()
    trainer.post(NEW_LESSON, data=lesson_form(document=(content, "Organigrama 2026.docx")))
    document = lesson_titled(app, "Reglamento interno").attachments[0]
    learner = make_user(full_name="Ana Rojas")
    login(client, learner.email)
    with client.get(f"/adjuntos/{document.id}") as served:
        assert served.status_code == 200 and served.data == content
        assert served.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        assert served.headers["Content-Disposition"].startswith("attachment;")
        assert served.headers["Content-Disposition"] == 'attachment; filename="Organigrama 2026.docx"'
        assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert app.test_client().get(f"/adjuntos/{document.id}").status_code == 302  # signed-in people only


def test_a_document_waiting_for_its_lesson_or_in_an_unpublished_module_is_not_served(app, trainer, client, make_user):
    answer = trainer.post(
        "/capacitacion/adjuntos",
        data={"file": (io.BytesIO(documents.pdf()), "borrador.pdf")},
        headers={"Accept": "application/json"},
    )
    assert (
        answer.status_code == 200 and answer.json["name"] == "borrador.pdf" and answer.json["kind"] == "Documento PDF"
    )
    login(client, make_user(full_name="Ana Rojas").email)
    assert fetch(client, f"/adjuntos/{answer.json['id']}").status_code == 404
    assert fetch(trainer, f"/adjuntos/{answer.json['id']}").status_code == 404
    with app.app_context():
        db.session.get(Module, db.session.scalar(select(Module.id).where(Module.slug == SLUG))).published = False
        db.session.commit()
    trainer.post(NEW_LESSON, data={**lesson_form(), "adjunto_pendiente": str(answer.json["id"])})
    assert fetch(client, f"/adjuntos/{answer.json['id']}").status_code == 404
    assert fetch(trainer, f"/adjuntos/{answer.json['id']}").status_code == 200


def test_the_editor_script_gets_json_answers(app, trainer):
    image = trainer.post(
        "/capacitacion/imagenes", data={"file": (io.BytesIO(PNG), "a.png")}, headers={"Accept": "application/json"}
    )
    assert re.fullmatch(r"!\[Descripción de la imagen\]\(/medios/[0-9a-f]{32}\.png\)", image.json["markdown"])
    wrong = trainer.post(
        "/capacitacion/adjuntos",
        data={"file": (io.BytesIO(documents.HTML_PAGE), "a.pdf")},
        headers={"Accept": "application/json"},
    )
    assert wrong.status_code == 422 and "no es un documento PDF" in wrong.json["error"]
    preview = trainer.post("/capacitacion/vista-previa-markdown", data={"body_md": "**hola** <script>x</script>"})
    assert "<strong>hola</strong>" in preview.get_data(as_text=True) and "<script>" not in preview.get_data(
        as_text=True
    )


def test_documents_are_removed_from_a_lesson_and_everything_is_audited(app, trainer):
    trainer.post(NEW_LESSON, data=lesson_form(document=(documents.pdf(), "a.pdf")))
    lesson = lesson_titled(app, "Reglamento interno")
    edit = f"/capacitacion/modulos/{SLUG}/lecciones/{lesson.id}"
    assert "Quitar «a.pdf»" in trainer.get(edit).get_data(as_text=True)
    trainer.post(edit, data={**lesson_form(), "quitar_adjunto": str(lesson.attachments[0].id)})
    assert lesson_titled(app, "Reglamento interno").attachments == []
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("content.attachment%")).order_by(AuditEvent.id)
        )
        assert list(actions) == [
            "content.attachment_uploaded",
            "content.attachment_added",
            "content.attachment_removed",
        ]


def test_the_size_limit_is_an_administrators_setting(app, make_user):
    admin = app.test_client()
    login(admin, make_user(full_name="Marta Díaz", roles=(STAFF, "admin")).email)
    page = admin.get("/admin/configuracion").get_data(as_text=True)
    assert "Tamaño máximo de un documento adjunto" in page and 'value="20"' in page


def test_behind_the_reverse_proxy_the_worker_only_names_the_file(make_app, make_user):
    app = make_app(MEDIA_ACCEL_REDIRECT="/_instance/")
    client = app.test_client()
    login(client, make_user(full_name="Rodrigo Soto", roles=(STAFF, TRAINER)).email)
    client.post(NEW_LESSON, data=lesson_form(document=(documents.pdf(), "a.pdf")))
    document = lesson_titled(app, "Reglamento interno").attachments[0]
    with client.get(f"/adjuntos/{document.id}") as served:
        assert served.status_code == 200 and served.data == b""
        assert served.headers["X-Accel-Redirect"] == f"/_instance/attachments/{document.stored_name}"
        assert served.mimetype == "application/pdf" and served.headers["Content-Disposition"].startswith("attachment")
