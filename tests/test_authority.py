"""No role climbs above itself: every route that acts on an account, as every role, on every role.

The matrix is generated from the URL map: every route with a `user_id` in its address. A POST,
or the GET of an edit page (a route that also takes POST), acts on the account; a GET-only page
reads it. Acting is allowed when the route's access rule lets the actor in AND every role of the
target is within the actor's authority (portal/auth/authority.py); reading needs the access rule
only. Refused cells answer 403 and leave the account, its sign-ins and its password links as
they were. The staff import and the last-administrator rule are held on their own paths below.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.auth.authority import OutOfAuthority, may_manage
from portal.extensions import db
from portal.models.staff import ActivationCode, PasswordToken
from portal.models.user import AuthSession, User
from portal.people import accounts as people
from portal.vocabulary import ADMIN, HR, STAFF, SUPERVISOR, TRAINER
from tests.conftest import login
from tests.test_access_rules import access_rule_of_app
from tests.test_object_access import IN_TEAM

ROLE_SETS = {
    "staff": (STAFF,),
    "trainer": (STAFF, TRAINER),
    "supervisor": (STAFF, SUPERVISOR),
    "hr": (STAFF, HR),
    "admin": (STAFF, ADMIN),
}
ACTORS = TARGETS = ROLE_SETS


def account_routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if "user_id" not in rule.arguments:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            acts = method != "GET" or "POST" in rule.methods
            yield rule, method, acts


def state_of(app, user_id: int) -> tuple:
    with app.app_context():
        user = db.session.get(User, user_id)
        tokens = db.session.scalar(select(func.count()).where(PasswordToken.user_id == user_id))
        codes = db.session.scalar(select(func.count()).where(ActivationCode.user_id == user_id))
        sessions = db.session.scalar(select(func.count()).where(AuthSession.user_id == user_id))
        state = (
            user.rut,
            user.email,
            user.full_name,
            user.active,
            user.password_hash,
            sorted(user.roles),
            tokens,
            codes,
        )
        db.session.remove()
        return state, sessions


#: What a person would send: new data for edit pages, "deactivate" for switches.
BODY = {
    "rut": "18.765.432-7",
    "full_name": "Nombre Cambiado",
    "email": "tomada@ejemplo.cl",
    "roles": [STAFF],
    "active": "0",
    "confirmation": "ANONIMIZAR",
}


@pytest.mark.parametrize("actor_name", list(ACTORS))
def test_every_route_that_acts_on_an_account_respects_authority(app, make_user, actor_name):
    actor = make_user(full_name=f"Actor {actor_name}", roles=ACTORS[actor_name])
    make_user(full_name="Otra Administradora", roles=(STAFF, ADMIN))  # the target admin is not the last one
    client = app.test_client()
    assert login(client, actor.email).status_code == 302
    refused, allowed = [], []
    for rule, method, acts in account_routes(app):
        kind, required = access_rule_of_app(app, rule.endpoint)
        for target_name, target_roles in TARGETS.items():
            target = make_user(full_name=f"Destino {target_name}", roles=target_roles)
            with app.app_context():
                target_user = db.session.get(User, target.id)
                if rule.endpoint == "admin.anonymise":
                    target_user.active = False  # only a deactivated account can be anonymised
                db.session.commit()
            before = state_of(app, target.id)
            # Other variables (a certificate of the person) get an id that exists nowhere: 404, never 403.
            values = {**dict.fromkeys(rule.arguments, 0), "user_id": target.id}
            url = rule.build(values, append_unknown=False)[1]
            response = client.open(url, method=method, data=BODY if method == "POST" else None)
            response.close()
            passes_rule = not required or bool(set(required) & set(ACTORS[actor_name]))
            may = passes_rule and (not acts or may_manage(ACTORS[actor_name], target_roles))
            where = (actor_name, method, rule.rule, target_name, response.status_code)
            assert response.status_code < 500, where
            if may:
                assert response.status_code != 403, where
                allowed.append(where)
            else:
                # A jefatura's team routes answer 404 for anyone outside the team (here: everyone, as the
                # actors lead no department); printing for their own people is tests/test_team_printing.py.
                assert response.status_code in ({403, 404} if rule.endpoint in IN_TEAM else {403}), where
                assert state_of(app, target.id) == before, where
                refused.append(where)
    if actor_name == "hr":
        # HR reaches the people pages of everyone, and acts on staff and jefaturas only.
        assert any(cell[2].endswith("/enlace") and cell[3] == "admin" for cell in refused)
        assert any(cell[2].endswith("/enlace") and cell[3] == "staff" for cell in allowed)
        assert any(cell[2].endswith("/enlace") and cell[3] == "supervisor" for cell in allowed)
    if actor_name == "supervisor":
        # A jefatura acts on nobody's account; the only account pages they reach are their team's, read-only.
        assert all(cell[2].startswith("/equipo/") for cell in allowed) and allowed
        assert any(cell[2].endswith("/enlace") and cell[3] == "staff" for cell in refused)


def test_hr_cannot_obtain_an_administrators_password_link_or_change_their_email(app, make_user):
    hr = make_user(roles=(STAFF, HR))
    admin = make_user(full_name="Ana Administradora", email="admin@muni.cl", roles=(STAFF, ADMIN))
    client = app.test_client()
    login(client, hr.email)
    link = client.post(f"/rrhh/personas/{admin.id}/enlace")
    assert link.status_code == 403 and "/clave/" not in link.get_data(as_text=True)
    edit = client.post(
        f"/rrhh/personas/{admin.id}/editar", data={"rut": admin.rut, "full_name": admin.full_name, "email": "rrhh@x.cl"}
    )
    assert edit.status_code == 403
    page = client.get(f"/rrhh/personas/{admin.id}").get_data(as_text=True)
    assert "solo Administración puede modificarla" in page and "/enlace" not in page
    with app.app_context():
        assert db.session.get(User, admin.id).email == "admin@muni.cl"
        assert db.session.scalar(select(func.count()).where(PasswordToken.user_id == admin.id)) == 0


def test_the_staff_import_never_changes_an_account_with_more_authority(app, make_user):
    hr = make_user(roles=(STAFF, HR))
    admin = make_user(full_name="Ana Administradora", email="admin@muni.cl", roles=(STAFF, ADMIN))
    client = app.test_client()
    login(client, hr.email)
    csv = f"RUT;Nombre;Correo\n{admin.rut};Ana Administradora;rrhh-toma@muni.cl\n".encode()
    preview = client.post("/rrhh/personas/importar", data={"file": (io.BytesIO(csv), "p.csv")})
    html = preview.get_data(as_text=True)
    assert "solo Administración puede modificar" in html
    runner = app.test_cli_runner()
    path = Path(app.instance_path) / "personas.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(csv)
    result = runner.invoke(args=["staff", "import", str(path), "--skip-invalid"])
    assert "solo Administración puede modificar" in result.output
    with app.app_context():
        assert db.session.get(User, admin.id).email == "admin@muni.cl"


def test_the_last_active_administrator_remains_on_every_path(app, make_user):
    admin = make_user(full_name="Única Administradora", roles=(STAFF, ADMIN))
    hr = make_user(roles=(STAFF, HR, ADMIN))
    with app.app_context():
        db.session.get(User, hr.id).set_roles([STAFF, HR])
        db.session.commit()
    hr_client = app.test_client()
    login(hr_client, hr.email)
    assert hr_client.post(f"/rrhh/personas/{admin.id}/activacion", data={"active": "0"}).status_code == 403
    admin_client = app.test_client()
    login(admin_client, admin.email)
    admin_client.post(f"/admin/cuentas/{admin.id}/activacion", data={"active": "0"})
    with app.app_context():
        # Even a caller with every authority (the command line) cannot deactivate the last one.
        with pytest.raises(OutOfAuthority, match="último administrador"):
            people.set_active(db.session.get(User, admin.id), False, actor_id=None)
        db.session.rollback()
        assert db.session.get(User, admin.id).active is True
