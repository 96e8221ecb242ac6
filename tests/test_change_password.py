"""Everyone changes their own password while signed in; their other sessions end, this one stays."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from portal.extensions import db
from portal.models.audit import AuditEvent
from portal.models.user import AuthSession
from tests.conftest import PASSWORD, login

NEW_PASSWORD = "un colibrí toma agua del estero"


def changes(app) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.password_changed"))
        return [{"actor_id": row.actor_id, **json.loads(row.details)} for row in rows]


def sessions_of(app, user_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuthSession).where(AuthSession.user_id == user_id))


def change(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    return client.post(
        "/cuenta/clave",
        data={"current_password": current, "password": new, "confirm": new if confirm is None else confirm},
    )


def test_the_menu_links_to_the_page(app, client, login_as):
    login_as()
    dashboard = client.get("/").get_data(as_text=True)
    assert 'href="/cuenta/clave"' in dashboard and "Cambiar contraseña" in dashboard
    page = client.get("/cuenta/clave").get_data(as_text=True)
    assert 'name="current_password"' in page and 'autocomplete="current-password"' in page
    assert 'name="password"' in page and 'name="confirm"' in page


def test_a_changed_password_ends_other_sessions_and_keeps_this_one(app, client, login_as):
    person = login_as(full_name="Rosa Elena Tapia Vera")
    phone = app.test_client()
    assert login(phone, person.email).status_code == 302
    assert sessions_of(app, person.id) == 2

    response = change(client)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Su contraseña quedó cambiada y se cerraron sus sesiones en otros dispositivos." in page
    assert client.get("/cuenta/clave").status_code == 200  # this browser is still signed in
    assert "/login" in phone.get("/").headers["Location"]  # the other one was signed out
    assert sessions_of(app, person.id) == 1
    assert changes(app) == [{"actor_id": person.id, "other_sessions_ended": 1}]

    # The new password signs in; the old one no longer does.
    assert login(app.test_client(), person.email, PASSWORD).status_code == 200
    assert login(app.test_client(), person.email, NEW_PASSWORD).status_code == 302


def test_a_wrong_current_password_changes_nothing(app, client, login_as):
    person = login_as()
    phone = app.test_client()
    login(phone, person.email)
    response = change(client, current="no es mi clave actual")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "La contraseña actual no es correcta." in page
    assert NEW_PASSWORD not in page and "no es mi clave actual" not in page  # passwords are never echoed
    assert phone.get("/").status_code == 200
    assert changes(app) == []
    assert login(app.test_client(), person.email, PASSWORD).status_code == 302


def test_the_new_password_follows_the_policy(app, client, login_as):
    person = login_as(full_name="Rosa Elena Tapia Vera")
    short = change(client, new="corta").get_data(as_text=True)
    assert "Use al menos 12 caracteres" in short
    common = change(client, new="123456789012").get_data(as_text=True)
    assert "Esa contraseña es muy común" in common
    personal = change(client, new="rosa tapia vera 2026").get_data(as_text=True)
    assert "La contraseña no puede contener su nombre ni su correo." in personal
    mismatch = change(client, confirm="otra frase distinta y larga").get_data(as_text=True)
    assert "Las contraseñas no coinciden." in mismatch
    missing = client.post("/cuenta/clave", data={}).get_data(as_text=True)
    assert "Escriba su contraseña actual." in missing
    assert changes(app) == []
    assert login(app.test_client(), person.email, PASSWORD).status_code == 302


def test_signed_out_visitors_are_sent_to_sign_in(client):
    assert "/login" in client.get("/cuenta/clave").headers["Location"]
    assert "/login" in change(client).headers["Location"]
