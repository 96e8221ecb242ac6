"""Reminders on paper: the people the reminder e-mails cannot reach, one page per department for the
jefatura, and letters with fresh activation slips for whoever has not activated their account."""

from __future__ import annotations

import json
import random
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.demo import give_progress
from portal.extensions import db
from portal.models.audit import AuditEvent
from portal.models.user import User
from portal.people.departments import find_or_create_department
from portal.vocabulary import HR
from tests.municipality import modules_in_path
from tests.paper import CODE, page_count, pdf_text
from tests.test_activation_slips import activate

SHEETS = "/rrhh/recordatorios/hojas"
INSTITUTION = "Municipalidad de Prueba"


def place(app, person, department: str, modules_done: int = 0, sign: bool = False, due: date | None = None):
    with app.app_context():
        user = db.session.get(User, person.id)
        user.department = find_or_create_department(department)
        if due is not None:
            user.due_date = due
        if modules_done:
            give_progress(
                user, modules_in_path(), modules_done, random.Random(1), sign=sign, institution_name=INSTITUTION
            )
        db.session.commit()


@pytest.fixture
def staff(app, make_user):
    """Pending without email: two in Aseo (one never activated), one in Parques (never activated).
    Left out: pending with an email, completed without one, deactivated without one."""
    people = {
        "ana": make_user(full_name="Ana Aguilera Muñoz", email=None, with_password=False),
        "bruno": make_user(full_name="Bruno Bravo Soto", email=None),
        "carla": make_user(full_name="Carla Castro Díaz", email=None, with_password=False),
        "diego": make_user(full_name="Diego Con Correo", email="diego@muni.cl"),
        "elena": make_user(full_name="Elena Completa Vera", email=None),
        "fabio": make_user(full_name="Fabio Desactivado", email=None, active=False),
    }
    place(app, people["ana"], "Aseo y Ornato", due=date.today() - timedelta(days=3))
    place(app, people["bruno"], "Aseo y Ornato", modules_done=2)
    place(app, people["carla"], "Parques y Jardines")
    place(app, people["diego"], "Parques y Jardines")
    with app.app_context():
        total = len(modules_in_path())
    place(app, people["elena"], "Parques y Jardines", modules_done=total, sign=True)
    place(app, people["fabio"], "Aseo y Ornato")
    return people


def events(app, action):
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
        return [(row.actor_id, json.loads(row.details)) for row in rows]


def test_the_reminders_page_lists_who_cannot_be_emailed(client, login_as, staff):
    login_as(HR)
    page = client.get("/rrhh/recordatorios").get_data(as_text=True)
    section = page.split('id="sin-correo"', 1)[1].split("</section>", 1)[0]
    assert "3 personas sin correo: recordatorio en papel" in section
    for name in ("Ana Aguilera Muñoz", "Bruno Bravo Soto", "Carla Castro Díaz"):
        assert name in section
    for name in ("Diego Con Correo", "Elena Completa Vera", "Fabio Desactivado"):
        assert name not in section
    assert 'action="/rrhh/recordatorios/hojas"' in section


def test_reminder_sheets_list_exactly_the_pending_people_without_email_by_department(app, client, login_as, staff):
    hr = login_as(HR)
    response = client.post(SHEETS, data={})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    body = response.get_data()
    assert page_count(body) == 2
    aseo, parques = (pdf_text(body, "-f", str(page), "-l", str(page)) for page in (1, 2))
    assert "Inducción pendiente: Aseo y Ornato" in aseo and "Inducción pendiente: Parques y Jardines" in parques
    names = re.compile(r"(Ana Aguilera Muñoz|Bruno Bravo Soto|Carla Castro Díaz|Diego|Elena|Fabio)")
    assert names.findall(aseo) == ["Ana Aguilera Muñoz", "Bruno Bravo Soto"]
    assert names.findall(parques) == ["Carla Castro Díaz"]
    # What each still has to do: Ana must activate her account first; Bruno finished two modules.
    ana, bruno = aseo.split("Bruno Bravo Soto")
    assert "Activar su cuenta" in ana and "Activar su cuenta" not in bruno
    with app.app_context():
        titles = [module.title for module in modules_in_path()]
    assert f"Módulo «{titles[0]}»" in ana and f"Módulo «{titles[0]}»" not in bruno
    assert f"Módulo «{titles[2]}»" in bruno and "Firmar la declaración de compromiso" in bruno
    assert re.search((date.today() - timedelta(days=3)).strftime("%d-%m-%Y") + r"\s+\(vencido\)", ana)
    assert (date.today() + timedelta(days=30)).strftime("%d-%m-%Y") in bruno
    assert not CODE.findall(aseo + parques)  # without letters no code is issued
    [(actor, details)] = events(app, "reminders.sheets_printed")
    assert actor == hr.id and details == {
        "departments": 2,
        "filters": {"sort": "nombre"},
        "letters": False,
        "people": 3,
        "slips": 0,
    }
    assert events(app, "staff.activation_slips_printed") == []

    # The report's filters narrow the sheets as they narrow the page.
    with app.app_context():
        parques_id = find_or_create_department("Parques y Jardines").id
    narrowed = client.post(f"{SHEETS}?departamento={parques_id}", data={}).get_data()
    assert page_count(narrowed) == 1 and "Carla Castro Díaz" in pdf_text(narrowed)


def test_letters_bring_fresh_slips_for_those_who_never_activated(app, client, login_as, staff):
    login_as(HR)
    body = client.post(SHEETS, data={"cartas": "y"}).get_data()
    assert page_count(body) == 2 + 3
    letters = {}
    for page in range(3, 6):
        text = pdf_text(body, "-f", str(page), "-l", str(page))
        [name] = re.findall(r"Estimada/o (.+?):", text)
        letters[name] = text
    assert set(letters) == {"Ana Aguilera Muñoz", "Bruno Bravo Soto", "Carla Castro Díaz"}
    assert "Para completar su inducción le falta" in letters["Bruno Bravo Soto"]
    assert not CODE.findall(letters["Bruno Bravo Soto"])  # he has a password: a letter, no slip
    [ana_code] = CODE.findall(letters["Ana Aguilera Muñoz"])
    [carla_code] = CODE.findall(letters["Carla Castro Díaz"])
    assert "venció el" in letters["Ana Aguilera Muñoz"]
    # The slip at the foot of Ana's letter activates her account.
    assert activate(app.test_client(), staff["ana"].rut, ana_code).status_code == 302
    [(_, details)] = events(app, "staff.activation_slips_printed")
    assert details["printed_from"] == "reminders" and sorted(details["user_ids"]) == sorted(
        [staff["ana"].id, staff["carla"].id]
    )
    [(_, details)] = events(app, "reminders.sheets_printed")
    assert details["letters"] is True and details["slips"] == 2
    assert carla_code != ana_code


def test_nobody_pending_without_email_prints_nothing(app, client, login_as, make_user):
    login_as(HR)
    make_user(full_name="Con Correo", email="con@muni.cl")
    response = client.post(SHEETS, data={})
    assert response.status_code == 302
    assert "no hay hojas que imprimir" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert events(app, "reminders.sheets_printed") == []
