"""A trainer deletes a lesson and undoes it in a real browser, by keyboard: the message, "Deshacer", the Papelera."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from portal.vocabulary import STAFF, TRAINER
from tests.browser.test_learner_browser import (
    PHONE,
    assert_no_axe_violations,
    save_screenshots,
    sign_in,
)

pytestmark = pytest.mark.browser

MODULE = "/capacitacion/modulos/mision-y-vision"
TITLE = "Nuestra misión y nuestra visión"
PLACE = 1  # its number in the module: "Deshacer" and "Restaurar" put it back there


def test_delete_a_lesson_then_undo_it_and_restore_it_from_the_papelera(page: Page, live_server, make_user):
    base = live_server.url
    trainer = make_user(full_name="Patricia Elena Contreras Díaz", roles=(STAFF, TRAINER))
    page.set_viewport_size(PHONE)
    sign_in(page, base, trainer.email)
    page.goto(base + MODULE)
    lessons = page.get_by_role("region", name="Lecciones")

    lessons.get_by_role("link", name=f"Eliminar {TITLE}").click()
    expect(page.get_by_text("queda 30 días en la Papelera")).to_be_visible()
    page.get_by_role("button", name="Eliminar la lección").click()
    message = page.get_by_role("status").filter(has_text="se movió a la Papelera")
    expect(message).to_be_visible()
    expect(lessons.get_by_role("link", name=TITLE, exact=True)).to_have_count(0)
    assert_no_axe_violations(page, "the module page with the undo message")
    save_screenshots(page, "trash-undo-message")

    # "Deshacer" by keyboard: the lesson comes back in its own place.
    message.get_by_role("button", name="Deshacer").focus()
    page.keyboard.press("Enter")
    expect(
        page.get_by_role("status").filter(has_text="volvió al módulo «Misión y Visión»: es la lección")
    ).to_be_visible()
    expect(lessons.get_by_role("listitem").nth(PLACE - 1)).to_contain_text(TITLE)

    # Deleted again, it waits in the Papelera, reached from the trainers' index.
    lessons.get_by_role("link", name=f"Eliminar {TITLE}").click()
    page.get_by_role("button", name="Eliminar la lección").click()
    page.goto(base + "/capacitacion/")
    page.get_by_role("link", name="Papelera (1 lección)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Papelera")
    row = page.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_contain_text("Patricia Elena Contreras Díaz")
    expect(row).to_contain_text("Quedan 30 días")
    assert_no_axe_violations(page, "the Papelera")
    save_screenshots(page, "trash-papelera")
    row.get_by_role("button", name=f"Restaurar {TITLE}").click()
    expect(page.get_by_role("status").filter(has_text=f"es la lección {PLACE}.")).to_be_visible()
    page.goto(base + "/capacitacion/papelera")
    expect(page.get_by_text("La Papelera está vacía")).to_be_visible()
    assert_no_axe_violations(page, "the empty Papelera")
