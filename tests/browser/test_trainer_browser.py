"""A trainer in a real browser: axe-core on every editor page, the editor by keyboard alone, screenshots."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.extensions import db
from portal.models.curriculum import Module
from portal.quizzes import drafts
from portal.quizzes import service as quizzes
from portal.vocabulary import STAFF, TRAINER
from tests.browser.test_learner_browser import (
    DESKTOP,
    PHONE,
    assert_focus_visible,
    assert_no_axe_violations,
    check_skip_link,
    control_with_text,
    focused,
    save_screenshots,
    sign_in,
    tab_to_and_press,
    tab_until,
)

pytestmark = pytest.mark.browser

FIRST_MODULE = "mision-y-vision"
BROKEN_MODULE = "transparencia"
GIFT_MODULE = "inclusion"
EDITOR = "/capacitacion"
TRAINER_NAME = "Patricia Elena Contreras Díaz"

#: One question the portal can ask and one short-answer question it skips (line 3).
GIFT_FILE = (
    "::Cierto:: Toda persona tiene derecho a un trato digno en la atención municipal. {T}\n"
    "\n"
    "::Corta:: ¿Capital? {=Santiago}\n"
)


# --- Setting the scene ---------------------------------------------------------------


def make_trainer(make_user):
    return make_user(full_name=TRAINER_NAME, roles=(STAFF, TRAINER))


def take_first_quiz(app, user_id: int, wrong: int) -> None:
    """Submit an attempt at the first module's published quiz, the first `wrong` questions wrong."""
    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == FIRST_MODULE))
        started = quizzes.start_attempt(user_id, module.quiz.id)
        db.session.flush()
        attempt = quizzes.attempt_for_user(started.id, user_id)
        answers = {}
        for index, item in enumerate(attempt.questions):
            choices = item.question.choices
            if index < wrong:
                answers[item.question_id] = [next(c.id for c in choices if not c.correct)]
            else:
                answers[item.question_id] = [c.id for c in choices if c.correct]
        assert quizzes.submit_attempt(attempt, answers) is not None
        db.session.commit()


def break_a_draft_question(app, slug: str, number: int) -> None:
    """Leave question `number` of the module's draft without a right answer (imports can do that)."""
    with app.app_context():
        quiz = db.session.scalar(select(Module).where(Module.slug == slug)).quiz
        draft = drafts.draft_of(quiz)
        for choice in draft["questions"][number - 1]["choices"]:
            choice["correct"] = False
        drafts.save_draft(quiz, draft)
        db.session.commit()


def upload(page: Page, label: str, name: str, mime: str, body: bytes) -> None:
    page.get_by_label(label).set_input_files({"name": name, "mimeType": mime, "buffer": body})


def module_order(page: Page) -> list[str]:
    """The module titles of the editor's list, top to bottom."""
    return [text.strip() for text in page.locator("tbody tr[id^=modulo-] th[scope=row] a").all_inner_texts()]


def axe_at_both_sizes(page: Page, label: str) -> None:
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        assert_no_axe_violations(page, f"{label} at {viewport['width']}px")
    page.set_viewport_size(DESKTOP)


# --- Keyboard helpers ------------------------------------------------------------------


def is_id(element_id: str) -> str:
    return f"el => el.id === {json.dumps(element_id)}"


def press_tab_to(page: Page, predicate: str, what: str, key: str = "Tab") -> None:
    """One press of `key` must land on `what`: the tab order follows the visual order."""
    page.keyboard.press(key)
    assert page.evaluate(f"({predicate})(document.activeElement)"), (
        f"{key} should have reached {what}; focus is on {focused(page)}"
    )
    assert_focus_visible(page)


def shift_tab_until(page: Page, predicate: str, what: str, max_presses: int = 60) -> None:
    """Press Shift+Tab until `predicate` holds: for controls above where focus starts."""
    for _ in range(max_presses):
        page.keyboard.press("Shift+Tab")
        if page.evaluate(f"({predicate})(document.activeElement)"):
            assert_focus_visible(page)
            return
    raise AssertionError(f"{max_presses} Shift+Tabs never reached {what}; focus is on {focused(page)}")


def type_into(page: Page, predicate: str, what: str, text: str) -> None:
    """Tab to a field and type into it."""
    tab_until(page, predicate, what)
    assert_focus_visible(page)
    page.keyboard.type(text)


def link_to(path_end: str) -> str:
    return f"el => el.tagName === 'A' && el.getAttribute('href').endsWith({json.dumps(path_end)})"


def expect_flash(page: Page, text: str) -> None:
    expect(page.locator(".flashes [role=status]")).to_contain_text(text)


# --- Tests -------------------------------------------------------------------------------


def test_editor_pages_pass_axe(page: Page, live_server, make_user):
    """Every page of the trainers' editor, in its normal and error states, has no WCAG 2.1 A/AA violation."""
    base = live_server.url
    app = live_server.app
    # Three learners took the first module's quiz: the statistics and the roll-up have data.
    for number, wrong in enumerate((0, 1, 3)):
        learner = make_user(full_name=f"Persona de Prueba {number}")
        take_first_quiz(app, learner.id, wrong)
    trainer = make_trainer(make_user)
    page.set_viewport_size(DESKTOP)
    sign_in(page, base, trainer.email)

    # The module list, with the roll-up of what is understood worst.
    page.goto(f"{base}{EDITOR}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Capacitación: módulos de la inducción")
    expect(page.get_by_role("link", name="Nuevo módulo")).to_be_visible()
    expect(page.locator("table.table tbody tr[id^=modulo-]")).to_have_count(6)
    expect(page.get_by_role("button", name="Subir Compromiso")).to_be_visible()
    expect(page.get_by_role("button", name="Importar módulo")).to_be_visible()
    rollup = page.get_by_role("region", name="Módulos, del menos comprendido al más comprendido")
    first_row = rollup.get_by_role("row").nth(1)
    expect(first_row.get_by_role("rowheader")).to_contain_text("Misión y Visión")
    expect(first_row.get_by_role("cell").nth(0)).to_have_text("1")  # priority: the only one with attempts
    expect(first_row.get_by_role("cell").nth(1)).to_have_text("3")  # attempts
    axe_at_both_sizes(page, "the module list")

    # An exchange file that is no module: the list of problems, nothing stored.
    upload(page, "Archivo JSON", "modulo.json", "application/json", json.dumps({"slug": "roto"}).encode())
    page.get_by_role("button", name="Importar módulo").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("No se importó el módulo")
    expect(page.get_by_role("alert")).to_contain_text("al menos una lección")
    expect(page.get_by_role("link", name="Volver a capacitación")).to_be_visible()
    assert_no_axe_violations(page, "the import problems page")

    # A new module: the empty form and the form sent empty.
    page.goto(f"{base}{EDITOR}/modulos/nuevo")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nuevo módulo")
    assert_no_axe_violations(page, "the new module form")
    page.get_by_role("button", name="Crear módulo").click()
    expect(page.get_by_role("alert")).to_have_text("Revise los campos marcados.")
    expect(page.locator("#title-error")).to_have_text("Escriba un título.")
    expect(page.locator("#slug-error")).to_have_text("Escriba un identificador.")
    expect(page.get_by_label("Título", exact=True)).to_have_attribute("aria-invalid", "true")
    assert_no_axe_violations(page, "the new module form with errors")

    # A module and its lessons.
    page.goto(f"{base}{EDITOR}/modulos/{FIRST_MODULE}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Misión y Visión")
    expect(page.get_by_role("navigation", name="Secciones del módulo")).to_be_visible()
    expect(page.get_by_role("link", name="Retirar módulo")).to_be_visible()
    lessons = page.get_by_role("region", name="Lecciones", exact=True)
    expect(lessons.get_by_role("link", name="Agregar lección")).to_be_visible()
    expect(lessons.get_by_role("button", name="Bajar Nuestra misión y nuestra visión", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Guardar cambios")).to_be_visible()
    assert_no_axe_violations(page, "the module page")

    # Withdrawing the module and deleting a lesson ask first, each on a page of its own.
    page.get_by_role("link", name="Retirar módulo").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Retirar el módulo «Misión y Visión»")
    expect(page.get_by_role("button", name="Retirar el módulo")).to_be_visible()
    assert_no_axe_violations(page, "the withdrawal confirmation")
    page.get_by_role("link", name="Cancelar").click()
    lessons.get_by_role("link", name="Eliminar Nuestra misión y nuestra visión").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Eliminar la lección «Nuestra misión y nuestra visión»")
    assert_no_axe_violations(page, "the lesson deletion confirmation")
    page.get_by_role("link", name="Cancelar").click()
    expect(page.get_by_role("link", name="Retirar módulo")).to_be_visible()

    page.get_by_role("link", name="Nuestra misión y nuestra visión", exact=True).click()
    expect(page).to_have_url(re.compile(rf"{EDITOR}/modulos/{FIRST_MODULE}/lecciones/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Editar lección")
    expect(page.get_by_role("button", name="Guardar lección")).to_be_visible()
    assert_no_axe_violations(page, "the lesson editor")
    page.get_by_label("Contenido (Markdown)").fill(
        "### Un subtítulo\n\nTexto con **negrita** y una lista:\n\n- uno\n- dos\n"
    )
    page.get_by_role("button", name="Vista previa").click()
    preview = page.get_by_role("region", name="Vista previa (aún no guardada)")
    expect(preview.get_by_role("heading", name="Un subtítulo")).to_be_visible()
    expect(preview.locator("strong")).to_have_text("negrita")
    assert_no_axe_violations(page, "the lesson editor showing a preview")

    page.goto(f"{base}{EDITOR}/modulos/{FIRST_MODULE}/lecciones/nueva")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nueva lección")
    assert_no_axe_violations(page, "the new lesson form")
    page.get_by_role("button", name="Guardar lección").click()
    expect(page.locator("#body_md-error")).to_have_text("La lección no puede quedar vacía.")
    assert_no_axe_violations(page, "the new lesson form with errors")

    # The quiz draft, at both sizes, then with a pool larger than the quiz.
    page.goto(f"{base}{EDITOR}/modulos/{FIRST_MODULE}/cuestionario")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cuestionario: Misión y Visión")
    expect(page.get_by_role("button", name="Publicar nueva versión")).to_be_visible()
    expect(page.get_by_role("link", name="Editar pregunta 1", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Bajar pregunta 1", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Eliminar pregunta 1", exact=True)).to_be_visible()
    questions = page.locator("ol.questions > li").count()
    expect(page.get_by_role("region", name=f"{questions} preguntas", exact=True)).to_be_visible()
    axe_at_both_sizes(page, "the quiz draft")
    page.get_by_label("Preguntas por intento (vacío = todas)").fill("99")
    page.get_by_role("button", name="Guardar configuración").click()
    expect(page.locator("#pool_size-error")).to_have_text(
        f"El cuestionario tiene {questions} preguntas; no se pueden sacar 99."
    )
    assert_no_axe_violations(page, "the quiz draft with a settings error")

    # A draft question without a right answer: listed, linked and marked; publishing is refused.
    break_a_draft_question(app, BROKEN_MODULE, 2)
    page.goto(f"{base}{EDITOR}/modulos/{BROKEN_MODULE}/cuestionario")
    problems = page.get_by_role("alert")
    expect(problems).to_contain_text("No se puede publicar todavía:")
    expect(problems).to_contain_text("Ninguna alternativa está marcada como correcta.")
    expect(page.locator("#pregunta-2")).to_have_class(re.compile(r"\bhas-error\b"))
    publish = page.get_by_role("button", name="Publicar nueva versión")
    expect(publish).to_have_attribute("aria-disabled", "true")
    assert_no_axe_violations(page, "the quiz draft with a broken question")
    problems.get_by_role("link", name="Pregunta 2").click()
    expect(page).to_have_url(re.compile(r"/cuestionario#pregunta-2$"))
    # aria-disabled, not disabled: it stays focusable and says why when pressed anyway.
    publish.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".flashes [role=alert]")).to_have_text(
        "El borrador tiene problemas que impiden publicarlo; están marcados abajo."
    )
    assert_no_axe_violations(page, "the quiz draft after a refused publication")

    # The question editor: new, sent without a right answer, and an existing question.
    page.goto(f"{base}{EDITOR}/modulos/{FIRST_MODULE}/cuestionario/preguntas/nueva")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nueva pregunta")
    expect(page).to_have_title(re.compile(r"^Nueva pregunta · Misión y Visión · Portal de Inducción$"))
    # The script shows only the answer fields of the chosen type.
    expect(page.get_by_role("group", name="Alternativas (selección única o múltiple)")).to_be_visible()
    expect(page.locator("fieldset[data-kinds=true_false]")).to_be_hidden()
    axe_at_both_sizes(page, "the new question form")
    page.get_by_label("Enunciado").fill("¿Cuál es la misión municipal?")
    page.get_by_label("Alternativa 1", exact=True).fill("Servir a la comunidad")
    page.get_by_label("Alternativa 2", exact=True).fill("Cobrar impuestos")
    page.get_by_role("button", name="Guardar en el borrador").click()
    expect(page.get_by_role("alert")).to_have_text("La pregunta no se puede usar así. Revise lo marcado.")
    expect(page.locator("#choices-error")).to_have_text("Marque al menos una alternativa correcta.")
    assert_no_axe_violations(page, "the question editor without a right answer")

    page.goto(f"{base}{EDITOR}/modulos/{FIRST_MODULE}/cuestionario/preguntas/1")
    expect(page.get_by_role("heading", level=1)).to_have_text("Editar pregunta 1")
    expect(page.get_by_role("link", name="Cancelar")).to_be_visible()
    axe_at_both_sizes(page, "the question editor")

    # Edit question 1 and publish: version 2, compared with version 1.
    prompt = page.get_by_label("Enunciado")
    prompt.fill(prompt.input_value() + " (revisada)")
    page.get_by_role("button", name="Guardar en el borrador").click()
    expect(page).to_have_url(re.compile(r"/cuestionario#pregunta-1$"))
    expect_flash(page, "Pregunta 1 guardada en el borrador.")
    expect(page.locator("#estado")).to_be_visible()
    expect(page.get_by_text("El borrador tiene cambios sin publicar.")).to_be_visible()
    assert_no_axe_violations(page, "the quiz draft with unpublished changes")
    page.get_by_role("button", name="Publicar nueva versión").click()
    expect_flash(page, "Versión 2 publicada.")
    assert_no_axe_violations(page, "the quiz draft just published")

    page.goto(f"{base}{EDITOR}/modulos/{FIRST_MODULE}/versiones?desde=1&hasta=2")
    expect(page.get_by_role("heading", level=1)).to_have_text("Versiones del cuestionario")
    changes = page.get_by_role("region", name="Cambios de la versión 1 a la 2")
    expect(changes).to_contain_text("1 pregunta cambió.")
    expect(changes.locator("li.diff-changed")).to_have_count(1)
    expect(changes.locator("li.diff-changed")).to_contain_text("(revisada)")
    expect(page.get_by_role("button", name="Comparar")).to_be_visible()
    assert_no_axe_violations(page, "the revisions comparison")

    # Statistics: the new version has no attempts yet, the first one has three.
    page.goto(f"{base}{EDITOR}/modulos/{FIRST_MODULE}/estadisticas")
    expect(page.get_by_role("heading", level=1)).to_have_text("Estadísticas del cuestionario")
    expect(page.get_by_text("Todavía no hay intentos enviados en esta versión.")).to_be_visible()
    assert_no_axe_violations(page, "the statistics of a version without attempts")
    page.get_by_label("Versión", exact=True).select_option("1")
    page.get_by_role("button", name="Ver").click()
    expect(page).to_have_url(re.compile(r"/estadisticas\?version=1$"))
    summary = page.locator(".stats-summary")
    expect(summary).to_contain_text("Intentos enviados")
    expect(summary.locator("dd").first).to_have_text("3")
    expect(page.get_by_role("region", name=re.compile(r"^Resumen por pregunta, versión 1"))).to_be_visible()
    assert_no_axe_violations(page, "the statistics with data")
    page.get_by_text("Cómo leer estas cifras").click()
    expect(page.locator(".stats-help dl")).to_be_visible()
    assert_no_axe_violations(page, "the statistics with the help open")

    # The preview: module, a lesson, the draft quiz with missing answers and with a result.
    page.goto(f"{base}{EDITOR}/modulos/{FIRST_MODULE}/vista-previa")
    expect(page.get_by_role("heading", level=1)).to_have_text("Misión y Visión")
    expect(page.get_by_role("note")).to_contain_text("Nada de lo que haga aquí queda registrado.")
    expect(page.get_by_role("link", name="Probar el cuestionario (borrador)")).to_be_visible()
    assert_no_axe_violations(page, "the module preview")
    page.goto(f"{base}{EDITOR}/modulos/{FIRST_MODULE}/vista-previa/lecciones/1")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nuestra misión y nuestra visión")
    expect(page.locator("p.eyebrow")).to_contain_text("Lección 1 de")
    assert_no_axe_violations(page, "a lesson preview")
    page.goto(f"{base}{EDITOR}/modulos/{FIRST_MODULE}/vista-previa/cuestionario")
    expect(page.locator("fieldset.question")).to_have_count(questions)
    expect(page.get_by_role("button", name="Ver resultado")).to_be_visible()
    assert_no_axe_violations(page, "the quiz preview")
    page.get_by_role("button", name="Ver resultado").click()
    expect(page.get_by_role("alert")).to_have_text(f"Faltan {questions} preguntas por responder.")
    assert_no_axe_violations(page, "the quiz preview with missing answers")
    for fieldset in page.locator("fieldset.question").all():
        fieldset.locator("label").first.click()
    page.get_by_role("button", name="Ver resultado").click()
    expect(page.locator("section.result .score")).to_contain_text("Puntaje:")
    expect(page.locator("li.review-item")).to_have_count(questions)
    expect(page.get_by_role("link", name="Volver al editor")).to_be_visible()
    assert_no_axe_violations(page, "the quiz preview with a result")

    # GIFT: one question imported, one short-answer question listed as skipped.
    page.goto(f"{base}{EDITOR}/modulos/{GIFT_MODULE}/cuestionario")
    upload(page, "Archivo GIFT", "banco.gift", "text/plain", GIFT_FILE.encode("utf-8"))
    page.get_by_role("button", name="Importar preguntas").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Importación GIFT")
    expect(page.get_by_role("status")).to_have_text("Se agregó 1 pregunta al borrador.")
    expect(page.locator("main")).to_contain_text("Línea 3: «Corta» (respuesta corta)")
    expect(page.get_by_role("link", name="Volver al cuestionario")).to_be_visible()
    assert_no_axe_violations(page, "the GIFT import report")
    page.goto(f"{base}{EDITOR}/modulos/{GIFT_MODULE}/cuestionario")
    upload(page, "Archivo GIFT", "roto.gift", "text/plain", b"::Roto:: Pregunta {=a ~b\n")
    page.get_by_role("button", name="Importar preguntas").click()
    expect(page.get_by_role("alert")).to_contain_text("no se importó ninguna pregunta")
    assert_no_axe_violations(page, "the GIFT report of a broken file")

    # The export is a download, not a page: its name and content are what a trainer expects.
    page.goto(f"{base}{EDITOR}/modulos/{FIRST_MODULE}")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Exportar JSON").click()
    download = download_info.value
    assert download.suggested_filename == f"modulo-{FIRST_MODULE}.json"
    exported = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert exported["slug"] == FIRST_MODULE and exported["lessons"]


def test_editor_by_keyboard_alone(page: Page, live_server, make_user):
    """Create a module with a lesson and a quiz, publish both and move the module up: keys only."""
    base = live_server.url
    trainer = make_trainer(make_user)
    title, slug = "Buen trato al vecino", "buen-trato"
    lesson_title = "Atender con respeto"
    page.set_viewport_size(DESKTOP)
    sign_in(page, base, trainer.email)
    page.goto(f"{base}{EDITOR}/")
    before = module_order(page)
    assert len(before) == 6

    # The skip link jumps over the header straight to «Nuevo módulo».
    check_skip_link(page, control_with_text("Nuevo módulo"))
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}{EDITOR}/modulos/nuevo")

    # The form, in the order it reads: title, address, summary, required, create.
    type_into(page, is_id("title"), "the title field", title)
    press_tab_to(page, is_id("slug"), "the address field")
    page.keyboard.type(slug)
    press_tab_to(page, is_id("summary"), "the summary field")
    page.keyboard.type("Cómo atender con respeto y claridad a cada vecina y vecino.")
    press_tab_to(page, is_id("required"), "the «required» checkbox")
    assert page.evaluate("() => document.activeElement.checked"), "a new module should be required by default"
    press_tab_to(page, control_with_text("Crear módulo"), "«Crear módulo»")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}{EDITOR}/modulos/{slug}")
    expect_flash(page, "Módulo creado.")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator(".module-head .badge")).to_have_text("No publicado")

    # A lesson, previewed before it is saved.
    tab_to_and_press(page, "Agregar lección")
    page.wait_for_url(f"{base}{EDITOR}/modulos/{slug}/lecciones/nueva")
    type_into(page, is_id("title"), "the lesson title", lesson_title)
    # The formatting toolbar is one Tab stop; arrows move inside it.
    press_tab_to(page, control_with_text("Negrita"), "the toolbar's first button")
    press_tab_to(page, control_with_text("Imagen"), "«Imagen» (End)", key="End")
    press_tab_to(page, control_with_text("Negrita"), "«Negrita» (ArrowRight wraps)", key="ArrowRight")
    press_tab_to(page, is_id("body_md"), "the Markdown field")
    page.keyboard.type(
        "Cada persona merece una atención **cordial y oportuna**.\n\n"
        "### Tres hábitos\n\n- Saludar\n- Escuchar\n- Responder en plazo\n"
    )
    # Then the live preview, the two file fields and the buttons.
    tab_until(page, control_with_text("Guardar lección"), "«Guardar lección»")
    press_tab_to(page, control_with_text("Vista previa"), "«Vista previa»")
    page.keyboard.press("Enter")
    preview = page.get_by_role("region", name="Vista previa (aún no guardada)")
    expect(preview.get_by_role("heading", name="Tres hábitos")).to_be_visible()
    expect(preview.locator("strong")).to_have_text("cordial y oportuna")
    expect(preview.locator("li")).to_have_count(3)
    expect(page.get_by_label("Título de la lección")).to_have_value(lesson_title)
    expect(page.get_by_label("Contenido (Markdown)")).to_have_value(re.compile(r"^Cada persona"))
    expect(page.locator(".flashes")).to_have_count(0)  # nothing saved yet
    tab_to_and_press(page, "Guardar lección")
    page.wait_for_url(f"{base}{EDITOR}/modulos/{slug}")
    expect_flash(page, "Lección agregada.")
    expect(page.locator("ol.editor-list > li")).to_have_count(1)
    expect(page.locator("ol.editor-list > li")).to_contain_text(f"1. {lesson_title}")

    # The quiz draft: one single-choice question with three choices, the second one right.
    tab_until(page, link_to(f"/{slug}/cuestionario"), "the «Cuestionario» tab")
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}{EDITOR}/modulos/{slug}/cuestionario")
    expect(page.get_by_role("heading", level=2, name="0 preguntas")).to_be_visible()
    tab_to_and_press(page, "Agregar pregunta")
    page.wait_for_url(f"{base}{EDITOR}/modulos/{slug}/cuestionario/preguntas/nueva")

    tab_until(page, is_id("kind"), "the question type")
    assert_focus_visible(page)
    assert page.evaluate("() => document.activeElement.value") == "single"
    true_false = page.locator("fieldset[data-kinds=true_false]")
    choice_rows = page.locator("fieldset[data-kinds='single multiple']")
    expect(true_false).to_be_hidden()
    # Arrow keys change the type and the fields that apply follow; back to single choice.
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("() => document.activeElement.value") == "true_false"
    expect(true_false).to_be_visible()
    expect(choice_rows).to_be_hidden()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("() => document.activeElement.value") == "single"
    expect(true_false).to_be_hidden()
    expect(choice_rows).to_be_visible()

    prompt = "Una vecina llega molesta a la ventanilla. ¿Qué corresponde hacer?"
    choices = ["Pedirle que vuelva otro día", "Escucharla y explicarle los pasos a seguir", "Derivarla sin explicación"]
    press_tab_to(page, is_id("prompt"), "the prompt (the true/false answer is hidden)")
    page.keyboard.type(prompt)
    for index, text in enumerate(choices):
        press_tab_to(page, is_id(f"choices-{index}-text"), f"choice {index + 1}")
        page.keyboard.type(text)
        press_tab_to(page, is_id(f"choices-{index}-correct"), f"the «Correcta» box of choice {index + 1}")
        if index == 1:
            page.keyboard.press("Space")
    checked = page.evaluate("() => [...document.querySelectorAll('input[id$=-correct]')].map(i => i.checked)")
    assert checked == [False, True, False, False, False, False], checked
    type_into(page, is_id("explanation"), "the explanation", "Escuchar y orientar es parte del buen trato.")
    # The institutional values it assesses: one box each, in the seed's order; Space ticks one.
    for index in range(5):
        press_tab_to(page, is_id(f"values-{index}"), f"value box {index + 1}")
        if index == 2:
            page.keyboard.press("Space")
    assert page.evaluate("() => [...document.querySelectorAll('input[name=values]:checked')].map(i => i.value)") == [
        "Inclusión"
    ]
    press_tab_to(page, control_with_text("Guardar en el borrador"), "«Guardar en el borrador»")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}{EDITOR}/modulos/{slug}/cuestionario#preguntas")
    expect_flash(page, "Pregunta agregada al borrador.")
    question = page.locator("#pregunta-1")
    expect(question).to_contain_text(prompt)
    expect(question.locator("ul.answer-key li")).to_have_count(3)
    expect(question.locator("ul.answer-key strong")).to_have_text(f"✔ {choices[1]}")
    expect(page.get_by_text("El borrador tiene cambios sin publicar.")).to_be_visible()

    # Publishing is above the question list, where focus starts after the save: Shift+Tab back up.
    shift_tab_until(page, control_with_text("Publicar nueva versión"), "«Publicar nueva versión»")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}{EDITOR}/modulos/{slug}/cuestionario")
    expect_flash(page, "Versión 1 publicada.")
    expect(page.get_by_text("El borrador es igual a la versión publicada.")).to_be_visible()

    # Publish the module from its page.
    tab_until(page, link_to(f"{EDITOR}/modulos/{slug}"), "the «Módulo y lecciones» tab")
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}{EDITOR}/modulos/{slug}")
    tab_to_and_press(page, "Publicar módulo")
    page.wait_for_url(f"{base}{EDITOR}/modulos/{slug}")
    expect_flash(page, "Módulo publicado.")
    expect(page.locator(".module-head .badge")).to_have_text("Publicado")

    # Back to the list, where the new module is last; move it up one place.
    tab_until(page, link_to(f"{EDITOR}/"), "a link to the module list")
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}{EDITOR}/")
    assert module_order(page) == [*before, title]
    row = page.locator(f"#modulo-{slug}")
    expect(row.locator(".badge").first).to_have_text("Publicado")
    tab_until(page, control_with_text(f"Subir {title}"), f"«Subir {title}»", max_presses=120)
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}{EDITOR}/#modulo-{slug}")
    assert module_order(page) == [*before[:-1], title, before[-1]]
    expect(page.locator(f"#modulo-{slug} td").first).to_have_text("6")
    # The page comes back at the moved row: the next Tab stays with it.
    page.keyboard.press("Tab")
    assert page.evaluate(f"() => !!document.activeElement.closest('#modulo-{slug}')"), (
        f"after the move, Tab went to {focused(page)} instead of the moved module's row"
    )


def test_editor_screenshots(page: Page, live_server, make_user):
    """The module list, the quiz draft and the question editor as PNGs at 390x844 and 1366x768."""
    base = live_server.url
    trainer = make_trainer(make_user)
    page.set_viewport_size(DESKTOP)
    sign_in(page, base, trainer.email)
    saved = []

    page.goto(f"{base}{EDITOR}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Capacitación: módulos de la inducción")
    saved += save_screenshots(page, "trainer-modules")

    page.goto(f"{base}{EDITOR}/modulos/{FIRST_MODULE}/cuestionario")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cuestionario: Misión y Visión")
    saved += save_screenshots(page, "trainer-quiz-draft")

    page.goto(f"{base}{EDITOR}/modulos/{FIRST_MODULE}/cuestionario/preguntas/1")
    expect(page.get_by_role("heading", level=1)).to_have_text("Editar pregunta 1")
    saved += save_screenshots(page, "trainer-question")

    expected = {
        f"trainer-{name}-{size['width']}x{size['height']}.png"
        for name in ("modules", "quiz-draft", "question")
        for size in (PHONE, DESKTOP)
    }
    assert {path.name for path in saved} == expected
    for path in saved:
        data = path.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000, f"{path} is no PNG"
