"""The audit trail as the legal office reads it: what changed, before and after, in Spanish; downloads."""

from __future__ import annotations

import ast
import csv
import io
import json
import re
from datetime import date, timedelta
from html import unescape
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from portal import audit
from portal.admin import audit_text
from portal.extensions import db
from portal.models.audit import AuditEvent
from portal.models.user import Department, User
from portal.vocabulary import HR, STAFF, TRAINER
from tests.conftest import login
from tests.pages import forms_on
from tests.test_admin import admin_client, event_count, events_table

PORTAL = Path(__file__).resolve().parents[1] / "portal"


# --- Every action has a Spanish name ---------------------------------------------------


def recorded_actions() -> dict[str, str]:
    """{action: "file:line"} for every audit.record(...) call in portal/, read from the source.

    The action is the call's first argument; a conditional ("a" if x else "b") gives both. A first
    argument with no literal in it (a variable) cannot be checked, so it is reported as such.
    """
    found = {}
    for path in sorted(PORTAL.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            is_record = (isinstance(func, ast.Attribute) and func.attr == "record" and _names_audit(func.value)) or (
                isinstance(func, ast.Name) and func.id == "record" and path.name != "audit.py"
            )
            if not is_record or not node.args:
                continue
            where = f"{path.relative_to(PORTAL.parent)}:{node.lineno}"
            literals = [
                item.value
                for item in ast.walk(node.args[0])
                if isinstance(item, ast.Constant) and isinstance(item.value, str)
            ]
            assert literals, f"{where}: audit.record's action is not written out, so no test can check its label"
            for action in literals:
                found.setdefault(action, where)
    return found


def _names_audit(value: ast.expr) -> bool:
    return (isinstance(value, ast.Name) and value.id == "audit") or (
        isinstance(value, ast.Attribute) and value.attr == "audit"
    )


def test_every_action_recorded_in_the_code_has_a_spanish_label():
    actions = recorded_actions()
    # The scan finds what it should: the sign-in, the HR edit and this page's own download.
    assert {"auth.login", "staff.updated", "audit.exported", "content.module_published"} <= set(actions)
    missing = {action: where for action, where in actions.items() if action not in audit_text.ACTION_LABELS}
    assert not missing, f"add these actions to portal/admin/audit_text.py ACTION_LABELS: {missing}"
    stale = set(audit_text.ACTION_LABELS) - set(actions)
    assert not stale, f"labels for actions that nothing records any more: {sorted(stale)}"
    # Each action can be picked in the filter, under its group.
    groups = {action.split(".", 1)[0] for action in actions}
    assert groups <= set(audit_text.CATEGORY_LABELS), groups - set(audit_text.CATEGORY_LABELS)


# --- The diff helper -------------------------------------------------------------------


def test_changes_keeps_only_what_changed_and_never_a_secret_or_a_personal_value():
    before = {
        "department": "Dirección de Tránsito",
        "due_date": date(2026, 3, 2),
        "roles": {STAFF},
        "email": "ana@muni.cl",
        "employment_type": "",
        "password_hash": "scrypt:old",
        "reset_token": "abc",
    }
    after = {
        "department": "DIDECO",
        "due_date": date(2026, 4, 1),
        "roles": {HR, STAFF},
        "email": "ana.perez@muni.cl",
        "employment_type": None,
        "password_hash": "scrypt:new",
        "reset_token": "def",
    }
    assert audit.changes(before, after) == {
        "department": {"before": "Dirección de Tránsito", "after": "DIDECO"},
        "due_date": {"before": "2026-03-02", "after": "2026-04-01"},
        "roles": {"before": [STAFF], "after": [HR, STAFF]},
        "email": {"withheld": True},
    }
    assert audit.changes(before, dict(before)) == {}
    assert audit.changes({}, {"title": "Nueva"}) == {"title": {"before": None, "after": "Nueva"}}


# --- Edits record before and after -----------------------------------------------------


def edit_form(client, url: str) -> dict:
    """The body of the page's form that posts to the page itself, as the page shows it."""
    page = client.get(url).get_data(as_text=True)
    forms = [form for form in forms_on(page, "http://localhost" + url) if form.method == "post" and form.path == url]
    assert forms, f"no edit form on {url}"
    return forms[0].data()


def last_event(app, action: str) -> tuple[int, dict] | None:
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc()))
        return (event.id, json.loads(event.details)) if event else None


def every_stored_event(app) -> str:
    with app.app_context():
        return " ".join(
            " ".join(str(value) for value in row) for row in db.session.execute(select(AuditEvent.__table__))
        )


def put_in_department(app, user_id: int, name: str) -> None:
    with app.app_context():
        department = db.session.scalar(select(Department).where(Department.name == name)) or Department(name=name)
        db.session.get(User, user_id).department = department
        db.session.commit()


def test_hr_edit_records_department_and_due_date_before_and_after_and_the_admin_reads_it(app, make_user):
    hr = make_user(full_name="Carolina Vergara", roles=(STAFF, HR))
    hr_client = app.test_client()
    assert login(hr_client, hr.email).status_code == 302
    person = make_user(full_name="Pedro Rojas Díaz", due_date=date(2026, 3, 2))
    put_in_department(app, person.id, "Dirección de Tránsito")
    with app.app_context():
        db.session.add(Department(name="DIDECO"))
        db.session.commit()
    url = f"/rrhh/personas/{person.id}/editar"

    data = edit_form(hr_client, url)
    data["department"] = "DIDECO"
    data["due_date"] = "2026-04-01"
    assert hr_client.post(url, data=data).status_code == 302

    event_id, details = last_event(app, "staff.updated")
    assert details == {
        "user_id": person.id,
        "changes": {
            "department": {"before": "Dirección de Tránsito", "after": "DIDECO"},
            "due_date": {"before": "2026-03-02", "after": "2026-04-01"},
        },
    }
    # The person then sets a password through a one-time link: neither it nor its hash is in the log.
    link = hr_client.post(f"/rrhh/personas/{person.id}/enlace", follow_redirects=True).get_data(as_text=True)
    path = re.search(r"http://127\.0\.0\.1:5000(/clave/[\w-]+)", link).group(1)
    secret = "una frase secreta bastante larga"
    app.test_client().post(path, data={"password": secret, "confirm": secret})
    with app.app_context():
        password_hash = db.session.get(User, person.id).password_hash
    stored = every_stored_event(app)
    assert password_hash and password_hash not in stored and secret not in stored and "password_hash" not in stored

    client, _admin = admin_client(app, make_user)
    page = client.get("/admin/auditoria", query_string={"accion": "staff.updated"}).get_data(as_text=True)
    events = unescape(events_table(page))
    assert event_count(page) == 1
    assert "Se editaron los datos de una persona" in events
    assert f'<a href="/admin/cuentas/{person.id}">Cuenta de Pedro Rojas Díaz</a>' in events
    assert "Departamento:</span> Dirección de Tránsito → DIDECO" in events
    assert "Plazo de la inducción:</span> 02-03-2026 → 01-04-2026" in events
    assert "{" not in events.split("<tbody>")[1]  # no JSON left for the reader to decode


def test_role_and_settings_changes_read_as_sentences(app, make_user):
    client, _admin = admin_client(app, make_user)
    person = make_user(full_name="Pedro Rojas Díaz")
    data = edit_form(client, f"/admin/cuentas/{person.id}/editar")
    data["roles"] = [STAFF, TRAINER]
    assert client.post(f"/admin/cuentas/{person.id}/editar", data=data).status_code == 302
    data = edit_form(client, "/admin/configuracion")
    data["onboarding_days"] = "45"
    assert client.post("/admin/configuracion", data=data).status_code == 302

    events = unescape(events_table(client.get("/admin/auditoria").get_data(as_text=True)))
    assert "Se cambiaron los roles de una cuenta" in events
    assert (
        "Roles:</span> Funcionario/a (realiza la inducción) → "
        "Funcionario/a (realiza la inducción), Capacitación (edita módulos y cuestionarios)"
    ) in events
    assert "Se cambió la configuración del portal" in events
    assert "Días para completar la inducción:</span> 30 → 45" in events


# --- Filters ---------------------------------------------------------------------------


def test_the_action_filter_lists_spanish_names_and_picks_one_action_or_a_group(app, make_user):
    client, admin = admin_client(app, make_user)
    client.post("/admin/departamentos", data={"name": "Tránsito"})
    login(app.test_client(), admin.email, "no-es-la-clave")

    page = client.get("/admin/auditoria").get_data(as_text=True)
    assert '<option value="auth.login_failed">Inicio de sesión fallido</option>' in page
    assert '<optgroup label="Ingresos y contraseñas">' in page
    failed = client.get("/admin/auditoria", query_string={"accion": "auth.login_failed"}).get_data(as_text=True)
    assert event_count(failed) == 1 and re.search(r'<option selected value="auth.login_failed">', failed)
    assert "Inicio de sesión fallido" in events_table(failed)
    group = events_table(client.get("/admin/auditoria", query_string={"accion": "auth"}).get_data(as_text=True))
    assert "Inicio de sesión fallido" in group and "Inicio de sesión</strong>" in group
    assert "Se creó un departamento" not in group
    # An action that does not exist filters nothing out; the page still answers.
    unknown = client.get("/admin/auditoria", query_string={"accion": "auth.nada"})
    assert unknown.status_code == 200 and event_count(unknown.get_data(as_text=True)) == event_count(page)


def test_percent_and_underscore_typed_in_a_search_match_only_themselves(app, make_user):
    client, _admin = admin_client(app, make_user)
    make_user(full_name="Ana 100% Pérez")
    make_user(full_name="Bruno Díaz")
    accounts = client.get("/admin/cuentas", query_string={"q": "%"}).get_data(as_text=True)
    assert "Ana 100% Pérez" in accounts and "Bruno Díaz" not in accounts
    assert "Bruno Díaz" not in client.get("/admin/cuentas", query_string={"q": "_"}).get_data(as_text=True)
    assert event_count(client.get("/admin/auditoria", query_string={"actor": "_"}).get_data(as_text=True)) == 0
    assert event_count(client.get("/admin/auditoria", query_string={"actor": "%"}).get_data(as_text=True)) == 0
    assert event_count(client.get("/admin/auditoria", query_string={"actor": "ana adm"}).get_data(as_text=True)) >= 1


# --- Downloads -------------------------------------------------------------------------


def scene(app, make_user):
    """An administrator, an HR edit of a department and a due date, and a failed sign-in."""
    client, admin = admin_client(app, make_user)
    person = make_user(full_name="Pedro Rojas Díaz", due_date=date(2026, 3, 2))
    put_in_department(app, person.id, "Dirección de Tránsito")
    with app.app_context():
        from portal.people import accounts as people

        user = db.session.get(User, person.id)
        data = {
            "rut": user.rut,
            "full_name": user.full_name,
            "email": user.email,
            "department": "=DIDECO",  # a spreadsheet must not run it
            "new_department": True,
            "due_date": date(2026, 4, 1),
            "start_date": user.start_date,
        }
        people.save_person(user, data, onboarding_days=30, actor_id=admin.id)
        db.session.commit()
    login(app.test_client(), "nadie@muni.cl", "no-es-la-clave")
    return client, admin, person


def test_the_filtered_log_downloads_as_csv_and_the_download_is_audited(app, make_user):
    client, admin, person = scene(app, make_user)
    response = client.get("/admin/auditoria/exportar.csv", query_string={"accion": "staff", "actor": "Ana"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert re.match(r'attachment; filename="?auditoria-\d{4}-\d{2}-\d{2}\.csv', response.headers["Content-Disposition"])
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert header[:6] == ["N°", "Fecha y hora", "Acción", "Persona que actuó", "Cuenta afectada", "Detalle"]
    assert len(body) == 1  # the filters apply: only the staff edit, not the sign-ins
    row = dict(zip(header, body[0], strict=True))
    assert row["Acción"] == "Se editaron los datos de una persona"
    assert row["Persona que actuó"] == "Ana Administradora" and row["Cuenta afectada"] == "Pedro Rojas Díaz"
    assert row["Detalle"].splitlines() == [
        "Departamento: Dirección de Tránsito → =DIDECO",
        "Plazo de la inducción: 02-03-2026 → 01-04-2026",
    ]
    assert re.fullmatch(r"\d{2}-\d{2}-\d{4} \d{2}:\d{2}:\d{2}", row["Fecha y hora"])

    exported = last_event(app, "audit.exported")
    assert exported is not None
    _id, details = exported
    # What was searched for is not kept: only that a person was looked for.
    assert details == {"format": "csv", "filters": {"action": "staff", "actor": True}}
    events = unescape(events_table(client.get("/admin/auditoria").get_data(as_text=True)))
    assert "Se descargó el registro de auditoría" in events
    assert "Filtros:</span> Acción: Personas; Persona que actuó: Sí" in events


def test_the_filtered_log_downloads_as_xlsx_and_the_download_is_audited(app, make_user):
    client, admin, person = scene(app, make_user)
    response = client.get("/admin/auditoria/exportar.xlsx", query_string={"accion": "auth.login_failed"})
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    workbook = load_workbook(io.BytesIO(response.get_data()))
    sheet = workbook["Auditoría"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header, body = rows[0], rows[1:]
    assert len(body) == 1
    row = dict(zip(header, body[0], strict=True))
    assert row["Acción"] == "Inicio de sesión fallido" and row["Persona que actuó"] == "Sistema o visitante"
    assert row["Detalle"].startswith("Huella del RUT o correo escrito: ")
    assert row["Fecha y hora"].date() in (date.today(), date.today() - timedelta(days=1), date.today() + timedelta(1))

    everything = client.get("/admin/auditoria/exportar.xlsx")
    sheet = load_workbook(io.BytesIO(everything.get_data()))["Auditoría"]
    cells = {row[2].value: row for row in sheet.iter_rows(min_row=2)}
    edit = cells["Se editaron los datos de una persona"]
    assert edit[5].value.splitlines()[0] == "Departamento: Dirección de Tránsito → =DIDECO"
    assert edit[5].data_type == "s"  # text, never a formula

    _id, details = last_event(app, "audit.exported")
    assert details == {"format": "xlsx", "filters": {}, "rows": sheet.max_row - 1}
    assert "Se descargó el registro de auditoría" in events_table(client.get("/admin/auditoria").get_data(as_text=True))


def test_only_administrators_download_the_log(app, make_user):
    hr = make_user(full_name="Carolina Vergara", roles=(STAFF, HR, TRAINER))
    hr_client = app.test_client()
    assert login(hr_client, hr.email).status_code == 302
    for url in ("/admin/auditoria/exportar.csv", "/admin/auditoria/exportar.xlsx"):
        assert hr_client.get(url).status_code == 403
    assert last_event(app, "audit.exported") is None
