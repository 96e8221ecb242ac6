"""HR reminders by e-mail, through a real SMTP server on 127.0.0.1 (aiosmtpd), from the browser and the CLI."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.smtp import AuthResult
from sqlalchemy import func, select

from portal.extensions import db
from portal.mail import Mailer, MailError, build_message, send_mail
from portal.models.audit import AuditEvent
from portal.models.progress import Commitment
from portal.models.staff import Reminder
from portal.models.user import Department, User
from portal.reports import reminders
from portal.rut import check_digit
from portal.vocabulary import HR, STAFF, TRAINER
from tests.conftest import PASSWORD_HASH, login
from tests.smtp import Refusing, free_port

TODAY = datetime.now(ZoneInfo("America/Santiago")).date()
BASE_URL = "https://induccion.muni.test"


_numbers = iter(range(15_000_000, 16_000_000, 7))


def add_person(name, *, due, department=None, email="auto", completed=False):
    number = next(_numbers)
    user = User(
        rut=f"{number}-{check_digit(number)}",
        full_name=name,
        email=f"p{number}@muni.test" if email == "auto" else email,
        due_date=due,
        start_date=TODAY - timedelta(days=20),
        department=department,
        employment_type="contrata",
    )
    user.set_roles([STAFF])
    db.session.add(user)
    db.session.flush()
    if completed:
        db.session.add(Commitment(user_id=user.id, signed_name=name, text="t", text_sha256="0" * 64))
    return user


@pytest.fixture
def people(mail_app):
    """Finanzas: Carla (overdue), Bruno (due in 10 days), Diego (overdue, no e-mail), Ana (completed).
    Obras: Elena (overdue)."""
    with mail_app.app_context():
        finanzas, obras = Department(name="Finanzas"), Department(name="Obras")
        db.session.add_all([finanzas, obras])
        made = {
            "carla": add_person("Carla Soto Fuentes", due=TODAY - timedelta(days=3), department=finanzas),
            "bruno": add_person("Bruno Díaz", due=TODAY + timedelta(days=10), department=finanzas),
            "diego": add_person("Diego Rojas", due=TODAY - timedelta(days=2), department=finanzas, email=None),
            "ana": add_person("Ana Pérez", due=TODAY - timedelta(days=1), department=finanzas, completed=True),
            "elena": add_person("Elena Muñoz", due=TODAY - timedelta(days=5), department=obras),
        }
        db.session.commit()
        ids = {key: user.id for key, user in made.items()}
        ids.update({f"{key}_email": user.email for key, user in made.items()})
        ids.update(finanzas=finanzas.id, obras=obras.id)
        return ids


def sign_in(app, roles):
    """A browser signed in as a new person with `roles`; returns (browser, user id)."""
    with app.app_context():
        number = next(_numbers)
        user = User(
            rut=f"{number}-{check_digit(number)}", full_name="Patricia Contreras", email=f"rrhh{number}@muni.test"
        )
        user.set_roles(roles)
        user.password_hash = PASSWORD_HASH
        # HR's own account has no due date, so it never shows up among the overdue.
        db.session.add(user)
        db.session.commit()
        user_id, email = user.id, user.email
    browser = app.test_client()
    assert login(browser, email).status_code == 302
    return browser, user_id


@pytest.fixture
def hr(mail_app):
    return sign_in(mail_app, (STAFF, HR))


def reminders_of(app, user_id):
    with app.app_context():
        return [
            (row.status, row.sent_by_id, row.error)
            for row in db.session.scalars(select(Reminder).where(Reminder.user_id == user_id).order_by(Reminder.id))
        ]


def audit_events(app):
    with app.app_context():
        return [
            (event.actor_id, json.loads(event.details))
            for event in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "reminders.sent"))
        ]


def finanzas_overdue(people):
    return {"departamento": people["finanzas"], "estado": "overdue"}


def post_send(browser, filters, ids):
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    return browser.post(f"/rrhh/recordatorios?{query}", data={"persona": ids})


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


# --- The HR page -------------------------------------------------------------------------------------------------


def test_page_lists_people_not_completed_with_filters_and_marks_who_cannot_be_reminded(mail_app, people, hr):
    browser, _ = hr
    page = browser.get("/rrhh/recordatorios", query_string=finanzas_overdue(people)).get_data(as_text=True)
    assert "Carla Soto Fuentes" in page and "Diego Rojas" in page
    assert "Bruno Díaz" not in page  # not overdue
    assert "Elena Muñoz" not in page  # another department
    assert "Ana Pérez" not in page  # completed
    assert f'name="persona" value="{people["carla"]}"' in page
    assert f'name="persona" value="{people["diego"]}"' not in page
    assert "No se puede: sin correo" in page
    # The preview: subject and body for one example person, with an absolute link.
    assert "Recordatorio: el plazo de su inducción ya venció" in page
    assert "Hola, Carla Soto Fuentes:" in page
    assert (TODAY - timedelta(days=3)).strftime("%d-%m-%Y") in page
    assert "http://127.0.0.1:5000/" in page  # the fixed address, never the request's host
    # The send form posts the same filters.
    assert f'action="/rrhh/recordatorios?departamento={people["finanzas"]}&amp;estado=overdue"' in page


def test_preview_can_show_another_person(mail_app, people, hr):
    browser, _ = hr
    page = browser.get("/rrhh/recordatorios", query_string={"ejemplo": people["bruno"]}).get_data(as_text=True)
    assert "Hola, Bruno Díaz:" in page
    assert "Recordatorio: complete su inducción" in page
    assert "quedan 10 días" in page


def test_hr_sends_reminders_through_smtp(mail_app, people, hr, inbox):
    browser, hr_id = hr
    response = post_send(browser, finanzas_overdue(people), [people["carla"]])
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Resultado del envío de recordatorios" in page and "Carla Soto Fuentes" in page

    assert len(inbox.messages) == 1
    recipients, message = inbox.messages[0]
    assert recipients == [people["carla_email"]]
    assert message["To"].addresses[0].addr_spec == people["carla_email"]
    assert message["To"].addresses[0].display_name == "Carla Soto Fuentes"
    assert message["Subject"] == "Recordatorio: el plazo de su inducción ya venció"
    assert message["From"] == "Portal de Inducción <induccion@localhost>"
    assert message["Message-ID"] and message["Auto-Submitted"] == "auto-generated"
    body = body_of(message)
    assert "Hola, Carla Soto Fuentes:" in body
    assert "Municipalidad de Prueba" in body
    assert "Su avance es de 0 %" in body
    assert f"venció el {(TODAY - timedelta(days=3)).strftime('%d-%m-%Y')}" in body
    assert "http://127.0.0.1:5000/\n" in body

    assert reminders_of(mail_app, people["carla"]) == [("sent", hr_id, None)]
    assert reminders_of(mail_app, people["diego"]) == []
    events = audit_events(mail_app)
    assert len(events) == 1
    actor, details = events[0]
    assert actor == hr_id
    assert details["sent"] == 1 and details["failed"] == 0 and details["via"] == "web"
    assert details["filters"]["status"] == "overdue" and details["filters"]["department_id"] == people["finanzas"]
    assert "@" not in json.dumps(details)


def test_link_uses_base_url_when_configured(make_app, smtp_server, inbox, people):
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server(inbox), BASE_URL=BASE_URL + "/")
    browser, _ = sign_in(app, (STAFF, HR))
    post_send(browser, finanzas_overdue(people), [people["carla"]])
    assert f"{BASE_URL}/\n" in body_of(inbox.messages[0][1])


def test_posted_ids_outside_the_filters_are_ignored(mail_app, people, hr, inbox):
    browser, _ = hr
    response = post_send(browser, finanzas_overdue(people), [people["carla"], people["elena"], people["ana"]])
    assert response.status_code == 200
    assert [recipients for recipients, _ in inbox.messages] == [[people["carla_email"]]]
    assert reminders_of(mail_app, people["elena"]) == []
    assert reminders_of(mail_app, people["ana"]) == []


def test_people_without_email_cannot_be_reminded(mail_app, people, hr, inbox):
    browser, _ = hr
    response = post_send(browser, finanzas_overdue(people), [people["diego"]])
    assert response.status_code == 302
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ninguna de las personas marcadas se puede recordar ahora." in page
    assert inbox.messages == [] and reminders_of(mail_app, people["diego"]) == []
    assert audit_events(mail_app) == []


def test_sending_with_nobody_ticked_sends_nothing(mail_app, people, hr, inbox):
    browser, _ = hr
    response = post_send(browser, finanzas_overdue(people), [])
    assert response.status_code == 302
    assert "Marque al menos una persona" in browser.get(response.headers["Location"]).get_data(as_text=True)
    assert inbox.messages == []


def test_nobody_is_reminded_twice_within_the_interval(mail_app, people, hr, inbox):
    browser, _ = hr
    filters = finanzas_overdue(people)
    post_send(browser, filters, [people["carla"]])
    assert len(inbox.to(people["carla_email"])) == 1

    page = browser.get("/rrhh/recordatorios", query_string=filters).get_data(as_text=True)
    assert f'name="persona" value="{people["carla"]}"' not in page
    assert "Recordatorio enviado el" in page
    next_date = (TODAY + timedelta(days=7)).strftime("%d-%m-%Y")
    assert next_date in page or (TODAY + timedelta(days=6)).strftime("%d-%m-%Y") in page

    # A stale form that still posts her id: she is skipped, not mailed.
    response = post_send(browser, filters, [people["carla"]])
    assert response.status_code == 302
    assert len(inbox.to(people["carla_email"])) == 1

    with mail_app.app_context():
        for reminder in db.session.scalars(select(Reminder).where(Reminder.user_id == people["carla"])):
            reminder.created_at -= timedelta(days=8)  # the interval is 7 days
        db.session.commit()
    page = browser.get("/rrhh/recordatorios", query_string=filters).get_data(as_text=True)
    assert f'name="persona" value="{people["carla"]}"' in page
    post_send(browser, filters, [people["carla"]])
    assert len(inbox.to(people["carla_email"])) == 2
    assert [status for status, _, _ in reminders_of(mail_app, people["carla"])] == ["sent", "sent"]


def test_two_batches_at_once_remind_each_person_once(mail_app, people):
    """HR's job and the daily job overlapping: the second waits for the first and skips whom it queued.

    On PostgreSQL both would otherwise read "not reminded yet" before either commits.
    """
    first_queued, outcomes = threading.Event(), {}

    def batch(name, hold_open):
        with mail_app.app_context():
            try:
                if not hold_open:
                    first_queued.wait(10)
                candidates = reminders.daily_candidates(TODAY)
                result = reminders.send_reminders(candidates, today=TODAY, link=BASE_URL, actor_id=None, via=name)
                if hold_open:
                    first_queued.set()
                    time.sleep(0.5)  # the other batch is meanwhile reading or waiting for us
                db.session.commit()
                outcomes[name] = sorted(outcome.person.id for outcome in result.sent)
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=batch, args=("first", True)),
        threading.Thread(target=batch, args=("second", False)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes["first"] == sorted([people["carla"], people["elena"]]) and outcomes["second"] == []
    with mail_app.app_context():
        per_person = db.session.execute(select(Reminder.user_id, func.count()).group_by(Reminder.user_id)).all()
    assert sorted(per_person) == sorted([(people["carla"], 1), (people["elena"], 1)])


def test_a_refused_recipient_is_recorded_and_shown_and_others_still_go(make_app, smtp_server, people):
    handler = Refusing(refused={people["carla_email"]})
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server(handler))
    browser, hr_id = sign_in(app, (STAFF, HR))
    response = post_send(browser, {"estado": "overdue"}, [people["carla"], people["elena"]])
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # HR no longer waits for the server: both are queued, and each person's page shows what came of it.
    assert "En cola de envío" in page and "550" not in page

    [(status, sent_by, error)] = reminders_of(app, people["carla"])
    assert status == "failed" and sent_by == hr_id and "550 mailbox unavailable" in error
    assert reminders_of(app, people["elena"]) == [("sent", hr_id, None)]
    assert [recipients for recipients, _ in handler.messages] == [[people["elena_email"]]]
    [(_, details)] = audit_events(app)
    assert details["sent"] == 2 and details["failed"] == 0
    carla_page = browser.get(f"/rrhh/personas/{people['carla']}").get_data(as_text=True)
    assert "Falló" in carla_page and "550 mailbox unavailable" in carla_page
    assert "Enviado" in browser.get(f"/rrhh/personas/{people['elena']}").get_data(as_text=True)

    # A failed reminder does not count for the interval: she can be reminded at once.
    page = browser.get("/rrhh/recordatorios", query_string={"estado": "overdue"}).get_data(as_text=True)
    assert f'name="persona" value="{people["carla"]}"' in page


def test_an_unreachable_server_leaves_the_reminders_queued_for_a_retry(make_app, people):
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())  # nothing listens there
    browser, _ = sign_in(app, (STAFF, HR))
    response = post_send(browser, {"estado": "overdue"}, [people["carla"], people["elena"]])
    assert response.status_code == 200
    assert "En cola de envío" in response.get_data(as_text=True)
    for key in ("carla", "elena"):
        [(status, _, error)] = reminders_of(app, people[key])
        assert status == "pending" and error is None
        page = browser.get(f"/rrhh/personas/{people[key]}").get_data(as_text=True)
        assert "Pendiente" in page and "se reintentará" in page and "No se pudo conectar" in page
    [(_, details)] = audit_events(app)
    assert details["sent"] == 2 and details["failed"] == 0
    # Queued reminders hold the interval: nobody gets a second one while the first waits.
    page = browser.get("/rrhh/recordatorios", query_string={"estado": "overdue"}).get_data(as_text=True)
    assert f'name="persona" value="{people["carla"]}"' not in page


@pytest.mark.parametrize("roles", [(STAFF,), (STAFF, TRAINER)])
def test_staff_and_trainers_cannot_use_reminders(mail_app, people, inbox, roles):
    browser, _ = sign_in(mail_app, roles)
    assert browser.get("/rrhh/recordatorios").status_code == 403
    assert post_send(browser, {"estado": "overdue"}, [people["carla"]]).status_code == 403
    assert inbox.messages == [] and reminders_of(mail_app, people["carla"]) == []


# --- The daily command -----------------------------------------------------------------------------------------------


@pytest.fixture
def daily_people(mail_app):
    with mail_app.app_context():
        made = {
            "overdue": add_person("Olga Atrasada", due=TODAY - timedelta(days=4)),
            "soon": add_person("Sergio Pronto", due=TODAY + timedelta(days=3)),
            "later": add_person("Laura Después", due=TODAY + timedelta(days=4)),
            "undated": add_person("Ulises Sinplazo", due=None),
            "done": add_person("Daniela Lista", due=TODAY - timedelta(days=4), completed=True),
            "nomail": add_person("Nelson Sincorreo", due=TODAY - timedelta(days=1), email=None),
        }
        db.session.commit()
        return {key: (user.id, user.email) for key, user in made.items()}


def reminder_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count(Reminder.id)))


def test_cli_dry_run_lists_and_sends_nothing(mail_app, daily_people, inbox):
    result = mail_app.test_cli_runner().invoke(args=["reminders", "send", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Se recordaría a: Olga Atrasada" in result.output
    assert "Se recordaría a: Sergio Pronto" in result.output
    assert "Se omite: Nelson Sincorreo (sin correo electrónico)" in result.output
    for name in ("Laura Después", "Ulises Sinplazo", "Daniela Lista"):
        assert name not in result.output
    assert "No se envió ni registró nada" in result.output
    assert inbox.messages == [] and reminder_count(mail_app) == 0 and audit_events(mail_app) == []


def test_cli_reminds_overdue_and_soon_due_once_per_interval(make_app, smtp_server, inbox, daily_people):
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server(inbox), BASE_URL=BASE_URL)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    assert "Recordatorios: 2 en cola de envío, 0 no enviado(s), 1 omitido(s)." in result.output
    assert sorted(recipients[0] for recipients, _ in inbox.messages) == sorted(
        [daily_people["overdue"][1], daily_people["soon"][1]]
    )
    soon = body_of(inbox.to(daily_people["soon"][1])[0])
    assert "Hola, Sergio Pronto:" in soon
    assert f"vence el {(TODAY + timedelta(days=3)).strftime('%d-%m-%Y')} (quedan 3 días)" in soon
    assert f"{BASE_URL}/\n" in soon
    assert reminders_of(app, daily_people["overdue"][0]) == [("sent", None, None)]
    [(actor, details)] = audit_events(app)
    assert actor is None and details["via"] == "cli" and details["sent"] == 2 and details["skipped"] == 1

    again = runner.invoke(args=["reminders", "send"])
    assert again.exit_code == 0, again.output
    assert "No hay a quién recordar hoy" in again.output
    assert len(inbox.messages) == 2 and reminder_count(app) == 2


def test_cli_without_base_url_warns_and_links_to_the_local_address(mail_app, daily_people, inbox):
    result = mail_app.test_cli_runner().invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    assert "PORTAL_BASE_URL no está configurada" in result.output
    assert "http://127.0.0.1:5000/\n" in body_of(inbox.messages[0][1])


def test_cli_queues_and_a_refusal_ends_on_the_reminder(make_app, smtp_server, daily_people):
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server(Refusing()), BASE_URL=BASE_URL)
    result = app.test_cli_runner().invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    assert "Recordatorios: 2 en cola de envío" in result.output
    [(status, _, error)] = reminders_of(app, daily_people["overdue"][0])
    assert status == "failed" and "550 mailbox unavailable" in error


def test_cli_queues_even_when_the_server_is_unreachable(make_app, daily_people):
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), BASE_URL=BASE_URL)
    result = app.test_cli_runner().invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    assert reminder_count(app) == 2
    assert [status for status, _, _ in reminders_of(app, daily_people["overdue"][0])] == ["pending"]


def test_cli_in_production_needs_base_url(make_app, daily_people):
    """Production refuses to start without PORTAL_BASE_URL, so no command can mail a local address."""
    with pytest.raises(RuntimeError, match="PORTAL_BASE_URL"):
        make_app(ENV="production", SECRET_KEY="a-real-secret-for-this-test-only-0123456789")


# --- portal.mail on its own ----------------------------------------------------------------------------------


def test_send_mail_returns_the_message_id(mail_app, inbox):
    with mail_app.app_context():
        message_id = send_mail("alguien@muni.test", "Asunto con tildes: ñandú", "Cuerpo\n", to_name="Ñuño Álvarez")
    [(recipients, message)] = inbox.messages
    assert recipients == ["alguien@muni.test"] and message["Message-ID"] == message_id
    assert message["Subject"] == "Asunto con tildes: ñandú"
    assert message["To"].addresses[0].display_name == "Ñuño Álvarez"
    assert body_of(message) == "Cuerpo\n"


def test_mail_errors_carry_the_server_answer(make_app, smtp_server):
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server(Refusing()))
    with app.app_context(), Mailer() as mailer:
        with pytest.raises(MailError) as refused:
            mailer.send(build_message("nadie@muni.test", "Asunto", "Cuerpo"))
        assert refused.value.code == 550 and refused.value.reply == "mailbox unavailable"
        assert not refused.value.connection_failed
        assert "nadie@muni.test" in str(refused.value) and "550 mailbox unavailable" in str(refused.value)
    closed = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
    with closed.app_context(), pytest.raises(MailError) as unreachable:
        send_mail("alguien@muni.test", "Asunto", "Cuerpo")
    assert unreachable.value.connection_failed and unreachable.value.code is None


def test_smtp_login_is_used_when_configured(make_app, smtp_server, inbox):
    def authenticator(server, session, envelope, mechanism, auth_data):
        # handled=False: aiosmtpd answers 535 itself when the credentials are wrong.
        return AuthResult(success=(auth_data.login, auth_data.password) == (b"portal", b"secreto"), handled=False)

    port = smtp_server(inbox, authenticator=authenticator, auth_require_tls=False)
    good = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_USERNAME="portal", SMTP_PASSWORD="secreto")
    with good.app_context():
        send_mail("alguien@muni.test", "Asunto", "Cuerpo")
    assert len(inbox.messages) == 1
    bad = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_USERNAME="portal", SMTP_PASSWORD="otra")
    with bad.app_context(), pytest.raises(MailError) as refused:
        send_mail("alguien@muni.test", "Asunto", "Cuerpo")
    assert refused.value.code == 535 and refused.value.connection_failed
    assert "usuario o la contraseña" in str(refused.value)
    assert len(inbox.messages) == 1


def test_a_long_list_is_paged_and_everyone_remindable_is_one_button_away(mail_app, people, hr, inbox, monkeypatch):
    """People come 50 a page; the ticks send only that page, "todas" reminds every remindable page as a job
    of the queue, with a progress page (the queue runs at once here; tests/test_queue.py has a real one)."""
    monkeypatch.setattr(reminders, "JOB_CHUNK", 40)
    browser, _ = hr
    with mail_app.app_context():
        obras = db.session.get(Department, people["obras"])
        for number in range(70):
            add_person(f"Persona Obras {number:02d}", due=TODAY - timedelta(days=1), department=obras)
        add_person("Sin Correo Obras", due=TODAY - timedelta(days=1), department=obras, email=None)
        db.session.commit()
    filters = {"departamento": people["obras"]}  # Elena, 70 more and one without e-mail: 72
    first = browser.get(f"/rrhh/recordatorios?departamento={people['obras']}").get_data(as_text=True)
    assert "72 personas sin completar" in first and "Personas a las que se puede recordar ahora: 71." in first
    assert first.count('name="persona"') == 50
    assert "Página 1 de 2" in first
    assert "Enviar a las 71 personas que se pueden recordar, en todas las páginas" in first
    second = browser.get(f"/rrhh/recordatorios?departamento={people['obras']}&pagina=2").get_data(as_text=True)
    assert second.count('name="persona"') == 21  # 22 people, one of them without e-mail

    url = f"/rrhh/recordatorios?departamento={people['obras']}"
    sent = browser.post(url, data={"alcance": "todas"})
    assert sent.status_code == 302 and "/rrhh/tareas/" in sent.headers["Location"]
    page = browser.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Terminado" in page and "71 de 71 (100 %)" in page
    assert "71 recordatorios en cola de envío" in page and 'http-equiv="refresh"' not in page
    assert len(inbox.messages) == 71
    assert len({recipients[0] for recipients, _ in inbox.messages}) == 71  # nobody twice
    [*_, (_, details)] = audit_events(mail_app)
    assert details["sent"] == 71 and details["via"] == "job"
    # Another HR person cannot see the job; pressing again finds nobody left to remind.
    other, _ = sign_in(mail_app, (STAFF, HR))
    assert other.get(sent.headers["Location"]).status_code == 404
    assert other.get(sent.headers["Location"] + "/estado").status_code == 404
    again_everyone = browser.post(url, data={"alcance": "todas"})
    assert "Nadie de la lista se puede recordar ahora." in browser.get(again_everyone.headers["Location"]).get_data(
        as_text=True
    )
    again = post_send(browser, filters, [people["elena"]])
    assert again.status_code == 302  # nobody remindable left among the ticked: back to the list
    assert len(inbox.messages) == 71
