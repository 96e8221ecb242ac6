"""A jefatura prints paper for their own people, from the team view (/equipo): activation slips for
the staff of the departments they lead who never activated their account, and reminder sheets for
their pending people without e-mail. Nobody else's, and nothing that would reset a password."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models.audit import AuditEvent
from portal.models.staff import ActivationCode
from portal.models.user import Department
from portal.vocabulary import ADMIN, HR, STAFF, SUPERVISOR, TRAINER
from tests.conftest import login
from tests.municipality import modules_in_path
from tests.paper import CODE, page_count, pdf_text, slip_texts
from tests.test_activation_slips import activate
from tests.test_reminder_sheets import place
from tests.test_team_view import OBRAS, SECRETARIA, TRANSITO, lead

SLIPS, SHEETS = "/equipo/hojas-de-activacion", "/equipo/hojas-de-recordatorio"
NEW = {"with_password": False}


@pytest.fixture
def crew(app, make_user):
    """A jefatura (working in Secretaría) leading Obras and Tránsito, and people around them."""
    people = {
        # Their staff who never activated: the only ones a slip is printed for.
        "rosa": make_user(full_name="Rosa Obras Nueva", department=OBRAS, email=None, **NEW),
        "marta": make_user(full_name="Marta Tránsito Nueva", department=TRANSITO, **NEW),
        # Theirs, but activated (a code would reset the password), HR or trainer, or gone.
        "juana": make_user(full_name="Juana Obras Sin Correo", department=OBRAS, email=None),
        "tomas": make_user(full_name="Tomás Tránsito RRHH", department=TRANSITO, roles=(STAFF, HR), **NEW),
        "teresa": make_user(full_name="Teresa Obras Capacitadora", department=OBRAS, roles=(STAFF, TRAINER), **NEW),
        "carlos": make_user(full_name="Carlos Obras Se Fue", department=OBRAS, email=None, active=False, **NEW),
        "elena": make_user(full_name="Elena Obras Completa", email=None),
        # Not theirs.
        "ines": make_user(full_name="Inés Secretaría Nueva", department=SECRETARIA, email=None, **NEW),
        "ana": make_user(full_name="Ana Sin Departamento", email=None, **NEW),
    }
    with app.app_context():
        total = len(modules_in_path())
    place(app, people["elena"], OBRAS, modules_done=total, sign=True)
    boss = make_user(full_name="Jefa Doble Departamento", department=SECRETARIA, roles=(STAFF, SUPERVISOR))
    lead(app, boss.id, OBRAS, TRANSITO)
    client = app.test_client()
    login(client, boss.email)
    return client, boss, people


def events(app, action):
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
        return [(row.actor_id, json.loads(row.details)) for row in rows]


def codes_of(app, person) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).where(ActivationCode.user_id == person.id))


def names_on_slips(body: bytes, people) -> set[str]:
    texts = slip_texts(body)
    assert all(len(CODE.findall(text)) == 1 for text in texts)
    return {person.full_name for person in people.values() if any(person.full_name in text for text in texts)}


def test_slips_of_the_team_hold_exactly_their_staff_who_never_activated(app, crew, make_user):
    client, boss, people = crew
    report = client.get("/equipo/").get_data(as_text=True)
    assert f'action="{SLIPS}"' in report and "Hojas de activación de quienes no han activado su cuenta" in report
    response = client.post(SLIPS)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    body = response.get_data()
    assert names_on_slips(body, people) == {"Rosa Obras Nueva", "Marta Tránsito Nueva"}
    [(actor, details)] = events(app, "staff.activation_slips_printed")
    assert actor == boss.id and details["printed_from"] == "team" and details["people"] == 2
    assert sorted(details["user_ids"]) == sorted([people["rosa"].id, people["marta"].id])
    for key in ("juana", "tomas", "teresa", "carlos", "ines", "ana"):
        assert codes_of(app, people[key]) == 0, key

    # The report's filters narrow the slips, and printing again replaces the earlier code.
    [first] = [CODE.findall(text)[0] for text in slip_texts(body) if "Rosa Obras Nueva" in text]
    with app.app_context():
        obras = db.session.scalar(select(Department.id).where(Department.name == OBRAS))
    again = client.post(f"{SLIPS}?departamento={obras}").get_data()
    assert names_on_slips(again, people) == {"Rosa Obras Nueva"}
    assert activate(app.test_client(), people["rosa"].rut, first).status_code == 200  # refused: replaced
    [second] = CODE.findall(pdf_text(again))
    assert activate(app.test_client(), people["rosa"].rut, second).status_code == 302

    # The audit log says it in Spanish, for whom and from where.
    admin = app.test_client()
    login(admin, make_user(roles=(STAFF, ADMIN)).email)
    log = admin.get("/admin/auditoria").get_data(as_text=True)
    assert "Se imprimieron hojas de activación" in log and "la vista de equipo de una jefatura" in log


def test_one_person_of_the_team_and_404_for_anyone_else(app, crew):
    client, boss, people = crew
    rosa = people["rosa"]
    page = client.get(f"/equipo/personas/{rosa.id}").get_data(as_text=True)
    assert f'action="/equipo/personas/{rosa.id}/hoja-de-activacion"' in page
    response = client.post(f"/equipo/personas/{rosa.id}/hoja-de-activacion")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert names_on_slips(response.get_data(), people) == {"Rosa Obras Nueva"}
    [(actor, details)] = events(app, "staff.activation_slips_printed")
    assert actor == boss.id and details == {**details, "user_id": rosa.id, "people": 1, "printed_from": "team"}

    for key in ("ines", "ana"):  # another department, or none: as if nobody had that number
        assert client.post(f"/equipo/personas/{people[key].id}/hoja-de-activacion").status_code == 404
        assert codes_of(app, people[key]) == 0
    for key in ("juana", "tomas", "teresa", "carlos"):  # theirs, but not a slip a jefatura may print
        assert "hoja-de-activacion" not in client.get(f"/equipo/personas/{people[key].id}").get_data(as_text=True)
        refused = client.post(f"/equipo/personas/{people[key].id}/hoja-de-activacion")
        assert refused.status_code == 302 and refused.headers["Location"].endswith(f"/equipo/personas/{people[key].id}")
        assert codes_of(app, people[key]) == 0, key
    assert len(events(app, "staff.activation_slips_printed")) == 1
    # HR's printing stays HR's.
    assert (
        client.post("/rrhh/hojas-de-activacion", data={"origen": "person", "persona": str(rosa.id)}).status_code == 403
    )


def test_reminder_sheets_hold_exactly_their_pending_people_without_email(app, crew):
    client, boss, people = crew
    report = client.get("/equipo/").get_data(as_text=True)
    assert "Recordatorios en papel" in report and f'action="{SHEETS}"' in report
    response = client.post(SHEETS, data={"cartas": "y"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    body = response.get_data()
    sheet = pdf_text(body, "-f", "1", "-l", "1")
    assert "Inducción pendiente: Dirección de Obras Municipales" in sheet
    names = re.compile("|".join(re.escape(person.full_name) for person in people.values()))
    assert names.findall(sheet) == ["Juana Obras Sin Correo", "Rosa Obras Nueva"]
    assert page_count(body) == 1 + 2  # one department page, a letter each
    letters = {}
    for page in (2, 3):
        text = pdf_text(body, "-f", str(page), "-l", str(page))
        [name] = re.findall(r"Estimada/o (.+?):", text)
        letters[name] = text
    assert set(letters) == {"Juana Obras Sin Correo", "Rosa Obras Nueva"}
    assert CODE.findall(letters["Rosa Obras Nueva"]) and not CODE.findall(letters["Juana Obras Sin Correo"])
    [(actor, details)] = events(app, "reminders.sheets_printed")
    assert actor == boss.id and details["printed_from"] == "team" and details["people"] == 2
    assert details["slips"] == 1 and details["departments"] == 1
    [(actor, details)] = events(app, "staff.activation_slips_printed")
    assert actor == boss.id and details["user_id"] == people["rosa"].id and details["printed_from"] == "team"
    assert codes_of(app, people["ines"]) == 0
    # HR's reminders stay HR's.
    assert client.post("/rrhh/recordatorios/hojas", data={}).status_code == 403
