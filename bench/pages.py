"""Benchmark of the portal's pages as a server: gunicorn (2 workers) on 127.0.0.1, driven by wrk.

Usage: python -m bench.pages [--people 10000] [--database-url URL] [--duration 10] [--connections 32]
                             [--hr-connections 1] [--threads 1] [--timeout 30] [--warmup 2] [--slices 5]
                             [--pages KEY,...]

1. Builds or reuses the database, as bench.report does (bench/generate.py).
2. Starts gunicorn with 2 sync workers on a free port of 127.0.0.1, serving bench/wsgi.py: the portal
   with CSRF protection on, plus bench.report's reference page, a trivial template rendered through
   the same stack (the ceiling for this server). Sign-in throttling counts in Redis when Redis answers
   on 127.0.0.1:6379, as in a deployment with several workers, else in memory; its per-address limit
   is raised because every sign-in of the benchmark comes from 127.0.0.1. A second gunicorn with the
   same settings serves the second reference, a bare Flask "hello" (bench/hello.py): what a request
   costs on this server before any of the portal's work.
3. Signs in over HTTP as a browser does (sign-in form, then a page for the session's CSRF token): the
   HR account and as many learners who completed the path as it needs (every module is open to them).
4. Drives each page with wrk for --duration seconds over --connections connections. HR's pages run
   over --hr-connections, one by default: a municipality has a few HR people, not dozens, and HR's
   goal is the page's own time, not time spent queueing behind other exports on two shared cores (one
   connection keeps one worker busy, so their ratio to the reference is about half what the server
   could do). Each page runs in --slices slices (5 by default: 2 s each for --duration 10), each between
   two short runs of the reference page; its ratio is its requests over what the reference page served
   in the same seconds (each slice's length at the mean rate of the runs just before and after it),
   because the other load on a shared machine drifts within seconds: in one run of 2026-12-07 the
   reference page's own 5-second runs ranged from 677 to 1,432 requests/s.
   Each quiz submission is a POST with a valid answer set and the session's token in X-CSRFToken, on
   an attempt of its own: the learners' attempts are opened beforehand with the portal's own
   start_attempt() (one open attempt per person and quiz), enough for the latest reference rate over
   the whole run, and wrk sends each once (bench/pages.lua). Where there are fewer people than that
   (a small test database), wrk stops when the attempts run out and the rate is measured over the
   time until then. The database then confirms that every submission graded a new attempt.
   The hello runs before the first page and after the last one.
5. Prints requests/s, p50 and p99 latency, errors (non-2xx/3xx answers and socket errors) and the
   ratios to both references for each page, then the goals with PASS or MISS; checks gunicorn's log
   for "database is locked"; writes bench/results/pages-<date and time>.json and keeps gunicorn's log
   next to it.
6. Removes what it added to the database (the attempts it opened and graded, the sign-in records) so
   that the next run starts from the same data. Audit events of sign-ins and exports stay: that log is
   append-only.

Needs wrk (`apt-get install wrk`). Everything listens on and connects to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import delete, select

from bench import generate, report
from portal.extensions import db
from portal.models import Attempt, Commitment, User
from portal.models.curriculum import Module
from portal.models.quiz import AttemptAnswer, AttemptQuestion
from portal.models.user import AuthSession
from portal.quizzes import service as quizzes

ROOT = generate.BENCH_DIR.parent
LUA_SCRIPT = generate.BENCH_DIR / "pages.lua"
WORKERS = 2
#: The second reference (bench/hello.py), served with the same settings as the portal.
HELLO_APP = "bench.hello:app"
HOST = "127.0.0.1"
REDIS_URL = "redis://127.0.0.1:6379/0"
#: Every sign-in of the benchmark comes from 127.0.0.1; the per-account limit (failures only) stays.
SIGN_IN_LIMIT = "100000 per minute"
#: gunicorn kills a sync worker silent for this long; a 150,000-person export on busy cores takes a while.
WORKER_TIMEOUT_S = 300
#: Prepared quiz attempts per second of run, as a share of the reference page's rate: a submission
#: does all the reference page does and more, so it cannot go faster; the margin absorbs noise.
ATTEMPT_STOCK_MARGIN = 1.1
#: Learners signed in for the pages that only read (more are signed in when submissions need them).
READING_LEARNERS = 64
SIGN_IN_THREADS = 4
#: Share of submitted answers that are right; the rest is a plausible mistake (bench.generate.answer).
RIGHT_ANSWER_SHARE = 0.75

#: Goals, as the issue sets them: pages as a share of the portal's reference page, and the reference
#: page as a share of the bare hello (the portal's fixed cost per request).
RATIO_GOALS = {"dashboard": 0.7, "lesson": 0.7, "quiz": 0.5, "submit": 0.5}
REFERENCE_TO_HELLO_GOAL = 0.15

_CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


# --- Talking to the server like a browser -----------------------------------------------------


@dataclass(frozen=True)
class Reply:
    status: int
    location: str
    cookie: str | None
    body: str


@dataclass(frozen=True)
class Browser:
    """A signed-in session: what wrk sends as the Cookie and X-CSRFToken headers."""

    user_id: int
    cookie: str
    csrf: str


class Server:
    """The served portal, spoken to over HTTP/1.1 without following redirects."""

    def __init__(self, port: int, cookie_name: str):
        self.port = port
        self.cookie_name = cookie_name
        self.base = f"http://{HOST}:{port}"

    def request(self, method: str, path: str, cookie: str | None = None, form: dict | None = None) -> Reply:
        headers = {"Cookie": cookie} if cookie else {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(HOST, self.port, timeout=120)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            set_cookie = next(
                (
                    value.split(";", 1)[0]
                    for value in response.headers.get_all("Set-Cookie") or []
                    if value.startswith(self.cookie_name + "=")
                ),
                None,
            )
            return Reply(response.status, response.headers.get("Location", ""), set_cookie, text)
        finally:
            connection.close()

    def sign_in(self, user_id: int, login: str, password: str) -> Browser:
        """Sign in through the form and fetch a page for the signed-in session's CSRF token."""
        page = self.request("GET", "/login")
        token = _csrf_token(page.body, "/login")
        answer = self.request(
            "POST",
            "/login",
            cookie=page.cookie,
            form={"login": login, "password": password, "csrf_token": token, "next": ""},
        )
        if answer.status != 302 or answer.cookie is None or "/login" in answer.location:
            raise generate.BenchError(f"signing in as {login} failed (HTTP {answer.status})")
        # Signing in starts a new session (and token); any page with a form shows the token.
        page = self.request("GET", report.REFERENCE_PATH, cookie=answer.cookie)
        if page.status != 200:
            raise generate.BenchError(
                f"GET {report.REFERENCE_PATH} after signing in as {login} answered HTTP {page.status}"
            )
        return Browser(user_id, page.cookie or answer.cookie, _csrf_token(page.body, report.REFERENCE_PATH))


def _csrf_token(html: str, path: str) -> str:
    found = _CSRF_INPUT.search(html)
    if not found:
        raise generate.BenchError(f"no CSRF token in the page at {path}")
    return found.group(1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def rate_limit_storage() -> str:
    """Redis on this machine when it answers, as a deployment with several workers would use; else memory."""
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
    except Exception:  # not installed, not running, or not answering: any of them means memory
        return "memory://"
    return REDIS_URL


class Gunicorn:
    """gunicorn serving bench/wsgi.py on a free port of 127.0.0.1, its output in `log_path`."""

    def __init__(self, url: str, instance: str, log_path: Path, storage: str, app: str = "bench.wsgi:app"):
        self.port = free_port()
        self.log_path = log_path
        env = {
            **os.environ,
            "PORTAL_BENCH_DATABASE_URL": url,
            "PORTAL_BENCH_INSTANCE": instance,
            "PORTAL_RATELIMIT_STORAGE_URL": storage,
            # Counters of this run only, whatever else uses the same Redis.
            "PORTAL_RATELIMIT_KEY_PREFIX": f"portal-bench-{self.port}",
            "PORTAL_SIGN_IN_LIMIT_PER_ADDRESS": SIGN_IN_LIMIT,
        }
        self.log = open(log_path, "w", encoding="utf-8")  # closed in stop()
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(WORKERS),
            "--bind",
            f"{HOST}:{self.port}",
            "--timeout",
            str(WORKER_TIMEOUT_S),
            app,
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_until_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise generate.BenchError(f"gunicorn exited with code {self.process.returncode}; see {self.log_path}")
            try:
                with socket.create_connection((HOST, self.port), timeout=1):
                    pass
                connection = http.client.HTTPConnection(HOST, self.port, timeout=10)
                try:
                    connection.request("GET", "/healthz")
                    if connection.getresponse().status == 200:
                        return
                finally:
                    connection.close()
            except OSError:
                time.sleep(0.2)
        raise generate.BenchError(f"gunicorn did not answer /healthz within {seconds:g} s; see {self.log_path}")

    def log_size(self) -> int:
        self.log.flush()
        return self.log_path.stat().st_size

    def findings_since(self, offset: int) -> dict:
        with open(self.log_path, encoding="utf-8", errors="replace") as log:
            log.seek(offset)
            return log_findings(log.read())

    def stop(self) -> None:
        if self.log.closed:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


# --- What to request --------------------------------------------------------------------------


@dataclass
class Page:
    key: str
    name: str
    #: Tab-separated lines for bench/pages.lua: method, path, cookie, CSRF token, form body.
    lines: list[str]
    connections: int
    #: "cycle": the lines over and over; "once": each line a single time (quiz submissions).
    mode: str = "cycle"
    #: Status that a first request must get before measuring; None for requests that can only be sent once.
    expect: int | None = 200


def line(method: str, path: str, browser: Browser | None = None, body: str = "") -> str:
    if browser is None:
        return "\t".join((method, path, "", "", body))
    return "\t".join((method, path, browser.cookie, browser.csrf, body))


@dataclass(frozen=True)
class QuizModule:
    slug: str
    quiz_id: int
    lesson_count: int
    questions: dict[int, generate.QuestionInfo]


def curriculum(app: Flask) -> list[QuizModule]:
    """The published modules that have a quiz, in path order, with their questions' right answers."""
    with app.app_context():
        modules = generate.load_curriculum()
        slugs = dict(db.session.execute(select(Module.id, Module.slug)).all())
        db.session.remove()
    return [
        QuizModule(
            slug=slugs[module.id],
            quiz_id=module.quiz.id,
            lesson_count=len(module.lesson_ids),
            questions={question.id: question for question in module.quiz.questions},
        )
        for module in modules
        if module.quiz is not None and module.lesson_ids
    ]


def learner_accounts(app: Flask) -> list[tuple[int, str]]:
    """(id, RUT) of active learners who completed the path and can sign in, HR excluded."""
    with app.app_context():
        rows = db.session.execute(
            select(User.id, User.rut)
            .where(
                User.active.is_(True),
                User.password_hash.is_not(None),
                User.email.is_distinct_from(generate.HR_EMAIL),  # people without email included
                select(Commitment.id).where(Commitment.user_id == User.id).exists(),
            )
            .order_by(User.id)
        ).all()
        db.session.remove()
    return [(user_id, rut) for user_id, rut in rows]


@dataclass(frozen=True)
class OpenAttempt:
    browser: Browser
    slug: str
    attempt_id: int
    body: str


def open_attempts(app: Flask, browsers: list[Browser], modules: list[QuizModule], seed: int) -> list[OpenAttempt]:
    """Open one attempt per learner and quiz with the portal's start_attempt(), and a valid answer set."""
    rng = random.Random(seed)
    opened = []
    with app.app_context():
        try:
            for browser in browsers:
                for module in modules:
                    attempt = quizzes.start_attempt(browser.user_id, module.quiz_id)
                    db.session.flush()
                    answers = []
                    for item in attempt.questions:
                        question = module.questions[item.question_id]
                        right = rng.random() < RIGHT_ANSWER_SHARE
                        answers += [(f"q{question.id}", choice) for choice in generate.answer(question, right, rng)]
                    opened.append(OpenAttempt(browser, module.slug, attempt.id, urllib.parse.urlencode(answers)))
                db.session.commit()
        finally:
            db.session.remove()
    return opened


#: What --pages accepts, in the order pages are measured (the reference page runs first and last).
PAGE_KEYS = ("sign_in", "dashboard", "lesson", "quiz", "submit", "report", "report_filtered", "person", "csv")


def measured_pages(
    learners: list[Browser], hr: Browser, modules: list[QuizModule], attempts: list[OpenAttempt], targets, args
) -> list[Page]:
    """Every page but the reference, in PAGE_KEYS order: the quiz pages show attempts the submissions close."""
    lessons = []
    for index, browser in enumerate(learners):
        module = modules[index % len(modules)]
        number = (index // len(modules)) % module.lesson_count + 1
        lessons.append(line("GET", f"/modulos/{module.slug}/lecciones/{number}", browser))
    hr_connections = min(args.hr_connections, args.connections)
    return [
        Page("sign_in", "Sign-in page", [line("GET", "/login")], args.connections),
        Page("dashboard", "Learner dashboard", [line("GET", "/", browser) for browser in learners], args.connections),
        Page("lesson", "Lesson", lessons, args.connections),
        # A person with an open attempt sees its questions: the page a learner fills in.
        Page(
            "quiz",
            "Quiz page (open attempt)",
            [line("GET", f"/modulos/{item.slug}/quiz", item.browser) for item in attempts],
            args.connections,
        ),
        Page(
            "submit",
            "Quiz submission (new attempt)",
            [
                line("POST", f"/modulos/{item.slug}/quiz/intentos/{item.attempt_id}", item.browser, item.body)
                for item in attempts
            ],
            args.connections,
            mode="once",
            expect=None,
        ),
        Page("report", "HR report, first page", [line("GET", "/rrhh/", hr)], hr_connections),
        Page(
            "report_filtered",
            "HR report, overdue + department",
            [line("GET", targets.filtered_path, hr)],
            hr_connections,
        ),
        Page(
            "person",
            "Person detail",
            [line("GET", f"/rrhh/personas/{person_id}", hr) for person_id in targets.person_ids],
            hr_connections,
        ),
        Page("csv", "CSV export, everyone", [line("GET", "/rrhh/exportar.csv", hr)], hr_connections),
    ]


# --- Measuring --------------------------------------------------------------------------------


@dataclass
class Measurement:
    key: str
    name: str
    path: str
    connections: int
    requests: int
    seconds: float
    requests_per_s: float
    #: Latencies are None when no request finished within the run.
    p50_ms: float | None
    p90_ms: float | None
    p99_ms: float | None
    mean_ms: float | None
    max_ms: float | None
    errors: int
    error_detail: dict = field(default_factory=dict)
    #: A page of attempts sent once each ended before --duration when they ran out.
    ran_out: bool = False
    #: log_findings() of what gunicorn logged while this page ran.
    server_log: dict = field(default_factory=dict)
    ratio: float | None = None
    #: requests/s as a share of the bare hello's (bench/hello.py), the mean of its runs in this run.
    ratio_hello: float | None = None
    goal: str = ""
    result: str = ""
    #: The slices a page ran in (combined()), each with its own figures.
    parts: list = field(default_factory=list, repr=False)


def check_first(server: Server, page: Page) -> None:
    """One request of each kind by hand first: wrk counts a redirect to the sign-in page as a success."""
    if page.expect is None:
        return
    for text in page.lines[:3]:
        method, path, cookie, _csrf, _body = text.split("\t")
        reply = server.request(method, path, cookie=cookie or None)
        if reply.status != page.expect:
            raise generate.BenchError(f"{page.name}: {method} {path} answered HTTP {reply.status}, not {page.expect}")


def run_wrk(server: Server, page: Page, args, workdir: Path, duration: int | None = None) -> Measurement:
    threads = max(1, min(args.threads, page.connections, len(page.lines) if page.mode == "once" else page.connections))
    requests_file = workdir / f"{page.key}.tsv"
    requests_file.write_text("\n".join(page.lines) + "\n", encoding="utf-8")
    seconds = duration or args.duration
    command = [
        args.wrk,
        "--threads",
        str(threads),
        "--connections",
        str(page.connections),
        "--duration",
        f"{seconds}s",
        "--timeout",
        f"{args.timeout}s",
        "--script",
        str(LUA_SCRIPT),
        server.base,
        "--",
        str(requests_file),
        str(threads),
        page.mode,
    ]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=seconds + args.timeout + 60)
    found = re.search(r"^BENCH-RESULT (\{.*\})$", finished.stdout, re.MULTILINE)
    if finished.returncode != 0 or not found:
        problem = (finished.stderr.strip() or finished.stdout.strip())[:500]
        raise generate.BenchError(f"wrk failed on {page.name} (exit {finished.returncode}): {problem}")
    figures = json.loads(found.group(1))
    detail = {
        "non_2xx_3xx": figures["status_errors"],
        "connect": figures["connect_errors"],
        "read": figures["read_errors"],
        "write": figures["write_errors"],
        "timeout": figures["timeouts"],
    }
    elapsed = figures["duration_us"] / 1e6
    return Measurement(
        key=page.key,
        name=page.name,
        path=page.lines[0].split("\t")[1] + (f" (+{len(page.lines) - 1} more)" if len(page.lines) > 1 else ""),
        connections=page.connections,
        requests=figures["requests"],
        seconds=round(elapsed, 2),
        ran_out=bool(figures["threads_ran_out"]),
        requests_per_s=round(figures["requests"] / elapsed, 1) if elapsed else 0.0,
        **{
            f"{name}_ms": round(figures[f"{name}_us"] / 1000, 1) if figures["requests"] else None
            for name in ("p50", "p90", "p99", "mean", "max")
        },
        errors=sum(detail.values()),
        error_detail=detail,
    )


def measure(server: Server, page: Page, args, workdir: Path, gunicorn: Gunicorn, seconds: int = 0) -> Measurement:
    check_first(server, page)
    seconds = seconds or args.duration
    print(f"  {page.name} ({page.connections} connections, {seconds} s)...", flush=True)
    offset = gunicorn.log_size()
    row = run_wrk(server, page, args, workdir, seconds)
    row.server_log = gunicorn.findings_since(offset)
    return row


def summarise(references: list[Measurement], key: str = "reference", name: str = "Reference page") -> Measurement:
    """One row for all the runs of a reference: their total rate and the median of their latencies."""
    seconds = sum(item.seconds for item in references)
    requests = sum(item.requests for item in references)
    rates = [item.requests_per_s for item in references]
    return Measurement(
        key=key,
        name=f"{name} ({len(references)} runs, {min(rates):g}-{max(rates):g} req/s)",
        path=references[0].path,
        connections=references[0].connections,
        requests=requests,
        seconds=round(seconds, 2),
        requests_per_s=round(requests / seconds, 1) if seconds else 0.0,
        p50_ms=round(statistics.median(item.p50_ms for item in references), 1),
        p90_ms=round(statistics.median(item.p90_ms for item in references), 1),
        p99_ms=round(statistics.median(item.p99_ms for item in references), 1),
        mean_ms=round(statistics.fmean(item.mean_ms for item in references), 1),
        max_ms=max(item.max_ms for item in references),
        errors=sum(item.errors for item in references),
        error_detail={},
        server_log={
            name: sum(item.server_log.get(name, 0) for item in references) for name in references[0].server_log
        },
        ratio=1.0,
    )


def combined(parts: list[Measurement]) -> Measurement:
    """One row for a page measured in slices (see share_of_reference for its ratio)."""
    first = parts[0]
    answered = [part for part in parts if part.requests] or [first]  # a slice may end before any answer
    row = summarise(answered, first.key, first.name) if len(answered) > 1 else replace(answered[0])
    row.requests = sum(part.requests for part in parts)
    row.seconds = round(sum(part.seconds for part in parts), 2)
    row.requests_per_s = round(row.requests / row.seconds, 1) if row.seconds else 0.0
    row.ratio = None
    row.errors = sum(part.errors for part in parts)
    row.error_detail = {name: sum(part.error_detail.get(name, 0) for part in parts) for name in first.error_detail}
    row.ran_out = any(part.ran_out for part in parts)
    row.parts = parts
    return row


def share_of_reference(parts: list[Measurement], around: list[Measurement]) -> float | None:
    """The page's requests as a share of what the reference page served in the same seconds: each
    slice's seconds at the mean rate of the reference runs just before and after it."""
    expected = sum(
        part.seconds * (before.requests_per_s + after.requests_per_s) / 2
        for part, before, after in zip(parts, around[:-1], around[1:], strict=True)
    )
    requests = sum(part.requests for part in parts)
    return round(requests / expected, 2) if expected and requests else None


def submitted_attempt_ids(app: Flask, attempt_ids: list[int]) -> set[int]:
    with app.app_context():
        submitted: set[int] = set()
        for first in range(0, len(attempt_ids), 500):
            chunk = attempt_ids[first : first + 500]
            submitted.update(
                db.session.scalars(select(Attempt.id).where(Attempt.id.in_(chunk), Attempt.submitted_at.is_not(None)))
            )
        db.session.remove()
    return submitted


def graded_attempts(app: Flask, attempt_ids: list[int]) -> int:
    return len(submitted_attempt_ids(app, attempt_ids))


def unsent_lines(app: Flask, page: Page, attempts: list[OpenAttempt]) -> list[str]:
    """The lines of the submissions page (one per attempt, in order) whose attempt is still open: a
    slice graded the others."""
    submitted = submitted_attempt_ids(app, [item.attempt_id for item in attempts])
    return [text for item, text in zip(attempts, page.lines, strict=True) if item.attempt_id not in submitted]


def clean_up(app: Flask, generated_attempts: int) -> None:
    """Remove the attempts opened after generation and every sign-in record (the benchmark's own)."""
    with app.app_context():
        try:
            added = select(Attempt.id).where(Attempt.id > generated_attempts)
            db.session.execute(delete(AttemptAnswer).where(AttemptAnswer.attempt_id.in_(added)))
            db.session.execute(delete(AttemptQuestion).where(AttemptQuestion.attempt_id.in_(added)))
            db.session.execute(delete(Attempt).where(Attempt.id > generated_attempts))
            db.session.execute(delete(AuthSession))
            db.session.commit()
        finally:
            db.session.remove()


def log_findings(text: str) -> dict:
    """What gunicorn's log says went wrong: each error is counted once, not once per chained exception."""
    lines = text.splitlines()
    return {
        # "sqlite3.OperationalError: ..." is the cause SQLAlchemy's own line repeats.
        "database_is_locked": sum(
            1 for text in lines if "database is locked" in text and not text.startswith("sqlite3.")
        ),
        "exceptions": sum(1 for text in lines if "ERROR in app: Exception on" in text),
        "worker_timeouts": sum(1 for text in lines if "WORKER TIMEOUT" in text),
    }


# --- Goals ------------------------------------------------------------------------------------


def judge(
    rows: dict[str, Measurement], reference: Measurement, submission: dict, dialect: str, people: int
) -> list[dict]:
    """The issue's goals for the pages measured, each PASS or MISS; marks the rows as well."""
    goals = []

    def goal(row: Measurement, text: str, value, ok: bool) -> None:
        verdict = report.verdict(ok)
        goals.append({"page": row.name, "goal": text, "value": value, "result": verdict})
        row.goal = f"{row.goal}; {text}" if row.goal else text
        row.result = "MISS" if "MISS" in (row.result, verdict) else verdict

    ratio = reference.ratio_hello
    goal(
        reference,
        f">= {REFERENCE_TO_HELLO_GOAL:g} of hello",
        ratio,
        ratio is not None and ratio >= REFERENCE_TO_HELLO_GOAL,
    )
    for key, share in RATIO_GOALS.items():
        if row := rows.get(key):
            goal(row, f">= {share:g} of ref", row.ratio, row.ratio is not None and row.ratio >= share)
    if row := rows.get("submit"):
        goal(row, "no errors, each a new attempt", row.errors, row.errors == 0 and submission["not_new"] == 0)
        locked = row.server_log["database_is_locked"]
        goal(row, 'no "database is locked"', locked, locked == 0)
    limit = report.report_goal_ms(dialect, people)
    if limit is not None and (row := rows.get("report")):
        goal(row, f"p50 < {limit} ms", row.p50_ms, (row.p50_ms or math.inf) < limit)
    return goals


# --- Main -------------------------------------------------------------------------------------


def sign_in_all(server: Server, accounts: list[tuple[int, str]]) -> list[Browser]:
    with ThreadPoolExecutor(SIGN_IN_THREADS) as pool:
        return list(
            pool.map(lambda account: server.sign_in(account[0], account[1], generate.LEARNER_PASSWORD), accounts)
        )


def run(args) -> dict:
    url = args.database_url or generate.default_url(args.people)
    dataset = generate.prepare(url, args.people, args.seed, args.regenerate)
    now = datetime.now().astimezone()
    stamp = now.strftime("%Y-%m-%dT%H%M%S")
    report.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    log_path = report.RESULTS_DIR / f"pages-{stamp}-gunicorn.log"
    storage = rate_limit_storage()
    selected = set(args.pages)
    with (
        tempfile.TemporaryDirectory(prefix="portal-bench-") as instance,
        tempfile.TemporaryDirectory(prefix="portal-bench-wrk-") as scratch,
    ):
        workdir = Path(scratch)
        app = report.build_app(url, instance)
        gunicorn = hello_server = None
        hellos: list[Measurement] = []
        attempts: list[OpenAttempt] = []
        rows: dict[str, Measurement] = {}
        references: list[Measurement] = []
        #: The reference runs around each slice of a page, in order (one more than its slices).
        reference_around: dict[str, list[Measurement]] = {}
        graded = 0
        try:
            with app.app_context():
                dialect = db.engine.dialect.name
            # A run that stopped half-way left attempts behind; start from the generated data.
            clean_up(app, dataset["rows"]["attempt"])
            targets = report.pick_targets(app)
            modules = curriculum(app)
            accounts = learner_accounts(app)
            if not modules or not accounts:
                raise generate.BenchError(
                    "the database has no quiz or no learner who completed the path: regenerate it"
                )
            info = report.machine(url, app)

            print(f"Starting gunicorn ({WORKERS} workers), rate-limit storage {storage}...", flush=True)
            gunicorn = Gunicorn(url, instance, log_path, storage)
            gunicorn.wait_until_ready()
            server = Server(gunicorn.port, app.config["SESSION_COOKIE_NAME"])
            # The second reference: a bare Flask app under the same gunicorn settings, idle while the
            # portal is measured and measured around the whole run.
            hello_server = Gunicorn(url, instance, log_path.with_name(log_path.stem + "-hello.log"), storage, HELLO_APP)
            hello_server.wait_until_ready()
            hello = Server(hello_server.port, "session")
            hello_page = Page("hello", "Bare Flask hello (bench/hello.py)", [line("GET", "/")], args.connections)

            started = time.perf_counter()
            hr = server.sign_in(1, generate.HR_EMAIL, generate.HR_PASSWORD)
            learners = sign_in_all(server, accounts[:READING_LEARNERS])
            print(f"Signed in HR and {len(learners)} learners in {time.perf_counter() - started:.1f} s.", flush=True)

            reference = Page(
                "reference",
                "Reference page (trivial template)",
                [line("GET", report.REFERENCE_PATH, browser) for browser in learners],
                args.connections,
            )
            check_first(server, reference)
            run_wrk(server, reference, args, workdir, duration=args.warmup)  # both workers warm
            run_wrk(hello, hello_page, args, workdir, duration=args.warmup)
            if {"quiz", "submit"} & selected:
                attempts = open_attempts(app, learners, modules, args.seed)
            print("Measuring:", flush=True)
            reference_seconds = max(1, args.duration // 2)
            slices = max(1, min(args.slices, args.duration))
            slice_seconds = max(1, args.duration // slices)
            slice_reference_seconds = max(1, slice_seconds // 2)
            hellos.append(measure(hello, hello_page, args, workdir, hello_server, reference_seconds))
            pages = {page.key: page for page in measured_pages(learners, hr, modules, attempts, targets, args)}
            for key in (key for key in PAGE_KEYS if key in selected):
                if key == "submit":
                    if not references:
                        references.append(measure(server, reference, args, workdir, gunicorn, reference_seconds))
                    # Enough attempts for submissions as fast as the reference page, for the whole run.
                    wanted = math.ceil(references[-1].requests_per_s * args.duration * ATTEMPT_STOCK_MARGIN)
                    people_needed = min(len(accounts), math.ceil(wanted / len(modules)))
                    started = time.perf_counter()
                    more = sign_in_all(server, accounts[len(learners) : people_needed])
                    attempts += open_attempts(app, more, modules, args.seed)
                    print(
                        f"  (opened {len(attempts)} quiz attempts for {len(learners) + len(more)} learners, "
                        f"{time.perf_counter() - started:.1f} s)",
                        flush=True,
                    )
                    pages = {page.key: page for page in measured_pages(learners, hr, modules, attempts, targets, args)}
                # The machine's other load drifts within seconds on a shared host: the page runs in
                # slices, each between two short runs of the reference page, and is compared with
                # those runs alone.
                around, parts = [], []
                page = pages[key]
                for _ in range(slices):
                    around.append(measure(server, reference, args, workdir, gunicorn, slice_reference_seconds))
                    parts.append(measure(server, page, args, workdir, gunicorn, slice_seconds))
                    if page.mode == "once":  # the next slice sends only the attempts still open
                        page = replace(page, lines=unsent_lines(app, pages[key], attempts))
                        if not page.lines:
                            break
                around.append(measure(server, reference, args, workdir, gunicorn, slice_reference_seconds))
                references.extend(around)
                reference_around[key] = around
                rows[key] = combined(parts)
            hellos.append(measure(hello, hello_page, args, workdir, hello_server, reference_seconds))
            gunicorn.stop()
            graded = graded_attempts(app, [item.attempt_id for item in attempts])
        finally:
            for started_server in (gunicorn, hello_server):
                if started_server is not None:
                    started_server.stop()
            clean_up(app, dataset["rows"]["attempt"])
            with app.app_context():
                db.session.remove()
                db.engine.dispose()

    submission = {"prepared": len(attempts), "graded": graded, "not_new": 0}
    if row := rows.get("submit"):
        # Requests still in flight when wrk stops are graded but not counted, so graded may be higher.
        submission["not_new"] = max(0, row.requests - graded)
        if submission["not_new"]:
            row.error_detail["not_a_new_attempt"] = submission["not_new"]
            row.errors += submission["not_new"]
    for key, row in rows.items():
        row.ratio = share_of_reference(row.parts, reference_around[key])
    reference_row = summarise(references)
    hello_row = summarise(hellos, "hello", "Bare Flask hello")
    hello_rate = statistics.fmean(item.requests_per_s for item in hellos)
    for row in (reference_row, *rows.values()):
        row.ratio_hello = round(row.requests_per_s / hello_rate, 3) if hello_rate and row.requests else None
    hello_row.ratio_hello = 1.0
    hello_row.ratio = round(hello_rate / reference_row.requests_per_s, 1) if reference_row.requests_per_s else None
    goals = judge(rows, reference_row, submission, dialect, targets.people)

    path = report.RESULTS_DIR / f"pages-{stamp}.json"
    result = {
        "date": now.isoformat(timespec="seconds"),
        "machine": {**info, "load_average_end": [round(value, 2) for value in os.getloadavg()]},
        "settings": {
            "people": args.people,
            "seed": args.seed,
            "database": dialect,
            "pages": [key for key in PAGE_KEYS if key in selected],
            "duration_s": args.duration,
            "connections": args.connections,
            "hr_connections": min(args.hr_connections, args.connections),
            "wrk_threads": args.threads,
            "wrk_timeout_s": args.timeout,
            "gunicorn_workers": WORKERS,
            "rate_limit_storage": storage,
            "wrk": subprocess.run([args.wrk, "--version"], capture_output=True, text=True).stdout.split(" [")[0],
        },
        "dataset": {
            "people": targets.people,
            "reused": dataset["reused"],
            "generated_on": dataset["generated_on"],
            "seconds": dataset["seconds"],
            "rows": dataset["rows"],
            "status_totals": targets.totals,
        },
        "pages": [asdict(item) for item in (hello_row, reference_row, *rows.values())],
        "reference_runs": [asdict(item) for item in references],
        "hello_runs": [asdict(item) for item in hellos],
        "submissions": submission,
        "gunicorn_log": {"file": _shown(log_path), **log_findings(log_path.read_text(encoding="utf-8"))},
        "goals": goals,
        "file": _shown(path),
    }
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return result


def _shown(path: Path) -> str:
    return str(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path)


def print_result(result: dict) -> None:
    info, settings = result["machine"], result["settings"]
    print()
    print(f"Portal de Inducción: page benchmark (gunicorn + wrk), {result['date']}")
    print(
        f"Machine: {info['cpus']} CPUs ({info['cpu_model'] or 'unknown model'}), Python {info['python']}, "
        f"SQLite {info['sqlite']}" + (f", PostgreSQL {info['postgresql']}" if "postgresql" in info else "")
    )
    load = info["load_average_end"]
    print(
        "Load average at the end (1, 5, 15 min): "
        + ", ".join(map(str, load))
        + (" - other work on the machine inflates these figures." if load[0] >= (info["cpus"] or 1) else ".")
    )
    print(f"Database: {info['database']}, {result['dataset']['people']} people")
    print(
        f"Server: gunicorn, {settings['gunicorn_workers']} sync workers, rate-limit storage "
        f"{settings['rate_limit_storage']}. Load: {settings['wrk']}, {settings['duration_s']:g} s per page, "
        f"{settings['connections']} connections ({settings['hr_connections']} for HR's pages)."
    )
    print()
    print(
        report.table(
            [
                "Page",
                "Conns",
                "Requests",
                "Req/s",
                "p50 ms",
                "p99 ms",
                "Errors",
                "vs ref",
                "vs hello",
                "Goal",
                "Result",
            ],
            [
                [
                    item["name"],
                    item["connections"],
                    item["requests"],
                    item["requests_per_s"],
                    item["p50_ms"],
                    item["p99_ms"],
                    item["errors"],
                    item["ratio"],
                    item["ratio_hello"],
                    item["goal"] or None,
                    item["result"] or None,
                ]
                for item in result["pages"]
            ],
        )
    )
    print()
    submission, log = result["submissions"], result["gunicorn_log"]
    print(
        f"Quiz submissions: {submission['prepared']} attempts prepared, {submission['graded']} graded by the run"
        + (f", {submission['not_new']} requests did not grade a new attempt." if submission["not_new"] else ".")
    )
    for item in result["pages"]:
        if item["ran_out"]:
            print(f"{item['name']}: the prepared attempts ran out after {item['seconds']} s, measured over that time.")
    print(
        f'gunicorn log: {log["database_is_locked"]} "database is locked", {log["exceptions"]} exceptions, '
        f"{log['worker_timeouts']} worker timeouts ({log['file']})."
    )
    for item in result["pages"]:
        if not item["requests"]:
            print(
                f"No request for {item['name']} finished within {settings['duration_s']} s: measure it alone "
                f"for longer, e.g. --pages {item['key']} --duration 60."
            )
        found = {name: count for name, count in item["error_detail"].items() if count}
        found.update({f"logged {name}": count for name, count in item["server_log"].items() if count})
        if found:
            print(f"Errors on {item['name']}: " + ", ".join(f"{name} {count}" for name, count in found.items()))
    print(
        "vs ref: requests/s as a share of the reference page's in the runs just before and after the page "
        "(for the hello: how many times the reference page's). vs hello: as a share of the bare Flask hello's "
        "mean over its runs. With every connection busy, latency is about connections / (requests/s): mostly "
        "waiting for a worker."
    )
    if (settings["database"], result["dataset"]["people"], settings["connections"]) != ("sqlite", 10_000, 32):
        print(
            "The issue sets the learner-page and submission goals for SQLite, 10,000 people and 32 connections: "
            "in this run they are indicative."
        )
    misses = [goal for goal in result["goals"] if goal["result"] == "MISS"]
    print(f"Goals: {len(result['goals']) - len(misses)} of {len(result['goals'])} met.")
    for goal in misses:
        print(f"  MISS {goal['page']}: {goal['goal']} (measured {goal['value']})")
    print(f"Written: {result['file']}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    # wrk takes whole seconds.
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page (default 10)")
    parser.add_argument("--connections", type=int, default=32, help="open connections (default 32)")
    parser.add_argument(
        "--hr-connections", type=int, default=1, help="connections for HR's pages (default 1: one HR person)"
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="wrk threads (default 1, to leave the cores to the server)"
    )
    parser.add_argument("--timeout", type=int, default=30, help="wrk's per-request timeout in seconds (default 30)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of load before measuring (default 2)")
    parser.add_argument(
        "--slices",
        type=int,
        default=5,
        help="each page runs in this many slices of --duration, each between two short runs of the "
        "reference page (default 5)",
    )
    parser.add_argument("--wrk", default=shutil.which("wrk") or "wrk", help="the wrk program (default: from PATH)")
    parser.add_argument(
        "--pages",
        type=_page_list,
        default=list(PAGE_KEYS),
        metavar="KEY,...",
        help="measure only these pages (the reference page always runs): " + ", ".join(PAGE_KEYS),
    )


def _page_list(value: str) -> list[str]:
    keys = [key.strip() for key in value.split(",") if key.strip()]
    unknown = sorted(set(keys) - set(PAGE_KEYS))
    if unknown or not keys:
        raise argparse.ArgumentTypeError(
            f"unknown page {', '.join(unknown) or '(none)'}; known: {', '.join(PAGE_KEYS)}"
        )
    return keys


def check_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.people < 1 or args.connections < 1 or args.hr_connections < 1 or args.threads < 1:
        parser.error("--people, --connections, --hr-connections and --threads must be at least 1")
    if args.duration <= 0 or args.timeout <= 0 or args.warmup <= 0 or args.slices <= 0:
        parser.error("--duration, --timeout, --warmup and --slices must be positive")
    if not shutil.which(args.wrk):
        parser.error(f"wrk not found ({args.wrk}): install it (apt-get install wrk) or pass --wrk PATH")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__.splitlines()[0])
    generate.add_dataset_arguments(parser)
    add_arguments(parser)
    args = parser.parse_args(argv)
    check_arguments(parser, args)
    return generate.exit_status(lambda: print_result(run(args)))


if __name__ == "__main__":
    sys.exit(main())
