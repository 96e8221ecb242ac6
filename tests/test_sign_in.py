"""Signing in with RUT or email, signing out for real, and where people land afterwards."""

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models.audit import AuditEvent
from portal.models.user import AuthSession
from portal.rut import format_rut
from portal.vocabulary import ADMIN, HR, STAFF, TRAINER
from tests.conftest import PASSWORD, csrf_token_from, login

GENERIC_ERROR = "El RUT, correo o contraseña no son correctos."


def test_sign_in_with_email_lands_on_the_dashboard(client, make_user):
    make_user(email="Ana.Rojas@Muni.test")
    response = login(client, "ana.rojas@muni.test")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Hola, María" in page


@pytest.mark.parametrize("spelling", ["dotted", "plain", "compact", "lower_k"])
def test_sign_in_with_rut_in_any_common_spelling(client, make_user, spelling):
    person = make_user(email=None)
    number, digit = person.rut.split("-")
    typed = {
        "dotted": format_rut(person.rut),
        "plain": person.rut,
        "compact": number + digit,
        "lower_k": (number + "-" + digit).lower(),
    }[spelling]
    assert login(client, typed).status_code == 302
    assert client.get("/").status_code == 200


def test_wrong_password_unknown_account_and_bad_rut_get_one_message(client, make_user):
    person = make_user()
    answers = [
        login(client, person.email, "otra-clave-incorrecta"),
        login(client, "nadie@muni.test"),
        login(client, "13.579.246-2"),  # valid RUT, no account
        login(client, "12.345.678-9"),  # wrong check digit
    ]
    for response in answers:
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert GENERIC_ERROR in page
    # The login typed is kept; the password is never echoed back.
    assert 'value="nadie@muni.test"' in answers[1].get_data(as_text=True)
    assert "otra-clave-incorrecta" not in answers[0].get_data(as_text=True)


def test_inactive_account_and_account_without_password_are_refused(client, make_user):
    inactive = make_user(active=False)
    no_password = make_user(with_password=False)
    for person in (inactive, no_password):
        response = login(client, person.email)
        assert GENERIC_ERROR in response.get_data(as_text=True)
        assert client.get("/").status_code == 302


def test_empty_form_says_what_is_missing(client):
    page = client.post("/login", data={"login": "", "password": ""}).get_data(as_text=True)
    assert "Escriba su RUT o su correo." in page and "Escriba su contraseña." in page


def test_pages_need_a_signed_in_person(client):
    response = client.get("/modulos/compromiso")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_logout_ends_the_session_even_for_a_copied_cookie(app, make_user):
    person = make_user()
    browser = app.test_client()
    login(browser, person.email)
    stolen = browser.get_cookie("portal_session").value
    assert browser.post("/logout").status_code == 302
    assert browser.get("/").status_code == 302

    replay = app.test_client()
    replay.set_cookie("portal_session", stolen)
    response = replay.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(AuthSession).where(AuthSession.user_id == person.id)) is None


def test_logout_by_get_is_not_allowed(client, login_as):
    login_as()
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_sign_in_starts_a_new_session(app, make_user):
    person = make_user()
    browser = app.test_client()
    browser.get("/login")
    before = browser.get_cookie("portal_session")
    login(browser, person.email)
    after = browser.get_cookie("portal_session")
    assert after is not None and (before is None or before.value != after.value)
    # Signing in twice gives two independent sessions; ending one leaves the other.
    other = app.test_client()
    login(other, person.email)
    browser.post("/logout")
    assert other.get("/").status_code == 200


@pytest.mark.parametrize(
    ("roles", "landing", "heading"),
    [
        ((STAFF,), "/", "Hola, María"),
        ((STAFF, HR), "/rrhh/", "Avance de la inducción"),
        ((STAFF, ADMIN), "/admin/cuentas", "Cuentas"),
        ((STAFF, ADMIN, HR), "/rrhh/", "Avance de la inducción"),
        ((STAFF, TRAINER), "/capacitacion/", "Módulos"),
        ((STAFF, TRAINER, HR), "/rrhh/", "Avance de la inducción"),
    ],
)
def test_each_role_lands_on_its_main_work_with_the_path_one_click_away(client, make_user, roles, landing, heading):
    person = make_user(roles=roles)
    response = login(client, person.email)
    assert response.status_code == 302 and response.headers["Location"] == landing
    page = client.get(landing).get_data(as_text=True)
    assert heading in page
    assert '<a href="/">Mi inducción</a>' in page or '<a href="/" aria-current="page">Mi inducción</a>' in page
    # Already signed in, the sign-in page sends them to the same place.
    assert client.get("/login").headers["Location"] == landing


@pytest.mark.parametrize("roles", [(STAFF, HR), (STAFF, ADMIN), (STAFF, TRAINER)])
def test_an_explicit_next_wins_over_the_landing_page(client, make_user, roles):
    person = make_user(roles=roles)
    assert login(client, person.email, next_path="/modulos/mision-y-vision").headers["Location"] == (
        "/modulos/mision-y-vision"
    )
    client.post("/logout")
    # Even the learner path itself, when asked for by name.
    assert login(client, person.email, next_path="/").headers["Location"] == "/"


def test_hr_opening_the_portal_address_lands_on_the_report(client, make_user):
    hr = make_user(roles=(STAFF, HR))
    # The home page asks for no particular page: no `next`, so HR lands on its report.
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    form = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'name="next" type="hidden" value=""' in form
    assert login(client, hr.email, next_path="").headers["Location"] == "/rrhh/"
    client.post("/logout")
    # A particular page is remembered and followed.
    response = client.get("/rrhh/personas/nueva")
    assert response.headers["Location"] == "/login?next=%2Frrhh%2Fpersonas%2Fnueva"
    assert login(client, hr.email, next_path="/rrhh/personas/nueva").headers["Location"] == "/rrhh/personas/nueva"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "/\\evil.example",
        "https://evil.example",
        "/\t/evil.example",
        "//portal@evil.example",
        "https://portal@evil.example/x",
        "\\\\evil.example",
        "/\n/evil.example",
        "javascript:alert(1)",
    ],
)
def test_next_never_leaves_the_site(client, make_user, target):
    person = make_user()
    response = login(client, person.email, next_path=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_to_a_local_page_is_followed(client, make_user):
    person = make_user()
    response = login(client, person.email, next_path="/modulos/mision-y-vision")
    assert response.headers["Location"] == "/modulos/mision-y-vision"


def test_sign_in_and_failures_are_audited(app, client, make_user):
    person = make_user()
    login(client, person.email, "incorrecta-123456")
    login(client, person.email)
    with app.app_context():
        actions = [(event.action, event.actor_id) for event in db.session.scalars(select(AuditEvent))]
    assert ("auth.login_failed", None) in actions
    assert ("auth.login", person.id) in actions


def test_forged_post_without_csrf_token_is_refused(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    person = make_user()
    browser = app.test_client()
    response = browser.post("/login", data={"login": person.email, "password": PASSWORD})
    assert response.status_code == 400
    token = csrf_token_from(browser.get("/login").get_data(as_text=True))
    response = browser.post("/login", data={"login": person.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert browser.post("/logout").status_code == 400  # no token: still signed in
    assert browser.get("/").status_code == 200


def test_a_password_link_works_once_and_ends_other_sessions(app, make_user):
    from portal.auth.tokens import SET_PASSWORD_LIFETIME, issue_token
    from portal.models.staff import SET_PASSWORD
    from portal.models.user import User

    person = make_user()
    old_browser = app.test_client()
    login(old_browser, person.email)
    with app.app_context():
        raw = issue_token(db.session.get(User, person.id), SET_PASSWORD, SET_PASSWORD_LIFETIME)
        db.session.commit()
    client = app.test_client()
    assert "Crear contraseña" in client.get(f"/clave/{raw}").get_data(as_text=True)
    mismatch = client.post(f"/clave/{raw}", data={"password": "una frase larga y mía", "confirm": "otra cosa distinta"})
    assert "no coinciden" in mismatch.get_data(as_text=True)
    short = client.post(f"/clave/{raw}", data={"password": "corta", "confirm": "corta"})
    assert "al menos 12 caracteres" in short.get_data(as_text=True)
    done = client.post(f"/clave/{raw}", data={"password": "una frase larga y mía", "confirm": "una frase larga y mía"})
    assert done.status_code == 302
    assert client.get(f"/clave/{raw}").status_code == 404  # single use
    assert old_browser.get("/").status_code == 302  # the other session ended
    assert login(client, person.email, "una frase larga y mía").status_code == 302


def test_an_expired_or_unknown_password_link_is_refused(app, make_user):
    from datetime import timedelta

    from portal.auth.tokens import issue_token
    from portal.models.staff import RESET_PASSWORD
    from portal.models.user import User

    person = make_user()
    with app.app_context():
        raw = issue_token(db.session.get(User, person.id), RESET_PASSWORD, timedelta(seconds=-1))
        db.session.commit()
    client = app.test_client()
    assert client.get(f"/clave/{raw}").status_code == 404
    assert client.post(f"/clave/{raw}", data={"password": "x" * 20, "confirm": "x" * 20}).status_code == 404
    assert client.get("/clave/no-existe").status_code == 404
