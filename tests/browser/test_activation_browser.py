"""Activation by slip in a real browser: HR prints the slip, the person scans its QR code on a 390 px phone
and activates their account with the keyboard alone; axe-core on every step; screenshots of the slip page
(rendered from the PDF with pdftoppm) and of the activation page."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import Page, expect

from portal.vocabulary import HR, STAFF
from tests.browser.test_learner_browser import (
    PHONE,
    SCREENSHOTS,
    assert_focus_visible,
    assert_no_axe_violations,
    check_skip_link,
    save_screenshots,
    sign_in,
    tab_to_and_press,
    tab_until,
)
from tests.paper import CODE, pdf_text, qr_codes, render_pages

pytestmark = pytest.mark.browser

WORKER = "Juana Inés Caroca Muñoz"
NEW_PASSWORD = "el cerro desde la plaza de armas"


def type_into(page: Page, field_id: str, text: str) -> None:
    tab_until(page, f"el => el.id === {field_id!r}", f"the field #{field_id}")
    assert_focus_visible(page)
    page.keyboard.type(text)


def test_a_person_without_email_activates_from_the_slip_by_keyboard_on_a_phone(
    page: Page, browser, live_server, make_user, tmp_path
):
    live_server.app.config["BASE_URL"] = live_server.url
    hr = make_user(full_name="Carolina Vergara Lagos", roles=(STAFF, HR))
    worker = make_user(full_name=WORKER, email=None, with_password=False)

    # HR prints the slip from the person's page.
    sign_in(page, live_server.url, hr.email)
    page.goto(f"{live_server.url}/rrhh/personas/{worker.id}")
    assert_no_axe_violations(page, "the person's page with its slip button")
    with page.expect_download() as download:
        page.get_by_role("button", name="Imprimir hoja de activación (PDF)").click()
    slip_pdf = tmp_path / "hoja.pdf"
    download.value.save_as(slip_pdf)
    body = slip_pdf.read_bytes()
    [code] = CODE.findall(pdf_text(body))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    [rendered] = render_pages(body, tmp_path, dpi=110)
    shutil.copyfile(rendered, SCREENSHOTS / "activation-slip-page.png")
    pixels = tmp_path / "qr"
    pixels.mkdir()
    [qr_target] = qr_codes(body, pixels)
    assert qr_target == f"{live_server.url}/activar#codigo={code}"

    # On the phone: the QR code opens the page with the code filled in, and the code leaves the address.
    phone = browser.new_context(viewport=PHONE, has_touch=True)
    person = phone.new_page()
    person.goto(qr_target)
    expect(person.locator("#codigo")).to_have_value(code)
    assert "codigo" not in person.url, person.url
    assert_no_axe_violations(person, "the activation page")
    save_screenshots(person, "activation")
    person.set_viewport_size(PHONE)

    check_skip_link(person, "el => el.id === 'rut'")
    person.keyboard.type(worker.rut)
    tab_until(person, "el => el.id === 'codigo'", "the code field")
    tab_to_and_press(person, "Continuar")
    expect(person.get_by_role("heading", name="Elegir su contraseña")).to_be_visible()
    assert_no_axe_violations(person, "the activation page's password step")

    # A password under the policy is refused with a Spanish message next to the field, kept accessible.
    type_into(person, "password", "corta")
    type_into(person, "confirm", "corta")
    tab_to_and_press(person, "Activar mi cuenta")
    expect(person.locator("#password-error")).to_contain_text("Use al menos 12 caracteres")
    assert_no_axe_violations(person, "the password step with an error")
    save_screenshots(person, "activation-password-error")
    person.set_viewport_size(PHONE)
    person.locator("#password").fill("")
    person.locator("#confirm").fill("")
    person.locator("#password").focus()
    person.keyboard.type(NEW_PASSWORD)
    type_into(person, "confirm", NEW_PASSWORD)
    tab_to_and_press(person, "Activar mi cuenta")
    expect(person).to_have_url(f"{live_server.url}/login")
    expect(person.get_by_text("Su cuenta quedó activada")).to_be_visible()

    # She signs in with her RUT and the password she chose, by keyboard.
    type_into(person, "login", worker.rut)
    type_into(person, "password", NEW_PASSWORD)
    tab_to_and_press(person, "Ingresar")
    expect(person).to_have_url(f"{live_server.url}/")

    # The slip is spent: a second try answers with the one message, and axe still passes.
    again = phone.new_page()
    again.goto(qr_target)
    again.locator("#rut").fill(worker.rut)
    again.get_by_role("button", name="Continuar").click()
    expect(again.locator("#codigo-error")).to_contain_text("el código ya se usó o venció")
    assert_no_axe_violations(again, "the activation page with an error")
    save_screenshots(again, "activation-wrong-code")
    phone.close()
