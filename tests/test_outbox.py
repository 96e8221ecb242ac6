"""The outbox in-process: the transaction it belongs to, claims, retries and backoff, the pages that show it,
and the daily jobs' once-a-day rule. Real consumer processes are in tests/test_queue.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portal.extensions import db
from portal.models.outbox import OutboxMail, PeriodicRun
from portal.models.types import utcnow
from portal.outbox import queue_mail
from portal.outbox.delivery import claim, deliver_due
from portal.queue import periodic
from portal.vocabulary import ADMIN, HR, STAFF, MailKind
from tests.conftest import login
from tests.smtp import Inbox, Refusing, free_port


def write_mail(app, count=1, **options) -> list[int]:
    with app.app_context():
        ids = [
            queue_mail(MailKind.REMINDER, f"persona{number}@muni.cl", f"Asunto {number}", "Texto", **options).id
            for number in range(count)
        ]
        db.session.commit()
        return ids


def rows(app) -> list[OutboxMail]:
    with app.app_context():
        found = list(db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)))
        db.session.expunge_all()
        db.session.rollback()
        return found


def test_mail_of_a_rolled_back_action_is_never_written_nor_sent(make_app, smtp_server):
    inbox = Inbox()
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server(inbox))
    with app.app_context():
        queue_mail(MailKind.REMINDER, "nunca@muni.cl", "Nunca", "Texto")
        db.session.rollback()
        db.session.commit()  # a later, empty commit must not deliver what was rolled back
    assert rows(app) == [] and inbox.messages == []


def test_a_server_that_is_down_is_retried_with_growing_waits_then_given_up(make_app):
    app = make_app(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=free_port(),
        QUEUE_IMMEDIATE=False,
        OUTBOX_RETRY_SECONDS=60,
        OUTBOX_MAX_ATTEMPTS=3,
    )
    write_mail(app, 2)
    waits = []
    for attempt in (1, 2, 3):
        with app.app_context():
            run = deliver_due()
            assert deliver_due().postponed == 0  # nothing is due again before its wait has passed
        mails = rows(app)
        assert {mail.attempts for mail in mails} == {attempt}
        assert all("No se pudo conectar con el servidor de correo" in mail.last_error for mail in mails)
        if attempt < 3:
            assert run.postponed == 2 and {mail.status for mail in mails} == {"pending"}
            waits.append((mails[0].next_attempt_at - utcnow()).total_seconds())
            with app.app_context():  # the wait is over
                db.session.execute(update(OutboxMail).values(next_attempt_at=utcnow()))
                db.session.commit()
    assert {mail.status for mail in rows(app)} == {"failed"} and run.failed == 2
    assert 50 < waits[0] <= 60 and 110 < waits[1] <= 120, waits


def test_a_claim_keeps_other_senders_away_until_its_lease_ends(make_app):
    app = make_app(QUEUE_IMMEDIATE=False, OUTBOX_LEASE_SECONDS=300)
    write_mail(app, 3)
    with app.app_context():
        assert len(claim(10)) == 3
        assert claim(10) == []  # a second consumer finds nothing to send
        db.session.execute(update(OutboxMail).values(claimed_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        assert len(claim(10)) == 3  # the first one died: after its lease, the mail is someone else's


def test_every_attempt_sends_the_row_s_own_message_id(make_app, smtp_server):
    inbox = Inbox()
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server(inbox), QUEUE_IMMEDIATE=False)
    [mail_id] = write_mail(app)
    with app.app_context():
        assert deliver_due().sent == 1
        # As if the consumer had died after the server's answer and before recording it.
        db.session.execute(update(OutboxMail).values(status="pending", next_attempt_at=utcnow()))
        db.session.commit()
        assert deliver_due().sent == 1
        message_id = db.session.get(OutboxMail, mail_id).message_id
    assert [message["Message-ID"] for _, message in inbox.messages] == [message_id, message_id]


def admin_client(app, make_user):
    admin = make_user(roles=(STAFF, ADMIN))
    client = app.test_client()
    login(client, admin.rut)
    return client


def test_administrators_see_every_mail_and_its_state_and_filter_by_it(make_app, make_user, smtp_server):
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server(Refusing(refused={"persona0@muni.cl"})))
    write_mail(app, 2)
    client = admin_client(app, make_user)
    page = client.get("/admin/correos").get_data(as_text=True)
    assert "persona0@muni.cl" in page and "persona1@muni.cl" in page
    assert "Falló" in page and "550 mailbox unavailable" in page and "Enviado" in page
    failed = client.get("/admin/correos?estado=failed").get_data(as_text=True)
    assert "persona0@muni.cl" in failed and "persona1@muni.cl" not in failed
    assert "persona0" not in client.get("/admin/correos?estado=sent").get_data(as_text=True)
    assert client.get("/admin/correos?estado=cualquiera").status_code == 200  # an unknown state shows all


def test_hr_cannot_open_the_administrators_outbox(app, make_user):
    hr = make_user(roles=(STAFF, HR))
    client = app.test_client()
    login(client, hr.rut)
    assert client.get("/admin/correos").status_code == 403
    assert client.get("/admin/tareas").status_code == 403


def runs_of(app, task):
    with app.app_context():
        return db.session.scalars(select(PeriodicRun.result).where(PeriodicRun.task == task)).all()


def test_a_daily_job_runs_once_a_day_from_its_hour(make_app, make_user, tmp_path):
    app = make_app(
        DAILY_REMINDERS_HOUR=0,
        AUDIT_CHECKPOINT_HOUR="",
        BACKUP_HOUR=0,
        TRASH_PURGE_HOUR="",
        BACKUP_DIR=str(tmp_path / "respaldos"),
    )
    with app.app_context():
        jobs = {run.task for run in periodic.tick()}
        again = periodic.tick()
    assert jobs == ({"reminders", "backup"} if app.config["DATABASE_URL"].startswith("sqlite") else {"reminders"})
    assert again == [] and runs_of(app, "reminders") == ["done"] and runs_of(app, "audit_checkpoint") == []
    client = admin_client(app, make_user)
    page = client.get("/admin/tareas").get_data(as_text=True)
    assert "Recordatorios diarios" in page and "Terminó bien" in page and "Recordatorios en cola: 0" in page
    assert "Desactivada" in page  # the checkpoint's hour is empty


def test_a_daily_job_before_its_hour_waits_and_says_when(make_app, make_user):
    app = make_app(DAILY_REMINDERS_HOUR=23, AUDIT_CHECKPOINT_HOUR="", BACKUP_HOUR="", TRASH_PURGE_HOUR="")
    with app.app_context():
        moment = periodic.local_now()
        runs = periodic.tick(moment.replace(hour=22, minute=59).astimezone(moment.tzinfo))
        [state] = [state for state in periodic.job_states() if state.job.name == "reminders"]
    assert runs == []
    if moment.hour < 23:
        assert state.next_run.hour == 23 and state.next_run.date() == moment.date()


def test_a_failing_daily_job_is_recorded_with_its_reason(make_app, monkeypatch):
    app = make_app(DAILY_REMINDERS_HOUR=0, AUDIT_CHECKPOINT_HOUR="", BACKUP_HOUR="", TRASH_PURGE_HOUR="")

    def broken():
        raise RuntimeError("la base de datos no respondió")

    job = periodic.JOBS[0]
    monkeypatch.setattr(periodic, "JOBS", (periodic.DailyJob(job.name, job.label, job.hour_setting, broken),))
    with app.app_context():
        [run] = periodic.tick()
        assert run.result == "failed" and run.summary == "la base de datos no respondió"


def test_a_daily_run_whose_consumer_died_runs_again_once_and_old_ones_are_closed(make_app, make_user):
    app = make_app(DAILY_REMINDERS_HOUR=0, AUDIT_CHECKPOINT_HOUR="", BACKUP_HOUR="", TRASH_PURGE_HOUR="")
    with app.app_context():
        moment = periodic.local_now()
        today, yesterday = moment.date(), moment.date() - timedelta(days=1)
        # A consumer killed yesterday and one killed an hour after starting today's run, 3 hours ago.
        db.session.add_all(
            [
                PeriodicRun(
                    task="reminders",
                    period=yesterday.isoformat(),
                    result="running",
                    started_at=utcnow() - timedelta(hours=26),
                ),
                PeriodicRun(
                    task="reminders",
                    period=today.isoformat(),
                    result="running",
                    started_at=utcnow() - timedelta(hours=3),
                ),
            ]
        )
        db.session.commit()
    client = admin_client(app, make_user)
    page = client.get("/admin/tareas").get_data(as_text=True)
    assert "Interrumpida" in page and "Se volverá a ejecutar" in page

    with app.app_context():
        [run] = periodic.tick()
        assert run.period == today.isoformat() and run.result == "done" and "Recordatorios en cola" in run.summary
        assert periodic.tick() == []  # done now: not again
        assert periodic.take_over(periodic.JOBS[0], today.isoformat()) is None
        old = db.session.scalar(select(PeriodicRun).where(PeriodicRun.period == yesterday.isoformat()))
        assert old.result == "failed" and "Se interrumpió" in old.summary
    assert sorted(runs_of(app, "reminders")) == ["done", "failed"]
    page = client.get("/admin/tareas").get_data(as_text=True)
    assert "Interrumpida" not in page and "Terminó bien" in page


def test_a_daily_run_still_in_its_time_is_left_to_its_consumer(make_app):
    app = make_app(DAILY_REMINDERS_HOUR=0, AUDIT_CHECKPOINT_HOUR="", BACKUP_HOUR="", TRASH_PURGE_HOUR="")
    with app.app_context():
        today = periodic.local_now().date().isoformat()
        db.session.add(PeriodicRun(task="reminders", period=today, result="running", started_at=utcnow()))
        db.session.commit()
        assert periodic.tick() == []
    assert runs_of(app, "reminders") == ["running"]


@pytest.mark.parametrize("keep", [1, 3])
def test_the_nightly_backup_keeps_the_newest_copies(app, tmp_path, keep):
    from portal.backup import backup_with_retention

    if not app.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("the nightly copy is of SQLite databases")
    folder = tmp_path / "respaldos"
    for day in ("2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04"):
        backup_with_retention(app.config["DATABASE_URL"], folder, keep, day=day)
    names = sorted(path.name for path in folder.iterdir())
    assert names == [f"portal-2026-12-0{day}.sqlite3" for day in range(5 - keep, 5)]


def test_anonymising_a_person_blanks_their_mail(app, make_user):
    from portal.models.user import User
    from portal.people.personal_data import anonymise

    person = make_user(email="olvidar@muni.cl", active=False)
    write_mail(app, user_id=person.id)
    with app.app_context():
        anonymise(db.session.get(User, person.id), None)
        db.session.commit()
    [mail] = rows(app)
    assert "olvidar" not in mail.to_address and mail.body is None and mail.status in {"sent", "failed"}


def test_the_outbox_page_warns_when_mail_waits_with_nobody_sending_it(make_app, make_user):
    app = make_app(QUEUE_IMMEDIATE=False)  # and no consumer
    write_mail(app, 2)
    client = admin_client(app, make_user)
    assert "sigue pendiente" not in client.get("/admin/correos").get_data(as_text=True)
    with app.app_context():
        db.session.execute(update(OutboxMail).values(next_attempt_at=utcnow() - timedelta(minutes=6)))
        db.session.commit()
    page = client.get("/admin/correos").get_data(as_text=True)
    assert "2 correos debían salir hace más de 5 minutos y siguen pendientes." in page
    assert "flask --app portal worker" in page


def test_a_job_whose_consumer_died_is_run_again_and_repeats_nothing(make_app, make_user, smtp_server):
    from portal.jobs import interrupted_jobs
    from portal.models.outbox import Job
    from portal.queue.runner import run_job
    from tests.test_reminders import TODAY, add_person

    inbox = Inbox()
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server(inbox), QUEUE_IMMEDIATE=False)
    hr = make_user(roles=(STAFF, HR))
    with app.app_context():
        for number in range(3):
            add_person(f"Persona {number}", due=TODAY - timedelta(days=2))
        db.session.commit()
    client = app.test_client()
    login(client, hr.rut)
    started = client.post("/rrhh/recordatorios?estado=overdue", data={"alcance": "todas"})
    job_id = int(started.headers["Location"].split("/")[3])
    with app.app_context():
        run_job(job_id)  # the first consumer did it all...
        # ...but died before saying so: still "running", and its heartbeat stops.
        db.session.execute(
            update(Job).values(status="running", heartbeat_at=utcnow() - timedelta(minutes=3), summary=None)
        )
        db.session.commit()
        assert interrupted_jobs() == [job_id]
        run_job(job_id)
        job = db.session.get(Job, job_id)
        assert job.status == "done" and "0 recordatorios en cola" in job.summary
        assert deliver_due().sent == 3
    assert len(inbox.messages) == 3
