"""People without email activate their account with a printed slip: RUT and code, then a password.

The slips are read back as paper: the text of each slip cut out of the page (pdftotext), the QR codes
decoded from the rendered pixels (pdftoppm, zbarimg).
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta

from sqlalchemy import select, text, update

from portal.activation.codes import ALPHABET
from portal.extensions import db
from portal.models.audit import AuditEvent
from portal.models.staff import ActivationCode
from portal.models.types import utcnow
from portal.models.user import User
from portal.rut import format_rut
from portal.settings import effective, store
from portal.vocabulary import ADMIN, HR, TRAINER
from tests.conftest import login
from tests.paper import CODE, pdf_text, qr_codes, slip_texts
from tests.test_learner_path import needs_cjk_font
from tests.test_staff_import import CONFIRM, confirm_fields, creating_new_departments, upload, windows_csv

BASE_URL = "https://induccion.muni.cl"
ACTIVATION = "/activar"
PRINT = "/rrhh/hojas-de-activacion"
WRONG = "El RUT o el código no son correctos, o el código ya se usó o venció."
NEW_PASSWORD = "una frase larga de activación"


def events(app, action):
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
        return [(row.actor_id, json.loads(row.details)) for row in rows]


def print_for(client, *ids, origin="person"):
    return client.post(PRINT, data={"origen": origin, "persona": [str(i) for i in ids]})


def code_on_slip(body: bytes, full_name: str) -> str:
    [slip] = [slip for slip in slip_texts(body) if full_name in slip]
    [code] = CODE.findall(slip)
    return code


def activate(client, rut, code, password=NEW_PASSWORD):
    """Both steps of the page, as a person fills them in."""
    first = client.post(ACTIVATION, data={"rut": rut, "codigo": code})
    if "Elegir su contraseña" not in first.get_data(as_text=True):
        return first
    return client.post(ACTIVATION, data={"rut": rut, "codigo": code, "password": password, "confirm": password})


def test_slips_of_an_import_batch_let_people_without_email_in(make_app, tmp_path):
    app = make_app(BASE_URL=BASE_URL)
    hr = app.test_client()
    with app.app_context():
        from tests.conftest import PASSWORD_HASH

        person = User(rut="11111111-1", full_name="Rosa Recursos Humanos", email="rrhh@muni.cl")
        person.password_hash = PASSWORD_HASH
        person.set_roles([HR])
        db.session.add(person)
        db.session.commit()
        hr_id = person.id
    assert login(hr, "rrhh@muni.cl").status_code == 302
    preview = upload(hr, windows_csv(), "ingresos_marzo.csv").get_data(as_text=True)
    done = hr.post(CONFIRM, data=creating_new_departments(confirm_fields(preview)))
    page = done.get_data(as_text=True)
    assert done.status_code == 200 and "Imprimir las hojas de activación de las 4 personas nuevas (PDF)" in page
    # The batch's button posts the new people's ids, as a browser sends the form.
    form = re.search(
        r'<form method="post" action="/rrhh/hojas-de-activacion">(?:(?!</form>).)*4 personas nuevas', page, re.S
    )
    ids = re.findall(r'name="persona" value="(\d+)"', form.group(0))
    assert len(ids) == 4

    response = print_for(hr, *ids, origin="import")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()

    people = {
        "José Muñoz Peña": "12.345.678-5",
        "María Ángeles Núñez": "15.678.234-3",
        "Íñigo Sáez Ortúzar": "16.234.567-2",
        "Begoña Ibáñez": "17.890.123-0",
    }
    slips = slip_texts(body)
    assert len(slips) == 4
    printed = {}
    for name, rut in people.items():
        [slip] = [slip for slip in slips if name in slip]
        assert rut in slip and "Municipalidad de Prueba" in slip and f"{BASE_URL}/activar" in slip
        [printed[name]] = CODE.findall(slip)
    assert len(set(printed.values())) == 4
    # Each QR code opens the activation page; its code rides in the fragment, which no server sees.
    decoded = qr_codes(body, tmp_path)
    assert sorted(decoded) == sorted(f"{BASE_URL}/activar#codigo={code}" for code in printed.values())

    # María has no email: she types her RUT (any spelling) and the code from her slip on her phone.
    maria = app.test_client()
    assert maria.get(ACTIVATION).status_code == 200
    code = printed["María Ángeles Núñez"]
    step_one = maria.post(ACTIVATION, data={"rut": "15678234-3", "codigo": code.lower().replace("-", " ")})
    assert "Hola, María" in step_one.get_data(as_text=True)
    finished = maria.post(
        ACTIVATION, data={"rut": "15678234-3", "codigo": code, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert finished.status_code == 302 and finished.headers["Location"].endswith("/login")
    assert login(maria, "15.678.234-3", NEW_PASSWORD).status_code == 302
    # The code is spent.
    again = app.test_client().post(ACTIVATION, data={"rut": "15.678.234-3", "codigo": code})
    assert WRONG in again.get_data(as_text=True) and "Elegir su contraseña" not in again.get_data(as_text=True)

    [(actor, details)] = events(app, "staff.activation_slips_printed")
    assert actor == hr_id and details["people"] == 4 and details["printed_from"] == "import"
    assert sorted(details["user_ids"]) == sorted(int(i) for i in ids) and details["days"] == 14
    [(actor, details)] = events(app, "auth.account_activated")
    with app.app_context():
        maria_id = db.session.scalar(select(User.id).where(User.rut == "15678234-3"))
    assert actor == maria_id == details["user_id"]


def test_wrong_expired_and_reused_codes_change_nothing_and_answer_alike(app, client, login_as, make_user):
    login_as(HR)
    worker = make_user(full_name="Pedro Pablo Soto Lagos", email=None, with_password=False)
    body = print_for(client, worker.id).get_data()
    code = code_on_slip(body, "Pedro Pablo Soto Lagos")
    visitor = app.test_client()

    def refused(rut, typed):
        response = visitor.post(ACTIVATION, data={"rut": rut, "codigo": typed})
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and WRONG in page and "Elegir su contraseña" not in page
        return page.replace(f'value="{rut}"', "").replace(f'value="{typed}"', "")

    wrong = code[:-1] + ("2" if code[-1] != "2" else "3")
    answers = {
        "wrong code": refused(worker.rut, wrong),
        "nonsense": refused(worker.rut, "0000-OOOO-11"),
        "unknown RUT": refused("13.579.246-2", code),
        "email instead of RUT": refused("pedro@muni.cl", code),
    }
    with app.app_context():
        db.session.execute(update(ActivationCode).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    answers["expired"] = refused(worker.rut, code)
    assert len(set(answers.values())) == 1, "the answers differ"
    with app.app_context():
        assert db.session.get(User, worker.id).password_hash is None
        assert db.session.scalar(select(ActivationCode.used_at)) is None

    # A new slip replaces the old one: the first code stays dead, the new one works once.
    with app.app_context():
        db.session.execute(update(ActivationCode).values(expires_at=utcnow() + timedelta(days=1)))
        db.session.commit()
    fresh = code_on_slip(print_for(client, worker.id).get_data(), "Pedro Pablo Soto Lagos")
    assert fresh != code
    refused(worker.rut, code)
    # The password policy applies; a refused password does not spend the code.
    weak = activate(visitor, worker.rut, fresh, password="corta")
    assert "Use al menos 12 caracteres" in weak.get_data(as_text=True)
    weak = activate(visitor, worker.rut, fresh, password="pedro pablo soto lagos")
    assert "no puede contener su nombre" in weak.get_data(as_text=True)
    assert activate(visitor, worker.rut, fresh).status_code == 302
    refused(worker.rut, fresh)
    # Sending the password step straight away, with a spent code, lands on the first step.
    straight = visitor.post(
        ACTIVATION, data={"rut": worker.rut, "codigo": fresh, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert straight.status_code == 200 and WRONG in straight.get_data(as_text=True)
    assert len(events(app, "auth.activation_failed")) == 8


def test_codes_are_stored_only_as_keyed_hashes(app, client, login_as, make_user):
    login_as(HR)
    people = [make_user(full_name=f"Persona Número {n}", email=None, with_password=False) for n in range(3)]
    body = print_for(client, *(person.id for person in people)).get_data()
    codes = CODE.findall(pdf_text(body))
    assert len(codes) == 3
    with app.app_context():
        rows = [tuple(map(str, row)) for row in db.session.execute(text("SELECT * FROM activation_code"))]
        stored = db.session.scalars(select(ActivationCode.code_hash)).all()
    assert len(rows) == 3
    for code in codes:
        for spelling in (code, code.replace("-", ""), code.lower()):
            plain_hash = hashlib.sha256(spelling.encode()).hexdigest()
            assert not any(spelling in value or plain_hash == value for row in rows for value in row)
    assert all(re.fullmatch(r"[0-9a-f]{64}", value) for value in stored)
    assert set("".join(code.replace("-", "") for code in codes)) <= set(ALPHABET)
    assert not set(ALPHABET) & set("01OIL")


def test_activation_is_throttled_per_rut_and_per_address_alike_for_unknown_ruts(make_app, make_user):
    from tests.test_sign_in_security import throttled_app

    app = throttled_app(
        make_app, SIGN_IN_LIMIT_PER_ACCOUNT="3 per 15 minutes", SIGN_IN_LIMIT_PER_ADDRESS="12 per minute"
    )
    hr = app.test_client()
    person = make_user(roles=(HR,))
    assert login(hr, person.email).status_code == 302
    worker = make_user(full_name="Ana Díaz", email=None, with_password=False)
    code = code_on_slip(print_for(hr, worker.id).get_data(), "Ana Díaz")

    guesser = app.test_client()
    guesser.environ_base["REMOTE_ADDR"] = "10.0.0.66"
    for guess in ("2222-2222-22", "3333-3333-33", "4444-4444-44"):
        assert WRONG in guesser.post(ACTIVATION, data={"rut": worker.rut, "codigo": guess}).get_data(as_text=True)
    known = guesser.post(ACTIVATION, data={"rut": worker.rut, "codigo": code})  # even the right code waits
    assert known.status_code == 429
    for guess in ("2222-2222-22", "3333-3333-33", "4444-4444-44"):
        assert guesser.post(ACTIVATION, data={"rut": "13.579.246-2", "codigo": guess}).status_code == 200
    unknown = guesser.post(ACTIVATION, data={"rut": "13579246-2", "codigo": code})
    assert unknown.status_code == 429 and unknown.get_data() == known.get_data()
    with app.app_context():
        assert db.session.get(User, worker.id).password_hash is None

    # Ana, from her own phone (an address that has not been failing), still activates with her slip.
    ana = app.test_client()
    ana.environ_base["REMOTE_ADDR"] = "10.0.0.7"
    assert activate(ana, format_rut(worker.rut), code).status_code == 302

    # Per address: every RUT and code counts towards the address's window.
    spray = app.test_client()
    spray.environ_base["REMOTE_ADDR"] = "10.0.0.99"
    statuses = [
        spray.post(ACTIVATION, data={"rut": f"{20_000_000 + n}-{n % 10}", "codigo": "2222-2222-22"}).status_code
        for n in range(13)
    ]
    assert statuses[:12] == [200] * 12 and statuses[12] == 429


def test_printing_is_refused_outside_hrs_authority_and_for_deactivated_people(app, client, login_as, make_user):
    login_as(HR)
    trainer = make_user(full_name="Tomás Trainer", roles=(TRAINER,), email=None, with_password=False)
    staff = make_user(full_name="Sara Staff", email=None, with_password=False)
    gone = make_user(full_name="Gonzalo Ido", email=None, with_password=False, active=False)
    for ids, message in (
        ((staff.id, trainer.id), "Tomás Trainer: Esta cuenta tiene roles"),
        ((gone.id,), "desactivada"),
    ):
        response = print_for(client, *ids, origin="import")
        assert response.status_code == 302
        assert message in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(ActivationCode.id)) is None
    assert events(app, "staff.activation_slips_printed") == []


def test_the_filtered_report_prints_slips_for_those_who_have_not_activated(app, client, login_as, make_user):
    login_as(HR)
    make_user(full_name="Ya Activada Pérez", email=None)
    make_user(full_name="Sin Activar Rojas", email=None, with_password=False)
    make_user(full_name="Otra Sin Activar", email="otra@muni.cl", with_password=False)
    response = client.post(PRINT + "?texto=Activ", data={"origen": "report"})
    assert response.status_code == 200
    names = "\n".join(slip_texts(response.get_data()))
    assert "Sin Activar Rojas" in names and "Otra Sin Activar" in names and "Ya Activada" not in names
    [(_, details)] = events(app, "staff.activation_slips_printed")
    assert details["printed_from"] == "report" and details["people"] == 2


def test_the_code_lifetime_is_an_administrators_setting(app, client, login_as, make_user):
    login_as(HR)
    worker = make_user(full_name="Luis Vera", email=None, with_password=False)
    with app.app_context():
        store({"ACTIVATION_CODE_DAYS": 3})
        db.session.commit()
    before = utcnow()
    body = print_for(client, worker.id).get_data()
    with app.app_context():
        expires_at = db.session.scalar(select(ActivationCode.expires_at))
    assert timedelta(days=3) <= expires_at - before < timedelta(days=3, minutes=1)
    assert "Válido hasta el" in pdf_text(body)


def test_the_sign_in_page_leads_to_the_activation_page(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/activar"' in page and "¿Recibió una hoja de activación?" in page


def test_administrators_set_the_code_lifetime_and_an_empty_field_restores_the_default(app, client, login_as):
    login_as(ADMIN)
    page = client.get("/admin/configuracion").get_data(as_text=True)
    assert 'name="activation_code_days"' in page and 'value="14"' in page
    form = {"institution_name": "Municipalidad de Prueba", "onboarding_days": "30", "reminder_interval_days": "7"}
    assert client.post("/admin/configuracion", data={**form, "activation_code_days": "0"}).status_code == 422
    assert client.post("/admin/configuracion", data={**form, "activation_code_days": "5"}).status_code == 302
    with app.app_context():
        assert effective("ACTIVATION_CODE_DAYS") == 5
    [(_, details)] = events(app, "settings.changed")
    assert details["changes"] == {"ACTIVATION_CODE_DAYS": {"before": 14, "after": 5}}
    assert client.post("/admin/configuracion", data={**form, "activation_code_days": ""}).status_code == 302
    with app.app_context():
        assert effective("ACTIVATION_CODE_DAYS") == 14


def embedded_fonts(body: bytes) -> set[str]:
    from io import BytesIO

    from pypdf import PdfReader

    return {
        str(font.get_object()["/BaseFont"])
        for page in PdfReader(BytesIO(body)).pages
        for font in page["/Resources"]["/Font"].get_object().values()
    }


@needs_cjk_font
def test_a_sheet_carries_the_cjk_font_only_when_a_name_needs_it():
    """The CJK fallback (4 MB to parse and subset) goes into a sheet only for a name like 李's: a sheet
    of Chilean names is quick to print and small, and 李 still prints."""
    from portal.activation.pdf import Slip, SlipSheet, slips_pdf

    def sheet(*names: str) -> SlipSheet:
        labels = dict.fromkeys(["title", "portal", "heading", "rut", "step_open", "step_type", "once"], "Activación")
        slips = [
            Slip(
                name,
                "12.345.678-5",
                "K7QM-P4RX-2T",
                "Válido hasta el 21-12-2026",
                "https://induccion.muni.cl/activar",
                "https://induccion.muni.cl/activar",
            )
            for name in names
        ]
        return SlipSheet("Municipalidad de Ñuñoa", None, labels, slips)

    chilean = slips_pdf(sheet("Benjamín Díaz Ñúñez", "Łukasz Ğül"))
    assert not any("Droid" in font or "CJK" in font for font in embedded_fonts(chilean))
    assert "Benjamín Díaz Ñúñez" in pdf_text(chilean) and "Łukasz Ğül" in pdf_text(chilean)
    wide = slips_pdf(sheet("Ana Rojas", "李小龍"))
    assert any("Droid" in font or "CJK" in font for font in embedded_fonts(wide))
    assert "李小龍" in pdf_text(wide)
    assert len(wide) > len(chilean)
