"""HR adds, edits and deactivates people, and moves due dates."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models.audit import AuditEvent
from portal.models.user import Department, User
from portal.people.departments import find_or_create_department
from portal.vocabulary import ADMIN, HR, STAFF
from tests.conftest import PASSWORD, login
from tests.pages import changes_between, forms_on, snapshot


def hr_client(app, make_user):
    person = make_user(full_name="Patricia Contreras", roles=(STAFF, HR))
    client = app.test_client()
    login(client, person.email)
    return client, person


def test_hr_adds_a_person_without_email_who_then_sets_a_password(app, make_user):
    client, _ = hr_client(app, make_user)
    response = client.post(
        "/rrhh/personas/nueva",
        data={
            "rut": "18.765.432-7",
            "full_name": "  Juan   Pérez Soto ",
            "email": "",
            "department": "Aseo y Ornato",
            "new_department": "y",
            "employment_type": "honorarios",
            "start_date": "2026-11-02",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "no tiene correo" in html
    link = re.search(r"http://127\.0\.0\.1:5000(/clave/[\w-]+)", html).group(1)
    with app.app_context():
        juan = db.session.scalar(select(User).where(User.rut == "18765432-7"))
        assert juan.full_name == "Juan Pérez Soto" and juan.email is None
        assert juan.department.name == "Aseo y Ornato" and juan.employment_type == "honorarios"
        assert juan.due_date == date(2026, 11, 2) + timedelta(days=30)
        assert juan.password_hash is None and juan.roles == {"staff"}
    newcomer = app.test_client()
    newcomer.post(link, data={"password": "mi frase secreta larga", "confirm": "mi frase secreta larga"})
    assert login(newcomer, "18765432-7", "mi frase secreta larga").status_code == 302


def test_bad_or_taken_data_is_refused_next_to_the_field(app, make_user):
    client, _ = hr_client(app, make_user)
    other = make_user(email="tomado@muni.cl")
    bad_rut = client.post("/rrhh/personas/nueva", data={"rut": "18.765.432-1", "full_name": "Ana"})
    assert "dígito verificador" in bad_rut.get_data(as_text=True)
    assert 'value="Ana"' in bad_rut.get_data(as_text=True)
    taken = client.post("/rrhh/personas/nueva", data={"rut": other.rut, "full_name": "Ana"})
    assert "Ya existe una persona con ese RUT" in taken.get_data(as_text=True)
    email = client.post(
        "/rrhh/personas/nueva", data={"rut": "18.765.432-7", "full_name": "Ana", "email": "TOMADO@muni.cl"}
    )
    assert "ya pertenece a otra persona" in email.get_data(as_text=True)
    invalid = client.post("/rrhh/personas/nueva", data={"rut": "18.765.432-7", "full_name": "Ana", "email": "ana@"})
    assert "Escriba un correo válido" in invalid.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.rut == "18765432-7")) is None


def test_editing_keeps_progress_and_moves_the_due_date(app, make_user):
    client, _ = hr_client(app, make_user)
    person = make_user(full_name="Luis Tapia")
    page = client.get(f"/rrhh/personas/{person.id}/editar").get_data(as_text=True)
    assert 'value="Luis Tapia"' in page
    response = client.post(
        f"/rrhh/personas/{person.id}/editar",
        data={"rut": person.rut, "full_name": "Luis Tapia Araya", "email": person.email, "due_date": "2027-01-15"},
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, person.id)
        assert user.full_name == "Luis Tapia Araya" and user.due_date == date(2027, 1, 15)


def test_deactivating_someone_who_left_ends_their_sessions_and_keeps_records(app, make_user):
    client, hr = hr_client(app, make_user)
    person = make_user()
    their_browser = app.test_client()
    login(their_browser, person.email)
    client.post(f"/rrhh/personas/{person.id}/activacion", data={"active": "0"})
    assert their_browser.get("/").status_code == 302
    assert login(app.test_client(), person.email, PASSWORD).status_code == 200  # refused
    assert client.get(f"/rrhh/personas/{person.id}").status_code == 200
    assert person.full_name not in client.get("/rrhh/").get_data(as_text=True)
    client.post(f"/rrhh/personas/{person.id}/activacion", data={"active": "1"})
    assert login(app.test_client(), person.email, PASSWORD).status_code == 302
    refused = client.post(f"/rrhh/personas/{hr.id}/activacion", data={"active": "0"}, follow_redirects=True)
    assert "No puede desactivar su propia cuenta" in refused.get_data(as_text=True)
    with app.app_context():
        actions = [e.action for e in db.session.scalars(select(AuditEvent))]
        assert "staff.deactivated" in actions and "staff.reactivated" in actions


def test_moving_due_dates_of_the_filtered_people(app, make_user):
    client, _ = hr_client(app, make_user)
    late = make_user(full_name="Tardía Uno", due_date=date.today() - timedelta(days=2))
    on_time = make_user(full_name="A Tiempo", due_date=date.today() + timedelta(days=20))
    page = client.get("/rrhh/plazos?estado=overdue").get_data(as_text=True)
    assert "Tardía Uno" in page and "A Tiempo" not in page
    bad = client.post("/rrhh/plazos?estado=overdue", data={"days": "900"})
    assert "Entre -365 y 365" in bad.get_data(as_text=True)
    client.post("/rrhh/plazos?estado=overdue", data={"days": "10"})
    with app.app_context():
        assert db.session.get(User, late.id).due_date == date.today() + timedelta(days=8)
        assert db.session.get(User, on_time.id).due_date == date.today() + timedelta(days=20)


def test_a_new_password_link_can_be_issued(app, make_user):
    client, _ = hr_client(app, make_user)
    person = make_user(email=None)
    html = client.post(f"/rrhh/personas/{person.id}/enlace").get_data(as_text=True)
    assert "/clave/" in html and "no tiene correo" in html


def test_new_people_with_email_receive_their_link_by_mail(make_app, smtp_server, inbox, make_user):
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server(inbox), BASE_URL="https://induccion.muni.cl")
    client, _ = hr_client(app, make_user)
    html = client.post(
        "/rrhh/personas/nueva", data={"rut": "18.765.432-7", "full_name": "Rosa Tapia", "email": "rosa.tapia@muni.cl"}
    ).get_data(as_text=True)
    # The queue ran at once here (tests' immediate mode): the mail is said sent, not queued.
    assert "Se envió el correo con este enlace a rosa.tapia@muni.cl." in html
    assert "cola de envío" not in html and "Si el servidor de correo no responde" not in html
    assert "Estado:" not in html
    # Only the heading says «Persona agregada»: no flashed message repeats it.
    assert "<h1>Persona agregada</h1>" in html and '<div class="flashes"' not in html
    # The mail's state takes focus on load and comes before the link: read first, then the link.
    assert html.index('tabindex="-1" autofocus data-announce') < html.index("Se envió el correo")
    assert html.index("Se envió el correo") < html.index('<code class="hash">')
    [(recipients, message)] = inbox.messages
    assert recipients == ["rosa.tapia@muni.cl"]
    body = message.get_content()
    assert "Rosa Tapia" in body and "https://induccion.muni.cl/clave/" in body
    link = re.search(r"https://induccion\.muni\.cl(/clave/[\w-]+)", body).group(1)
    assert link in html


def test_a_refused_welcome_mail_is_shown_not_swallowed(make_app, smtp_server, make_user):
    from tests.smtp import Refusing

    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server(Refusing()))
    client, _ = hr_client(app, make_user)
    html = client.post(
        "/rrhh/personas/nueva", data={"rut": "18.765.432-7", "full_name": "Rosa Tapia", "email": "rosa.tapia@muni.cl"}
    ).get_data(as_text=True)
    assert "No se pudo enviar el correo" in html and "550 mailbox unavailable" in html and "/clave/" in html
    assert html.index('class="error-summary" role="alert" tabindex="-1"') < html.index('<code class="hash">')


def test_an_unreachable_server_leaves_the_welcome_queued_and_says_so(make_app, make_user):
    from tests.smtp import free_port

    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())  # nothing listens there
    client, _ = hr_client(app, make_user)
    response = client.post(
        "/rrhh/personas/nueva", data={"rut": "18.765.432-7", "full_name": "Rosa Tapia", "email": "rosa.tapia@muni.cl"}
    )
    html = response.get_data(as_text=True)
    assert "rosa.tapia@muni.cl quedó en cola de envío. (1 intento fallido; se reintentará)" in html
    # The sentence says the state: no «Estado: Pendiente» after it.
    assert "Estado:" not in html and "Pendiente" not in html
    assert "el portal lo reintenta solo; el estado queda en la ficha de la persona." in html
    assert "No se pudo conectar con el servidor de correo" in html and "/clave/" in html
    assert html.index("quedó en cola de envío") < html.index('<code class="hash">')

    # An administrator follows it on the portal's mail page: an account page shows no mail.
    admin = app.test_client()
    login(admin, make_user(roles=(STAFF, ADMIN)).email)
    html = admin.post(
        "/admin/cuentas/nueva",
        data={"rut": "9.876.543-3", "full_name": "Rosa Quiroz", "email": "rosa.quiroz@muni.cl", "roles": [STAFF]},
    ).get_data(as_text=True)
    assert "el estado queda en la página «Correos» de la administración." in html, html


def test_an_anonymised_person_can_no_longer_be_changed_by_hr(app, make_user):
    from portal.people.personal_data import anonymise

    client, hr = hr_client(app, make_user)
    person = make_user(active=False)
    with app.app_context():
        anonymise(db.session.get(User, person.id), hr.id)
        db.session.commit()
    page = client.get(f"/rrhh/personas/{person.id}")
    assert page.status_code == 200 and "Persona anonimizada" in page.get_data(as_text=True)
    for method, url in (("GET", "editar"), ("POST", "activacion"), ("POST", "enlace")):
        response = client.open(
            f"/rrhh/personas/{person.id}/{url}", method=method, data={"active": "1"}, follow_redirects=True
        )
        assert response.status_code == 200 and "fue anonimizada" in response.get_data(as_text=True), url
    with app.app_context():
        assert db.session.get(User, person.id).active is False


@pytest.mark.parametrize("edit_page", ["/rrhh/personas/{}/editar", "/admin/cuentas/{}/editar"])
def test_saving_a_persons_page_untouched_keeps_their_department_and_everything_else(app, make_user, edit_page):
    """The newcomer's bug: Guardar on an untouched page turned the department into its repr."""
    editor = make_user(full_name="Patricia Contreras", roles=(STAFF, HR, ADMIN))
    person = make_user(full_name="Rodrigo Fuentes Lagos", due_date=None)
    with app.app_context():
        transit = find_or_create_department("Dirección de Tránsito")
        find_or_create_department("Dirección de Obras Municipales")
        user = db.session.get(User, person.id)
        user.department, user.employment_type = transit, "contrata"
        db.session.commit()
    client = app.test_client()
    login(client, editor.email)
    before = snapshot(app)
    page = client.get(edit_page.format(person.id)).get_data(as_text=True)
    assert 'value="Dirección de Tránsito"' in page and "&lt;Department" not in page
    for _ in range(2):  # each save used to nest the name once more
        form = next(form for form in forms_on(page, "http://localhost" + edit_page.format(person.id)) if form.editable)
        response = client.post(form.path, data=form.data())
        assert response.status_code == 302, response.get_data(as_text=True)
    assert changes_between(before, snapshot(app)) == []
    with app.app_context():
        names = list(db.session.scalars(select(Department.name).order_by(Department.name)))
        assert names == ["Dirección de Obras Municipales", "Dirección de Tránsito"]
        assert db.session.get(User, person.id).department.name == "Dirección de Tránsito"


def error_summary_of(html: str) -> str:
    start = html.index('<div class="error-summary"')
    return html[start : html.index("</div>", start)]


def test_the_error_summary_of_a_refused_person_links_to_each_field(app, make_user):
    client, _ = hr_client(app, make_user)
    data = {"rut": "18.765.432-7", "full_name": "Ana", "department": "Oficina Inexistente"}
    html = client.post("/rrhh/personas/nueva", data=data).get_data(as_text=True)
    summary = error_summary_of(html)
    assert "Revise los campos marcados." in summary
    assert '<a href="#department">No hay un departamento llamado «Oficina Inexistente»' in summary, summary
    assert 'id="department"' in html
    html = client.post("/rrhh/personas/nueva", data={**data, "rut": "18.765.432-1", "email": "ana@"}).get_data(
        as_text=True
    )
    summary = error_summary_of(html)
    assert re.search(r'<a href="#rut">[^<]*dígito verificador', summary), summary
    assert re.search(r'<a href="#email">[^<]*Escriba un correo válido', summary), summary


def test_a_department_is_created_only_on_purpose(app, make_user):
    client, _ = hr_client(app, make_user)
    person = make_user(full_name="Rodrigo Fuentes Lagos")
    with app.app_context():
        find_or_create_department("Dirección de Tránsito")
        find_or_create_department("Dirección de Desarrollo Comunitario")
        db.session.commit()
    url = f"/rrhh/personas/{person.id}/editar"
    data = {"rut": person.rut, "full_name": person.full_name}
    typo = client.post(url, data={**data, "department": "Oficina de la Juventu "})
    html = typo.get_data(as_text=True)
    assert typo.status_code == 200 and "No hay un departamento llamado «Oficina de la Juventu»" in html
    assert 'value="Oficina de la Juventu "' in html or 'value="Oficina de la Juventu"' in html
    abbreviation = client.post(url, data={**data, "department": "DIDECO", "new_department": "y"})
    assert "¿Se refiere a «Dirección de Desarrollo Comunitario»?" in abbreviation.get_data(as_text=True)
    # Written without accents or in capitals, it is the existing department, even if "new" is ticked.
    for written in ("dirección de TRÁNSITO", "Direccion de Transito  "):
        assert client.post(url, data={**data, "department": written, "new_department": "y"}).status_code == 302
    on_purpose = client.post(url, data={**data, "department": "Oficina de la Juventud", "new_department": "y"})
    assert on_purpose.status_code == 302
    with app.app_context():
        names = set(db.session.scalars(select(Department.name)))
        assert names == {"Dirección de Tránsito", "Dirección de Desarrollo Comunitario", "Oficina de la Juventud"}
        assert db.session.get(User, person.id).department.name == "Oficina de la Juventud"
