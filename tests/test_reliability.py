"""Under gunicorn, many people submit quizzes while a worker is killed: nothing half-written, nothing lost."""

from __future__ import annotations

import http.client
import http.cookiejar
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from portal import create_app
from portal.backup import backup
from portal.extensions import db
from portal.models.user import User
from portal.rut import check_digit
from portal.vocabulary import STAFF
from tests.conftest import PASSWORD, PASSWORD_HASH
from tests.smtp import free_port

ROOT = Path(__file__).resolve().parent.parent
SLUG = "mision-y-vision"
PEOPLE = 16
ROUNDS = 4


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def browser():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())


def call(opener, url, data=None):
    """(status, body, location); connection problems come back as status 0."""
    body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
    try:
        with opener.open(url, data=body, timeout=30) as response:
            return response.status, response.read().decode(), response.headers.get("Location")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), error.headers.get("Location")
    except (urllib.error.URLError, ConnectionError, TimeoutError, http.client.HTTPException):
        return 0, "", None


def wait_for(url, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


@pytest.fixture
def served_database(sqlite_templates, tmp_path):
    path = tmp_path / "portal.sqlite3"
    shutil.copyfile(sqlite_templates["content"], path)
    url = f"sqlite:///{path}"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": url}, instance_path=str(tmp_path))
    with app.app_context():
        for number in range(PEOPLE):
            user = User(
                rut=f"{30_000_000 + number}-{check_digit(30_000_000 + number)}",
                full_name=f"Persona {number}",
                email=f"carga{number}@muni.cl",
                password_hash=PASSWORD_HASH,
            )
            user.set_roles([STAFF])
            db.session.add(user)
        db.session.commit()
        db.engine.dispose()
    return path, url


@pytest.fixture
def gunicorn(served_database, tmp_path):
    path, url = served_database
    port = free_port()
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": url,
        "PORTAL_SECRET_KEY": "reliability-test-secret",
        "PORTAL_WTF_CSRF_ENABLED": "false",
        "PORTAL_RATELIMIT_ENABLED": "false",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "3", "--threads", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/healthz")
        yield base, process, path, url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stderr.close()


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True).stdout
    return [int(pid) for pid in out.split()]


def take_quizzes(base, number, acknowledged, errors):
    opener = browser()
    for _ in range(20):
        status, _, _ = call(opener, base + "/login", {"login": f"carga{number}@muni.cl", "password": PASSWORD})
        if status == 302:
            break
        time.sleep(0.2)
    else:
        errors.append((number, "could not sign in"))
        return
    for _ in range(ROUNDS):
        status, _, _ = call(opener, f"{base}/modulos/{SLUG}/quiz/intentos", {})
        status, page, _ = call(opener, f"{base}/modulos/{SLUG}/quiz")
        match = re.search(rf'action="/modulos/{SLUG}/quiz/intentos/(\d+)"', page)
        if status != 200 or not match:
            continue  # the worker died under us; try again
        attempt = int(match.group(1))
        answers = {}
        for name, value in re.findall(r'name="(q\d+)"[^>]*value="(\d+)"', page):
            answers.setdefault(name, value)
        status, body, location = call(opener, f"{base}/modulos/{SLUG}/quiz/intentos/{attempt}", answers)
        if status == 302 and location and location.endswith(f"/intentos/{attempt}"):
            acknowledged.append(attempt)
        elif status >= 500:
            errors.append((attempt, status, body[:200]))


def test_killed_worker_loses_nothing_and_backup_restores(gunicorn, tmp_path):
    base, master, path, url = gunicorn
    acknowledged: list[int] = []
    errors: list = []
    threads = [threading.Thread(target=take_quizzes, args=(base, n, acknowledged, errors)) for n in range(PEOPLE)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    victims = worker_pids(master.pid)
    assert victims, "gunicorn has no workers"
    os.kill(victims[0], signal.SIGKILL)
    copy = tmp_path / "during-load.sqlite3"
    backup(url, copy)
    for thread in threads:
        thread.join(timeout=150)

    assert not errors, errors[:3]
    assert len(acknowledged) >= PEOPLE  # most rounds got through despite the kill

    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {
            row[0]
            for row in connection.execute("SELECT id FROM attempt WHERE submitted_at IS NOT NULL AND score IS NOT NULL")
        }
        assert set(acknowledged) <= stored  # every acknowledged submission is stored
        half_written = connection.execute(
            "SELECT count(*) FROM attempt a WHERE a.submitted_at IS NOT NULL AND (a.score IS NULL OR EXISTS "
            "(SELECT 1 FROM attempt_question q WHERE q.attempt_id = a.id AND q.is_correct IS NULL) OR NOT EXISTS "
            "(SELECT 1 FROM attempt_answer w WHERE w.attempt_id = a.id))"
        ).fetchone()[0]
        assert half_written == 0
        graded_open = connection.execute(
            "SELECT count(*) FROM attempt WHERE submitted_at IS NULL AND "
            "(score IS NOT NULL OR EXISTS (SELECT 1 FROM attempt_answer w WHERE w.attempt_id = attempt.id))"
        ).fetchone()[0]
        assert graded_open == 0
    connection.close()

    # The copy taken under load is a working portal.
    restored = tmp_path / "restored.sqlite3"
    shutil.copyfile(copy, restored)
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{restored}", "WTF_CSRF_ENABLED": False},
        instance_path=str(tmp_path / "restored-instance"),
    )
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    assert client.post("/login", data={"login": "carga0@muni.cl", "password": PASSWORD}).status_code == 302
    assert client.get("/").status_code == 200
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
