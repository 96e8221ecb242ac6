"""Jefaturas: an administrator gives the role and the departments led; the jefatura sees, read-only,
HR's report and person pages for those departments' people, and nothing else of HR's area."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.auth.access import access_rule_of
from portal.extensions import db
from portal.models.audit import AuditEvent
from portal.models.user import Department, User
from portal.people import teams
from portal.people.departments import merge_departments
from portal.vocabulary import ADMIN, HR, STAFF, SUPERVISOR
from tests.conftest import login
from tests.test_access_rules import concrete_url

OBRAS, TRANSITO, SECRETARIA = "Dirección de Obras Municipales", "Dirección de Tránsito", "Secretaría Municipal"


def department_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Department.id).where(Department.name == name))


def lead(app, person_id: int, *names: str) -> None:
    with app.app_context():
        user = db.session.get(User, person_id)
        ids = db.session.scalars(select(Department.id).where(Department.name.in_(names)))
        teams.change_led_departments(user, list(ids), actor_id=None)
        db.session.commit()


@pytest.fixture
def town(app, make_user):
    """Two people in each of three departments, one without a department, one who left, and a jefatura
    (who works in Secretaría) leading Obras and Tránsito."""
    people = {
        "obras": [make_user(full_name="Rosa Obras Uno", department=OBRAS, email=None)],
        "transito": [make_user(full_name="Luis Tránsito Uno", department=TRANSITO)],
        "secretaria": [make_user(full_name="Inés Secretaría Uno", department=SECRETARIA)],
    }
    people["obras"].append(make_user(full_name="Pedro Obras Dos", department=OBRAS))
    people["transito"].append(make_user(full_name="Marta Tránsito Dos", department=TRANSITO, email=None))
    people["secretaria"].append(make_user(full_name="Jorge Secretaría Dos", department=SECRETARIA))
    people["nowhere"] = [make_user(full_name="Ana Sin Departamento")]
    people["left"] = [make_user(full_name="Carlos Obras Se Fue", department=OBRAS, active=False)]
    boss = make_user(full_name="Jefa Doble Departamento", department=SECRETARIA, roles=(STAFF, SUPERVISOR))
    lead(app, boss.id, OBRAS, TRANSITO)
    client = app.test_client()
    assert login(client, boss.email).headers["Location"].endswith("/equipo/")
    return client, people


def names_listed(html: str) -> set[str]:
    return set(re.findall(r'<th scope="row"><a href="/equipo/personas/\d+">([^<]+)</a>', html))


def test_a_jefatura_of_two_departments_sees_exactly_their_people_and_404_for_anyone_else(app, town):
    client, people = town
    html = client.get("/equipo/").get_data(as_text=True)
    team = {person.full_name for key in ("obras", "transito") for person in people[key]}
    assert names_listed(html) == team
    assert "Totales de las 4 personas" in html
    assert f"Las personas de los 2 departamentos que dirige: {OBRAS}; {TRANSITO}." in html
    start = html.index('id="tabla-departamentos"')
    chart = html[start : html.index("</table>", start)]
    assert OBRAS in chart and TRANSITO in chart and SECRETARIA not in chart and "Sin departamento" not in chart
    # The department filter offers only theirs, and naming another one (or searching a name) leaks nobody.
    start = html.index('name="departamento"')
    filters = html[start : html.index("</select>", start)]
    assert OBRAS in filters and TRANSITO in filters and SECRETARIA not in filters
    other = client.get(f"/equipo/?departamento={department_id(app, SECRETARIA)}").get_data(as_text=True)
    assert names_listed(other) == team  # not one of theirs: the filter is refused, as any unknown choice
    assert names_listed(client.get("/equipo/?q=Secretaría").get_data(as_text=True)) == set()
    assert names_listed(client.get("/equipo/?estado=not_started&orden=avance").get_data(as_text=True)) == team
    # Nothing of HR's tools is offered.
    for hr_link in ("/rrhh/", "Agregar persona", "Exportar", "Importar", "recordatorios", "Mover plazos"):
        assert hr_link not in html, hr_link

    for person in people["obras"] + people["transito"]:
        page = client.get(f"/equipo/personas/{person.id}")
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and person.full_name in text
        assert '<form method="post" action="/rrhh' not in text and "/editar" not in text and ".pdf" not in text
    for person in people["secretaria"] + people["nowhere"]:
        assert client.get(f"/equipo/personas/{person.id}").status_code == 404
    assert client.get("/equipo/personas/999999").status_code == 404


def test_every_hr_only_route_refuses_a_jefatura(app, town):
    client, people = town
    target = people["obras"][0].id
    refused = []
    with app.test_request_context():
        rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]
        hr_only = [rule for rule in rules if (access_rule_of(rule.endpoint) or ("", frozenset()))[1] == {HR}]
    assert len(hr_only) >= 15
    for rule in hr_only:
        url = concrete_url(rule).replace("/personas/1", f"/personas/{target}")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={"active": "0", "days": "30"})
            response.close()
            assert response.status_code == 403, (method, url, response.status_code)
            refused.append(url)
    assert "/rrhh/" in refused and f"/rrhh/personas/{target}" in refused and "/rrhh/exportar.csv" in refused
    with app.app_context():
        assert db.session.get(User, target).active is True


def test_a_person_holding_the_role_without_departments_sees_an_empty_team(app, make_user):
    make_user(full_name="Alguien De Obras", department=OBRAS)
    boss = make_user(roles=(STAFF, SUPERVISOR))
    client = app.test_client()
    login(client, boss.email)
    html = client.get("/equipo/").get_data(as_text=True)
    assert names_listed(html) == set() and "Aún no tiene departamentos asignados" in html


def account_data(user: User, roles, led) -> dict:
    return {
        "rut": user.rut,
        "full_name": user.full_name,
        "email": user.email or "",
        "department": user.department.name if user.department else "",
        "employment_type": "",
        "start_date": user.start_date.isoformat(),
        "due_date": user.due_date.isoformat(),
        "roles": list(roles),
        "led_departments": [str(department) for department in led],
    }


def test_an_administrator_assigns_the_role_and_the_departments_audited_in_spanish(app, make_user):
    admin = make_user(roles=(STAFF, ADMIN))
    person = make_user(full_name="Futura Jefatura", department=SECRETARIA)
    make_user(full_name="Alguien De Obras", department=OBRAS)
    make_user(full_name="Alguien De Tránsito", department=TRANSITO)
    obras, transito = department_id(app, OBRAS), department_id(app, TRANSITO)
    client = app.test_client()
    login(client, admin.email)
    url = f"/admin/cuentas/{person.id}/editar"
    form = client.get(url).get_data(as_text=True)
    assert "Departamentos que dirige" in form and 'value="supervisor"' in form and "Jefatura" in form
    with app.app_context():
        user = db.session.get(User, person.id)
        no_departments = account_data(user, (STAFF, SUPERVISOR), [])
        departments_only = account_data(user, (STAFF,), [obras])
        both = account_data(user, (STAFF, SUPERVISOR), [obras, transito])
        gone = account_data(user, (STAFF, SUPERVISOR), [obras, 987654])

    refused = client.post(url, data=no_departments)
    assert refused.status_code == 422 and "Elija al menos un departamento que dirige" in refused.get_data(as_text=True)
    refused = client.post(url, data=departments_only)
    assert refused.status_code == 422 and "marque el rol Jefatura" in refused.get_data(as_text=True)
    refused = client.post(url, data=gone)
    assert refused.status_code == 422 and "ya no existe" in refused.get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, person.id)
        assert user.roles == {STAFF} and user.led_departments == []  # nothing half-done

    assert client.post(url, data=both).status_code == 302
    with app.app_context():
        user = db.session.get(User, person.id)
        assert user.roles == {STAFF, SUPERVISOR} and [d.name for d in user.led_departments] == [OBRAS, TRANSITO]
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "accounts.led_departments_changed")
        ).one()
        assert event.actor_id == admin.id and event.subject_id == person.id
    assert OBRAS in client.get(f"/admin/cuentas/{person.id}").get_data(as_text=True)
    log = client.get("/admin/auditoria").get_data(as_text=True)
    assert "Se cambiaron los departamentos que dirige una jefatura" in log
    line = f'<span class="audit-field">Departamentos que dirige:</span> (vacío) → {OBRAS}, {TRANSITO}'
    assert line in log

    # Taking the role away takes the departments with it, in one save.
    with app.app_context():
        user = db.session.get(User, person.id)
        assert client.post(url, data=account_data(user, (STAFF,), [])).status_code == 302
        db.session.expire_all()
        assert db.session.get(User, person.id).led_departments == []


def test_a_new_account_can_be_created_as_a_jefatura(app, make_user):
    admin = make_user(roles=(STAFF, ADMIN))
    make_user(department=OBRAS)
    client = app.test_client()
    login(client, admin.email)
    data = {
        "rut": "18.765.432-7",
        "full_name": "Nueva Jefa",
        "roles": [STAFF, SUPERVISOR],
        "led_departments": [str(department_id(app, OBRAS))],
    }
    assert client.post("/admin/cuentas/nueva", data=data).status_code == 200
    with app.app_context():
        user = db.session.scalar(select(User).where(User.rut == "18765432-7"))
        assert [d.name for d in user.led_departments] == [OBRAS]


def test_merging_departments_keeps_their_jefaturas_leading_the_merged_one(app, make_user):
    admin = make_user(roles=(STAFF, ADMIN))
    make_user(department=OBRAS)
    make_user(department=TRANSITO)
    both = make_user(full_name="Jefa De Ambos", roles=(STAFF, SUPERVISOR))
    one = make_user(full_name="Jefe De Obras", roles=(STAFF, SUPERVISOR))
    lead(app, both.id, OBRAS, TRANSITO)
    lead(app, one.id, OBRAS)
    obras, transito = department_id(app, OBRAS), department_id(app, TRANSITO)
    with app.app_context():
        source, target = db.session.get(Department, obras), db.session.get(Department, transito)
        merge_departments(source, target, admin.id)
        db.session.commit()
        db.session.expire_all()
        assert [d.name for d in db.session.get(User, both.id).led_departments] == [TRANSITO]
        assert [d.name for d in db.session.get(User, one.id).led_departments] == [TRANSITO]


def test_the_command_line_creates_a_jefatura_with_the_departments_led(app, runner):
    common = ["--name", "Jefa De Terreno", "--password", "una frase de clave larga", "--role", "staff"]
    refused = runner.invoke(args=["users", "create", "--rut", "18.765.432-7", *common, "--role", "supervisor"])
    assert refused.exit_code != 0 and "elija al menos un departamento" in refused.output
    created = runner.invoke(
        args=["users", "create", "--rut", "18.765.432-7", *common, "--role", "supervisor", "--leads", OBRAS]
    )
    assert created.exit_code == 0, created.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.rut == "18765432-7"))
        assert user.roles == {STAFF, SUPERVISOR} and [d.name for d in user.led_departments] == [OBRAS]


def test_people_scope_is_everyone_for_hr_and_the_led_departments_for_a_jefatura(app, make_user):
    """The scope other jefatura tools (printed slips, reminder sheets) reuse: people.teams.people_scope."""
    obras = make_user(full_name="Alguien De Obras", department=OBRAS)
    secretaria = make_user(full_name="Alguien De Secretaría", department=SECRETARIA)
    boss = make_user(roles=(STAFF, SUPERVISOR))
    hr_boss = make_user(roles=(STAFF, SUPERVISOR, HR))
    hr = make_user(roles=(STAFF, HR))
    staff = make_user()
    lead(app, boss.id, OBRAS)
    lead(app, hr_boss.id, OBRAS)
    with app.app_context():
        people = {person.id: db.session.get(User, person.id) for person in (obras, secretaria)}

        def seen(account, scope_of) -> set[int]:
            scope = scope_of(db.session.get(User, account.id))
            listed = set(db.session.scalars(select(User.id).where(User.id.in_(people), scope.condition())))
            assert listed == {uid for uid, person in people.items() if scope.includes(person)}
            return listed

        assert seen(boss, teams.people_scope) == {obras.id}
        assert seen(hr, teams.people_scope) == seen(hr_boss, teams.people_scope) == {obras.id, secretaria.id}
        assert seen(hr_boss, teams.team_scope) == {obras.id}  # /equipo is their team, even for HR
        assert seen(staff, teams.people_scope) == seen(hr, teams.team_scope) == set()
