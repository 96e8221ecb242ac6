"""Personal data (Ley 21.719): people download what the portal holds about them; admins anonymise leavers."""

import hashlib
import json

from sqlalchemy import func, select

from portal.extensions import db
from portal.models.audit import AuditEvent
from portal.models.progress import Certificate, Commitment, LessonView
from portal.models.quiz import Attempt, AttemptAnswer
from portal.models.staff import PasswordToken
from portal.models.user import AuthSession, User
from portal.quizzes.statistics import revision_statistics
from portal.vocabulary import ADMIN, STAFF
from tests.conftest import login
from tests.helpers import SLUGS, complete_module, pass_quiz

NAME = "Camila Fuentes Rojas"


def finish_onboarding(app, client):
    for slug in SLUGS:
        complete_module(client, app, slug)
    response = client.post("/compromiso", data={"accept": "y", "full_name": NAME})
    assert response.status_code == 302


def test_a_person_downloads_all_their_data_and_nobody_elses(app, client, make_user):
    camila = make_user(full_name=NAME, department=None)
    other = make_user(full_name="Otro Funcionario Ajeno", email="ajeno@muni.cl")
    neighbour = app.test_client()
    login(neighbour, other.email)
    pass_quiz(neighbour, app, SLUGS[0])
    login(client, camila.email)
    finish_onboarding(app, client)

    assert 'href="/mis-datos"' in client.get("/").get_data(as_text=True)
    response = client.get("/mis-datos")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    account = data["account"]
    assert account["full_name"] == NAME and account["rut"] == camila.rut and account["email"] == camila.email
    assert account["roles"] == [STAFF] and account["has_password"] is True
    assert "password_hash" not in json.dumps(data)
    with app.app_context():
        views = db.session.scalar(select(func.count()).select_from(LessonView).where(LessonView.user_id == camila.id))
        attempts = db.session.scalar(select(func.count()).select_from(Attempt).where(Attempt.user_id == camila.id))
        code = db.session.scalar(select(Certificate.code).where(Certificate.user_id == camila.id))
    assert len(data["lesson_views"]) == views and len(data["attempts"]) == attempts
    first = data["attempts"][0]
    assert first["passed"] is True and first["questions"]
    assert all(q["prompt"] and q["chosen"] for q in first["questions"])
    [commitment] = data["commitments"]
    assert NAME in commitment["text"]
    assert commitment["text_sha256"] == hashlib.sha256(commitment["text"].encode()).hexdigest()
    assert data["certificates"][0]["code"] == code
    assert {"learning.commitment_signed", "auth.login"} <= {e["action"] for e in data["audit_events_as_actor"]}
    everything = json.dumps(data, ensure_ascii=False)
    assert (
        "Otro Funcionario Ajeno" not in everything and "ajeno@muni.cl" not in everything and other.rut not in everything
    )
    assert neighbour.get("/mis-datos").get_json()["account"]["full_name"] == "Otro Funcionario Ajeno"
    assert app.test_client().get("/mis-datos").status_code == 302  # must sign in


def test_anonymising_removes_personal_data_and_keeps_results(app, client, make_user):
    camila = make_user(full_name=NAME)
    login(client, camila.email)
    finish_onboarding(app, client)
    admin = make_user(full_name="Ana Administradora", roles=(STAFF, ADMIN))
    admin_client = app.test_client()
    login(admin_client, admin.email)
    with app.app_context():
        revision_id = db.session.scalar(select(Attempt.revision_id).where(Attempt.user_id == camila.id).limit(1))
        attempts_before = revision_statistics(revision_id).attempts
        answers_before = db.session.scalar(
            select(func.count()).select_from(AttemptAnswer).join(Attempt).where(Attempt.user_id == camila.id)
        )
        signed_hash = db.session.scalar(select(Commitment.text_sha256).where(Commitment.user_id == camila.id))
    url = f"/admin/cuentas/{camila.id}/anonimizar"

    active = admin_client.post(url, data={"confirmation": "ANONIMIZAR"})
    assert active.status_code == 422 and "desactívela primero" in active.get_data(as_text=True)
    own = admin_client.get(f"/admin/cuentas/{admin.id}/anonimizar").get_data(as_text=True)
    assert "No puede anonimizar su propia cuenta" in own
    admin_client.post(f"/admin/cuentas/{camila.id}/activacion", data={"active": "0"})
    assert "Persona anonimizada #" in admin_client.get(url).get_data(as_text=True)
    unconfirmed = admin_client.post(url, data={"confirmation": "anonimizar"})
    assert unconfirmed.status_code == 422 and "en mayúsculas" in unconfirmed.get_data(as_text=True)
    done = admin_client.post(url, data={"confirmation": "ANONIMIZAR"}, follow_redirects=True)
    page = done.get_data(as_text=True)
    assert done.status_code == 200 and f"Persona anonimizada #{camila.id}" in page and "Anonimizada" in page
    assert NAME not in page and camila.email not in page

    with app.app_context():
        user = db.session.get(User, camila.id)
        assert user.full_name == f"Persona anonimizada #{camila.id}"
        assert user.rut == f"ANON-{camila.id}" and user.email is None and user.password_hash is None
        assert not user.active
        row = " ".join(
            str(value) for value in db.session.execute(select(User.__table__).where(User.id == camila.id)).one()
        )
        assert NAME not in row and camila.rut not in row and camila.email not in row
        assert db.session.scalar(select(AuthSession).where(AuthSession.user_id == camila.id)) is None
        assert db.session.scalar(select(PasswordToken).where(PasswordToken.user_id == camila.id)) is None
        commitment = db.session.scalar(select(Commitment).where(Commitment.user_id == camila.id))
        assert NAME not in commitment.text and commitment.signed_name == user.full_name
        assert commitment.text_sha256 == signed_hash  # kept as evidence of the original signature
        assert revision_statistics(revision_id).attempts == attempts_before
        assert (
            db.session.scalar(
                select(func.count()).select_from(AttemptAnswer).join(Attempt).where(Attempt.user_id == camila.id)
            )
            == answers_before
        )
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "accounts.anonymised")).all()
        assert event.actor_id == admin.id and json.loads(event.details) == {"user_id": camila.id}

    assert login(app.test_client(), camila.email).status_code != 302
    assert login(app.test_client(), camila.rut).status_code != 302
    assert client.get("/").status_code == 302  # the old session ended
    # The account stays anonymised: it cannot be reactivated, edited or anonymised again.
    again = admin_client.post(f"/admin/cuentas/{camila.id}/activacion", data={"active": "1"}, follow_redirects=True)
    assert "no se puede reactivar" in again.get_data(as_text=True)
    assert admin_client.get(f"/admin/cuentas/{camila.id}/editar").status_code == 302
    assert "ya fue anonimizada" in admin_client.get(url).get_data(as_text=True)
    # The same RUT can be registered again for a new person later.
    response = admin_client.post(
        "/admin/cuentas/nueva", data={"rut": camila.rut, "full_name": "Camila Vuelve", "roles": [STAFF]}
    )
    assert response.status_code == 200
    assert f"ANON-{camila.id}" in admin_client.get("/admin/cuentas?q=anonimizada").get_data(as_text=True)


def test_failed_sign_ins_leave_nothing_personal_after_anonymisation(app, make_user):
    leaver = make_user(full_name=NAME, email="camila.fuentes@muni.cl")
    number, digit = leaver.rut.split("-")
    for typed in (leaver.email, f"{int(number):,}".replace(",", ".") + "-" + digit, number + digit):
        assert login(app.test_client(), typed, "no-es-la-clave").status_code == 200
    admin = make_user(full_name="Ana Administradora", roles=(STAFF, ADMIN))
    admin_client = app.test_client()
    login(admin_client, admin.email)
    admin_client.post(f"/admin/cuentas/{leaver.id}/activacion", data={"active": "0"})
    done = admin_client.post(f"/admin/cuentas/{leaver.id}/anonimizar", data={"confirmation": "ANONIMIZAR"})
    assert done.status_code == 302

    with app.app_context():
        stored = " ".join(
            " ".join(str(value) for value in row) for row in db.session.execute(select(AuditEvent.__table__))
        )
    page = admin_client.get("/admin/auditoria", query_string={"accion": "auth"}).get_data(as_text=True)
    assert page.count(f"Cuenta de Persona anonimizada #{leaver.id}") == 3
    for personal in ("camila", "fuentes", number):
        assert personal not in stored.lower() and personal not in page.lower(), personal
    # Nothing was rewritten to get there: the chain still verifies.
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0
