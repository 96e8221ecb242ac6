"""Renewal in a real browser: the refresher's dashboard, an expired certificate and HR's view pass axe."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.extensions import db
from portal.learning import service as learning
from portal.models.progress import Certificate
from portal.vocabulary import HR, STAFF
from tests.browser.test_learner_browser import (
    DESKTOP,
    PHONE,
    assert_no_axe_violations,
    complete_every_module,
    save_screenshots,
    sign_in,
)
from tests.test_renewal import age_facts, set_renewal

NAME = "Ana María Soto Lagos"


def test_renewal_pages_pass_axe(page: Page, live_server, make_user):
    base = live_server.url
    app = live_server.app
    person = make_user(full_name=NAME)
    complete_every_module(app, person.id)
    page.set_viewport_size(DESKTOP)
    sign_in(page, base, person.email)
    page.goto(base + "/compromiso")
    page.get_by_label("He leído la declaración").check()
    page.get_by_label("Escriba su nombre completo").fill(NAME)
    page.get_by_role("button", name="Firmar la declaración").click()
    expect(page.get_by_role("status")).to_contain_text("Completó su inducción")

    set_renewal(app, 24)
    page.goto(base + "/")
    expect(page.locator(".summary")).to_contain_text("Está vigente hasta el")
    assert_no_axe_violations(page, "the dashboard of a completion that will expire")

    age_facts(app, person.id, 25)
    page.goto(base + "/")
    expect(page.locator(".summary .notice")).to_contain_text("Es momento de renovar su inducción.")
    expect(page.locator(".progress-figure")).to_have_text("0 % completado")
    expect(page.get_by_role("link", name="Descargar certificado anterior (PDF)")).to_be_visible()
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        assert_no_axe_violations(page, f"the dashboard of a refresher at {viewport['width']}px")
    save_screenshots(page, "dashboard-renewal")

    page.get_by_role("button", name="Cerrar sesión").click()
    with app.app_context():
        code = db.session.scalar(select(Certificate.code).where(Certificate.user_id == person.id))
    page.goto(f"{base}/verificar/{learning.group_code(code)}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Certificado auténtico, vigencia terminada")
    assert_no_axe_violations(page, "the verification of an expired certificate")
    save_screenshots(page, "verify-expired")

    hr = make_user(full_name="Patricia Contreras", roles=(STAFF, HR), due_date=None)
    sign_in(page, base, hr.email)
    page.goto(base + "/rrhh/?estado=renewal_due")
    expect(page.locator("table.people tbody")).to_contain_text(NAME)
    expect(page.locator(".total-renewal_due .total-number")).to_have_text("1")
    assert_no_axe_violations(page, "the report filtered by 'por renovar'")
    page.goto(f"{base}/rrhh/personas/{person.id}")
    expect(page.get_by_role("table", name="Certificados emitidos")).to_contain_text("Venció el")
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        assert_no_axe_violations(page, f"the page of a person due for renewal at {viewport['width']}px")
    save_screenshots(page, "hr-person-renewal")
