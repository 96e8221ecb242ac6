"""The institution's name reads correctly in every sentence it is inserted in: "la Municipalidad de San
Ejemplo certifica…", "los valores de la Municipalidad de…", never "de Municipalidad de…"."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal.extensions import db
from portal.institution import with_article
from portal.models.progress import Certificate
from portal.people.welcome import welcome_body
from portal.settings import store
from portal.vocabulary import ADMIN, HR, STAFF
from tests.conftest import login
from tests.helpers import SLUGS, complete_module

NAME = "Municipalidad de San Ejemplo"
PORTAL = Path(__file__).resolve().parent.parent / "portal"

# A sentence that inserts the name without its article: "de Municipalidad…", "a Municipalidad…",
# "en Municipalidad…", or a sentence that starts with the bare name and goes on to certify.
WITHOUT_ARTICLE = re.compile(rf"\b(de|a|en|con|por|para) {NAME}")
BARE_SUBJECT = re.compile(rf"(^|[.:;!?] +){NAME}[^.\n]*\bcertifica", re.MULTILINE)


@pytest.mark.parametrize(
    ("name", "preposition", "capital", "expected"),
    [
        (NAME, None, False, "la Municipalidad de San Ejemplo"),
        (NAME, None, True, "La Municipalidad de San Ejemplo"),
        (NAME, "de", False, "de la Municipalidad de San Ejemplo"),
        (NAME, "a", False, "a la Municipalidad de San Ejemplo"),
        ("Ilustre Municipalidad de Quilpué", "de", False, "de la Ilustre Municipalidad de Quilpué"),
        ("Municipio de San Ejemplo", "de", False, "del Municipio de San Ejemplo"),
        ("Municipio de San Ejemplo", "a", False, "al Municipio de San Ejemplo"),
        ("Corporación Municipal de Ejemplo", None, True, "La Corporación Municipal de Ejemplo"),
        # Typed with its article: the administrator's choice wins, in lower case inside a sentence.
        ("El Consejo de Ejemplo", "de", False, "del Consejo de Ejemplo"),
        ("La Municipalidad  de Ejemplo", None, False, "la Municipalidad de Ejemplo"),
    ],
)
def test_the_name_takes_its_article(name, preposition, capital, expected):
    assert with_article(name, preposition, capital) == expected


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def readable(text: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def lines(text: str) -> str:
    """The text with one line per element or printed line: where a sentence can start."""
    text = html.unescape(re.sub(r"<[^>]+>", "\n", text))
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


def inserting_files() -> set[str]:
    """Every template and module that prints the configured name: what the test below must render."""
    found = set()
    for path in PORTAL.rglob("*"):
        if path.suffix in (".html", ".py") and path.name != "settings.py":
            text = path.read_text(encoding="utf-8")
            if "institution_name" in text and path.suffix == ".html" or '"INSTITUTION_NAME"' in text:
                found.add(str(path.relative_to(PORTAL)))
    return found


# What each file contributes, as rendered below (the admin pages only store the setting).
RENDERED = {
    "templates/base.html": "every page: header, footer, the logo's description",
    "templates/admin/settings.html": "the administrators' settings page",
    "templates/learning/verify.html": "the public verification of a certificate",
    "learning/certificate_documents.py": "the certificate's PDF (the commitment's text is handed the name)",
    "people/welcome.py": "the welcome mail",
    "auth/password_reset.py": "the password reset mail",
    "reports/reminders.py": "HR's reminder mail",
    "activation/slips.py": "the activation slips' PDF",
    "reports/reminder_sheets.py": "the reminder sheets and letters on paper (PDF)",
    "audit/verification.py": "the audit checkpoint mail (the name alone, as a signature)",
    "admin/views.py": "stores the setting; prints no sentence",
    "admin/audit_text.py": "the setting's label; prints no sentence",
    "demo.py": "hands the name to the commitment's text",
    "learning/views.py": "hands the name to the commitment's text (the commitment page)",
    "__init__.py": "hands the name to every template",
}


def test_every_template_and_mail_prints_the_name_with_its_article(mail_app, make_user, inbox):
    assert inserting_files() == set(RENDERED), "render the new place that prints the name in this test"
    with mail_app.app_context():
        store({"INSTITUTION_NAME": NAME, "LOGO": "logo.png"})
        db.session.commit()
    texts: dict[str, str] = {}

    person = make_user(full_name="Carla Muñoz Rojas")
    client = mail_app.test_client()
    assert login(client, person.email).status_code == 302
    texts["dashboard"] = client.get("/").get_data(as_text=True)
    for slug in SLUGS:
        complete_module(client, mail_app, slug)
    texts["commitment"] = client.get("/compromiso").get_data(as_text=True)
    assert client.post("/compromiso", data={"accept": "y", "full_name": "Carla Muñoz Rojas"}).status_code == 302
    pdf = client.get("/certificado")
    texts["certificate PDF"] = pdf_text(pdf.data)
    with mail_app.app_context():
        code = db.session.scalar(select(Certificate.code).where(Certificate.user_id == person.id))
    texts["verification"] = mail_app.test_client().get(f"/verificar/{code}").get_data(as_text=True)

    admin = mail_app.test_client()
    login(admin, make_user(roles=(STAFF, ADMIN)).email)
    texts["settings"] = admin.get("/admin/configuracion").get_data(as_text=True)
    hr = mail_app.test_client()
    make_user(full_name="Bruno Díaz Soto")  # someone not done, for the reminder's preview
    login(hr, make_user(roles=(STAFF, HR)).email)
    texts["reminder"] = hr.get("/rrhh/recordatorios").get_data(as_text=True)
    paper = make_user(full_name="Elena Paz Tapia", email=None)  # pending, no e-mail: slips and sheets
    slips = hr.post("/rrhh/hojas-de-activacion", data={"persona": str(paper.id), "origen": "person"})
    texts["activation slips PDF"] = pdf_text(slips.data)
    sheets = hr.post("/rrhh/recordatorios/hojas", data={"cartas": "y"})
    texts["reminder sheets PDF"] = pdf_text(sheets.data)

    with mail_app.test_request_context():
        texts["welcome mail"] = welcome_body("Carla Muñoz Rojas", "http://127.0.0.1:5000/clave/x", 7)
    mail_app.test_client().post("/clave/olvido", data={"login": person.email})
    texts["reset mail"] = inbox.messages[-1][1].get_body().get_content()

    assert "los valores de la Municipalidad de San Ejemplo" in readable(texts["certificate PDF"])
    assert "La Municipalidad de San Ejemplo certifica que" in readable(texts["verification"])
    assert "institucionales de la Municipalidad de San Ejemplo" in readable(texts["commitment"])
    assert "Logo de la Municipalidad de San Ejemplo" in texts["settings"]
    assert "bienvenida a la Municipalidad de San Ejemplo" in texts["welcome mail"]
    assert "Inducción de la Municipalidad de San Ejemplo" in readable(texts["reset mail"])
    assert "Inducción de la Municipalidad de San Ejemplo" in readable(texts["reminder"])
    for where, text in texts.items():
        assert NAME in text, where
        assert not WITHOUT_ARTICLE.search(readable(text)), (where, WITHOUT_ARTICLE.search(readable(text)))
        assert not BARE_SUBJECT.search(lines(text)), (where, BARE_SUBJECT.search(lines(text)))
