"""A new employee's whole path: lessons, quizzes, commitment, certificate and its verification."""

import hashlib
import io
import os
import re
from dataclasses import replace

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal.demo import demo_rut
from portal.extensions import db
from portal.learning.certificate import CertificateData, certificate_pdf, certificate_pdfs, cjk_font
from portal.models.curriculum import Module
from portal.models.progress import Certificate, Commitment
from portal.models.quiz import Attempt
from portal.models.user import User
from portal.rut import format_rut
from tests.conftest import login
from tests.helpers import SLUGS, answers_for, complete_module, pass_quiz, read_all_lessons, start_quiz


def test_funcionario_walks_the_whole_path_to_a_verified_certificate(app, client, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert login(client, "funcionario@demo.cl", "induccion-demo").status_code == 302

    dashboard = client.get("/").get_data(as_text=True)
    assert "0 % completado" in dashboard
    assert dashboard.count("Bloqueado") == 6  # modules 2-6 and the commitment

    # Module 1: read, fail the quiz, retry, pass.
    read_all_lessons(client, app, SLUGS[0])
    first = start_quiz(client, SLUGS[0])
    failed = client.post(f"/modulos/{SLUGS[0]}/quiz/intentos/{first}", data=answers_for(app, first, right=False))
    assert failed.status_code == 302
    result = client.get(failed.headers["Location"]).get_data(as_text=True)
    assert "No aprobado" in result and "Puntaje: 0 %" in result
    # By default the key waits until the quiz is passed: right or wrong, and the value at stake.
    assert "Incorrecta" in result
    assert "Respuesta correcta" not in result and "Explicación:" not in result
    assert "una vez que apruebe el cuestionario" in result
    assert "Intentar de nuevo" in result
    assert client.get("/").get_data(as_text=True).count("Bloqueado") == 6  # failing opens nothing
    second = start_quiz(client, SLUGS[0])
    assert second != first  # a retry is a new attempt
    client.post(f"/modulos/{SLUGS[0]}/quiz/intentos/{second}", data=answers_for(app, second))
    passed = client.get(f"/modulos/{SLUGS[0]}/quiz/intentos/{second}").get_data(as_text=True)
    assert "Aprobado" in passed and "Puntaje: 100 %" in passed and "Seguir con: Compromiso" in passed
    assert "Respuesta correcta" in passed
    # Once passed, the failed attempt's review shows the key too.
    reviewed = client.get(f"/modulos/{SLUGS[0]}/quiz/intentos/{first}").get_data(as_text=True)
    assert "Su respuesta" in reviewed and "Respuesta correcta" in reviewed

    for slug in SLUGS[1:]:
        complete_module(client, app, slug)

    dashboard = client.get("/").get_data(as_text=True)
    assert dashboard.count("Completado") == 6
    assert "Firmar la declaración de compromiso" in dashboard

    # The commitment: the typed name must match.
    form = client.get("/compromiso").get_data(as_text=True)
    assert "Compromiso: Nos comprometemos a trabajar" in form
    wrong_name = client.post("/compromiso", data={"accept": "y", "full_name": "Otra Persona"})
    assert "no coincide" in wrong_name.get_data(as_text=True)
    assert 'value="Otra Persona"' in wrong_name.get_data(as_text=True)
    unticked = client.post("/compromiso", data={"full_name": "Camila Fuentes Rojas"})
    assert "Marque la casilla" in unticked.get_data(as_text=True)
    signed = client.post("/compromiso", data={"accept": "y", "full_name": "camila fuentes  rojas"})
    assert signed.status_code == 302

    with app.app_context():
        camila = db.session.scalar(select(User).where(User.email == "funcionario@demo.cl"))
        commitment = db.session.scalar(select(Commitment).where(Commitment.user_id == camila.id))
        certificate = db.session.scalar(select(Certificate).where(Certificate.user_id == camila.id))
        assert commitment.text_sha256 == hashlib.sha256(commitment.text.encode("utf-8")).hexdigest()
        assert "Camila Fuentes Rojas" in commitment.text
        code = certificate.code
        assert len(code) == 32
    finished = client.get("/").get_data(as_text=True)
    assert "100 % completado" in finished
    # Once finished, the certificate is the first thing the dashboard offers, above the modules.
    download = finished.index('href="/certificado"')
    assert finished.count('href="/certificado"') == 1 and download < finished.index("<h2>Módulos</h2>")
    # The last step is the "Declaración de compromiso", never the bare word of the module "Compromiso".
    assert ">Declaración de compromiso</a>" in finished
    bare = re.findall(r'(href="[^"]*")?>\s*Compromiso\s*<', finished)
    assert bare == ['href="/modulos/compromiso"'], bare  # only the module's own link
    # The last card says what was signed (the name as typed), no longer asks to sign.
    # The day and the time said apart, as one says them: «el 07-12-2026 a las 21:12».
    signed_sentence = (
        r"Firmó la declaración de compromiso el \d\d-\d\d-\d{4} a las \d\d:\d\d como «camila fuentes  rojas»\."
    )
    assert re.search(signed_sentence, finished), finished  # the name as typed
    assert re.search(signed_sentence, client.get("/compromiso").get_data(as_text=True))
    assert "Al terminar los módulos, firme" not in finished

    # The certificate PDF, read back.
    pdf = client.get("/certificado")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    grouped = "-".join(code[i : i + 4] for i in range(0, 32, 4))
    assert "Camila Fuentes Rojas" in text
    assert grouped in text
    assert format_rut(demo_rut(15_234_567)) in text
    assert "Misión y Visión" in text and "Ética y Probidad" in text and "100 %" in text

    # Public verification: name and date only, for anyone; unknown codes are 404.
    anonymous = app.test_client()
    verified = anonymous.get(f"/verificar/{grouped}")
    page = verified.get_data(as_text=True)
    assert verified.status_code == 200 and "Camila Fuentes Rojas" in page
    assert "15.234.567" not in page and "funcionario@demo.cl" not in page
    assert anonymous.get(f"/verificar/{code.lower()}").status_code == 200
    assert anonymous.get("/verificar/AAAA-BBBB-CCCC-DDDD").status_code == 404


def test_modules_open_in_order(app, client, login_as):
    login_as()
    with app.app_context():
        titles = {slug: title for slug, title in db.session.execute(select(Module.slug, Module.title))}
    locked = client.get(f"/modulos/{SLUGS[1]}")
    assert locked.status_code == 302 and locked.headers["Location"] == "/"
    # Back on the dashboard, the message names the module and the one to finish first: the first
    # unfinished required module, even for a module further down the path.
    assert f"El módulo «{titles[SLUGS[1]]}» se abre cuando complete «{titles[SLUGS[0]]}»." in client.get("/").get_data(
        as_text=True
    )
    client.get(f"/modulos/{SLUGS[2]}")
    assert f"El módulo «{titles[SLUGS[2]]}» se abre cuando complete «{titles[SLUGS[0]]}»." in client.get("/").get_data(
        as_text=True
    )
    assert client.get(f"/modulos/{SLUGS[1]}/lecciones/1").status_code == 302
    assert client.post(f"/modulos/{SLUGS[1]}/quiz/intentos").status_code == 302
    read_all_lessons(client, app, SLUGS[0])
    # Lessons read is not enough: the quiz must be passed too.
    assert client.get(f"/modulos/{SLUGS[1]}").status_code == 302
    pass_quiz(client, app, SLUGS[0])
    assert client.get(f"/modulos/{SLUGS[1]}").status_code == 200
    client.get(f"/modulos/{SLUGS[2]}")
    assert f"se abre cuando complete «{titles[SLUGS[1]]}»." in client.get("/").get_data(as_text=True)


def test_a_quiz_passed_before_the_lessons_are_read_points_back_to_them_not_to_a_locked_module(app, client, login_as):
    login_as()
    client.post(f"/modulos/{SLUGS[0]}/lecciones/1/leida")
    attempt_id = pass_quiz(client, app, SLUGS[0])
    result = client.get(f"/modulos/{SLUGS[0]}/quiz/intentos/{attempt_id}").get_data(as_text=True)
    assert "Aprobado" in result
    assert "Seguir con:" not in result  # the next module is still locked
    assert "Para completar el módulo, lea las 2 lecciones que le faltan." in result
    assert f'href="/modulos/{SLUGS[0]}">Ir a las lecciones</a>' in result
    read_all_lessons(client, app, SLUGS[0])
    result = client.get(f"/modulos/{SLUGS[0]}/quiz/intentos/{attempt_id}").get_data(as_text=True)
    assert "Seguir con: Compromiso" in result and "le faltan" not in result


def test_lesson_pages_have_previous_and_next(app, client, login_as):
    login_as()
    first = client.get(f"/modulos/{SLUGS[0]}/lecciones/1").get_data(as_text=True)
    assert "Anterior" not in first and "Marcar como leída y seguir" in first
    assert "Lección 1 de 3" in first
    second = client.get(f"/modulos/{SLUGS[0]}/lecciones/2").get_data(as_text=True)
    assert f'href="/modulos/{SLUGS[0]}/lecciones/1"' in second
    last = client.get(f"/modulos/{SLUGS[0]}/lecciones/3").get_data(as_text=True)
    assert "ir al cuestionario" in last
    assert client.get(f"/modulos/{SLUGS[0]}/lecciones/4").status_code == 404
    assert client.post(f"/modulos/{SLUGS[0]}/lecciones/3/leida").headers["Location"].endswith("/quiz")
    assert client.get("/modulos/no-existe").status_code == 404


def test_a_lesson_page_says_whether_it_was_read_and_shows_the_text_as_it_is_now(app, client, login_as):
    login_as()
    second = f"/modulos/{SLUGS[0]}/lecciones/2"
    assert "Ya marcó esta lección como leída." not in client.get(second).get_data(as_text=True)
    client.post(f"{second}/leida")
    assert "Ya marcó esta lección como leída." in client.get(second).get_data(as_text=True)
    assert "Ya marcó" not in client.get(f"/modulos/{SLUGS[0]}/lecciones/1").get_data(as_text=True)
    assert client.get(f"/modulos/{SLUGS[0]}/lecciones/0").status_code == 404
    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == SLUGS[0]))
        module.lessons[1].body_md = "Texto **corregido** por capacitación."
        db.session.commit()
    # The body was rendered before the edit: the page shows the edited text, not the earlier HTML.
    assert "Texto <strong>corregido</strong> por capacitación." in client.get(second).get_data(as_text=True)


def test_marking_a_lesson_read_is_a_post_and_counts_once(app, client, login_as):
    login_as()
    client.get(f"/modulos/{SLUGS[0]}/lecciones/1")
    assert "Lecciones leídas: 0 de 3" in client.get("/").get_data(as_text=True)
    client.post(f"/modulos/{SLUGS[0]}/lecciones/1/leida")
    client.post(f"/modulos/{SLUGS[0]}/lecciones/1/leida")
    dashboard = client.get("/").get_data(as_text=True)
    assert "Lecciones leídas: 1 de 3" in dashboard and "En curso" in dashboard


def test_unanswered_questions_are_pointed_out_and_answers_kept(app, client, login_as):
    login_as()
    attempt_id = start_quiz(client, SLUGS[0])
    answers = answers_for(app, attempt_id)
    keys = list(answers)
    partial = {key: answers[key] for key in keys[:2]}
    response = client.post(f"/modulos/{SLUGS[0]}/quiz/intentos/{attempt_id}", data=partial)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"Faltan {len(keys) - 2} preguntas por responder. Sus otras respuestas se mantienen." in page
    for key in keys[:2]:
        for choice_id in partial[key]:
            assert re.search(rf'<input checked id="[^"]+" name="{key}"[^>]* value="{choice_id}"', page)
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).submitted_at is None


def test_commitment_is_closed_until_modules_are_done(client, login_as):
    login_as()
    page = client.get("/compromiso").get_data(as_text=True)
    assert "se abre cuando complete todos los módulos" in page
    response = client.post("/compromiso", data={"accept": "y", "full_name": "María José Pérez Soto"})
    assert "se abre cuando complete" in response.get_data(as_text=True)
    assert client.get("/certificado").status_code == 302


def test_dashboard_shows_due_date_and_days_left(client, login_as):
    from datetime import date, timedelta

    login_as(due_date=date.today() + timedelta(days=12))
    page = client.get("/").get_data(as_text=True)
    assert "quedan 12 días" in page


def test_overdue_person_sees_it(client, login_as):
    from datetime import date, timedelta

    login_as(due_date=date.today() - timedelta(days=3))
    assert "plazo vencido hace 3 días" in client.get("/").get_data(as_text=True)


def test_quiz_introduction_shows_the_pass_mark_and_past_attempts(app, client, login_as):
    login_as()
    intro = client.get(f"/modulos/{SLUGS[0]}/quiz").get_data(as_text=True)
    assert "al menos el 80 % de respuestas correctas" in intro
    assert "Comenzar el cuestionario" in intro and "le quedan 3 por leer" in intro
    attempt_id = start_quiz(client, SLUGS[0])
    client.post(f"/modulos/{SLUGS[0]}/quiz/intentos/{attempt_id}", data=answers_for(app, attempt_id, right=False))
    again = client.get(f"/modulos/{SLUGS[0]}/quiz").get_data(as_text=True)
    assert "Sus intentos" in again and "No aprobado" in again and "Comenzar un nuevo intento" in again


NAME_BEYOND_LATIN_1 = "Benjamín Łukasz Díaz 李"
#: 李 needs a CJK system font, too large to ship; .ci/run installs one, so under CI these never skip.
needs_cjk_font = pytest.mark.skipif(
    cjk_font() is None and os.environ.get("CI") != "true", reason="apt-get install fonts-droid-fallback"
)


def certificate_data(full_name: str) -> CertificateData:
    labels = dict.fromkeys(["title", "certifies", "rut", "body", "module", "score", "date", "code", "verify"], "x")
    return CertificateData(
        institution="Municipalidad de Ğüzelyurt\u2011Sur",
        full_name=full_name,
        rut="12.345.678-5",
        completed_on="hoy",
        modules=[("Módulo", 100)],
        code="AAAA",
        verify_url="https://induccion.muni.cl/verificar/AAAA",
        labels=labels,
    )


def test_names_beyond_windows_1252_print_with_the_shipped_font_alone():
    """DejaVu ships with the portal: on a machine with nothing but Python, Łukasz and Ğ print."""
    text = PdfReader(io.BytesIO(certificate_pdf(certificate_data("Benjamín Łukasz Díaz")))).pages[0].extract_text()
    assert "Benjamín Łukasz Díaz" in text and "Municipalidad de Ğüzelyurt\u2011Sur" in text


@needs_cjk_font
def test_certificate_prints_names_beyond_windows_1252_and_links_to_the_configured_address(make_app, make_user):
    """Łukasz, 李, Ğ, U+2011 and an emoji in the name, a module title and the institution all print.

    The certificate is asked for with `Host: evil.example`: its QR code and printed address still
    point at the fixed local address (PORTAL_BASE_URL unset).
    """
    app = make_app(INSTITUTION_NAME="Municipalidad de Ğüzelyurt\u2011Sur")
    person = make_user(full_name=NAME_BEYOND_LATIN_1)
    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == SLUGS[-1]))
        module.title = "Ética y Probidad 🤝 李"
        db.session.commit()
    client = app.test_client()
    assert login(client, person.email).status_code == 302
    for slug in SLUGS:
        complete_module(client, app, slug)
    signed = client.post("/compromiso", data={"accept": "y", "full_name": NAME_BEYOND_LATIN_1})
    assert signed.status_code == 302, signed.get_data(as_text=True)

    # The test client keeps cookies per host: hand the session to the hostile one.
    client.set_cookie("portal_session", client.get_cookie("portal_session").value, domain="evil.example")
    pdf = client.get("/certificado", base_url="http://evil.example")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert NAME_BEYOND_LATIN_1 in text
    assert "Municipalidad de Ğüzelyurt\u2011Sur" in text
    assert "Ética y Probidad" in text and "李" in text.split("Ética y Probidad", 1)[1]
    assert "http://127.0.0.1:5000/verificar/" in text and "evil" not in text


@needs_cjk_font
def test_certificates_drawn_together_are_standalone_files_reading_like_one_drawn_alone(tmp_path):
    """certificate_pdfs (HR's ZIPs) draws a batch as one document and splits it: each file is a
    valid one-page PDF, titled, with the same text as certificate_pdf, whichever fonts its name needs,
    carrying the logo (a PNG with transparency: an image and its mask) too."""
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGBA", (480, 144), (20, 84, 120, 128)).save(logo)
    names = ["Benjamín Łukasz Díaz", NAME_BEYOND_LATIN_1, "Ana Rojas", "Mei Lin 李小龍", "Ğül Ñuñez"]
    batch = [replace(certificate_data(name), code=f"CODE-{index}", logo=logo) for index, name in enumerate(names)]
    made = dict(certificate_pdfs(batch))
    assert sorted(made) == list(range(len(names)))
    for index, data in enumerate(batch):
        file = made[index]
        reader = PdfReader(io.BytesIO(file), strict=True)
        assert len(reader.pages) == 1
        assert reader.metadata.title == data.labels["title"] and reader.metadata.author == data.institution
        text = reader.pages[0].extract_text()
        assert data.full_name in text and data.code in text
        assert list(reader.pages[0]["/Resources"]["/XObject"].values())[0].get_object()["/SMask"]
        assert text == PdfReader(io.BytesIO(certificate_pdf(data))).pages[0].extract_text()
    # A batch of CJK names only (no page for DejaVu alone).
    [(index, file)] = certificate_pdfs([certificate_data("李小龍")])
    assert index == 0
    assert "李小龍" in PdfReader(io.BytesIO(file)).pages[0].extract_text()


@needs_cjk_font
def test_certificate_fonts_are_embedded():
    """The PDF carries its fonts: a reader without DejaVu or a CJK font shows the same page."""
    reader = PdfReader(io.BytesIO(certificate_pdf(certificate_data(NAME_BEYOND_LATIN_1))))
    fonts = {
        font["/BaseFont"]
        for page in reader.pages
        for font in page["/Resources"]["/Font"].get_object().values()
        if "/FontFile2" in font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
    }
    assert any("DejaVuSans" in str(name) for name in fonts), fonts
    assert any("DroidSansFallback" in str(name) for name in fonts), fonts


def test_quick_lines_of_text_print_exactly_where_cells_do(tmp_path, monkeypatch):
    """A certificate without a fallback font prints its lines with fpdf2's text() (for speed); drawn
    again with cell() everywhere, the page's pixels are the same: centred, left and right alignment."""
    from PIL import Image, ImageChops

    from portal.learning import certificate
    from tests.paper import render_pages

    data = replace(
        certificate_data("Benjamín Łukasz Díaz"),
        labels={**certificate_data("x").labels, "title": "Certificado de Inducción", "body": "completó " * 30},
        modules=[("Bienvenida a la Municipalidad", 100), ("Ética y Probidad", None)],
    )
    quick = certificate.certificate_pdf(data)
    monkeypatch.setattr(certificate.CertificatePDF, "has_fallback", True)  # every line through cell()
    cells = certificate.certificate_pdf(data)
    assert quick != cells
    (tmp_path / "quick").mkdir(), (tmp_path / "cells").mkdir()
    [quick_page] = render_pages(quick, tmp_path / "quick", dpi=150)
    [cells_page] = render_pages(cells, tmp_path / "cells", dpi=150)
    difference = ImageChops.difference(Image.open(quick_page).convert("L"), Image.open(cells_page).convert("L"))
    assert difference.getbbox() is None


def summary_buttons(client) -> list[str]:
    """The buttons of the dashboard's "Su avance" panel, in order."""
    page = client.get("/").get_data(as_text=True)
    panel = page[page.index('id="avance"') : page.index("</section>", page.index('id="avance"'))]
    return re.findall(r'<a class="button[^"]*" href="[^"]+">([^<]+)</a>', panel)


def test_the_dashboard_continues_with_required_modules_and_puts_signing_before_an_optional_one(app, client, login_as):
    with app.app_context():
        for slug in (SLUGS[0], SLUGS[2]):
            db.session.scalar(select(Module).where(Module.slug == slug)).required = False
        titles = {module.slug: module.title for module in db.session.scalars(select(Module))}
        db.session.commit()
    login_as()
    # An optional first module does not stand before the first required one.
    assert summary_buttons(client) == [f"Continuar: {titles[SLUGS[1]]}"]
    for slug in SLUGS[1:2] + SLUGS[3:]:
        complete_module(client, app, slug)
    assert summary_buttons(client) == [
        "Firmar la declaración de compromiso",
        f"Módulo optativo: {titles[SLUGS[0]]}",
    ]
    complete_module(client, app, SLUGS[0])
    assert summary_buttons(client) == [
        "Firmar la declaración de compromiso",
        f"Módulo optativo: {titles[SLUGS[2]]}",
    ]
