"""Sign-in hardening: forgotten passwords, the password policy, throttling, uniform answers,
proxy and Host headers, idle sessions, cookies and CSRF on every POST route."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import statistics
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from portal.auth.passwords import common_passwords, is_common, password_problem
from portal.auth.service import login_fingerprint
from portal.extensions import db, limiter
from portal.models.audit import AuditEvent
from portal.models.types import utcnow
from portal.models.user import AuthSession, User
from portal.outbox.delivery import deliver_due
from portal.vocabulary import ADMIN, HR, STAFF, SUPERVISOR, TRAINER
from tests.conftest import PASSWORD, csrf_token_from, login
from tests.smtp import Refusing, Slow
from tests.test_access_rules import concrete_url

REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL")
GENERIC_ERROR = "El RUT, correo o contraseña no son correctos."
SENT = "Si la cuenta existe y tiene correo, le enviamos un enlace"
TOO_MANY = "Demasiados intentos"
ALL_ROLES = (STAFF, TRAINER, SUPERVISOR, HR, ADMIN)


def throttled_app(make_app, **overrides):
    """An app with the limiter explicitly on, whatever the suite's defaults say."""
    settings = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URL": "memory://",
        "RATELIMIT_STORAGE_URI": "memory://",
        **overrides,
    }
    return make_app(**settings)


def audit_events(app, action=None):
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        return list(db.session.scalars(query))


# --- Forgotten password -------------------------------------------------------------------------


def test_login_page_links_to_the_forgotten_password_form(client):
    page = client.get("/login").get_data(as_text=True)
    assert "¿Olvidó su contraseña?" in page and 'href="/clave/olvido"' in page
    assert "RUT o correo electrónico" in client.get("/clave/olvido").get_data(as_text=True)


def test_forgotten_password_mails_a_link_that_sets_a_new_password(make_app, smtp_server, inbox, make_user):
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server(inbox), BASE_URL="https://induccion.muni.cl")
    person = make_user(email="olvido@muni.cl", full_name="Rosa Elena Tapia Vera")
    client = app.test_client()
    response = client.post("/clave/olvido", data={"login": format_rut_dotted(person.rut)})
    assert response.status_code == 200 and SENT in response.get_data(as_text=True)

    [message] = inbox.wait_for("olvido@muni.cl")
    body = message.get_content()
    link = re.search(r"https://induccion\.muni\.cl(/clave/\S+)", body).group(1)
    assert "Rosa" in body and "2 horas" in body
    page = client.get(link).get_data(as_text=True)
    assert "Elegir una nueva contraseña" in page
    weak = client.post(link, data={"password": "Contraseña2024!", "confirm": "Contraseña2024!"})
    assert "muy común" in weak.get_data(as_text=True)
    new = "el tren de las siete llega tarde"
    assert client.post(link, data={"password": new, "confirm": new}).status_code == 302
    assert login(client, person.email, new).status_code == 302
    assert login(app.test_client(), person.email, PASSWORD).status_code == 200  # the old one is gone

    [event] = audit_events(app, "auth.password_reset_requested")
    assert event.actor_id is None
    assert '"outcome": "queued"' in event.details and "olvido@muni.cl" not in event.details
    assert person.rut not in event.details


@pytest.mark.parametrize(
    "configured,expected",
    [(None, "http://127.0.0.1:5000/clave/"), ("https://induccion.muni.cl/", "https://induccion.muni.cl/clave/")],
)
def test_reset_mail_links_to_the_configured_address_whatever_host_was_asked(
    make_app, smtp_server, inbox, make_user, configured, expected
):
    """A reset asked with `Host: evil.example` must not mail the person a link to evil.example."""
    settings = {"BASE_URL": configured} if configured else {}
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server(inbox), **settings)
    person = make_user(email="anfitrion@muni.cl")
    hostile = {"Host": "evil.example", "X-Forwarded-Host": "evil2.example", "X-Forwarded-Proto": "https"}
    response = app.test_client().post("/clave/olvido", data={"login": person.email}, headers=hostile)
    assert response.status_code == 200 and SENT in response.get_data(as_text=True)

    [message] = inbox.wait_for("anfitrion@muni.cl")
    body = message.get_content()
    links = re.findall(r"https?://\S+", body)
    assert links and all(link.startswith(expected) for link in links), links
    assert "evil" not in body


def format_rut_dotted(rut: str) -> str:
    number, digit = rut.split("-")
    return f"{int(number):,}".replace(",", ".") + "-" + digit


def test_forgotten_password_answers_the_same_whoever_asks(make_app, smtp_server, inbox, make_user):
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server(inbox))
    with_email = make_user(email="tiene@muni.cl")
    without_email = make_user(email=None)
    inactive = make_user(email="inactiva@muni.cl", active=False)
    pages = []
    for typed in [with_email.email, without_email.rut, inactive.email, "nadie@muni.cl", "13.579.246-2"]:
        response = app.test_client().post("/clave/olvido", data={"login": typed})
        assert response.status_code == 200
        pages.append(response.get_data(as_text=True))
    assert all(page == pages[0] for page in pages)
    assert SENT in pages[0]
    inbox.wait_for("tiene@muni.cl")
    assert [recipients for recipients, _ in inbox.messages] == [["tiene@muni.cl"]]
    outcomes = [event.details for event in audit_events(app, "auth.password_reset_requested")]
    assert [re.search(r'"outcome": "(\w+)"', details).group(1) for details in outcomes] == [
        "queued",
        "no_email",
        "inactive",
        "unknown_account",
        "unknown_account",
    ]
    assert not any("@" in details for details in outcomes)
    # Delivery is recorded once the server took it: a message lost with its worker leaves no "sent".
    [sent] = audit_events(app, "auth.password_reset_mail_sent")
    assert json.loads(sent.details) == {"user_id": with_email.id}


def test_a_mail_failure_is_logged_but_not_revealed(make_app, smtp_server, make_user, caplog):
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server(Refusing()))
    person = make_user(email="rebota@muni.cl")
    with caplog.at_level(logging.WARNING):
        response = app.test_client().post("/clave/olvido", data={"login": person.email})
    assert response.status_code == 200 and SENT in response.get_data(as_text=True)
    assert "550" not in response.get_data(as_text=True)
    [logged] = [record for record in caplog.records if "password reset mail" in record.getMessage()]
    assert f"account {person.id} failed" in logged.getMessage() and "550" in logged.getMessage()
    [requested] = audit_events(app, "auth.password_reset_requested")
    assert '"outcome": "queued"' in requested.details
    [failed] = audit_events(app, "auth.password_reset_mail_failed")
    assert failed.details == f'{{"code": 550, "reason": "smtp", "user_id": {person.id}}}'


def forgot_password_time(app, typed) -> float:
    client = app.test_client()
    started = time.perf_counter()
    response = client.post("/clave/olvido", data={"login": typed})
    elapsed = time.perf_counter() - started
    assert response.status_code == 200 and SENT in response.get_data(as_text=True)
    return elapsed


def test_forgotten_password_takes_as_long_for_known_and_unknown_accounts(make_app, smtp_server, make_user):
    # A server this slow made a known account answer at least half a second later, which
    # told anyone with a stopwatch that the account exists.
    slow = Slow(delay=0.5)
    # A real queue (no consumer during the timing): the request only writes the outbox and the queue.
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server(slow), RATELIMIT_ENABLED=False, QUEUE_IMMEDIATE=False)
    people = [make_user(email=f"lenta{number}@muni.cl") for number in range(3)]
    forgot_password_time(app, "calentamiento@muni.cl")  # first request pays for loading templates
    known = [forgot_password_time(app, person.email) for person in people]
    unknown = [forgot_password_time(app, f"nadie{number}@muni.cl") for number in range(3)]
    assert abs(statistics.median(known) - statistics.median(unknown)) < 0.15, (known, unknown)
    assert max(known) < slow.delay, known
    with app.app_context():
        assert deliver_due().sent == len(people)
    for person in people:
        slow.wait_for(person.email, timeout=15)


def test_forgotten_password_form_needs_a_login(client):
    page = client.post("/clave/olvido", data={"login": "  "}).get_data(as_text=True)
    assert "Escriba su RUT o su correo." in page and SENT not in page


# --- Password policy ----------------------------------------------------------------------------


def test_the_common_password_list_is_shipped_and_large(app):
    known = common_passwords()
    assert len(known) >= 1000
    for sample in ["123456789012", "contraseña123", "chile2024chile", "password1234", "qwertyuiop12"]:
        assert sample in known


@pytest.mark.parametrize(
    "password",
    [
        "123456789012",
        "Contraseña123",
        "CHILE2024CHILE",
        "Password1234!",
        "qwertyuiop12",
        "!!password2025!!",
        "1q2w3e4r5t6y",
        "aaaaaaaaaaaaaaa",
        "abcabcabcabcabc",
        "  teamo123456  ",
        "municipalidad2024",
    ],
)
def test_common_passwords_are_refused(app, password):
    with app.test_request_context():
        assert is_common(password)
        assert "muy común" in password_problem(password)


@pytest.mark.parametrize(
    "password",
    [
        "el tren de las siete llega tarde",
        "una-clave-bien-larga",
        "mi perro come queque los domingos",
        "Ñandú azul 1987",
    ],
)
def test_passphrases_are_fine(app, password):
    with app.test_request_context():
        assert password_problem(password, rut="12345678-5", email="rosa.tapia@muni.cl", full_name="Rosa Tapia") is None


@pytest.mark.parametrize(
    "password,expected",
    [
        ("corta", "al menos 12"),
        ("mi rut es 12.345.678-5", "RUT"),
        ("clave12345678 secreta", "RUT"),
        ("soy rosa.tapia en la muni", "nombre"),
        ("TAPIAvera del sur", "nombre"),
        ("maría josé feliz en la muni", "nombre"),
        ("rosatapia y su jardín", "nombre"),
    ],
)
def test_personal_data_in_passwords_is_refused(app, password, expected):
    with app.test_request_context():
        problem = password_problem(
            password, rut="12345678-5", email="rosa.tapia@muni.cl", full_name="María José Tapia Vera"
        )
    assert problem is not None and expected in problem


def test_set_password_form_refuses_the_persons_own_name(app, make_user):
    from portal.auth.tokens import SET_PASSWORD_LIFETIME, issue_token
    from portal.models.staff import SET_PASSWORD

    person = make_user(full_name="Gonzalo Andrés Fuentealba")
    with app.app_context():
        raw = issue_token(db.session.get(User, person.id), SET_PASSWORD, SET_PASSWORD_LIFETIME)
        db.session.commit()
    client = app.test_client()
    page = client.post(f"/clave/{raw}", data={"password": "fuentealba y su bici", "confirm": "fuentealba y su bici"})
    assert "no puede contener su nombre" in page.get_data(as_text=True)
    number = person.rut.split("-")[0]
    page = client.post(f"/clave/{raw}", data={"password": f"clave {number} ok", "confirm": f"clave {number} ok"})
    assert "no puede contener su RUT" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "password,message",
    [("password1234", "muy común"), ("ana fuentes 13579246", "RUT"), ("fuentes del desierto", "nombre")],
)
def test_users_create_applies_the_password_policy(app, runner, password, message):
    argv = ["users", "create", "--rut", "13.579.246-2", "--name", "Ana Fuentes", "--role", "admin"]
    result = runner.invoke(args=[*argv, "--password", password])
    assert result.exit_code != 0 and message in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0


# --- Throttling ---------------------------------------------------------------------------------


def test_the_limiter_is_on_by_default(app):
    assert app.config["RATELIMIT_ENABLED"] is True
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_failures_per_account_are_throttled_the_same_for_known_and_unknown_accounts(make_app, make_user):
    app = throttled_app(make_app, SIGN_IN_LIMIT_PER_ACCOUNT="3 per 15 minutes")
    person = make_user(email=None)
    number, digit = person.rut.split("-")
    spellings = [person.rut, format_rut_dotted(person.rut), number + digit]  # one account, any spelling
    client = app.test_client()
    for typed in spellings:
        assert GENERIC_ERROR in login(client, typed, "no-es-la-clave").get_data(as_text=True)
    known = login(client, person.rut)  # even the right password waits for the window to pass
    assert known.status_code == 429

    for _ in range(3):
        assert login(client, "13.579.246-2", "no-es-la-clave").status_code == 200
    unknown = login(client, "13579246-2", "otra")
    assert unknown.status_code == 429
    assert known.get_data() == unknown.get_data()
    assert TOO_MANY in known.get_data(as_text=True) and "Espere unos minutos" in known.get_data(as_text=True)

    # Other people signing in from the same address are not affected.
    colleague = make_user()
    assert login(client, colleague.email).status_code == 302


def test_nobody_keeps_a_colleague_out_by_typing_their_rut_wrongly(make_app, make_user):
    """The RUT and the email of one person share one budget; the owner, from an address that has
    not been failing, still signs in with the right password once it is spent."""
    app = throttled_app(make_app, SIGN_IN_LIMIT_PER_ACCOUNT="3 per 15 minutes")
    victim = make_user(email="victima@muni.cl")
    prankster = app.test_client()
    prankster.environ_base["REMOTE_ADDR"] = "10.0.0.66"
    for typed in (victim.rut, "VICTIMA@muni.cl", format_rut_dotted(victim.rut)):
        assert GENERIC_ERROR in login(prankster, typed, "no-es-la-clave").get_data(as_text=True)
    assert login(prankster, victim.email, "otra-vez-no").status_code == 429  # one budget, any spelling
    assert login(prankster, victim.rut).status_code == 429  # the failing address waits, even if right

    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "10.0.0.7"
    assert login(owner, victim.rut).status_code == 302
    # Another address gets one wrong try once the budget is spent, then waits like the first one.
    guesser = app.test_client()
    guesser.environ_base["REMOTE_ADDR"] = "10.0.0.99"
    assert GENERIC_ERROR in login(guesser, victim.email, "adivinanza-1").get_data(as_text=True)
    assert login(guesser, victim.email, "adivinanza-2").status_code == 429


def test_successful_sign_ins_do_not_count_as_failures(make_app, make_user):
    app = throttled_app(make_app, SIGN_IN_LIMIT_PER_ACCOUNT="2 per 15 minutes")
    person = make_user()
    for _ in range(4):
        assert login(app.test_client(), person.email).status_code == 302


def test_the_account_limit_is_a_window_not_a_lock(make_app, make_user):
    app = throttled_app(make_app, SIGN_IN_LIMIT_PER_ACCOUNT="2 per 2 seconds")
    person = make_user()
    client = app.test_client()
    login(client, person.email, "mal-mal-mal-mal")
    login(client, person.email, "mal-mal-mal-mal")
    assert login(client, person.email).status_code == 429
    time.sleep(2.1)
    assert login(client, person.email).status_code == 302


def test_forged_forwarded_for_does_not_reset_the_address_limit(make_app):
    app = throttled_app(make_app, SIGN_IN_LIMIT_PER_ADDRESS="5 per minute")
    client = app.test_client()
    statuses = [
        login_from(client, f"10.0.0.{n}", f"nadie{n}@muni.cl").status_code  # a new address and account each time
        for n in range(7)
    ]
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]


def login_from(client, address, typed, password="no-es-la-clave"):
    return client.post(
        "/login",
        data={"login": typed, "password": password},
        headers={"X-Forwarded-For": address, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"},
    )


def test_behind_a_declared_proxy_each_client_address_counts_separately(make_app):
    app = throttled_app(make_app, SIGN_IN_LIMIT_PER_ADDRESS="2 per minute", PROXY_COUNT=1)
    client = app.test_client()
    assert [login_from(client, "192.0.2.1", f"a{n}@muni.cl").status_code for n in range(3)] == [200, 200, 429]
    assert login_from(client, "192.0.2.2", "b@muni.cl").status_code == 200


def test_proxy_headers_are_ignored_without_proxy_count(make_app):
    app = make_app()

    @app.get("/_eco")
    def echo():
        from flask import request

        return f"{request.remote_addr} {request.scheme} {request.host}"

    echo.access_rule = ("public", frozenset())
    headers = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "otro.cl"}
    assert app.test_client().get("/_eco", headers=headers).get_data(as_text=True) == "127.0.0.1 http localhost"
    proxied = make_app(PROXY_COUNT=1)
    proxied.add_url_rule("/_eco", view_func=echo)
    assert proxied.test_client().get("/_eco", headers=headers).get_data(as_text=True) == "203.0.113.9 https otro.cl"


def test_forgotten_password_requests_are_throttled(make_app, make_user):
    app = throttled_app(
        make_app, PASSWORD_RESET_LIMIT_PER_ACCOUNT="2 per hour", PASSWORD_RESET_LIMIT_PER_ADDRESS="4 per hour"
    )
    client = app.test_client()
    person = make_user(email=None)
    assert [client.post("/clave/olvido", data={"login": person.rut}).status_code for _ in range(3)] == [200, 200, 429]
    # The refused request did not count against the address (the first limit reached stops the check).
    assert client.post("/clave/olvido", data={"login": "otra@muni.cl"}).status_code == 200
    assert client.post("/clave/olvido", data={"login": "otra2@muni.cl"}).status_code == 200
    page = client.post("/clave/olvido", data={"login": "otra3@muni.cl"})
    assert page.status_code == 429 and TOO_MANY in page.get_data(as_text=True)


def test_memory_counters_in_production_are_warned_about(make_app, caplog):
    with caplog.at_level(logging.WARNING):
        make_app(ENV="production", TRUSTED_HOSTS="induccion.muni.cl", BASE_URL="https://induccion.muni.cl")
    assert any("PORTAL_RATELIMIT_STORAGE_URL" in record.getMessage() for record in caplog.records)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        make_app()
    assert not any("PORTAL_RATELIMIT_STORAGE_URL" in record.getMessage() for record in caplog.records)


@pytest.mark.skipif(not REDIS_URL, reason="set PORTAL_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15) to test Redis")
def test_workers_sharing_redis_share_the_counters(make_app, make_user):
    settings = {"RATELIMIT_STORAGE_URL": REDIS_URL, "RATELIMIT_STORAGE_URI": REDIS_URL}
    first = throttled_app(make_app, SIGN_IN_LIMIT_PER_ACCOUNT="3 per 15 minutes", **settings)
    limiter.reset()
    second = throttled_app(make_app, SIGN_IN_LIMIT_PER_ACCOUNT="3 per 15 minutes", **settings)
    person = make_user()
    try:
        # Two apps in one process stand for two workers: only shared storage makes them agree.
        assert login(first.test_client(), person.email, "mal-mal-mal-mal").status_code == 200
        assert login(second.test_client(), person.email, "mal-mal-mal-mal").status_code == 200
        assert login(first.test_client(), person.email, "mal-mal-mal-mal").status_code == 200
        assert login(second.test_client(), person.email).status_code == 429
        import redis

        stored = redis.Redis.from_url(REDIS_URL).keys("LIMITS*")
        assert stored and not any(person.email.encode() in key for key in stored)  # hashed, not the email
    finally:
        limiter.reset()


# --- Uniform answers ----------------------------------------------------------------------------


def failed_sign_in(app, typed):
    client = app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    started = time.perf_counter()
    response = client.post("/login", data={"login": typed, "password": "no-es-la-clave", "csrf_token": token})
    elapsed = time.perf_counter() - started
    # The re-rendered form's token is signed with the current second: it may differ from the one posted.
    body = re.sub(r'(name="csrf_token" type="hidden" value=")[^"]*"', r'\1TOKEN"', response.get_data(as_text=True))
    body = body.replace(typed, "LOGIN")
    cookies = sorted(re.sub(r"=[^;]*", "=…", value, count=1) for value in response.headers.getlist("Set-Cookie"))
    return response.status_code, body, cookies, elapsed


def test_wrong_password_and_unknown_account_look_the_same(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    person = make_user(email="existe@muni.cl")
    existing = [failed_sign_in(app, person.email) for _ in range(3)]
    unknown = [failed_sign_in(app, "noexiste@muni.cl") for _ in range(3)]
    assert existing[0][:3] == unknown[0][:3]
    assert existing[0][0] == 200 and GENERIC_ERROR in existing[0][1]
    # Both pay for one password hash (the unknown account checks a dummy one).
    slow_known = sorted(answer[3] for answer in existing)[1]
    slow_unknown = sorted(answer[3] for answer in unknown)[1]
    assert slow_known > 0.005 and slow_unknown > 0.005
    assert max(slow_known, slow_unknown) / min(slow_known, slow_unknown) < 10


# --- Failed sign-ins in the audit log -----------------------------------------------------------


def test_failed_sign_ins_keep_the_account_or_a_keyed_fingerprint_never_the_login(make_app, make_user):
    app = make_app()
    person = make_user(email="Conocida@muni.cl")
    typed = [
        person.email.upper(),  # known account, wrong password
        format_rut_dotted(person.rut),
        "Nadie@Muni.cl",  # unknown account, two spellings
        " nadie@muni.cl ",
        "13.579.246-2",  # unknown RUT, two spellings
        "135792462",
    ]
    for login_value in typed:
        assert login(app.test_client(), login_value, "no-es-la-clave").status_code == 200
    events = audit_events(app, "auth.login_failed")
    details = [json.loads(event.details) for event in events]
    assert all(event.actor_id is None for event in events)
    assert details[:2] == [{"user_id": person.id}, {"user_id": person.id}]
    fingerprints = [entry["login_fingerprint"] for entry in details[2:]]
    assert [set(entry) for entry in details[2:]] == [{"login_fingerprint"}] * 4
    assert fingerprints[0] == fingerprints[1] != fingerprints[2] == fingerprints[3]
    assert all(re.fullmatch(r"[0-9a-f]{16}", fingerprint) for fingerprint in fingerprints)
    stored = " ".join(event.details for event in events).lower()
    for secret in ["conocida", person.rut.split("-")[0], "nadie", "13579246", "13.579"]:
        assert secret not in stored
    # Keyed: a plain hash of a RUT would be reversed by hashing every RUT; without the key it cannot.
    assert fingerprints[2] not in hashlib.sha256(b"13579246-2").hexdigest()
    with make_app(SECRET_KEY="otra-clave-secreta").test_request_context():
        assert login_fingerprint("13.579.246-2") != fingerprints[2]
    with app.test_request_context():
        assert login_fingerprint("13.579.246-2") == fingerprints[2]
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0


# --- Host header --------------------------------------------------------------------------------


def test_requests_for_another_host_are_refused(make_app):
    app = make_app(TRUSTED_HOSTS="induccion.muni.cl, www.induccion.muni.cl")
    assert app.config["TRUSTED_HOSTS"] == ["induccion.muni.cl", "www.induccion.muni.cl"]
    client = app.test_client()
    assert client.get("/login", base_url="https://induccion.muni.cl").status_code == 200
    assert client.get("/login", base_url="http://www.induccion.muni.cl").status_code == 200
    refused = client.get("/login", base_url="https://evil.example")
    assert refused.status_code == 400
    assert (
        client.post("/clave/olvido", data={"login": "x@muni.cl"}, headers={"Host": "evil.example"}).status_code == 400
    )


def test_trusted_hosts_come_from_the_environment(make_app, monkeypatch):
    monkeypatch.setenv("PORTAL_TRUSTED_HOSTS", "induccion.muni.cl,intranet.muni.cl")
    app = make_app()
    assert app.config["TRUSTED_HOSTS"] == ["induccion.muni.cl", "intranet.muni.cl"]
    monkeypatch.delenv("PORTAL_TRUSTED_HOSTS")
    assert make_app().config["TRUSTED_HOSTS"] is None
    assert make_app().test_client().get("/login", base_url="http://cualquiera.example").status_code == 200


# --- Idle timeout -------------------------------------------------------------------------------


def set_last_seen(app, person, ago: timedelta | None, created_ago: timedelta | None = None):
    with app.app_context():
        values = {"last_seen_at": None if ago is None else utcnow() - ago}
        if created_ago is not None:
            values["created_at"] = utcnow() - created_ago
        db.session.execute(update(AuthSession).where(AuthSession.user_id == person.id).values(**values))
        db.session.commit()


def last_seen(app, person):
    with app.app_context():
        return db.session.scalar(select(AuthSession.last_seen_at).where(AuthSession.user_id == person.id))


def test_an_idle_session_is_refused(make_app, make_user):
    app = make_app(SESSION_IDLE_MINUTES=30)
    person = make_user()
    client = app.test_client()
    login(client, person.email)
    set_last_seen(app, person, timedelta(minutes=29))
    assert client.get("/").status_code == 200
    set_last_seen(app, person, timedelta(minutes=31))
    response = client.get("/modulos/compromiso")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Su sesión expiró por inactividad." in page
    assert "Inicie sesión para continuar." not in page
    # Signing in again works and sweeps the stale record.
    assert login(client, person.email).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(AuthSession.id)).where(AuthSession.user_id == person.id)) == 1


def test_a_session_from_before_the_idle_column_counts_from_its_start(make_app, make_user):
    app = make_app(SESSION_IDLE_MINUTES=30)
    person = make_user()
    client = app.test_client()
    login(client, person.email)
    set_last_seen(app, person, None, created_ago=timedelta(hours=2))
    assert client.get("/").status_code == 302


def test_activity_is_recorded_at_most_once_a_minute(make_app, make_user):
    app = make_app(SESSION_IDLE_MINUTES=30)
    person = make_user()
    client = app.test_client()
    login(client, person.email)

    set_last_seen(app, person, timedelta(seconds=20))
    before = last_seen(app, person)
    assert client.get("/").status_code == 200
    assert last_seen(app, person) == before  # fresh enough: no write

    set_last_seen(app, person, timedelta(minutes=5))
    assert client.get("/").status_code == 200  # a GET writes on a connection of its own
    assert utcnow() - last_seen(app, person) < timedelta(seconds=30)

    set_last_seen(app, person, timedelta(minutes=5))
    # A POST to a signed-in page updates within its own transaction.
    assert client.post("/modulos/mision-y-vision/lecciones/1/leida").status_code in (302, 303)
    assert utcnow() - last_seen(app, person) < timedelta(seconds=30)


def test_a_touch_that_cannot_be_written_does_not_break_the_page(make_app, make_user, monkeypatch, caplog):
    from sqlalchemy.exc import OperationalError

    app = make_app(SESSION_IDLE_MINUTES=30)
    person = make_user()
    client = app.test_client()
    login(client, person.email)
    set_last_seen(app, person, timedelta(minutes=5))

    def locked(*args, **kwargs):
        raise OperationalError("UPDATE auth_session", {}, Exception("database is locked"))

    monkeypatch.setattr("portal.auth.sessions._run_on_own_connection", locked)
    with caplog.at_level(logging.WARNING):
        assert client.get("/").status_code == 200
    assert any("session activity" in record.getMessage() for record in caplog.records)


# --- Cookies and HSTS ---------------------------------------------------------------------------


def session_cookie_header(response) -> str:
    [header] = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("portal_session=")]
    return header


def test_session_cookie_flags_in_development(app, make_user):
    person = make_user()
    response = login(app.test_client(), person.email)
    header = session_cookie_header(response)
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" not in header
    assert app.config["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize(
    "settings",
    [
        {"BASE_URL": "https://induccion.muni.cl"},
        {"ENV": "production", "TRUSTED_HOSTS": "localhost", "BASE_URL": "http://localhost"},
    ],
)
def test_session_cookie_is_secure_over_https_or_in_production(make_app, make_user, settings):
    app = make_app(**settings)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    person = make_user()
    client = app.test_client()
    response = client.post("/login", data={"login": person.email, "password": PASSWORD}, base_url="https://localhost")
    header = session_cookie_header(response)
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header


def test_an_explicit_cookie_setting_wins(make_app):
    assert (
        make_app(ENV="production", SESSION_COOKIE_SECURE=False, BASE_URL="https://induccion.muni.cl").config[
            "SESSION_COOKIE_SECURE"
        ]
        is False
    )


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" in client.get("/login", base_url="https://localhost").headers
    assert "Strict-Transport-Security" not in client.get("/login").headers


# --- CSRF on every POST route -------------------------------------------------------------------


def test_every_post_route_refuses_a_request_without_csrf_token(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    admin = make_user(roles=ALL_ROLES)
    client = app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    assert (
        client.post("/login", data={"login": admin.email, "password": PASSWORD, "csrf_token": token}).status_code == 302
    )
    events_before = len(audit_events(app))

    checked = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint == "static":
            continue
        url = concrete_url(rule)
        response = client.post(url, data={"login": admin.email, "password": PASSWORD, "name": "x"})
        assert response.status_code == 400, (rule.rule, response.status_code)
        checked.append(rule.rule)

    assert "/login" in checked and "/logout" in checked and "/clave/olvido" in checked
    assert len(checked) >= 10
    assert len(audit_events(app)) == events_before  # nothing was done
    assert client.get("/").status_code == 200  # and the admin is still signed in
