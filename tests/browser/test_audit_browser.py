"""The audit log in a real browser: what changed reads in Spanish, axe finds nothing, phone and desktop."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from portal import settings as runtime_settings
from portal.extensions import db
from portal.models.user import Department, User
from portal.people import accounts as people
from portal.vocabulary import ADMIN, HR, STAFF
from tests.browser.test_learner_browser import assert_no_axe_violations, save_screenshots, sign_in

pytestmark = pytest.mark.browser


def edited_by_hr(app, make_user) -> None:
    """HR moves a person to DIDECO with a later due date; an administrator changes a setting."""
    hr = make_user(full_name="Carolina Andrea Vergara Lagos", roles=(STAFF, HR))
    admin = make_user(full_name="Ana María Administradora", roles=(STAFF, ADMIN))
    person = make_user(full_name="Pedro Antonio Rojas Díaz", due_date=date(2026, 3, 2))
    with app.app_context():
        user = db.session.get(User, person.id)
        user.department = Department(name="Dirección de Tránsito")
        db.session.add(Department(name="DIDECO"))
        db.session.commit()
        data = {
            "rut": user.rut,
            "full_name": user.full_name,
            "email": user.email,
            "department": "DIDECO",
            "start_date": user.start_date,
            "due_date": date(2026, 4, 1),
        }
        people.save_person(user, data, onboarding_days=30, actor_id=hr.id)
        runtime_settings.store({"ONBOARDING_DAYS": 45}, actor_id=admin.id)
        db.session.commit()
    return admin


def test_audit_page_reads_in_spanish_and_passes_axe(page: Page, live_server, make_user):
    admin = edited_by_hr(live_server.app, make_user)
    base = live_server.url
    page.goto(base + "/login")
    page.get_by_label("RUT o correo electrónico").fill("nadie@muni.cl")
    page.get_by_label("Contraseña").fill("no-es-la-clave")
    page.get_by_role("button", name="Ingresar").click()
    sign_in(page, base, admin.email)

    page.goto(base + "/admin/auditoria")
    events = page.locator("table.audit-table")
    expect(events).to_contain_text("Se editaron los datos de una persona")
    expect(events).to_contain_text("Departamento: Dirección de Tránsito → DIDECO")
    expect(events).to_contain_text("Plazo de la inducción: 02-03-2026 → 01-04-2026")
    expect(events).to_contain_text("Días para completar la inducción: 30 → 45")
    expect(events).to_contain_text("Inicio de sesión fallido")
    expect(events.get_by_role("link", name="Cuenta de Pedro Antonio Rojas Díaz")).to_be_visible()
    assert_no_axe_violations(page, "the audit log")
    save_screenshots(page, "admin-audit")

    # The filter names actions in Spanish; choosing one keeps the other filters and the downloads follow it.
    page.get_by_label("Tipo de acción").select_option(label="Se editaron los datos de una persona")
    page.get_by_role("button", name="Filtrar").click()
    expect(page.locator("#eventos")).to_have_text("1 evento")
    expect(page.get_by_role("link", name="Descargar Excel")).to_have_attribute(
        "href", "/admin/auditoria/exportar.xlsx?accion=staff.updated"
    )
    assert_no_axe_violations(page, "the audit log, filtered")
    save_screenshots(page, "admin-audit-filtered")
