"""Administrators manage accounts and roles, departments, settings, and read the audit log."""

import io
import json
import os
import re
from datetime import date, timedelta

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select, text

from portal.extensions import db
from portal.models.audit import AuditEvent
from portal.models.user import AuthSession, Department, User
from portal.people import administration as service
from portal.vocabulary import ADMIN, HR, STAFF, TRAINER
from tests.conftest import login
from tests.test_renewal import complete_path


def png_bytes(size=(120, 40), noisy=False) -> bytes:
    """A real PNG: flat like a logo, or noise like a photograph (which compresses badly)."""
    if noisy:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGBA", size, (20, 84, 120, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


PNG = png_bytes()


def admin_client(app, make_user, **kwargs):
    person = make_user(full_name=kwargs.pop("full_name", "Ana Administradora"), roles=(STAFF, ADMIN), **kwargs)
    client = app.test_client()
    assert login(client, person.email).status_code == 302
    return client, person


def events(app, action):
    with app.app_context():
        return [
            json.loads(event.details)
            for event in db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        ]


def concrete(rule: str) -> str:
    return re.sub(r"<[^>]+>", "1", rule)


@pytest.mark.parametrize("roles", [(STAFF,), (STAFF, TRAINER), (STAFF, HR), (STAFF, TRAINER, HR)])
def test_everyone_but_administrators_is_refused_every_admin_page(app, make_user, roles):
    person = make_user(roles=roles)
    client = app.test_client()
    login(client, person.email)
    admin_rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/admin")]
    assert len(admin_rules) >= 10
    for rule in admin_rules:
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert client.open(concrete(rule.rule), method=method).status_code == 403, (rule.rule, method)
    assert "Administración" not in client.get("/").get_data(as_text=True)


def test_admin_sees_the_menu_item_and_a_missing_person_is_404(app, make_user):
    client, _ = admin_client(app, make_user)
    assert ">Administración</a>" in client.get("/").get_data(as_text=True)
    for url in ("/admin/cuentas/9999", "/admin/cuentas/9999/editar", "/admin/cuentas/9999/anonimizar"):
        assert client.get(url).status_code == 404, url
    assert client.post("/admin/cuentas/9999/activacion", data={"active": "0"}).status_code == 404
    assert client.get("/admin/departamentos/9999").status_code == 404
    assert client.post("/admin/departamentos/9999/fusionar", data={"into": "1"}).status_code == 404


def test_admin_creates_an_account_with_several_roles_and_a_password_link(app, make_user):
    client, admin = admin_client(app, make_user)
    response = client.post(
        "/admin/cuentas/nueva",
        data={
            "rut": "18.765.432-7",
            "full_name": "Juan Pérez Soto",
            "email": "",
            "department": "Finanzas",
            "new_department": "y",
            "start_date": "2026-03-02",
            "roles": [STAFF, TRAINER, HR],
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Cuenta creada" in html and "no tiene correo" in html
    # Only the heading says «Cuenta creada»: no flashed message repeats it.
    assert "<h1>Cuenta creada</h1>" in html and '<div class="flashes"' not in html
    link = re.search(r"http://127\.0\.0\.1:5000(/clave/[\w-]+)", html).group(1)
    with app.app_context():
        juan = db.session.scalar(select(User).where(User.rut == "18765432-7"))
        assert juan.roles == {STAFF, TRAINER, HR}
        assert juan.department.name == "Finanzas"
        assert juan.due_date == date(2026, 3, 2) + timedelta(days=30)
    assert events(app, "accounts.roles_changed")[-1] == {
        "user_id": juan.id,
        "changes": {"roles": {"before": [STAFF], "after": [HR, STAFF, TRAINER]}},
    }
    newcomer = app.test_client()
    newcomer.post(link, data={"password": "mi frase secreta larga", "confirm": "mi frase secreta larga"})
    assert login(newcomer, "18765432-7", "mi frase secreta larga").status_code == 302


def test_account_form_errors_are_shown_next_to_the_field(app, make_user):
    client, admin = admin_client(app, make_user)
    no_roles = client.post("/admin/cuentas/nueva", data={"rut": "18.765.432-7", "full_name": "Ana"})
    assert no_roles.status_code == 422 and "Elija al menos un rol" in no_roles.get_data(as_text=True)
    taken = client.post("/admin/cuentas/nueva", data={"rut": admin.rut, "full_name": "Ana", "roles": [STAFF]}).get_data(
        as_text=True
    )
    assert "Ya existe una persona con ese RUT" in taken
    assert client.post("/admin/cuentas/nueva", data={}).status_code == 422


def test_the_error_summary_of_a_refused_account_links_to_each_field(app, make_user):
    client, _ = admin_client(app, make_user)
    html = client.post("/admin/cuentas/nueva", data={"rut": "18.765.432-7", "full_name": "Ana"}).get_data(as_text=True)
    summary = html[
        html.index('<div class="error-summary"') : html.index("</div>", html.index('<div class="error-summary"'))
    ]
    assert '<a href="#roles">Elija al menos un rol' in summary, summary
    assert 'id="roles"' in html


def test_admin_edits_data_and_roles(app, make_user):
    client, admin = admin_client(app, make_user)
    other = make_user(full_name="Pedro Rojas", roles=(STAFF,))
    page = client.get(f"/admin/cuentas/{other.id}/editar").get_data(as_text=True)
    assert 'value="Pedro Rojas"' in page
    assert re.search(r'<input checked id="roles-\d" name="roles" type="checkbox" value="staff">', page)
    assert not re.search(r'<input checked id="roles-\d" name="roles" type="checkbox" value="admin">', page)
    response = client.post(
        f"/admin/cuentas/{other.id}/editar",
        data={"rut": other.rut, "full_name": "Pedro Rojas Díaz", "email": other.email, "roles": [STAFF, ADMIN]},
    )
    assert response.status_code == 302
    with app.app_context():
        pedro = db.session.get(User, other.id)
        assert pedro.full_name == "Pedro Rojas Díaz" and pedro.roles == {STAFF, ADMIN}
    assert events(app, "accounts.roles_changed")[-1]["changes"]["roles"]["after"] == [ADMIN, STAFF]


def test_an_admin_cannot_remove_their_own_admin_role(app, make_user):
    client, admin = admin_client(app, make_user)
    make_user(full_name="Otra Admin", roles=(STAFF, ADMIN))
    response = client.post(
        f"/admin/cuentas/{admin.id}/editar",
        data={"rut": admin.rut, "full_name": "Nombre Cambiado", "email": admin.email, "roles": [STAFF]},
    )
    assert response.status_code == 422
    assert "No puede quitarse a sí mismo el rol de administrador" in response.get_data(as_text=True)
    with app.app_context():
        me = db.session.get(User, admin.id)
        assert ADMIN in me.roles and me.full_name == "Ana Administradora"  # nothing half-saved
    deactivate = client.post(f"/admin/cuentas/{admin.id}/activacion", data={"active": "0"}, follow_redirects=True)
    assert "No puede desactivar su propia cuenta" in deactivate.get_data(as_text=True)


def test_the_last_active_admin_keeps_the_role_and_stays_active(app, make_user):
    last = make_user(full_name="Única Admin", roles=(STAFF, ADMIN))
    make_user(full_name="Admin Inactiva", roles=(STAFF, ADMIN), active=False)
    hr = make_user(full_name="Rosa RRHH", roles=(STAFF, HR))
    with app.test_request_context():
        user = db.session.get(User, last.id)
        with pytest.raises(service.AdminRuleError, match="último administrador activo"):
            service.change_roles(user, {STAFF}, actor_id=hr.id)
        with pytest.raises(service.AdminRuleError, match="último administrador activo"):
            service.set_active(user, False, actor_id=hr.id)
        db.session.rollback()
    # With a second active administrator both changes are allowed.
    second = make_user(full_name="Segunda Admin", roles=(STAFF, ADMIN))
    client = app.test_client()
    login(client, second.email)
    response = client.post(
        f"/admin/cuentas/{last.id}/editar", data={"rut": last.rut, "full_name": "Única Admin", "roles": [STAFF]}
    )
    assert response.status_code == 302
    # Now `second` is the last one: another admin can't be made to remove it (it is themselves).
    with app.test_request_context():
        with pytest.raises(service.AdminRuleError):
            service.set_active(db.session.get(User, second.id), False, actor_id=hr.id)


def test_deactivating_ends_sessions_and_reactivating_restores_access(app, make_user):
    client, admin = admin_client(app, make_user)
    other = make_user(full_name="Luis Vera")
    theirs = app.test_client()
    login(theirs, other.email)
    response = client.post(f"/admin/cuentas/{other.id}/activacion", data={"active": "0"}, follow_redirects=True)
    assert "Cuenta desactivada" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(AuthSession).where(AuthSession.user_id == other.id)) is None
    assert theirs.get("/").status_code == 302
    assert login(app.test_client(), other.email).status_code != 302
    client.post(f"/admin/cuentas/{other.id}/activacion", data={"active": "1"})
    assert login(app.test_client(), other.email).status_code == 302


def test_account_search_and_pagination(app, make_user):
    client, admin = admin_client(app, make_user)
    target = make_user(full_name="Zoila Quiroga", email="zoila.quiroga@muni.cl")
    for number in range(service.PAGE_SIZE + 2):
        make_user(full_name=f"Persona Número {number:02d}")
    by_name = client.get("/admin/cuentas?q=quiroga").get_data(as_text=True)
    assert "Zoila Quiroga" in by_name and "Persona Número" not in by_name
    dotted = target.rut[:-2]
    dotted = f"{int(dotted):,}".replace(",", ".")
    assert "Zoila Quiroga" in client.get(f"/admin/cuentas?q={dotted}").get_data(as_text=True)
    assert "Zoila Quiroga" in client.get("/admin/cuentas?q=ZOILA.QUIROGA@").get_data(as_text=True)
    first = client.get("/admin/cuentas").get_data(as_text=True)
    assert "Página 1 de 2" in first
    second = client.get("/admin/cuentas?pagina=2").get_data(as_text=True)
    assert "Página 2 de 2" in second
    assert client.get("/admin/cuentas?pagina=999").status_code == 200


def test_departments_create_rename_and_merge(app, make_user):
    client, admin = admin_client(app, make_user)
    client.post("/admin/departamentos", data={"name": "Obras  Municipales"})
    client.post("/admin/departamentos", data={"name": "Dirección de Obras"})
    duplicate = client.post("/admin/departamentos", data={"name": "obras municipales"})
    assert duplicate.status_code == 422 and "Ya existe un departamento" in duplicate.get_data(as_text=True)
    with app.app_context():
        ids = {d.name: d.id for d in db.session.scalars(select(Department))}
    source, target = ids["Obras Municipales"], ids["Dirección de Obras"]
    bad_rename = client.post(f"/admin/departamentos/{source}/renombrar", data={"name": "DIRECCIÓN DE OBRAS"})
    assert bad_rename.status_code == 422
    assert client.post(f"/admin/departamentos/{target}/renombrar", data={"name": "DOM"}).status_code == 302
    moving = [make_user(full_name=name).id for name in ("Uno Obras", "Dos Obras")]
    with app.app_context():
        for user_id in moving:
            db.session.get(User, user_id).department_id = source
        db.session.commit()
    listing = client.get("/admin/departamentos").get_data(as_text=True)
    assert re.search(r"Obras Municipales</a></th><td>2</td>", listing)
    assert client.post(f"/admin/departamentos/{source}/fusionar", data={"into": str(source)}).status_code == 422
    merged = client.post(f"/admin/departamentos/{source}/fusionar", data={"into": str(target)}, follow_redirects=True)
    assert "se trasladaron 2 personas" in merged.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Department, source) is None
        names = {u.full_name for u in db.session.scalars(select(User).where(User.department_id == target))}
        assert names == {"Uno Obras", "Dos Obras"}
    merged_event = events(app, "departments.merged")[-1]
    assert merged_event["people"] == 2 and merged_event["target"] == "DOM"
    assert events(app, "departments.renamed")[-1] == {
        "department_id": target,
        "changes": {"name": {"before": "Dirección de Obras", "after": "DOM"}},
    }


def test_settings_change_the_header_the_due_dates_and_the_logo(app, make_user):
    client, admin = admin_client(app, make_user)
    assert "Municipalidad de Prueba" in client.get("/").get_data(as_text=True)
    page = client.get("/admin/configuracion").get_data(as_text=True)
    assert 'value="30"' in page and 'value="7"' in page
    bad = client.post(
        "/admin/configuracion",
        data={"institution_name": "X", "onboarding_days": "0", "reminder_interval_days": "7"},
    )
    assert bad.status_code == 422 and "Entre 1 y 365" in bad.get_data(as_text=True)
    not_image = client.post(
        "/admin/configuracion",
        data={
            "institution_name": "Ilustre Municipalidad de Quilpué",
            "onboarding_days": "45",
            "reminder_interval_days": "10",
            "logo": (io.BytesIO(b"<svg></svg>"), "logo.png"),
        },
        content_type="multipart/form-data",
    )
    assert not_image.status_code == 422 and "no es una imagen" in not_image.get_data(as_text=True)
    saved = client.post(
        "/admin/configuracion",
        data={
            "institution_name": "Ilustre Municipalidad de Quilpué",
            "onboarding_days": "45",
            "reminder_interval_days": "10",
            "logo": (io.BytesIO(PNG), "escudo.png"),
        },
        content_type="multipart/form-data",
    )
    assert saved.status_code == 302
    home = app.test_client().get("/login").get_data(as_text=True)  # also before signing in
    assert "Ilustre Municipalidad de Quilpué" in home and "Municipalidad de Prueba" not in home
    logo_url = re.search(r'<img class="brand-logo" src="(/logo/[\w.-]+)" alt="Logo de la Ilustre', home).group(1)
    served = app.test_client().get(logo_url)
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert Image.open(io.BytesIO(served.data)).size == (120, 40)  # small logos keep their size
    served.close()
    assert app.test_client().get("/logo/otro.png").status_code == 404
    change = events(app, "settings.changed")[-1]["changes"]
    assert change["ONBOARDING_DAYS"] == {"before": 30, "after": 45}
    client.post(
        "/admin/cuentas/nueva",
        data={"rut": "18.765.432-7", "full_name": "Juan Soto", "start_date": "2026-03-02", "roles": [STAFF]},
    )
    with app.app_context():
        juan = db.session.scalar(select(User).where(User.rut == "18765432-7"))
        assert juan.due_date == date(2026, 3, 2) + timedelta(days=45)
    client.post(
        "/admin/configuracion",
        data={
            "institution_name": "Ilustre Municipalidad de Quilpué",
            "onboarding_days": "45",
            "reminder_interval_days": "10",
            "remove_logo": "y",
        },
    )
    assert "brand-logo" not in client.get("/").get_data(as_text=True)


def test_audit_page_filters_and_verifies_the_chain(app, make_user):
    client, admin = admin_client(app, make_user)
    other = make_user(full_name="Bruno Díaz")
    login(app.test_client(), other.email)
    client.post("/admin/departamentos", data={"name": "Tránsito"})
    # The action filter lists every action: look at the events only.
    everything = events_table(client.get("/admin/auditoria").get_data(as_text=True))
    assert "departments.created" in everything and "auth.login" in everything
    assert everything.index("departments.created") < everything.index("auth.login")  # newest first
    only_departments = events_table(client.get("/admin/auditoria?accion=departments").get_data(as_text=True))
    assert "departments.created" in only_departments and "auth.login" not in only_departments
    by_actor = events_table(client.get("/admin/auditoria?actor=bruno").get_data(as_text=True))
    assert "Bruno Díaz" in by_actor and "departments.created" not in by_actor
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    assert "No hay eventos" in client.get(f"/admin/auditoria?desde={tomorrow}").get_data(as_text=True)
    yesterday = (date.today() - timedelta(days=2)).isoformat()
    assert "departments.created" in events_table(
        client.get(f"/admin/auditoria?desde={yesterday}&hasta={tomorrow}").get_data(as_text=True)
    )
    assert client.get("/admin/auditoria?desde=no-es-fecha&accion=nada").status_code == 200

    ok = client.post("/admin/auditoria/verificar", follow_redirects=True).get_data(as_text=True)
    assert "está íntegra" in ok
    with app.app_context():
        event_id = db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "departments.created"))
        db.session.execute(
            text("UPDATE audit_event SET details = :details WHERE id = :id"), {"details": "{}", "id": event_id}
        )
        db.session.commit()
    broken = client.post("/admin/auditoria/verificar", follow_redirects=True).get_data(as_text=True)
    assert f"rota desde el evento N° {event_id}" in broken


def events_table(page: str) -> str:
    """The audit page from its count of events on: the events, without the filters above them."""
    return page[page.index('<h2 id="eventos">') :]


def event_count(page: str) -> int:
    return int(re.search(r'<h2 id="eventos">(\d+) eventos?</h2>', page).group(1))


def test_audit_page_finds_failed_sign_ins_by_the_login_typed(app, make_user):
    client, _admin = admin_client(app, make_user)
    bruno = make_user(full_name="Bruno Díaz")
    number, digit = bruno.rut.split("-")
    dotted = f"{int(number):,}".replace(",", ".") + "-" + digit
    login(app.test_client(), dotted, "no-es-la-clave")
    login(app.test_client(), "Nadie@Muni.cl", "no-es-la-clave")
    login(app.test_client(), "otro@muni.cl", "no-es-la-clave")
    login(app.test_client(), bruno.email)  # a success is not a failed sign-in
    with app.app_context():
        # Written before failed sign-ins stopped keeping the login as typed.
        service.audit.record("auth.login_failed", login="Viejo@Muni.cl")
        db.session.commit()

    everything = client.get("/admin/auditoria").get_data(as_text=True)
    assert f'<a href="/admin/cuentas/{bruno.id}">Cuenta de Bruno Díaz</a>' in everything
    # Every spelling of the RUT, and the email, find the account's failed sign-in and nothing else.
    for typed in (bruno.rut, number + digit, bruno.email.upper()):
        page = client.get("/admin/auditoria", query_string={"ingreso": typed}).get_data(as_text=True)
        assert event_count(page) == 1 and "Cuenta de Bruno Díaz" in page, typed
    unknown = client.get("/admin/auditoria", query_string={"ingreso": " nadie@muni.CL"}).get_data(as_text=True)
    assert event_count(unknown) == 1 and "Huella del RUT o correo escrito" in unknown and "Nadie" not in unknown
    legacy = client.get("/admin/auditoria", query_string={"ingreso": "viejo@muni.cl"}).get_data(as_text=True)
    assert event_count(legacy) == 1 and "Viejo@Muni.cl" in legacy
    never = client.get("/admin/auditoria", query_string={"ingreso": "nunca@muni.cl"}).get_data(as_text=True)
    assert "No hay eventos" in never
    for hostile in ("<script>alert(1)</script>", "' OR 1=1 --", "%", "_", "x" * 300):
        response = client.get("/admin/auditoria", query_string={"ingreso": hostile})
        assert response.status_code == 200 and "<script>alert" not in response.get_data(as_text=True)
    assert event_count(client.get("/admin/auditoria", query_string={"ingreso": "%"}).get_data(as_text=True)) == 0


SETTINGS = {
    "institution_name": "Ilustre Municipalidad de Quilpué",
    "onboarding_days": "30",
    "reminder_interval_days": "7",
}


def upload_logo(client, data: bytes, filename="escudo.png"):
    return client.post(
        "/admin/configuracion",
        data=dict(SETTINGS, logo=(io.BytesIO(data), filename)),
        content_type="multipart/form-data",
    )


def served_logo(app) -> bytes:
    home = app.test_client().get("/login").get_data(as_text=True)
    url = re.search(r'<img class="brand-logo" src="(/logo/[\w.-]+)"', home).group(1)
    response = app.test_client().get(url)
    data = response.data
    response.close()
    return data


def test_a_large_logo_is_shrunk_and_a_photograph_kept_as_jpeg(app, make_user):
    client, _admin = admin_client(app, make_user)
    assert upload_logo(client, png_bytes((2400, 1200))).status_code == 302
    flat = Image.open(io.BytesIO(served_logo(app)))
    assert flat.format == "PNG" and flat.size == (288, 144)  # within 480 x 144, proportions kept

    photograph = png_bytes((600, 250), noisy=True)
    assert len(photograph) > 300_000
    assert upload_logo(client, photograph).status_code == 302
    data = served_logo(app)
    stored = Image.open(io.BytesIO(data))
    assert stored.format == "JPEG" and stored.size == (346, 144)
    assert len(data) < 100_000  # the logo is on every page

    truncated = upload_logo(client, png_bytes((300, 100), noisy=True)[:5000])
    assert truncated.status_code == 422
    assert "No se pudo leer la imagen" in truncated.get_data(as_text=True)


def test_the_certificate_carries_the_logo(app, client, login_as, make_user):
    admin, _ = admin_client(app, make_user)
    assert upload_logo(admin, png_bytes((300, 100))).status_code == 302
    login_as(full_name="Rosa Elena Tapia Vera")
    complete_path(client, app, "Rosa Elena Tapia Vera")
    pdf = PdfReader(io.BytesIO(client.get("/certificado").data))
    (image,) = pdf.pages[0].images
    assert image.image.size == (300, 100)
