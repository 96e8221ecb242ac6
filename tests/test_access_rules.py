"""Every route declares who may use it, and the declaration is what actually happens."""

import re

import pytest
from flask import Flask

from portal.auth.access import PUBLIC, access_rule_of
from portal.vocabulary import ADMIN, HR, STAFF, SUPERVISOR, TRAINER
from tests.conftest import login

PERSONAS = {
    "anonymous": None,
    "staff": (STAFF,),
    "trainer": (STAFF, TRAINER),
    "hr": (STAFF, HR),
    "admin": (STAFF, ADMIN),
    "supervisor": (STAFF, SUPERVISOR),
}


def concrete_url(rule) -> str:
    url = re.sub(r"<int:[^>]+>", "1", rule.rule)
    url = re.sub(r"<(?:string:)?slug>", "mision-y-vision", url)
    return re.sub(r"<[^>]+>", "x", url)


def routes(app: Flask):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_route_declares_an_access_rule(app):
    undeclared = [rule.rule for rule, _ in routes(app) if access_rule_of_app(app, rule.endpoint) is None]
    assert undeclared == []


def access_rule_of_app(app, endpoint):
    with app.test_request_context():
        return access_rule_of(endpoint)


def test_a_route_added_without_a_rule_is_refused_to_everyone(make_app, make_user):
    app = make_app()

    @app.get("/olvidada")
    def forgotten():
        return "datos"

    assert access_rule_of_app(app, "forgotten") is None
    admin = make_user(roles=(STAFF, ADMIN, HR, TRAINER))
    client = app.test_client()
    assert client.get("/olvidada").status_code == 403
    login(client, admin.email)
    assert client.get("/olvidada").status_code == 403


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_every_route_answers_as_declared(app, make_user, persona):
    client = app.test_client()
    roles = PERSONAS[persona]
    # Account 1, which every address names, is a staff member: everyone with a route may act on it
    # (whose accounts a role may act on is tests/test_authority.py's matrix).
    make_user(full_name="Persona de Referencia")
    if roles is not None:
        person = make_user(roles=roles)
        login(client, person.email)
        # Signing out would end this client's session; it is checked in the sign-in tests.
    for rule, method in routes(app):
        if rule.endpoint == "auth.logout":
            continue
        kind, allowed_roles = access_rule_of_app(app, rule.endpoint)
        response = client.open(concrete_url(rule), method=method)
        status = response.status_code
        # A streamed download keeps its request context until closed, as a WSGI server would do.
        response.close()
        where = (persona, method, rule.rule, status)
        assert status != 500, where
        to_login = status == 302 and "/login" in response.headers.get("Location", "")
        if kind == PUBLIC:
            assert status != 403 and not to_login, where
        elif roles is None:
            assert to_login, where
        elif allowed_roles and not (set(allowed_roles) & set(roles)):
            assert status == 403, where
        else:
            assert status != 403 and not to_login, where
