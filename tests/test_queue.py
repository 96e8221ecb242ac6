"""The task queue with real consumers: `flask worker` processes, a real SMTP server, SIGKILL.

Everything else in the suite runs the queue's tasks at once in the test's process (QUEUE_IMMEDIATE);
here the request only writes the outbox and the queue, and separate consumer processes deliver.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from portal.extensions import db
from portal.models.outbox import OutboxMail, PeriodicRun
from portal.models.staff import Reminder
from portal.queue.periodic import JOBS
from tests.smtp import Inbox, free_port
from tests.test_reminders import TODAY, add_person

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL")


def wait_until(condition, timeout=30.0, every=0.1, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(every)
    raise AssertionError(f"{message} not reached within {timeout} s")


class Consumers:
    """`flask --app portal worker` processes sharing one database and one queue."""

    def __init__(self, tmp_path: Path, settings: dict):
        self.tmp_path = tmp_path
        self.settings = settings
        self.processes: list[subprocess.Popen] = []

    def start(self) -> subprocess.Popen:
        env = {**os.environ, **{f"PORTAL_{name}": str(value) for name, value in self.settings.items()}}
        with (self.tmp_path / f"worker-{len(self.processes)}.log").open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "portal", "worker", "--workers", "2"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.processes.append(process)
        return process

    def logs(self) -> str:
        return "\n".join(path.read_text(errors="replace") for path in sorted(self.tmp_path.glob("worker-*.log")))

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def queue_settings(database_url, tmp_path):
    """Settings shared by the test's app and its consumers: one database, one queue, no daily jobs."""
    return {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "INSTITUTION_NAME": "Municipalidad de Prueba",
        "QUEUE_NAME": f"portal-test-{uuid.uuid4().hex[:8]}",
        "QUEUE_FILE": str(tmp_path / "queue.sqlite3"),
        "OUTBOX_RETRY_SECONDS": 0.3,
        "OUTBOX_RETRY_MAX_SECONDS": 1,
        "OUTBOX_LEASE_SECONDS": 5,
        "SMTP_TIMEOUT": 3,
        "DAILY_REMINDERS_HOUR": "",
        "AUDIT_CHECKPOINT_HOUR": "",
        "BACKUP_HOUR": "",
        "TRASH_PURGE_HOUR": "",
        "AUDIT_CHECKPOINT_FILE": str(tmp_path / "checkpoints.jsonl"),
        "BACKUP_DIR": str(tmp_path / "respaldos"),
    }


@pytest.fixture
def consumers(tmp_path, queue_settings):
    started = Consumers(tmp_path, queue_settings)
    yield started
    started.stop_all()


def outbox_rows(app) -> list[OutboxMail]:
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)))
        db.session.expunge_all()  # read as they are now, usable after the context ends
        db.session.rollback()
        return rows


def test_mail_queued_while_the_server_is_down_survives_a_killed_consumer_and_arrives_once(
    make_app, make_user, consumers, queue_settings
):
    port = free_port()  # the SMTP server is down: nothing listens there yet
    consumers.settings.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    app = make_app(**{**queue_settings, "QUEUE_IMMEDIATE": False, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": port})
    people = [make_user(email=f"caida{number}@muni.cl") for number in range(6)]
    client = app.test_client()

    first = consumers.start()
    for person in people[:3]:
        assert client.post("/clave/olvido", data={"login": person.email}).status_code == 200
    # The consumer tried them, found the server down and keeps them for a retry.
    wait_until(
        lambda: all(row.attempts >= 1 and row.last_error for row in outbox_rows(app)) and len(outbox_rows(app)) == 3,
        message="first delivery attempts",
    )
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    # More mail while no consumer runs at all.
    for person in people[3:]:
        assert client.post("/clave/olvido", data={"login": person.email}).status_code == 200
    rows = outbox_rows(app)
    assert len(rows) == 6 and {row.status for row in rows} == {"pending"}

    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        consumers.start()
        wait_until(
            lambda: {row.status for row in outbox_rows(app)} == {"sent"}, message="every mail sent\n" + consumers.logs()
        )
        time.sleep(1.5)  # a duplicate would arrive now, if any retry were still on its way
        received = Counter(message["Message-ID"] for _, message in inbox.messages)
    finally:
        consumers.stop_all()
        server.stop()
    rows = outbox_rows(app)
    assert received == Counter({row.message_id: 1 for row in rows}), consumers.logs()
    assert sorted(recipients[0] for recipients, _ in inbox.messages) == sorted(person.email for person in people)
    assert all(row.sent_at and row.last_error is None and row.body is None for row in rows)  # the links are gone


def test_a_consumer_sends_at_once_and_a_refusal_fails_for_good_with_the_server_answer(
    make_app, make_user, consumers, queue_settings, smtp_server
):
    from tests.smtp import Refusing

    handler = Refusing(refused={"rebota@muni.cl"})
    port = smtp_server(handler)
    consumers.settings.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    app = make_app(**{**queue_settings, "QUEUE_IMMEDIATE": False})
    consumers.start()
    for email in ("llega@muni.cl", "rebota@muni.cl"):
        make_user(email=email)
        assert app.test_client().post("/clave/olvido", data={"login": email}).status_code == 200
    wait_until(lambda: {row.status for row in outbox_rows(app)} == {"sent", "failed"}, message="both settled")
    by_address = {row.to_address: row for row in outbox_rows(app)}
    assert by_address["rebota@muni.cl"].attempts == 1 and "550" in by_address["rebota@muni.cl"].last_error
    assert [recipients for recipients, _ in handler.messages] == [["llega@muni.cl"]]


def daily_state(app):
    with app.app_context():
        runs = db.session.execute(select(PeriodicRun.task, PeriodicRun.period, PeriodicRun.result)).all()
        reminders = db.session.scalars(select(Reminder.user_id)).all()
        db.session.commit()
        return runs, reminders


@pytest.mark.parametrize("storage", ["redis", "sqlite"])
def test_two_consumers_run_each_daily_job_once(
    make_app, consumers, queue_settings, smtp_server, tmp_path, storage, backend
):
    if storage == "redis" and not REDIS_URL:
        pytest.skip("set PORTAL_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15) to test two consumers on Redis")
    if backend != "sqlite":
        jobs = {"reminders", "audit_checkpoint", "trash_purge"}
    else:
        jobs = {job.name for job in JOBS}
    inbox = Inbox()
    settings = {
        **queue_settings,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": smtp_server(inbox),
        # Hour 0: every job is due from local midnight, so both consumers find them all due at once.
        "DAILY_REMINDERS_HOUR": 0,
        "AUDIT_CHECKPOINT_HOUR": 0,
        "BACKUP_HOUR": 0,
        "TRASH_PURGE_HOUR": 0,
        "AUDIT_CHECKPOINT_MAIL": "auditoria@muni.cl",
    }
    if storage == "redis":
        settings["REDIS_URL"] = REDIS_URL
    consumers.settings.update(settings)
    app = make_app(**{**settings, "QUEUE_IMMEDIATE": False})
    with app.app_context():
        late = [add_person(f"Persona Atrasada {number}", due=TODAY - timedelta(days=2)) for number in range(3)]
        add_person("Persona Con Tiempo", due=TODAY + timedelta(days=20))
        from portal import audit

        audit.record("test.event")
        db.session.commit()
        late_emails = sorted(person.email for person in late)

    consumers.start()
    consumers.start()
    wait_until(
        lambda: {task for task, _, result in daily_state(app)[0] if result != "running"} == jobs,
        message="every daily job run\n" + consumers.logs(),
    )
    try:
        wait_until(lambda: len(inbox.messages) == len(late) + 1, message="the reminders and the checkpoint mail")
    except AssertionError:
        raise AssertionError(consumers.logs() + repr(daily_state(app)) + repr(outbox_rows(app))) from None
    time.sleep(2)  # the second consumer's tick has long run by now
    runs, reminded = daily_state(app)
    assert Counter(task for task, _, _ in runs) == Counter({task: 1 for task in jobs}), consumers.logs()
    assert {result for _, _, result in runs} == {"done"}, runs
    assert len(reminded) == len(late)
    recipients = Counter(recipients[0] for recipients, _ in inbox.messages)
    assert recipients == Counter({**{email: 1 for email in late_emails}, "auditoria@muni.cl": 1})
    if storage == "redis":  # the shared Redis keeps nothing of this test's queue
        consumers.stop_all()
        from huey import RedisHuey

        RedisHuey(settings["QUEUE_NAME"], url=REDIS_URL).storage.flush_all()
    checkpoint_lines = Path(settings["AUDIT_CHECKPOINT_FILE"]).read_text().splitlines()
    assert len(checkpoint_lines) == 1 and json.loads(checkpoint_lines[0])["count"] >= 1
    if "backup" in jobs:
        assert len(list(Path(settings["BACKUP_DIR"]).glob("portal-*.sqlite3"))) == 1
