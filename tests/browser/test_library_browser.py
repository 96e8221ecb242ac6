"""A trainer adds an optional module from the library with the keyboard, at phone and desktop sizes."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from portal.vocabulary import STAFF, TRAINER
from tests.browser.test_learner_browser import (
    assert_no_axe_violations,
    save_screenshots,
    sign_in,
)

pytestmark = pytest.mark.browser


def test_a_trainer_adds_ley_karin_from_the_library(page: Page, live_server, make_user):
    trainer = make_user(full_name="Patricia Elena Contreras Díaz", roles=(STAFF, TRAINER))
    sign_in(page, live_server.url, trainer.email)
    page.goto(live_server.url + "/capacitacion/")
    library = page.get_by_role("region", name="Biblioteca de módulos opcionales")
    expect(library.get_by_role("heading", level=3)).to_have_count(4)
    save_screenshots(page, "trainer-library")
    assert_no_axe_violations(page, "trainers' index with the library")

    button = library.get_by_role("button", name="Agregar Ley Karin: prevención y denuncia")
    button.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ley Karin: prevención y denuncia")
    expect(page.get_by_role("status")).to_contain_text("agregado sin publicar")
    expect(page.get_by_role("status")).to_contain_text("[CANAL DE DENUNCIA DE LA MUNICIPALIDAD]")

    page.goto(live_server.url + "/capacitacion/")
    expect(library.get_by_text("Ya está en la lista de módulos")).to_have_count(1)
    expect(library.get_by_role("button")).to_have_count(3)
