"""The message a page opens with is read out: it takes focus on load, and the next Tab reaches its button.

A message already in the page when it loads is no live region a screen reader speaks, so after a
redirect the flashed message (or, on a refused form, the error summary) is focused, as GOV.UK's
notification banner and error summary are; with JavaScript off the browser does it from autofocus.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from portal.vocabulary import HR, STAFF, TRAINER
from tests.browser.test_learner_browser import (
    PHONE,
    assert_focus_visible,
    assert_no_axe_violations,
    focused,
    save_screenshots,
    sign_in,
)

pytestmark = pytest.mark.browser

MODULE = "/capacitacion/modulos/mision-y-vision"
TITLE = "Nuestra misión y nuestra visión"
TRAINER_NAME = "Patricia Elena Contreras Díaz"


def expect_focused_message(page: Page, role: str, text: str):
    """The flashed messages hold focus, show a focus ring, hold `text` in a `role` region; the page did not scroll."""
    messages = page.locator(".flashes")
    expect(messages).to_be_focused()
    expect(messages.get_by_role(role)).to_contain_text(text)
    assert_focus_visible(page)
    assert page.evaluate("() => window.scrollY") == 0, "focusing the message scrolled the page"
    return messages


def delete_first_lesson(page: Page) -> None:
    page.get_by_role("region", name="Lecciones").get_by_role("link", name=f"Eliminar {TITLE}").click()
    page.get_by_role("button", name="Eliminar la lección").click()


def test_a_flashed_message_takes_focus_and_tab_reaches_deshacer(page: Page, live_server, make_user):
    base = live_server.url
    trainer = make_user(full_name=TRAINER_NAME, roles=(STAFF, TRAINER))
    page.set_viewport_size(PHONE)
    sign_in(page, base, trainer.email)
    page.goto(base + MODULE)

    delete_first_lesson(page)
    messages = expect_focused_message(page, "status", "se movió a la Papelera")
    assert_no_axe_violations(page, "the module page with the undo message focused")
    save_screenshots(page, "announce-success")
    page.keyboard.press("Tab")
    expect(messages.get_by_role("button", name="Deshacer")).to_be_focused()
    assert_focus_visible(page)

    # Undone by keyboard: the next page's message is read out too, and nothing else is focused later.
    page.keyboard.press("Enter")
    expect_focused_message(page, "status", "volvió al módulo «Misión y Visión»")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('.flashes') === null"), focused(page)


def test_an_error_message_after_a_redirect_takes_focus(page: Page, live_server, make_user):
    base = live_server.url
    trainer = make_user(full_name=TRAINER_NAME, roles=(STAFF, TRAINER))
    page.set_viewport_size(PHONE)
    sign_in(page, base, trainer.email)
    page.goto(base + "/capacitacion/")
    page.get_by_label("Archivo JSON").set_input_files(
        {"name": "modulo.json", "mimeType": "application/json", "buffer": b"\xff\xfe no es UTF-8"}
    )
    page.get_by_role("button", name="Importar módulo").click()
    expect_focused_message(page, "alert", "El archivo no es un JSON válido en UTF-8.")
    assert_no_axe_violations(page, "the trainers' index with an error message focused")
    save_screenshots(page, "announce-error")


def test_a_refused_form_focuses_its_error_summary(page: Page, live_server, make_user):
    base = live_server.url
    trainer = make_user(full_name=TRAINER_NAME, roles=(STAFF, TRAINER))
    page.set_viewport_size(PHONE)
    sign_in(page, base, trainer.email)
    page.goto(base + "/capacitacion/modulos/nuevo")
    page.get_by_role("button", name="Crear módulo").click()
    summary = page.get_by_role("alert")
    expect(summary).to_have_text("Revise los campos marcados.")
    expect(summary).to_be_focused()
    assert_focus_visible(page)
    assert_no_axe_violations(page, "the new module form with its error summary focused")
    save_screenshots(page, "announce-error-summary")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Título", exact=True)).to_be_focused()


def test_without_javascript_the_browser_focuses_the_message(browser: Browser, live_server, make_user):
    base = live_server.url
    trainer = make_user(full_name=TRAINER_NAME, roles=(STAFF, TRAINER))
    context = browser.new_context(viewport=PHONE, locale="es-CL", java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, base, trainer.email)
        page.goto(base + MODULE)
        delete_first_lesson(page)
        expect(page.locator(".flashes")).to_be_focused()
        page.keyboard.press("Tab")
        expect(page.get_by_role("button", name="Deshacer")).to_be_focused()
    finally:
        context.close()


def test_a_form_sent_again_after_following_a_summary_link_focuses_the_new_summary(page: Page, live_server, make_user):
    """The person form posts to its own address, which keeps the #field an error summary's link added:
    the next answer's summary still takes focus, and following a link shows the field with its label."""
    base = live_server.url
    hr = make_user(full_name="Patricia Contreras Díaz", roles=(STAFF, HR))
    page.set_viewport_size(PHONE)
    sign_in(page, base, hr.email)
    page.goto(base + "/rrhh/personas/nueva")
    page.get_by_role("button", name="Guardar").click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    summary.get_by_role("link").first.click()
    assert "#" in page.url
    label_top = page.evaluate("() => document.querySelector('label[for=\"rut\"]').getBoundingClientRect().top")
    assert label_top >= 0, "following the summary's link hid the field's label above the screen"
    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_role("alert")).to_be_focused()
    assert_focus_visible(page)
