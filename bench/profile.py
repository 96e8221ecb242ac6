"""Where a page's time goes, in-process: pyinstrument over N requests of one page on a generated database.

Usage: python -m bench.profile PAGE [--requests 200] [--people 10000] [--database-url URL] [--html FILE]
       PAGE is one of: hello, reference, dashboard, lesson, quiz, submit, report, person

A Flask test client signs in (a learner who completed the path, or HR for HR's pages) and sends the
page's request N times after a few warm-up requests, all under one pyinstrument session; the call tree
it prints adds up the time of every request. Before it, one line per page: mean wall time per request
(with the profiler off) and the SQL statements each request ran. "submit" posts a valid answer set to
a new attempt each time (opened beforehand with the portal's start_attempt(), removed afterwards);
"hello" is a bare Flask app with the same server-side nothing: the floor of any request.

The numbers are for comparing a change with what came before, on the same machine and data: no server,
no network, one process. bench.pages measures the pages under gunicorn.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from types import SimpleNamespace

from flask import Flask
from sqlalchemy import event

from bench import generate, pages, report
from portal.extensions import db

PAGE_CHOICES = ("hello", "reference", "dashboard", "lesson", "quiz", "submit", "report", "person")
WARMUPS = 5
#: Library code shown in the call tree (the rest is folded into its caller): where a request's fixed
#: cost goes (translations, sign-in, throttling, CSRF, sessions) and the database layer.
SHOWN_FRAMES = (
    r"portal/|bench/|flask_babel|flask_login|flask_limiter|flask_wtf|babel/support"
    r"|sqlalchemy/orm/(session|loading|query)"
)


def hello_app() -> Flask:
    """A bare Flask app answering "hello": what a request costs before the portal does anything."""
    app = Flask("bench_hello")
    app.add_url_rule("/", "hello", lambda: "hello")
    return app


def sign_in(client, login: str, password: str) -> None:
    response = client.post("/login", data={"login": login, "password": password})
    if response.status_code != 302 or "/login" in response.headers.get("Location", ""):
        raise generate.BenchError(f"signing in as {login} failed (HTTP {response.status_code})")


class Requests:
    """The page's requests, one per call, round and round; "submit" opens new attempts as it goes."""

    def __init__(self, page: str, app: Flask, client):
        self.page, self.app, self.status = page, app, 200
        self.requests: list[tuple[str, str, str | None]] = []
        self.position = 0
        if page in ("report", "person"):
            report.sign_in(client)
            if page == "report":
                self.requests = [("GET", "/rrhh/", None)]
            else:
                ids = report.pick_targets(app).person_ids
                self.requests = [("GET", f"/rrhh/personas/{person_id}", None) for person_id in ids]
            return
        accounts = pages.learner_accounts(app)
        if not accounts:
            raise generate.BenchError("the database has no learner who completed the path: regenerate it")
        self.user_id, rut = accounts[len(accounts) // 2]
        sign_in(client, rut, generate.LEARNER_PASSWORD)
        if page == "reference":
            self.requests = [("GET", report.REFERENCE_PATH, None)]
        elif page == "dashboard":
            self.requests = [("GET", "/", None)]
        else:
            self.modules = pages.curriculum(app)
            if page == "lesson":
                self.requests = [("GET", f"/modulos/{module.slug}/lecciones/1", None) for module in self.modules]
            elif page == "quiz":
                self.requests = [("GET", f"/modulos/{item.slug}/quiz", None) for item in self._open()]
            else:  # submit: a valid answer set for a new attempt each time, redirected to its result
                self.status = 302

    def _open(self) -> list[pages.OpenAttempt]:
        # start_attempt() allows one open attempt per person and quiz: a round opens one per quiz.
        browser = pages.Browser(self.user_id, "", "")
        return pages.open_attempts(self.app, [browser], self.modules, seed=generate.DEFAULT_SEED + self.position)

    def prepare(self) -> tuple[str, str, str | None]:
        """The next request, after any untimed preparation it needs."""
        if self.page == "submit":
            if self.position >= len(self.requests):
                self.requests = [
                    ("POST", f"/modulos/{item.slug}/quiz/intentos/{item.attempt_id}", item.body)
                    for item in self._open()
                ]
                self.position = 0
            item = self.requests[self.position]
        else:
            item = self.requests[self.position % len(self.requests)]
        self.position += 1
        return item


def send(client, method: str, path: str, body: str | None, status: int) -> None:
    if method == "GET":
        response = client.get(path)
    else:
        response = client.post(path, data=body, content_type="application/x-www-form-urlencoded")
    response.get_data()
    response.close()
    if response.status_code != status:
        raise generate.BenchError(f"{method} {path} answered HTTP {response.status_code}, not {status}")


class QueryCounter:
    def __init__(self, app: Flask):
        self.count = 0
        with app.app_context():
            self.engine = db.engine
        event.listen(self.engine, "before_cursor_execute", self._count)

    def _count(self, *_args) -> None:
        self.count += 1

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)


def play(client, requests, count: int, profiler=None, counter: QueryCounter | None = None) -> tuple[float, float, int]:
    """Send `count` requests; (seconds spent in them, CPU seconds of this process, SQL statements they ran)."""
    elapsed, cpu, queries = 0.0, 0.0, 0
    for _ in range(count):
        item = requests.prepare()
        before = counter.count if counter else 0
        if profiler is not None:
            profiler.start()
        begin, begin_cpu = time.perf_counter(), time.process_time()
        send(client, *item, requests.status)
        elapsed += time.perf_counter() - begin
        cpu += time.process_time() - begin_cpu
        if profiler is not None:
            profiler.stop()
        queries += (counter.count - before) if counter else 0
    return elapsed, cpu, queries


def count_calls(client, requests, count: int) -> int:
    """Python function calls of `count` requests: the same on a busy machine as on an idle one, so a
    change can be judged while other work skews the timings."""
    tracer = cProfile.Profile()
    for _ in range(count):
        item = requests.prepare()
        tracer.enable()
        send(client, *item, requests.status)
        tracer.disable()
    return pstats.Stats(tracer).total_calls


def run(args) -> None:
    from pyinstrument import Profiler

    instance = tempfile.TemporaryDirectory(prefix="portal-bench-")
    counter = dataset = None
    if args.page == "hello":
        app = hello_app()
        client = app.test_client()
        requests = SimpleNamespace(status=200, prepare=lambda: ("GET", "/", None))
    else:
        url = args.database_url or generate.default_url(args.people)
        dataset = generate.prepare(url, args.people, args.seed, False)
        app = report.build_app(url, instance.name)
        pages.clean_up(app, dataset["rows"]["attempt"])
        client = app.test_client()
        requests = Requests(args.page, app, client)
        counter = QueryCounter(app)
    profiler = Profiler(interval=args.interval)
    try:
        play(client, requests, WARMUPS, counter=counter)
        # Timed with the profiler off, so the mean is not inflated by sampling; then profiled.
        elapsed, cpu, queries = play(client, requests, args.requests, counter=counter)
        play(client, requests, args.requests, profiler=profiler)
        calls = count_calls(client, requests, args.requests)
    finally:
        if counter is not None:
            counter.close()
            pages.clean_up(app, dataset["rows"]["attempt"])
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        instance.cleanup()

    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(
        f"{args.page}: {args.requests} requests, {elapsed / args.requests * 1000:.2f} ms each (mean, profiler off; "
        f"CPU {cpu / args.requests * 1000:.2f} ms), {queries / args.requests:g} SQL statements and "
        f"{calls / args.requests:,.0f} Python function calls each; load average {load}"
    )
    if args.html:
        with open(args.html, "w", encoding="utf-8") as output:
            output.write(profiler.output_html())
        print(f"Written: {args.html}")
    # Library frames are hidden except those where a request's fixed cost lives.
    options = {"show_regex": SHOWN_FRAMES, "filter_threshold": args.threshold / 100}
    print(profiler.output_text(unicode=True, time="percent_of_total", processor_options=options))
    print("Self time by function, every frame, in ms per request (top 30):")
    flat = profiler.output_text(unicode=True, flat=True, show_all=True, time="seconds")
    shown = 0
    for line in flat.splitlines():
        seconds, _, frame = line.partition(" ")
        ours = "pyinstrument" in frame or "bench/profile.py" in frame  # the profiler's and this loop's own
        if shown < 30 and seconds.replace(".", "", 1).isdigit() and not ours:
            print(f"{float(seconds) / args.requests * 1000:7.3f}  {frame}")
            shown += 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.splitlines()[0])
    parser.add_argument("page", choices=PAGE_CHOICES)
    parser.add_argument("--requests", type=int, default=200, help="profiled requests (default 200)")
    parser.add_argument("--interval", type=float, default=0.0005, help="sampling interval in s (default 0.0005)")
    parser.add_argument("--threshold", type=float, default=1.0, help="hide calls under this %% of the time (default 1)")
    parser.add_argument("--html", help="also write pyinstrument's HTML view to this file")
    generate.add_dataset_arguments(parser)
    args = parser.parse_args(argv)
    if args.requests < 1:
        parser.error("--requests must be at least 1")
    return generate.exit_status(lambda: run(args))


if __name__ == "__main__":
    sys.exit(main())
