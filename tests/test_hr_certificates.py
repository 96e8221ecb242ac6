"""HR downloads certificates: one person's (each cycle's) as a PDF, and the filtered list's as a ZIP."""

from __future__ import annotations

import io
import json
import random
import re
import zipfile
from datetime import timedelta

from pypdf import PdfReader
from sqlalchemy import select

from portal.demo import give_progress
from portal.extensions import db
from portal.learning.service import group_code
from portal.models.audit import AuditEvent
from portal.models.progress import Certificate
from portal.models.quiz import Attempt
from portal.models.types import utcnow
from portal.models.user import User
from portal.people.departments import find_or_create_department
from portal.vocabulary import HR, STAFF
from tests.conftest import login
from tests.municipality import modules_in_path
from tests.test_learner_path import needs_cjk_font
from tests.test_renewal import age_facts, set_renewal

INSTITUTION = "Municipalidad de Prueba"


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def hr_client(app, make_user):
    hr = make_user(full_name="Patricia Recursos Humanos", roles=(STAFF, HR), due_date=None)
    client = app.test_client()
    assert login(client, hr.email).status_code == 302
    return client, hr


def walk(app, user_id: int, sign: bool = True, department: str | None = None) -> None:
    """Complete the whole path (and sign the commitment when `sign`), in the given department."""
    with app.app_context():
        user = db.session.get(User, user_id)
        if department:
            user.department = find_or_create_department(department)
        modules = modules_in_path()
        give_progress(user, modules, len(modules) if sign else 2, random.Random(user_id), sign, INSTITUTION)
        db.session.commit()


def events(app, action: str) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
        return [{"actor_id": row.actor_id, **json.loads(row.details)} for row in rows]


def certificates_of(app, user_id: int) -> list[tuple[int, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(Certificate.id, Certificate.code).where(Certificate.user_id == user_id).order_by(Certificate.id)
        )
        return [(certificate_id, code) for certificate_id, code in rows]


def test_hr_downloads_each_cycles_certificate_from_the_persons_page(app, make_user):
    person = make_user(full_name="Ñuñoa Ávila Pérez")
    walk(app, person.id)
    # A renewal: the first completion expired and the refresher was completed and signed again.
    set_renewal(app, 24)
    age_facts(app, person.id, 25)
    walk(app, person.id)
    (first_id, first_code), (second_id, second_code) = certificates_of(app, person.id)
    client, hr = hr_client(app, make_user)

    page = client.get(f"/rrhh/personas/{person.id}").get_data(as_text=True)
    links = re.findall(rf'href="(/rrhh/personas/{person.id}/certificados/\d+\.pdf)"', page)
    assert links == [
        f"/rrhh/personas/{person.id}/certificados/{second_id}.pdf",
        f"/rrhh/personas/{person.id}/certificados/{first_id}.pdf",
    ]
    for link, code in zip(links, (second_code, first_code), strict=True):
        response = client.get(link)
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert "nunoa-avila-perez" in response.headers["Content-Disposition"]
        text = pdf_text(response.data)
        assert "Ñuñoa Ávila Pérez" in text
        assert group_code(code) in text  # each cycle's own certificate, not the newest twice

    assert events(app, "report.certificate_downloaded") == [
        {"actor_id": hr.id, "user_id": person.id, "certificate_id": second_id, "via": "web"},
        {"actor_id": hr.id, "user_id": person.id, "certificate_id": first_id, "via": "web"},
    ]


def test_a_certificate_of_someone_else_or_missing_is_not_found(app, make_user):
    owner, other = make_user(full_name="Ana Rojas Díaz"), make_user(full_name="Luis Soto Mena")
    walk(app, owner.id)
    [(certificate_id, _code)] = certificates_of(app, owner.id)
    client, _hr = hr_client(app, make_user)
    assert client.get(f"/rrhh/personas/{other.id}/certificados/{certificate_id}.pdf").status_code == 404
    assert client.get(f"/rrhh/personas/{owner.id}/certificados/999999.pdf").status_code == 404
    assert events(app, "report.certificate_downloaded") == []


def test_the_zip_holds_the_certificates_of_the_filtered_list_only(app, make_user):
    names = {"ana": "Ana Rojas Díaz", "beto": "Alberto Muñoz Vera", "carla": "Carla Pinto Lagos", "dario": "Darío Soto"}
    people = {key: make_user(full_name=name) for key, name in names.items()}
    walk(app, people["ana"].id, department="Tránsito")
    walk(app, people["beto"].id, department="Tránsito")
    walk(app, people["carla"].id, sign=False, department="Tránsito")  # no certificate yet
    walk(app, people["dario"].id, department="Obras")  # another department
    client, hr = hr_client(app, make_user)
    with app.app_context():
        transit = find_or_create_department("Tránsito").id

    report = client.get(f"/rrhh/?departamento={transit}").get_data(as_text=True)
    assert f'href="/rrhh/certificados.zip?departamento={transit}"' in report
    response = client.get(f"/rrhh/certificados.zip?departamento={transit}")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert archive.testzip() is None
    texts = [pdf_text(archive.read(name)) for name in archive.namelist()]
    assert len(texts) == 2
    # In the report's order (by name): Alberto, then Ana.
    assert names["beto"] in texts[0] and names["ana"] in texts[1]
    assert not any(names["carla"] in text or names["dario"] in text for text in texts)
    assert all(name.endswith(".pdf") and name.isascii() for name in archive.namelist())

    [event] = events(app, "report.certificates_downloaded")
    assert event == {
        "actor_id": hr.id,
        "filters": {"department_id": transit, "sort": "nombre"},
        "certificates": 2,
        "via": "web",
    }


def test_a_list_over_the_limit_asks_to_narrow_the_filters(make_app, make_user):
    app = make_app(CERTIFICATES_PER_ZIP=2)
    for name, department in (
        ("Ana Rojas Díaz", "Tránsito"),
        ("Alberto Muñoz Vera", "Tránsito"),
        ("Carla Pinto", "Obras"),
    ):
        walk(app, make_user(full_name=name).id, department=department)
    client, _hr = hr_client(app, make_user)

    response = client.get("/rrhh/certificados.zip?estado=completed")
    assert response.status_code == 302
    assert response.headers["Location"] == "/rrhh/?estado=completed"  # back to the same list
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "más de 2 personas con certificado" in page and "Acote los filtros" in page
    assert events(app, "report.certificates_downloaded") == []

    # Narrowed to two, it downloads.
    with app.app_context():
        transit = find_or_create_department("Tránsito").id
    narrowed = client.get(f"/rrhh/certificados.zip?estado=completed&departamento={transit}")
    assert narrowed.status_code == 200
    assert len(zipfile.ZipFile(io.BytesIO(narrowed.data)).namelist()) == 2


def test_a_list_without_certificates_says_so(app, make_user):
    walk(app, make_user(full_name="Carla Pinto Lagos").id, sign=False)
    client, _hr = hr_client(app, make_user)
    response = client.get("/rrhh/certificados.zip", follow_redirects=True)
    assert "Nadie en la lista filtrada tiene certificado" in response.get_data(as_text=True)
    assert events(app, "report.certificates_downloaded") == []


def test_staff_cannot_download_certificates(app, make_user):
    person = make_user(full_name="Ana Rojas Díaz")
    walk(app, person.id)
    [(certificate_id, _code)] = certificates_of(app, person.id)
    client = app.test_client()
    assert login(client, make_user(full_name="Otro Funcionario").email).status_code == 302
    assert client.get(f"/rrhh/personas/{person.id}/certificados/{certificate_id}.pdf").status_code == 403
    assert client.get("/rrhh/certificados.zip").status_code == 403
    assert events(app, "report.certificate_downloaded") == events(app, "report.certificates_downloaded") == []


def test_a_list_over_the_limit_is_zipped_by_a_job_only_its_requester_downloads_for_a_day(make_app, make_user):
    from sqlalchemy import update

    from portal.models.outbox import Job

    app = make_app(CERTIFICATES_PER_ZIP=2)
    names = ["Ana Rojas Díaz", "Alberto Muñoz Vera", "Carla Pinto"]
    for name in names:
        walk(app, make_user(full_name=name).id)
    client, hr = hr_client(app, make_user)
    page = client.get("/rrhh/?estado=completed").get_data(as_text=True)
    assert 'action="/rrhh/certificados/preparar?estado=completed"' in page

    started = client.post("/rrhh/certificados/preparar?estado=completed")
    assert started.status_code == 302 and "/rrhh/tareas/" in started.headers["Location"]
    job_page = client.get(started.headers["Location"]).get_data(as_text=True)  # the queue ran at once here
    assert "Terminado" in job_page and "3 certificados en el archivo ZIP." in job_page
    result = started.headers["Location"] + "/resultado"
    # HR can leave and come back: the report page lists their jobs of the day.
    assert f'href="{started.headers["Location"]}"' in client.get("/rrhh/").get_data(as_text=True)
    assert f'href="{result}"' in job_page and "Solo usted puede descargarlo" in job_page

    other, _ = hr_client(app, make_user)
    assert other.get(result).status_code == 404 and other.get(started.headers["Location"]).status_code == 404
    assert events(app, "report.certificates_downloaded") == []

    with client.get(result) as response:
        assert response.status_code == 200 and response.mimetype == "application/zip"
        assert response.headers["Cache-Control"] == "no-store"
        archive = zipfile.ZipFile(io.BytesIO(response.data))
    texts = [pdf_text(archive.read(name)) for name in archive.namelist()]
    assert sorted(name for name in names if any(name in text for text in texts)) == sorted(names)
    [event] = events(app, "report.certificates_downloaded")
    assert event["actor_id"] == hr.id and event["via"] == "job" and event["certificates"] == 3

    # A day later the file is gone: the page says so, and the sweep deletes it.
    with app.app_context():
        db.session.execute(update(Job).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    gone = client.get(result, follow_redirects=True).get_data(as_text=True)
    assert "ya no está disponible" in gone
    with app.app_context():
        from portal.jobs import remove_expired_results, results_folder

        assert remove_expired_results() == 1 and list(results_folder().iterdir()) == []


@needs_cjk_font
def test_the_zip_job_holds_one_standalone_pdf_per_person_identical_to_the_single_download(
    make_app, make_user, monkeypatch
):
    """The job draws its certificates in batches, as pages of one document split into one file each:
    every file is a one-page PDF of its own, titled like the single download, and reads the same text,
    whatever the name's script (DejaVu only, or the CJK fallback) and whatever cycle the scores come from."""
    from portal.reports import certificate_bundle

    monkeypatch.setattr(certificate_bundle, "STEP", 3)  # two batches, one of them mixing scripts
    app = make_app(CERTIFICATES_PER_ZIP=2)
    set_renewal(app, 24)
    people = {
        name: make_user(full_name=name).id
        for name in ("Łukasz Ğökçe Żółkiewski", "Mei Lin 李小龍", "Ñuñoa Ávila Pérez", "Carla Pinto")
    }
    for user_id in people.values():
        walk(app, user_id)
    # Renewed: the refresher's scores count. Expired: the scores of the cycle the certificate closed.
    age_facts(app, people["Ñuñoa Ávila Pérez"], 25)
    walk(app, people["Ñuñoa Ávila Pérez"])
    age_facts(app, people["Carla Pinto"], 25)
    with app.app_context():
        # Scores that tell the cycles apart: 99 only before the refresher, 97 only after the expiry.
        for user_id, before, after in ((people["Ñuñoa Ávila Pérez"], 99, 70), (people["Carla Pinto"], 60, 97)):
            attempts = db.session.scalars(select(Attempt).where(Attempt.user_id == user_id).order_by(Attempt.id))
            for attempt in attempts:
                recent = attempt.submitted_at is not None and attempt.submitted_at > utcnow() - timedelta(days=1)
                attempt.score = after if recent else before
            if user_id == people["Carla Pinto"]:
                attempt.submitted_at, attempt.score = utcnow(), after  # a quiz retaken in the refresher
        db.session.commit()
    cycle_scores = {"Ñuñoa Ávila Pérez": ("70 %", "99 %"), "Carla Pinto": ("60 %", "97 %")}
    client, _hr = hr_client(app, make_user)

    started = client.post("/rrhh/certificados/preparar")
    assert started.status_code == 302
    assert "4 certificados en el archivo ZIP." in client.get(started.headers["Location"]).get_data(as_text=True)
    archive = zipfile.ZipFile(io.BytesIO(client.get(started.headers["Location"] + "/resultado").data))
    assert len(archive.namelist()) == len(people)
    for name, user_id in people.items():
        certificate_id, code = certificates_of(app, user_id)[-1]
        single = client.get(f"/rrhh/personas/{user_id}/certificados/{certificate_id}.pdf").data
        [file_name] = [entry for entry in archive.namelist() if group_code(code) in pdf_text(archive.read(entry))]
        zipped = PdfReader(io.BytesIO(archive.read(file_name)))
        assert len(zipped.pages) == 1
        assert zipped.metadata.title == "Certificado de Inducción" and zipped.metadata.author == INSTITUTION
        assert name in pdf_text(archive.read(file_name))
        assert pdf_text(archive.read(file_name)) == pdf_text(single)
        if name in cycle_scores:
            shown, hidden = cycle_scores[name]
            assert shown in pdf_text(single) and hidden not in pdf_text(single)
