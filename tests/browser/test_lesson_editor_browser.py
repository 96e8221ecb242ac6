"""The lesson editor in a real browser: a trainer types, uploads an image and a PDF without saving, and
finds everything after the save; toolbar, live preview, the unsaved-changes warning, axe, screenshots."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.extensions import db
from portal.models.curriculum import Lesson
from tests import documents
from tests.browser.test_learner_browser import assert_no_axe_violations, save_screenshots, sign_in
from tests.browser.test_trainer_browser import FIRST_MODULE, make_trainer
from tests.test_quiz_editor import PNG

pytestmark = pytest.mark.browser

PARAGRAPH = "Toda persona funcionaria recibe el reglamento interno el primer día."


def test_a_trainer_uploads_an_image_and_a_pdf_before_saving_and_loses_nothing(page: Page, live_server, make_user):
    trainer = make_trainer(make_user)
    sign_in(page, live_server.url, trainer.email)
    page.goto(f"{live_server.url}/capacitacion/modulos/{FIRST_MODULE}/lecciones/nueva")
    page.get_by_label("Título de la lección").fill("Reglamento interno")
    text = page.get_by_label("Contenido (Markdown)")
    text.fill(PARAGRAPH + "\n\n")

    # The image goes in place, at the cursor; the PDF waits for the save. Nothing reloads the page.
    page.get_by_label("Imagen para el texto (PNG, JPEG o WebP, hasta 2 MB)").set_input_files(
        {"name": "organigrama.png", "mimeType": "image/png", "buffer": PNG}
    )
    expect(page.locator("[data-upload-status]")).to_contain_text("Imagen subida")
    expect(text).to_have_value(re.compile(re.escape(PARAGRAPH) + r"\n\n!\[Descripción de la imagen\]\(/medios/"))
    page.get_by_label("Documento adjunto (PDF, Word, Excel u OpenDocument)").set_input_files(
        {"name": "Reglamento interno.pdf", "mimeType": "application/pdf", "buffer": documents.pdf()}
    )
    expect(page.locator("[data-waiting]")).to_contain_text("Reglamento interno.pdf")
    expect(page.locator("[data-preview] img")).to_have_count(1)  # the live preview shows the picture

    # A refused file says why and leaves the text alone.
    page.get_by_label("Documento adjunto (PDF, Word, Excel u OpenDocument)").set_input_files(
        {"name": "falso.pdf", "mimeType": "application/pdf", "buffer": documents.HTML_PAGE}
    )
    expect(page.locator("[data-upload-status]")).to_contain_text("no es un documento PDF")
    expect(text).to_have_value(re.compile(re.escape(PARAGRAPH)))

    # Leaving now would lose the text: the browser asks first.
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.get_by_role("link", name="Capacitación").first.click()
    expect(page).to_have_url(re.compile(r"/lecciones/nueva$"))
    assert asked == ["beforeunload"]

    page.get_by_role("button", name="Guardar lección").click()
    expect(page.locator(".flash, [role=status]").first).to_contain_text("Lección agregada")
    with live_server.app.app_context():
        lesson = db.session.scalar(select(Lesson).where(Lesson.title == "Reglamento interno"))
        number = lesson.position
        assert [document.file_name for document in lesson.attachments] == ["Reglamento interno.pdf"]
    page.goto(f"{live_server.url}/modulos/{FIRST_MODULE}/lecciones/{number}")
    expect(page.get_by_text(PARAGRAPH)).to_be_visible()
    expect(page.get_by_role("img", name="Descripción de la imagen")).to_be_visible()
    assert page.get_by_role("img", name="Descripción de la imagen").evaluate("image => image.naturalWidth") == 4
    download_link = page.get_by_role("link", name="Reglamento interno.pdf")
    expect(download_link).to_be_visible()
    with page.expect_download() as download:
        download_link.click()
    assert download.value.suggested_filename == "Reglamento interno.pdf"
    assert_no_axe_violations(page, "lesson with a document")
    save_screenshots(page, "lesson-with-document")


def test_the_toolbar_formats_by_keyboard_and_the_editor_passes_axe(page: Page, live_server, make_user):
    trainer = make_trainer(make_user)
    sign_in(page, live_server.url, trainer.email)
    page.goto(f"{live_server.url}/capacitacion/modulos/{FIRST_MODULE}/lecciones/nueva")
    text = page.get_by_label("Contenido (Markdown)")
    text.fill("importante")
    text.evaluate("area => area.setSelectionRange(0, area.value.length)")
    page.get_by_role("button", name="Negrita").focus()
    page.keyboard.press("Enter")
    expect(text).to_have_value("**importante**")
    page.get_by_role("button", name="Subtítulo", exact=True).click()
    expect(text).to_have_value("### **importante**")
    expect(page.locator("[data-preview] h2 strong")).to_have_text("importante")
    assert_no_axe_violations(page, "lesson editor")
    save_screenshots(page, "lesson-editor")


SPANISH_VOICE = """
(() => {
  const spoken = window.__spoken = [];
  const voice = {lang: "es-CL", name: "Prueba", default: true, localService: true, voiceURI: "prueba"};
  const synth = {
    speaking: false, paused: false,
    getVoices: () => [voice],
    speak: (utterance) => spoken.push([utterance.lang, utterance.text]),
    pause: () => spoken.push(["pause"]), resume: () => spoken.push(["resume"]),
    cancel: () => spoken.push(["cancel"]),
    addEventListener: () => {},
  };
  Object.defineProperty(window, "speechSynthesis", {value: synth});
  // The real utterance accepts only a real SpeechSynthesisVoice.
  window.SpeechSynthesisUtterance = function (text) { this.text = text; };
})();
"""


def test_listen_reads_the_lesson_in_spanish_with_pause_and_stop(page: Page, live_server, make_user):
    learner = make_user(full_name="Ana Rojas")
    sign_in(page, live_server.url, learner.email)
    lesson = f"{live_server.url}/modulos/{FIRST_MODULE}/lecciones/1"
    page.goto(lesson)
    expect(page.get_by_text(re.compile(r"Lectura estimada: (unos \d+ minutos|1 minuto)\."))).to_be_visible()
    # Chromium here has no Spanish voice: the button is absent, not broken.
    voices = page.evaluate("() => speechSynthesis.getVoices().filter(v => v.lang.startsWith('es')).length")
    if voices == 0:
        expect(page.get_by_role("button", name="Escuchar")).to_have_count(0)

    page.add_init_script(SPANISH_VOICE)
    page.goto(lesson)
    page.get_by_role("button", name="Escuchar").click()
    page.get_by_role("button", name="Pausar").click()
    page.get_by_role("button", name="Continuar").click()
    page.get_by_role("button", name="Detener").click()
    expect(page.get_by_role("button", name="Escuchar")).to_be_focused()
    spoken = page.evaluate("() => window.__spoken")
    texts = [entry for entry in spoken if len(entry) == 2]
    assert texts and {lang for lang, _ in texts} == {"es-CL"}
    assert [entry[0] for entry in spoken if len(entry) == 1][-3:] == ["pause", "resume", "cancel"]
    page.goto(f"{live_server.url}/modulos/{FIRST_MODULE}")
    expect(page.get_by_text(re.compile(r"Lectura estimada del módulo: unos \d+ minutos\."))).to_be_visible()
    assert_no_axe_violations(page, "module with reading time")
