"""Renewal: a completion stays valid RENEWAL_MONTHS, then the person is "por renovar" and takes a refresher."""

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal.dates import add_months
from portal.extensions import db
from portal.learning.service import learner_path
from portal.models.curriculum import Module
from portal.models.progress import Certificate, Commitment, LessonView
from portal.models.quiz import Attempt, Quiz
from portal.models.user import User
from portal.reports.service import ReportFilters, completion_report, report_rows, steps_total
from portal.settings import store
from portal.vocabulary import COMPLETED, HR, RENEWAL_DUE, STAFF
from tests.conftest import login
from tests.helpers import SLUGS, answers_for, complete_module, one_wrong_score, read_all_lessons, start_quiz

#: The first module's score with one answer wrong: its pool decides the denominator.
ONE_WRONG = one_wrong_score(SLUGS[0])

NAME = "Rosa Elena Tapia Vera"


def complete_path(client, app, name=NAME):
    for slug in SLUGS:
        complete_module(client, app, slug)
    assert client.post("/compromiso", data={"accept": "y", "full_name": name}).status_code == 302


def set_renewal(app, months):
    with app.app_context():
        store({"RENEWAL_MONTHS": months})
        db.session.commit()


def age_facts(app, user_id, months):
    """Move everything the person did `months` into the past, as if it had happened then."""
    with app.app_context():
        for model, columns in (
            (Commitment, ("signed_at",)),
            (Certificate, ("issued_at",)),
            (Attempt, ("started_at", "submitted_at")),
            (LessonView, ("viewed_at", "last_viewed_at")),
        ):
            for row in db.session.scalars(select(model).where(model.user_id == user_id)):
                for column in columns:
                    if getattr(row, column) is not None:
                        setattr(row, column, add_months(getattr(row, column), -months))
        db.session.commit()


def hr_client(app, make_user):
    person = make_user(full_name="Patricia Recursos Humanos", roles=(STAFF, HR), due_date=None)
    browser = app.test_client()
    assert login(browser, person.email).status_code == 302
    return browser


def report_row(app, user_id):
    with app.app_context():
        rows = list(report_rows(ReportFilters(), datetime.now(UTC).date(), steps_total()))
        return next(row for row in rows if row.id == user_id)


def certificate_codes(app, user_id):
    with app.app_context():
        return list(
            db.session.scalars(select(Certificate.code).where(Certificate.user_id == user_id).order_by(Certificate.id))
        )


def grouped(code):
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def test_an_expired_completion_opens_a_refresher_and_keeps_the_earlier_record(app, client, login_as, make_user):
    person = login_as(full_name=NAME)
    complete_path(client, app)
    set_renewal(app, 24)
    dashboard = client.get("/").get_data(as_text=True)
    assert "Completó su inducción." in dashboard and "Está vigente hasta el" in dashboard

    age_facts(app, person.id, 25)
    dashboard = client.get("/").get_data(as_text=True)
    assert "Es momento de renovar su inducción." in dashboard
    assert "0 % completado" in dashboard
    assert dashboard.count("Bloqueado") == 6  # the first module is open again, the rest wait
    assert "Descargar certificado anterior (PDF)" in dashboard

    # The earlier certificate stays downloadable, with the scores of its own cycle.
    pdf = client.get("/certificado")
    assert pdf.status_code == 200
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert NAME in text and "100 %" in text

    hr = hr_client(app, make_user)
    report = hr.get("/rrhh/").get_data(as_text=True)
    assert re.search(r'total-renewal_due">\s*<a [^>]*>\s*<span class="total-number">1</span>', report)
    due = hr.get("/rrhh/?estado=renewal_due").get_data(as_text=True)
    assert NAME in due and "Por renovar" in due
    assert NAME not in hr.get("/rrhh/?estado=completed").get_data(as_text=True)
    person_page = hr.get(f"/rrhh/personas/{person.id}").get_data(as_text=True)
    assert "Por renovar: la vigencia de su inducción terminó el" in person_page
    assert '<span class="badge status-renewal_due">Por renovar</span>' in person_page
    assert "Venció el" in person_page

    # The refresher: what is done from the expiry on counts, in the report as on the dashboard.
    # Its first quiz passes with one answer wrong (83 % of a pool of six), which the new certificate must show.
    read_all_lessons(client, app, SLUGS[0])
    attempt_id = start_quiz(client, SLUGS[0])
    client.post(f"/modulos/{SLUGS[0]}/quiz/intentos/{attempt_id}", data=answers_for(app, attempt_id, wrong_questions=1))
    assert f"Cuestionario aprobado (mejor puntaje: {ONE_WRONG} %)" in client.get("/").get_data(as_text=True)
    row = report_row(app, person.id)
    assert row.status == RENEWAL_DUE and row.steps_done > 0
    assert f"{row.percent} % completado" in client.get("/").get_data(as_text=True)

    for slug in SLUGS[1:]:
        complete_module(client, app, slug)
    assert client.post("/compromiso", data={"accept": "y", "full_name": NAME}).status_code == 302
    dashboard = client.get("/").get_data(as_text=True)
    assert "100 % completado" in dashboard and "Completó su inducción." in dashboard
    assert f"mejor puntaje: {ONE_WRONG} %" in dashboard  # the renewed path shows the refresher's results only
    assert report_row(app, person.id).status == COMPLETED
    renewed = client.get("/certificado")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(renewed.data)).pages)
    assert f"{ONE_WRONG} %" in text

    first, second = certificate_codes(app, person.id)
    anonymous = app.test_client()
    old = anonymous.get(f"/verificar/{grouped(first)}").get_data(as_text=True)
    assert "Certificado auténtico, vigencia terminada" in old and "Su vigencia terminó el" in old
    new = anonymous.get(f"/verificar/{grouped(second)}").get_data(as_text=True)
    assert "Certificado válido" in new and "Vigente hasta el" in new
    person_page = hr.get(f"/rrhh/personas/{person.id}").get_data(as_text=True)
    assert person_page.count("Ver verificación pública") == 2
    assert "Venció el" in person_page and "Vigente hasta el" in person_page


def test_attempt_limits_count_again_in_a_refresher(app, client, login_as):
    person = login_as(full_name=NAME)
    complete_path(client, app)
    slug = SLUGS[1]
    with app.app_context():
        attempt = db.session.scalar(
            select(Attempt).join(Quiz).join(Module).where(Attempt.user_id == person.id, Module.slug == slug)
        )
        attempt.revision.max_attempts = 1
        db.session.commit()
    assert "Le quedan 0 intentos." in client.get(f"/modulos/{slug}/quiz").get_data(as_text=True)
    set_renewal(app, 12)
    age_facts(app, person.id, 13)
    complete_module(client, app, SLUGS[0])  # the module before it opens it again
    intro = client.get(f"/modulos/{slug}/quiz").get_data(as_text=True)
    assert "Le queda 1 intento." in intro


def test_renewal_is_off_by_default(app, client, login_as, make_user):
    person = login_as(full_name=NAME)
    complete_path(client, app)
    age_facts(app, person.id, 120)
    dashboard = client.get("/").get_data(as_text=True)
    assert "Completó su inducción." in dashboard and "vigente" not in dashboard
    hr = hr_client(app, make_user)
    report = hr.get("/rrhh/").get_data(as_text=True)
    assert "Por renovar" not in report
    assert report_row(app, person.id).status == COMPLETED


def test_python_and_sql_agree_on_expiry_at_the_end_of_a_short_month(app, make_user):
    """January 31st plus one month is February's last day, to the second, in both places."""
    person = make_user(full_name=NAME, due_date=None)
    signed_at = datetime(2024, 1, 31, 12, 0, tzinfo=UTC)
    with app.app_context():
        store({"RENEWAL_MONTHS": 1})
        db.session.add(
            Commitment(user_id=person.id, signed_name=NAME, text="t", text_sha256="0" * 64, signed_at=signed_at)
        )
        db.session.commit()
        expiry = datetime(2024, 2, 29, 12, 0, tzinfo=UTC)
        for now, expected in ((expiry - timedelta(seconds=1), COMPLETED), (expiry, RENEWAL_DUE)):
            path = learner_path(person.id, now=now)
            assert path.valid_until == expiry
            assert path.renewal_due == (expected == RENEWAL_DUE)
            report = completion_report(ReportFilters(), now.date(), now=now)
            assert [(row.id, row.status) for row in report.rows if row.id == person.id] == [(person.id, expected)]
            assert report.totals[expected] == 1
            rows = list(report_rows(ReportFilters(), now.date(), steps_total(), now=now))
            assert [row.status for row in rows if row.id == person.id] == [expected]


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (datetime(2024, 1, 31, 8, 30), 1, datetime(2024, 2, 29, 8, 30)),
        (datetime(2024, 1, 31, 8, 30), 13, datetime(2025, 2, 28, 8, 30)),
        (datetime(2024, 12, 15), 1, datetime(2025, 1, 15)),
        (datetime(2024, 3, 31), -1, datetime(2024, 2, 29)),
        (datetime(2024, 5, 10), 24, datetime(2026, 5, 10)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_month_end(moment, months, expected):
    assert add_months(moment, months) == expected


def test_admin_sets_and_clears_the_validity(make_app, make_user):
    app = make_app(RENEWAL_MONTHS=24)
    admin = make_user(full_name="Alicia Administradora", roles=("admin",), due_date=None)
    browser = app.test_client()
    assert login(browser, admin.email).status_code == 302
    page = browser.get("/admin/configuracion").get_data(as_text=True)
    assert 'name="renewal_months"' in page and 'value="24"' in page
    form = {"institution_name": "Municipalidad de Prueba", "onboarding_days": "30", "reminder_interval_days": "7"}
    refused = browser.post("/admin/configuracion", data=dict(form, renewal_months="0"))
    assert refused.status_code == 422 and "Entre 1 y 120 meses" in refused.get_data(as_text=True)
    assert browser.post("/admin/configuracion", data=dict(form, renewal_months="")).status_code == 302
    with app.test_request_context():
        from portal.learning.service import renewal_months

        assert renewal_months() is None  # empty turns it off although the configuration says 24
    assert browser.post("/admin/configuracion", data=dict(form, renewal_months="36")).status_code == 302
    with app.test_request_context():
        assert renewal_months() == 36


def test_people_due_for_renewal_are_reminded_like_the_overdue(mail_app, inbox, make_user):
    person = make_user(full_name=NAME, due_date=None)
    with mail_app.app_context():
        store({"RENEWAL_MONTHS": 24})
        signed_at = add_months(datetime.now(UTC), -30)
        db.session.add(
            Commitment(user_id=person.id, signed_name=NAME, text="t", text_sha256="0" * 64, signed_at=signed_at)
        )
        db.session.commit()
        email = db.session.get(User, person.id).email
    result = mail_app.test_cli_runner().invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    (message,) = [message for recipients, message in inbox.messages if recipients == [email]]
    assert message["Subject"] == "Recordatorio: renueve su inducción"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "debe renovarla con un repaso" in body
    assert add_months(signed_at, 24).astimezone(UTC).strftime("%d-%m-%Y")[3:] in body  # month and year of expiry


def test_a_lesson_read_before_the_refresher_shows_as_unread_in_it(app, client, login_as):
    person = login_as(full_name=NAME)
    complete_path(client, app)
    set_renewal(app, 24)
    lesson = f"/modulos/{SLUGS[0]}/lecciones/1"
    assert "Ya marcó esta lección como leída." in client.get(lesson).get_data(as_text=True)
    age_facts(app, person.id, 25)
    assert "Ya marcó esta lección como leída." not in client.get(lesson).get_data(as_text=True)
    client.post(f"{lesson}/leida")
    assert "Ya marcó esta lección como leída." in client.get(lesson).get_data(as_text=True)
