"""The administrators' outbox and daily jobs pages in a real browser: what they say, axe, phone and desktop."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from portal.extensions import db
from portal.outbox import queue_mail
from portal.queue import periodic
from portal.vocabulary import ADMIN, STAFF, MailKind
from tests.browser.test_learner_browser import assert_no_axe_violations, save_screenshots, sign_in
from tests.smtp import Refusing

pytestmark = pytest.mark.browser


@pytest.fixture
def app(make_app, smtp_server, tmp_path):
    return make_app(
        WTF_CSRF_ENABLED=True,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=smtp_server(Refusing(refused={"buzon.lleno@muni.cl"})),
        DAILY_REMINDERS_HOUR=0,
        AUDIT_CHECKPOINT_HOUR="",
        BACKUP_HOUR=0,
        BACKUP_DIR=str(tmp_path / "respaldos"),
    )


def test_administrators_read_the_outbox_and_the_daily_jobs(page: Page, live_server, make_user):
    app = live_server.app
    admin = make_user(full_name="Ana María Administradora", roles=(STAFF, ADMIN))
    with app.app_context():
        for address in ("rosa.quiroz@muni.cl", "buzon.lleno@muni.cl"):
            queue_mail(MailKind.REMINDER, address, "Recordatorio: complete su inducción", "Texto")
        db.session.commit()  # the tests' queue sends at once: one accepted, one refused
        periodic.tick()
    sign_in(page, live_server.url, admin.email)

    page.goto(f"{live_server.url}/admin/correos")
    expect(page.get_by_role("heading", level=1)).to_have_text("Correos del portal")
    table = page.get_by_role("table", name="Correos del portal y su estado")
    expect(table.locator("tr").filter(has_text="rosa.quiroz@muni.cl")).to_contain_text("Enviado")
    expect(table.locator("tr").filter(has_text="buzon.lleno@muni.cl")).to_contain_text("550 mailbox unavailable")
    assert_no_axe_violations(page, "the outbox page")
    save_screenshots(page, "admin-outbox")
    page.get_by_role("link", name="Falló (1)").click()
    expect(table.locator("tbody tr")).to_have_count(1)

    page.get_by_role("link", name="Tareas diarias").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tareas diarias")
    jobs = page.get_by_role("table", name="Tareas diarias: última ejecución, resultado y próxima ejecución")
    expect(jobs.locator("tr").filter(has_text="Recordatorios diarios")).to_contain_text("Terminó bien")
    expect(jobs.locator("tr").filter(has_text="Respaldo de la base de datos")).to_contain_text("Terminó bien")
    expect(jobs.locator("tr").filter(has_text="Punto de control de auditoría")).to_contain_text("Desactivada")
    assert_no_axe_violations(page, "the daily jobs page")
    save_screenshots(page, "admin-daily-jobs")
