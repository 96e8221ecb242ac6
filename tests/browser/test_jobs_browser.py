"""HR reminds 2,000 people as a job of a real queue: the request returns at once, the browser watches the
progress page reach 100 %, every mail arrives once, and a second run finds nobody to remind."""

from __future__ import annotations

import re
import time
from collections import Counter
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from portal.extensions import db
from portal.models.outbox import OutboxMail
from portal.models.user import User
from portal.rut import check_digit
from portal.vocabulary import HR, STAFF
from tests.browser.test_learner_browser import assert_no_axe_violations, save_screenshots, sign_in
from tests.smtp import Inbox
from tests.test_queue import Consumers, wait_until

pytestmark = pytest.mark.browser

PEOPLE = 2000


@pytest.fixture
def inbox():
    return Inbox()


@pytest.fixture
def queue_app(make_app, smtp_server, inbox, database_url, tmp_path):
    settings = {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": smtp_server(inbox),
        "QUEUE_FILE": str(tmp_path / "queue.sqlite3"),
        "DAILY_REMINDERS_HOUR": "",
        "AUDIT_CHECKPOINT_HOUR": "",
        "BACKUP_HOUR": "",
    }
    app = make_app(WTF_CSRF_ENABLED=True, QUEUE_IMMEDIATE=False, **settings)
    consumers = Consumers(tmp_path, {"DATABASE_URL": database_url, "SECRET_KEY": app.config["SECRET_KEY"], **settings})
    app.extensions["test_consumers"] = consumers
    yield app
    consumers.stop_all()


@pytest.fixture
def app(queue_app):
    return queue_app


def add_overdue_people(app, count: int) -> None:
    """`count` people overdue by a week, each with an address, written in one transaction."""
    with app.app_context():
        for number in range(30_000_000, 30_000_000 + count * 11, 11):
            user = User(
                rut=f"{number}-{check_digit(number)}",
                full_name=f"Persona Atrasada {number}",
                email=f"p{number}@muni.test",
                start_date=date.today() - timedelta(days=40),
                due_date=date.today() - timedelta(days=7),
            )
            user.set_roles([STAFF])
            db.session.add(user)
        db.session.commit()


def sent_count(app) -> int:
    with app.app_context():
        number = db.session.scalar(select(func.count(OutboxMail.id)).where(OutboxMail.status == "sent"))
        db.session.rollback()
        return number


def test_hr_reminds_two_thousand_people_and_watches_the_job_finish(page: Page, live_server, make_user, inbox):
    app = live_server.app
    add_overdue_people(app, PEOPLE)
    hr = make_user(full_name="Carolina Andrea Vergara Lagos", roles=(STAFF, HR))
    app.extensions["test_consumers"].start()
    sign_in(page, live_server.url, hr.email)
    page.goto(f"{live_server.url}/rrhh/recordatorios?estado=overdue")
    button = page.get_by_role("button", name=re.compile(r"^Enviar a las [\d.]+ personas que se pueden recordar"))
    started = time.monotonic()
    button.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recordatorios a todas las personas de la lista")
    answered_in = time.monotonic() - started
    assert answered_in < 5, f"the request took {answered_in:.1f} s: it must only start the job"

    bar = page.locator("#job-progress")
    seen = set()
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        seen.add(int(bar.get_attribute("value") or 0))
        if page.locator("#job-label").inner_text() == "Terminado":
            break
        time.sleep(0.2)
    expect(page.locator("#job-label")).to_have_text("Terminado")
    expect(bar).to_have_attribute("value", "100")
    expect(page.locator("#job-count")).to_contain_text(f"{PEOPLE} de {PEOPLE} (100 %)")
    expect(page.locator("#job-summary")).to_contain_text(f"{PEOPLE} recordatorios en cola de envío")
    assert any(0 < value < 100 for value in seen), f"the bar never moved in between: {sorted(seen)}"
    assert_no_axe_violations(page, "the job's progress page")
    save_screenshots(page, "hr-job-done")

    wait_until(lambda: sent_count(app) == PEOPLE, timeout=300, every=1, message="every reminder sent")
    time.sleep(1)
    message_ids = Counter(message["Message-ID"] for _, message in inbox.messages)
    assert len(message_ids) == PEOPLE and set(message_ids.values()) == {1}
    assert len({recipients[0] for recipients, _ in inbox.messages}) == PEOPLE

    # A second run within the interval reminds nobody.
    page.goto(f"{live_server.url}/rrhh/recordatorios?estado=overdue")
    expect(page.get_by_text("Personas a las que se puede recordar ahora: 0.")).to_be_visible()
    assert len(inbox.messages) == PEOPLE
