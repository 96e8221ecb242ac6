"""HR in a real browser: axe-core on every /rrhh page, the report by keyboard alone, screenshots."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from portal.demo import seed_demo
from portal.extensions import db
from portal.vocabulary import HR, STAFF
from tests.browser.test_learner_browser import (
    DESKTOP,
    PHONE,
    SCREENSHOTS,
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
from tests.smtp import Refusing

pytestmark = pytest.mark.browser

REPORT = "/rrhh/"
HR_NAME = "Carolina Andrea Vergara Lagos"
#: Someone overdue whose reminder the SMTP server accepts, and someone whose mailbox refuses it.
REACHABLE = ("Rosa Elena Quiroz Tapia", "rosa.quiroz@muni.cl")
UNREACHABLE = ("Hugo Andrés Bravo Leiva", "hugo.bravo@muni.cl")
#: The address of a person imported from the spreadsheet whose welcome e-mail is refused.
IMPORT_REFUSED = "sergio.pino@muni.cl"
EXTRA_PEOPLE = 20  # with the demo's 35, the HR user and the two above: two pages of 50

#: Excel's "CSV delimitado por punto y coma": one RUT with a wrong check digit, two good rows.
IMPORT_CSV = (
    "rut;nombre;correo;departamento;fecha_ingreso;calidad_juridica\n"
    "12.345.678-9;Dígito Malo;;Finanzas;01-03-2025;contrata\n"
    "9.876.543-3;Valentina Ibáñez Rojas;valentina.ibanez@muni.cl;Dirección de Tránsito;03-03-2025;planta\n"
    f"11.222.333-9;Sergio Pino Carrasco;{IMPORT_REFUSED};Finanzas;2025-03-05;honorarios\n"
).encode()


# --- Setting the scene ---------------------------------------------------------------


@pytest.fixture
def mailbox() -> Refusing:
    """The SMTP server: accepts everything but the two addresses whose mailbox is full."""
    return Refusing(refused={UNREACHABLE[1], IMPORT_REFUSED})


@pytest.fixture
def app(make_app, smtp_server, mailbox):
    """As deployed (CSRF on), sending mail to a real local SMTP server; live_server serves this app."""
    return make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server(mailbox), WTF_CSRF_ENABLED=True)


def seed(app) -> None:
    with app.app_context():
        seed_demo(app.config)
        db.session.commit()


def make_hr(make_user):
    return make_user(full_name=HR_NAME, roles=(STAFF, HR))


def overdue_person(make_user, name: str, email: str):
    return make_user(full_name=name, email=email, due_date=date.today() - timedelta(days=3))


# --- Reading pages ------------------------------------------------------------------------


def heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def people_rows(page: Page):
    return page.locator("table.people tbody tr")


def totals(page: Page) -> dict[str, int]:
    """The report's status cards: label -> number."""
    cards = page.locator("ul.totals li")
    return {
        card.locator(".total-label").inner_text().strip(): int(card.locator(".total-number").inner_text())
        for card in cards.all()
    }


def listed_total(page: Page) -> int:
    return int(re.match(r"(\d+) personas?$", page.locator("#personas").inner_text().strip()).group(1))


def due_dates_listed(page: Page) -> list[date]:
    cells = people_rows(page).locator("td:nth-child(5)").all_inner_texts()
    return [datetime.strptime(text.strip(), "%d-%m-%Y").date() for text in cells]


def no_sideways_scroll(page: Page, label: str) -> None:
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{label} scrolls sideways by {overflow}px at {page.viewport_size['width']}px"


def check_page(page: Page, label: str, *, axe_on_phone: bool = False) -> None:
    """axe at 1366x768 (and at 390x844 when asked); at 390px wide the page must not scroll sideways."""
    assert_no_axe_violations(page, f"{label} at 1366x768")
    page.set_viewport_size(PHONE)
    no_sideways_scroll(page, label)
    if axe_on_phone:
        assert_no_axe_violations(page, f"{label} at 390x844")
    page.set_viewport_size(DESKTOP)


def expect_flash(page: Page, text: str) -> None:
    expect(page.locator(".flashes [role=status]")).to_contain_text(text)


# --- Tests -------------------------------------------------------------------------------


def test_hr_pages_pass_axe(page: Page, live_server, make_user, mailbox):
    """Every HR page, in its normal and error states, has no WCAG 2.1 A/AA violation and shows what it is for."""
    base = live_server.url
    app = live_server.app
    seed(app)
    for number in range(1, EXTRA_PEOPLE + 1):
        make_user(full_name=f"Persona Nueva {number:02d} Ejemplo")
    reachable = overdue_person(make_user, *REACHABLE)
    overdue_person(make_user, *UNREACHABLE)
    hr = make_hr(make_user)
    everyone = 35 + EXTRA_PEOPLE + 3
    page.set_viewport_size(DESKTOP)
    sign_in(page, base, hr.email)

    # The report, unfiltered: totals by status, the chart and its data table, the first 50 people.
    page.goto(f"{base}{REPORT}")
    heading(page, "Avance de la inducción")
    expect(page).to_have_title("Recursos Humanos: avance de la inducción · Portal de Inducción")
    expect(
        page.get_by_role("navigation", name="Menú principal").get_by_role("link", name="Recursos Humanos")
    ).to_have_attribute("aria-current", "page")
    counts = totals(page)
    assert set(counts) == {"No iniciado", "En curso", "Completado", "Atrasado"}, counts
    assert sum(counts.values()) == everyone and all(counts.values()), counts
    assert listed_total(page) == everyone
    expect(
        page.get_by_role("img", name=re.compile("Porcentaje de personas con la inducción completada"))
    ).to_be_visible()
    chart_data = page.get_by_role("table", name="Datos del gráfico")
    expect(chart_data.locator("tbody tr")).to_have_count(8)  # seven departments and people without one
    expect(chart_data.get_by_role("rowheader", name="Sin departamento")).to_be_visible()
    expect(page.locator("svg.chart rect.chart-bar")).to_have_count(8)
    expect(people_rows(page)).to_have_count(50)
    pages = page.get_by_role("navigation", name="Páginas")
    expect(pages).to_contain_text("Página 1 de 2")
    for name in ("Agregar persona", "Importar personal", "Enviar recordatorios", "Mover plazos"):
        expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()
    for name in ("Exportar CSV", "Exportar Excel"):
        expect(page.get_by_role("link", name=name)).to_be_visible()
    expect(page.get_by_role("search", name="Filtrar personas")).to_be_visible()
    check_page(page, "the report", axe_on_phone=True)

    # Page 2 of the list.
    pages.get_by_role("link", name="Siguiente").click()
    expect(page).to_have_url(re.compile(r"/rrhh/\?pagina=2$"))
    expect(people_rows(page)).to_have_count(everyone - 50)
    expect(page.get_by_role("navigation", name="Páginas")).to_contain_text("Página 2 de 2")
    expect(page.get_by_role("navigation", name="Páginas").get_by_role("link", name="Anterior")).to_be_visible()
    check_page(page, "page 2 of the report")

    # Sorted by due date, by clicking the column header: ascending, then descending.
    page.goto(f"{base}{REPORT}")
    page.locator("table.people thead").get_by_role("link", name="Plazo").click()
    expect(page).to_have_url(re.compile(r"orden=plazo&sentido=asc"))
    expect(page.locator("table.people thead")).to_contain_text("(orden ascendente)")
    ascending = due_dates_listed(page)
    assert ascending == sorted(ascending), ascending
    check_page(page, "the report sorted by due date")
    page.locator("table.people thead").get_by_role("link", name=re.compile("^Plazo")).click()
    expect(page).to_have_url(re.compile(r"orden=plazo&sentido=desc"))
    descending = due_dates_listed(page)
    assert descending == sorted(descending, reverse=True), descending

    # Filters with a date that does not exist: the error sits by its field; the other filters apply.
    page.goto(f"{base}{REPORT}?estado=overdue&desde=2025-02-31&q=")
    expect(page.locator("#desde-error")).to_be_visible()
    expect(page.get_by_label("Ingreso desde")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Estado", exact=True)).to_have_value("overdue")
    overdue = counts["Atrasado"]
    expect(people_rows(page)).to_have_count(overdue)
    expect(people_rows(page).locator(".col-status .badge")).to_have_text(["Atrasado"] * overdue)
    check_page(page, "the report filtered, with a bad date")

    # A filter nobody matches.
    page.goto(f"{base}{REPORT}?q=nadie-se-llama-asi")
    expect(page.get_by_text("No hay personas que coincidan con los filtros.").first).to_be_visible()
    check_page(page, "the report with no match")

    # A person's page, from the list.
    page.goto(f"{base}{REPORT}?q=Quiroz")
    page.get_by_role("link", name=REACHABLE[0]).click()
    expect(page).to_have_url(f"{base}/rrhh/personas/{reachable.id}")
    heading(page, REACHABLE[0])
    expect(page.get_by_role("navigation", name="Ruta de navegación")).to_contain_text("Avance de la inducción")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text(REACHABLE[1])
    expect(facts).to_contain_text("0 %")
    expect(page.get_by_role("table", name="Avance por módulo").locator("tbody tr")).to_have_count(6)
    expect(page.get_by_role("heading", name="Declaración de compromiso y certificados")).to_be_visible()
    expect(page.get_by_text("Aún no firma la declaración de compromiso.")).to_be_visible()
    expect(page.get_by_role("button", name="Generar enlace para crear contraseña")).to_be_visible()
    check_page(page, "a person's page", axe_on_phone=True)

    # Deactivating asks first, on a page of its own; "Cancelar" goes back with nothing changed.
    page.get_by_role("link", name="Desactivar (dejó la institución)").click()
    expect(page).to_have_url(f"{base}/rrhh/personas/{reachable.id}/desactivar")
    heading(page, f"Desactivar la cuenta de {REACHABLE[0]}")
    expect(page.get_by_role("button", name="Desactivar la cuenta")).to_be_visible()
    check_page(page, "the deactivation confirmation", axe_on_phone=True)
    page.get_by_role("link", name="Cancelar").click()
    expect(page).to_have_url(f"{base}/rrhh/personas/{reachable.id}")
    expect(page.locator("dl.facts")).not_to_contain_text("Desactivada")

    # A demo person far along: attempts, commitment and certificate on their page.
    page.goto(f"{base}{REPORT}?estado=completed")
    page.locator("table.people tbody th a").first.click()
    expect(page.get_by_role("table", name="Avance por módulo").get_by_text("aprobado").first).to_be_visible()
    expect(page.get_by_role("table", name="Certificados emitidos")).to_contain_text("Sin vencimiento")
    check_page(page, "a person who completed", axe_on_phone=True)

    # A new link to set the password, for HR to hand over.
    page.goto(f"{base}/rrhh/personas/{reachable.id}")
    page.get_by_role("button", name="Generar enlace para crear contraseña").click()
    heading(page, "Enlace para crear la contraseña")
    expect(page.locator("code.hash")).to_contain_text("/clave/")
    check_page(page, "a new password link")

    # The edit form, filled in with the person's data.
    page.goto(f"{base}/rrhh/personas/{reachable.id}/editar")
    heading(page, f"Editar datos de {REACHABLE[0]}")
    expect(page.get_by_label("RUT", exact=True)).to_have_value(re.compile(r"^\d{1,2}\.\d{3}\.\d{3}-[\dK]$"))
    expect(page.get_by_label("Nombre completo")).to_have_value(REACHABLE[0])
    expect(page.get_by_role("link", name="Cancelar")).to_have_attribute("href", f"/rrhh/personas/{reachable.id}")
    check_page(page, "the edit form")

    # A new person: the empty form, then sent with a wrong RUT check digit and a bad e-mail.
    page.goto(f"{base}/rrhh/personas/nueva")
    heading(page, "Agregar una persona")
    expect(page.get_by_role("button", name="Guardar")).to_be_visible()
    check_page(page, "the new person form")
    page.get_by_label("RUT", exact=True).fill("12.345.678-9")
    page.get_by_label("Correo electrónico (opcional)").fill("no-es-un-correo")
    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_role("alert")).to_contain_text("Revise los campos marcados.")
    expect(page.get_by_role("alert").get_by_role("link")).to_have_count(3)
    expect(page.locator("#rut-error")).to_contain_text("dígito verificador")
    expect(page.locator("#full_name-error")).to_have_text("Escriba el nombre.")
    expect(page.locator("#email-error")).to_contain_text("Escriba un correo válido")
    expect(page.get_by_label("RUT", exact=True)).to_have_attribute("aria-invalid", "true")
    check_page(page, "the new person form with errors")

    # Corrected: the person is created, the link shown and mailed.
    page.get_by_label("RUT", exact=True).fill("12.345.678-5")
    page.get_by_label("Nombre completo").fill("Joaquín Ignacio Leiva Soto")
    page.get_by_label("Correo electrónico (opcional)").fill("joaquin.leiva@muni.cl")
    page.get_by_label("Departamento", exact=True).fill("Dirección de Tránsito")
    page.get_by_label("Calidad jurídica", exact=True).select_option(label="Contrata")
    page.get_by_role("button", name="Guardar").click()
    heading(page, "Persona agregada")
    expect(page.locator("code.hash")).to_contain_text("/clave/")
    # Queued or already sent, depending on how fast the queue's consumer is; either takes focus.
    mail_state = page.get_by_role("status").filter(has_text="joaquin.leiva@muni.cl")
    expect(mail_state).to_be_focused()
    expect(page.get_by_role("link", name="Ir a la ficha")).to_be_visible()
    assert mailbox.to("joaquin.leiva@muni.cl"), "the welcome e-mail never reached the SMTP server"
    check_page(page, "the person-created page")

    # Moving due dates, for the overdue people: the form, then sent empty.
    page.goto(f"{base}{REPORT}?estado=overdue")
    page.get_by_role("link", name="Mover plazos").click()
    heading(page, "Mover plazos")
    expect(page.locator("p.lead")).to_contain_text(f"Se moverá el plazo de {overdue} personas")
    expect(page.get_by_role("table", name="Personas afectadas").locator("tbody tr")).to_have_count(overdue)
    check_page(page, "the due dates page")
    page.get_by_role("button", name="Mover plazos").click()
    expect(page.locator("#days-error")).to_have_text("Indique cuántos días.")
    check_page(page, "the due dates page with an error")

    # Importing staff: the upload page, the preview of a file with a bad row, the result.
    page.goto(f"{base}{REPORT}")
    page.get_by_role("link", name="Importar personal").click()
    heading(page, "Importar personas desde una planilla")
    expect(page.get_by_role("table", name="Columnas de la planilla y los títulos aceptados")).to_be_visible()
    check_page(page, "the staff import upload page")
    page.get_by_role("button", name="Revisar el archivo").click()
    expect(page.locator("#file-error")).to_have_text("Elija el archivo con las personas.")
    check_page(page, "the staff import upload page without a file")

    page.get_by_label("Archivo CSV o Excel (.xlsx)").set_input_files(
        {"name": "ingresos_marzo.csv", "mimeType": "text/csv", "buffer": IMPORT_CSV}
    )
    page.get_by_role("button", name="Revisar el archivo").click()
    heading(page, "Revisión de la importación")
    expect(page.locator("p.lead")).to_contain_text("ingresos_marzo.csv")
    summary = page.locator("dl.stats-summary")
    expect(summary.locator("div").filter(has_text="Personas nuevas").locator("dd")).to_have_text("2")
    expect(summary.locator("div").filter(has_text="Filas con errores").locator("dd")).to_have_text("1")
    errors = page.get_by_role("table", name="Filas con errores y sus motivos")
    expect(errors.locator("tbody tr")).to_have_count(1)
    expect(errors.locator("#linea-2")).to_contain_text("Dígito Malo")
    expect(errors.locator("#linea-2")).to_contain_text("dígito verificador")
    expect(page.get_by_role("table", name="Personas que se crearán").locator("tbody tr")).to_have_count(2)
    # The portal has no "Finanzas" yet: it is created only because HR chooses so.
    department = page.get_by_label("«Finanzas»")
    expect(page.get_by_text("No hay un departamento con este nombre en el portal")).to_be_visible()
    confirm = page.get_by_role("button", name="Importar solo las 2 filas válidas (se omiten 1 con errores)")
    expect(confirm).to_be_visible()
    check_page(page, "the import preview", axe_on_phone=True)
    confirm.click()
    expect(page.locator(".error-summary")).to_contain_text("falta decidir qué hacer con algunos departamentos")
    check_page(page, "the import preview with an undecided department")
    department.select_option(label="Crear «Finanzas» como departamento nuevo")

    confirm.click()
    heading(page, "Importación lista")
    expect(page.get_by_role("status")).to_contain_text("Se importó el archivo «ingresos_marzo.csv».")
    done = page.locator("dl.stats-summary")
    expect(done.locator("div").filter(has_text="Personas nuevas").locator("dd")).to_have_text("2")
    expect(done.locator("div").filter(has_text="Filas omitidas por errores").locator("dd")).to_have_text("1")
    links = page.get_by_role("table", name="Enlaces de las personas con correo")
    expect(links.locator("tbody tr")).to_have_count(2)
    expect(links.locator("code.hash")).to_have_count(2)
    expect(links.locator("tr").filter(has_text="Valentina Ibáñez Rojas")).to_contain_text("Enviado")
    expect(links.locator("tr").filter(has_text="Sergio Pino Carrasco")).to_contain_text("Falló")
    expect(page.get_by_role("alert")).to_contain_text("1 correo de bienvenida no se pudo enviar")
    expect(page.get_by_text("Departamentos nuevos creados: Finanzas.")).to_be_visible()
    check_page(page, "the import done page")

    # Reminders: the list of people not done, with a preview of the message.
    page.goto(f"{base}{REPORT}")
    page.get_by_role("link", name="Enviar recordatorios").click()
    heading(page, "Recordatorios por correo")
    preview = page.get_by_role("region", name="Vista previa del mensaje")
    expect(preview).to_contain_text("Asunto")
    expect(preview.locator(".declaration")).to_contain_text("Hola,")
    listed = page.locator("table.people tbody tr")
    assert listed.count() > 10
    expect(page.locator("table.people tbody").get_by_text("No se puede: sin correo").first).to_be_visible()
    expect(page.get_by_role("button", name="Enviar recordatorio a las personas marcadas")).to_be_visible()
    check_page(page, "the reminders page")

    # Another person's message in the preview.
    page.get_by_role("link", name=f"Ver mensaje para {REACHABLE[0]}").click()
    expect(page).to_have_url(re.compile(r"ejemplo=\d+#vista-previa$"))
    expect(preview.locator("strong")).to_have_text(REACHABLE[0])
    expect(preview).to_contain_text("Recordatorio: el plazo de su inducción ya venció")
    check_page(page, "the reminders page previewing someone else")

    # Sent to one person through the SMTP server.
    page.get_by_label("Buscar por nombre, RUT o correo").fill("Quiroz")
    page.get_by_role("button", name="Filtrar").click()
    expect(listed).to_have_count(1)
    expect(page.get_by_label(f"Recordar a {REACHABLE[0]}")).to_be_checked()
    page.get_by_role("button", name="Enviar recordatorio a las personas marcadas").click()
    heading(page, "Resultado del envío de recordatorios")
    expect(page.get_by_role("region", name="Resumen").locator("dd")).to_have_text(["1", "0", "0"])
    expect(page.get_by_role("table", name="Recordatorios en cola de envío")).to_contain_text(REACHABLE[0])
    (message,) = mailbox.to(REACHABLE[1])
    assert "plazo" in message["Subject"]
    check_page(page, "the reminders results")

    # Sent to someone whose mailbox refuses it: queued, and the person's page shows the server's answer.
    page.goto(f"{base}/rrhh/recordatorios?q=Bravo+Leiva")
    expect(listed).to_have_count(1)
    page.get_by_role("button", name="Enviar recordatorio a las personas marcadas").click()
    heading(page, "Resultado del envío de recordatorios")
    expect(page.get_by_role("table", name="Recordatorios en cola de envío")).to_contain_text(UNREACHABLE[0])
    page.get_by_role("table", name="Recordatorios en cola de envío").get_by_role("link", name=UNREACHABLE[0]).click()
    mails = page.get_by_role("table", name="Correos enviados a esta persona y su estado")
    expect(mails).to_contain_text("Falló")
    expect(mails).to_contain_text("550")
    check_page(page, "a person's page with a failed reminder")

    # Right after, the first person cannot be reminded again yet: the page says why.
    page.goto(f"{base}/rrhh/recordatorios?q=Quiroz")
    expect(listed).to_contain_text("No se puede todavía")
    expect(page.get_by_role("button", name="Enviar recordatorio a las personas marcadas")).to_have_count(0)
    check_page(page, "the reminders page with a recent reminder")


def test_hr_report_by_keyboard(page: Page, live_server, make_user):
    """Filter the report to overdue people, open one and come back by the breadcrumb: keys only."""
    base = live_server.url
    seed(live_server.app)
    hr = make_hr(make_user)
    page.set_viewport_size(DESKTOP)
    sign_in(page, base, hr.email)
    page.goto(f"{base}{REPORT}")
    heading(page, "Avance de la inducción")
    overdue = totals(page)["Atrasado"]
    assert overdue and overdue < listed_total(page)

    # The skip link jumps over the header to the report's first action.
    check_skip_link(page, control_with_text("Agregar persona"))

    # Status: type-ahead on the closed select picks «Atrasado».
    tab_until(page, "el => el.id === 'estado'", "the «Estado» filter")
    assert_focus_visible(page)
    page.keyboard.type("Atr")
    assert page.evaluate("() => document.activeElement.value") == "overdue", focused(page)
    tab_to_and_press(page, "Filtrar")
    page.wait_for_url(re.compile(r"/rrhh/\?.*estado=overdue"))
    expect(page.get_by_label("Estado", exact=True)).to_have_value("overdue")
    expect(people_rows(page)).to_have_count(overdue)
    expect(people_rows(page).locator(".col-status .badge")).to_have_text(["Atrasado"] * overdue)
    assert listed_total(page) == overdue

    # Into the list: the first person's link (the sort links in the header come first).
    first_name = people_rows(page).first.locator("th a").inner_text()
    tab_until(
        page,
        "el => el.tagName === 'A' && !!el.closest('table.people tbody')",
        "the first person in the list",
        max_presses=80,
    )
    assert_focus_visible(page)
    assert page.evaluate("() => document.activeElement.textContent.trim()") == first_name
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/rrhh/personas/\d+$"))
    heading(page, first_name)
    expect(page.locator("dl.facts")).to_be_visible()

    # Back by the breadcrumb.
    crumb = "el => el.tagName === 'A' && !!el.closest('nav.breadcrumb')"
    tab_until(page, crumb, "the breadcrumb")
    assert_focus_visible(page)
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Avance de la inducción"
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}{REPORT}")
    heading(page, "Avance de la inducción")


def check_name_and_status_stay_in_view(page: Page, saved: list) -> None:
    """At 390x844 the people list scrolls inside its region; wherever it is scrolled, the first
    person's name and status are in the viewport, uncovered, and one status is shown per person."""
    page.set_viewport_size(PHONE)
    region = page.get_by_role("region", name=re.compile("^Personas y su avance"))
    first_row = people_rows(page).first
    first_row.scroll_into_view_if_needed()
    name = first_row.get_by_role("link").first
    status = first_row.locator(".badge:visible")
    expect(status).to_have_count(1)
    label = status.inner_text().strip()
    assert label in {"No iniciado", "En curso", "Completado", "Atrasado"}, label
    widths = region.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert widths[0] > widths[1], f"the people list does not scroll sideways at 390px: {widths}"
    for where in ("el.scrollWidth / 3", "el.scrollWidth / 2", "el.scrollWidth"):
        region.evaluate(f"el => {{ el.scrollLeft = {where}; }}")
        assert region.evaluate("el => el.scrollLeft") > 0
        name_cell, region_box = first_row.locator("th").bounding_box(), region.bounding_box()
        assert abs(name_cell["x"] - region_box["x"]) < 1, f"the name cell scrolled away: {name_cell} in {region_box}"
        for what, element in (("name", name), ("status", status)):
            box = element.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"the {what} left the screen: {box}"
            assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], f"the {what} is off screen: {box}"
            # Nothing else (the scrolled cells) is painted over it.
            covered = element.evaluate(
                """el => { const r = el.getClientRects()[0];  // a wrapped name: its first line
                           const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
                           if (top === el || el.contains(top)) return false;
                           return top ? top.outerHTML.slice(0, 200) : "nothing"; }"""
            )
            assert not covered, f"the {what} is covered after scrolling to {where}: {covered}"
    expect(status).to_have_text(label)
    assert_no_axe_violations(page, "the report's list scrolled sideways at 390x844")
    path = SCREENSHOTS / "hr-report-scrolled-390x844.png"
    page.screenshot(path=str(path))
    saved.append(path)
    region.evaluate("el => { el.scrollLeft = 0; }")
    page.set_viewport_size(DESKTOP)
    # On a wide screen the status has its own column again, and only there.
    expect(first_row.locator(".badge:visible")).to_have_count(1)
    expect(first_row.locator(".col-status .badge")).to_be_visible()


def test_hr_screenshots(page: Page, live_server, make_user):
    """The report, a person, the import preview and the reminders page as PNGs at 390x844 and 1366x768."""
    base = live_server.url
    seed(live_server.app)
    hr = make_hr(make_user)
    page.set_viewport_size(DESKTOP)
    sign_in(page, base, hr.email)
    saved = []

    page.goto(f"{base}{REPORT}")
    heading(page, "Avance de la inducción")
    saved += save_screenshots(page, "hr-report")
    check_name_and_status_stay_in_view(page, saved)

    page.goto(f"{base}{REPORT}?estado=completed")
    page.locator("table.people tbody th a").first.click()
    expect(page.get_by_role("table", name="Certificados emitidos")).to_contain_text("Sin vencimiento")
    saved += save_screenshots(page, "hr-person")

    page.goto(f"{base}/rrhh/personas/importar")
    page.get_by_label("Archivo CSV o Excel (.xlsx)").set_input_files(
        {"name": "ingresos_marzo.csv", "mimeType": "text/csv", "buffer": IMPORT_CSV}
    )
    page.get_by_role("button", name="Revisar el archivo").click()
    heading(page, "Revisión de la importación")
    saved += save_screenshots(page, "hr-import-preview")

    page.goto(f"{base}/rrhh/recordatorios")
    heading(page, "Recordatorios por correo")
    saved += save_screenshots(page, "hr-reminders")

    expected = {
        f"hr-{name}-{size['width']}x{size['height']}.png"
        for name in ("report", "person", "import-preview", "reminders")
        for size in (PHONE, DESKTOP)
    } | {"hr-report-scrolled-390x844.png"}
    assert {path.name for path in saved} == expected
    for path in saved:
        data = path.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000, f"{path} is no PNG"
