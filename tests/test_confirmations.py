"""Destructive actions ask first, on a page of their own that works without JavaScript.

The button on the page is a link to the confirmation page, which explains what will happen and
holds the POST form (with its CSRF token) and a "Cancelar" link. Opening that page writes nothing;
the POST endpoint is unchanged, so a POST without the page still works (the route tests post directly).
"""

from __future__ import annotations

import json
from html.parser import HTMLParser

from sqlalchemy import func, select

from portal.extensions import db
from portal.models.audit import AuditEvent
from portal.models.curriculum import Lesson, Module
from portal.models.user import AuthSession, User
from portal.vocabulary import ADMIN, HR, STAFF, TRAINER
from tests.conftest import PASSWORD, csrf_token_from
from tests.helpers import SLUGS, counting_queries

MODULE = SLUGS[0]


class PostForms(HTMLParser):
    """Each POST form of a page: (action, {field: value}); and every link's href."""

    def __init__(self, html: str):
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self.links: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("method") or "").lower() == "post":
            self.forms.append((attributes.get("action") or "", {}))
        elif tag == "input" and self.forms and attributes.get("name"):
            self.forms[-1][1][attributes["name"]] = attributes.get("value") or ""
        elif tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])


def signed_in(app, make_user, roles, **kwargs):
    """A client signed in through the real form, CSRF token included."""
    person = make_user(roles=roles, **kwargs)
    client = app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"login": person.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return client, person


def open_without_writing(app, client, url: str) -> tuple[str, PostForms]:
    """GET the confirmation page and check that no statement changed the database."""
    with counting_queries(app) as statements:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    writes = [sql for sql in statements if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == [], f"{url} wrote: {writes}"
    html = response.get_data(as_text=True)
    return html, PostForms(html)


def only_form(page: PostForms, action: str) -> dict[str, str]:
    [fields] = [fields for form_action, fields in page.forms if form_action == action]
    assert fields.get("csrf_token"), "the confirmation form carries no CSRF token"
    return fields


def actions(app, action: str) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action))
        return [json.loads(row.details) for row in rows]


def test_deleting_a_lesson_asks_first(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    trainer, _ = signed_in(app, make_user, (STAFF, TRAINER))
    with app.app_context():
        lesson = db.session.scalars(select(Lesson).join(Module).where(Module.slug == MODULE)).first()
        lesson_id, title = lesson.id, lesson.title
    url = f"/capacitacion/modulos/{MODULE}/lecciones/{lesson_id}/eliminar"

    module_page = PostForms(trainer.get(f"/capacitacion/modulos/{MODULE}").get_data(as_text=True))
    assert url in module_page.links
    assert url not in [action for action, _fields in module_page.forms]  # no longer a one-click button

    html, page = open_without_writing(app, trainer, url)
    assert f"Eliminar la lección «{title}»" in html and "queda 30 días en la Papelera" in html
    assert f"/capacitacion/modulos/{MODULE}#lecciones" in page.links and ">Cancelar</a>" in html
    fields = only_form(page, url)
    with app.app_context():
        assert db.session.get(Lesson, lesson_id) is not None

    response = trainer.post(url, data=fields)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Lesson, lesson_id).deleted_at is not None  # in the Papelera (tests/test_lesson_trash.py)
    assert actions(app, "content.lesson_trashed") == [{"module": MODULE, "lesson": lesson_id, "title": title}]


def test_withdrawing_a_published_module_asks_first(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    trainer, _ = signed_in(app, make_user, (STAFF, TRAINER))
    url = f"/capacitacion/modulos/{MODULE}/retirar"
    assert url in PostForms(trainer.get(f"/capacitacion/modulos/{MODULE}").get_data(as_text=True)).links
    assert f"{url}?back=index" in PostForms(trainer.get("/capacitacion/").get_data(as_text=True)).links

    html, page = open_without_writing(app, trainer, f"{url}?back=index")
    assert "Retirar el módulo «Misión y Visión»" in html
    assert "Desaparece del recorrido de todos" in html
    assert "/capacitacion/" in page.links  # "Cancelar" goes back where the link was
    fields = only_form(page, f"/capacitacion/modulos/{MODULE}/publicacion")
    assert fields["published"] == "0" and fields["back"] == "index"
    with app.app_context():
        assert db.session.scalar(select(Module.published).where(Module.slug == MODULE)) is True

    response = trainer.post(f"/capacitacion/modulos/{MODULE}/publicacion", data=fields)
    assert response.status_code == 302 and response.headers["Location"] == "/capacitacion/"
    with app.app_context():
        assert db.session.scalar(select(Module.published).where(Module.slug == MODULE)) is False
    assert actions(app, "content.module_unpublished") == [{"module": MODULE}]

    # Withdrawn, there is nothing to confirm; publishing again stays one button.
    assert trainer.get(url).headers["Location"] == f"/capacitacion/modulos/{MODULE}"
    module_page = PostForms(trainer.get(f"/capacitacion/modulos/{MODULE}").get_data(as_text=True))
    assert only_form(module_page, f"/capacitacion/modulos/{MODULE}/publicacion")["published"] == "1"


def sessions_of(app, user_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuthSession).where(AuthSession.user_id == user_id))


def is_active(app, user_id: int) -> bool:
    with app.app_context():
        return db.session.get(User, user_id).active


def test_hr_deactivating_a_person_asks_first(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    hr, _ = signed_in(app, make_user, (STAFF, HR), full_name="Patricia Recursos Humanos")
    leaver_client, leaver = signed_in(app, make_user, (STAFF,), full_name="Jorge Andrés Salinas")
    url = f"/rrhh/personas/{leaver.id}/desactivar"
    person_page = PostForms(hr.get(f"/rrhh/personas/{leaver.id}").get_data(as_text=True))
    assert url in person_page.links
    assert not any(fields.get("active") == "0" for _action, fields in person_page.forms)

    html, page = open_without_writing(app, hr, url)
    assert "Desactivar la cuenta de Jorge Andrés Salinas" in html
    assert "No podrá ingresar al portal" in html and "se conservan" in html
    assert f"/rrhh/personas/{leaver.id}" in page.links and ">Cancelar</a>" in html
    fields = only_form(page, f"/rrhh/personas/{leaver.id}/activacion")
    assert fields["active"] == "0"
    assert is_active(app, leaver.id) and sessions_of(app, leaver.id) == 1
    assert leaver_client.get("/").status_code == 200

    assert hr.post(f"/rrhh/personas/{leaver.id}/activacion", data=fields).status_code == 302
    assert not is_active(app, leaver.id) and sessions_of(app, leaver.id) == 0
    assert actions(app, "staff.deactivated") == [{"user_id": leaver.id}]
    # Deactivated: the page has nothing to confirm, and reactivating is one button.
    assert hr.get(url).headers["Location"] == f"/rrhh/personas/{leaver.id}"
    person_page = PostForms(hr.get(f"/rrhh/personas/{leaver.id}").get_data(as_text=True))
    assert any(fields.get("active") == "1" for _action, fields in person_page.forms)


def test_hr_gets_no_confirmation_page_for_an_account_outside_its_authority(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    hr, _ = signed_in(app, make_user, (STAFF, HR), full_name="Patricia Recursos Humanos")
    admin = make_user(full_name="Ana Administradora", roles=(STAFF, ADMIN))
    response = hr.get(f"/rrhh/personas/{admin.id}/desactivar", follow_redirects=True)
    assert response.request.path == f"/rrhh/personas/{admin.id}"
    assert "solo Administración puede modificarla" in response.get_data(as_text=True)
    assert f"/rrhh/personas/{admin.id}/activacion" not in response.get_data(as_text=True)
    assert is_active(app, admin.id)


def test_an_administrator_deactivating_an_account_asks_first(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    admin, _ = signed_in(app, make_user, (STAFF, ADMIN), full_name="Ana Administradora")
    _client, person = signed_in(app, make_user, (STAFF, TRAINER), full_name="Rodrigo Soto Lagos")
    url = f"/admin/cuentas/{person.id}/desactivar"
    account_page = PostForms(admin.get(f"/admin/cuentas/{person.id}").get_data(as_text=True))
    assert url in account_page.links
    assert not any(fields.get("active") == "0" for _action, fields in account_page.forms)

    html, page = open_without_writing(app, admin, url)
    assert "Desactivar la cuenta de Rodrigo Soto Lagos" in html and "Sus registros se conservan" in html
    assert f"/admin/cuentas/{person.id}" in page.links and ">Cancelar</a>" in html
    fields = only_form(page, f"/admin/cuentas/{person.id}/activacion")
    assert fields["active"] == "0"
    assert is_active(app, person.id) and sessions_of(app, person.id) == 1

    assert admin.post(f"/admin/cuentas/{person.id}/activacion", data=fields).status_code == 302
    assert not is_active(app, person.id) and sessions_of(app, person.id) == 0
    assert admin.get(url).headers["Location"] == f"/admin/cuentas/{person.id}"


def test_anonymising_already_has_its_own_confirmation_page(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    admin, _ = signed_in(app, make_user, (STAFF, ADMIN), full_name="Ana Administradora")
    leaver = make_user(full_name="Camila Ruiz Toro", active=False)
    url = f"/admin/cuentas/{leaver.id}/anonimizar"
    assert url in PostForms(admin.get(f"/admin/cuentas/{leaver.id}").get_data(as_text=True)).links

    html, page = open_without_writing(app, admin, url)
    assert "Esta acción no se puede deshacer" in html
    assert f"/admin/cuentas/{leaver.id}" in page.links and ">Cancelar</a>" in html
    fields = only_form(page, "")  # posts to itself
    with app.app_context():
        assert db.session.get(User, leaver.id).full_name == "Camila Ruiz Toro"
    fields["confirmation"] = "ANONIMIZAR"
    assert admin.post(url, data=fields).status_code == 302
    with app.app_context():
        assert db.session.get(User, leaver.id).full_name != "Camila Ruiz Toro"
