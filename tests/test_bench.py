"""The benchmarks keep working: a small generated database, and a one-second page run under gunicorn + wrk."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
from datetime import date, timedelta

import pytest

from bench import generate, jobs, pages, profile, report
from portal.config import Defaults
from portal.vocabulary import EMPLOYMENT_TYPES

PEOPLE = 50
SEED = 7
#: What the seeded generator decides (password hashes are salted, the audit marker holds timings).
GENERATED = {
    "user_account": "id, rut, full_name, email, department_id, employment_type, start_date, due_date, created_at",
    "lesson_view": "*",
    "attempt": "*",
    "attempt_question": "*",
    "attempt_answer": "*",
    "commitment": "id, user_id, signed_at, text_sha256",
    "certificate": "*",
}


def rows(path, table: str, columns: str = "*") -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute(f"SELECT {columns} FROM {table} ORDER BY 1, 2").fetchall()


@pytest.fixture(scope="module")
def bench_database(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "bench-50.sqlite3"
    summary = generate.generate(f"sqlite:///{path}", PEOPLE, seed=SEED)
    return path, summary


def test_generated_people_are_spread_like_a_municipality(bench_database):
    path, summary = bench_database
    with sqlite3.connect(path) as connection:
        counts = {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in summary["rows"]}
        departments = connection.execute("SELECT count(*) FROM department").fetchone()[0]
        people = connection.execute("SELECT employment_type, start_date, due_date FROM user_account").fetchall()
    assert counts == summary["rows"]
    assert counts["user_account"] == PEOPLE
    assert departments == len(generate.DEPARTMENTS) == 40
    assert {kind for kind, _start, _due in people} <= set(EMPLOYMENT_TYPES)
    for _kind, start, due in people:
        start, due = date.fromisoformat(start), date.fromisoformat(due)
        assert date.today() - timedelta(days=generate.HISTORY_DAYS) <= start <= date.today()
        assert due - start == timedelta(days=Defaults.ONBOARDING_DAYS)
    # Several attempts per person who got that far, some failed, and completed people are certified.
    assert counts["attempt"] > PEOPLE and 0 < counts["commitment"] == counts["certificate"] < PEOPLE
    with sqlite3.connect(path) as connection:
        passed = connection.execute("SELECT avg(passed) FROM attempt WHERE submitted_at IS NOT NULL").fetchone()[0]
    assert 0.5 < passed < 0.95


def test_same_seed_builds_the_same_people_and_reuses_the_database(bench_database, tmp_path):
    path, _summary = bench_database
    again = tmp_path / "bench-again.sqlite3"
    generate.generate(f"sqlite:///{again}", PEOPLE, seed=SEED)
    for table, columns in GENERATED.items():
        assert rows(again, table, columns) == rows(path, table, columns), table
    other = tmp_path / "bench-other.sqlite3"
    generate.generate(f"sqlite:///{other}", PEOPLE, seed=SEED + 1)
    columns = GENERATED["user_account"]
    assert rows(other, "user_account", columns) != rows(path, "user_account", columns)

    assert generate.prepare(f"sqlite:///{again}", PEOPLE, SEED)["reused"] is True


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///instance/portal.sqlite3",
        "postgresql+psycopg://postgres@127.0.0.1:5432/portal",
        "postgresql+psycopg://postgres@db.example.cl:5432/portal_bench",
    ],
)
def test_the_benchmark_refuses_databases_it_must_not_wipe(url):
    with pytest.raises(generate.BenchError):
        generate.check_target(url)


def test_pages_benchmark_runs_for_a_second(bench_database, tmp_path, monkeypatch, capsys):
    if not shutil.which("wrk"):
        if os.environ.get("CI"):
            pytest.fail("wrk is missing: CI must install it (apt-get install wrk), see .ci/run")
        pytest.skip("wrk is not installed (apt-get install wrk); the page benchmark's smoke test is skipped")
    path, _summary = bench_database
    monkeypatch.setattr(report, "RESULTS_DIR", tmp_path)
    code = pages.main(
        [
            "--database-url",
            f"sqlite:///{path}",
            "--people",
            str(PEOPLE),
            "--seed",
            str(SEED),
            "--duration",
            "2",
            "--slices",
            "2",
            "--warmup",
            "1",
            "--connections",
            "4",
            "--pages",
            "dashboard,submit",
        ]
    )
    assert code == 0, capsys.readouterr().err
    (written,) = tmp_path.glob("pages-*.json")
    result = json.loads(written.read_text(encoding="utf-8"))
    measured = {row["key"]: row for row in result["pages"]}
    assert set(measured) == {"hello", "reference", "dashboard", "submit"}
    for row in measured.values():
        assert row["requests"] > 0 and row["errors"] == 0, row
        assert row["ratio"] > 0 and row["ratio_hello"] > 0, row  # every page next to both references
    assert len(result["hello_runs"]) == 2
    # Each page ran in slices between runs of the reference page; a later slice of submissions sent
    # only attempts still open (not_new below counts any sent twice).
    assert len(measured["dashboard"]["parts"]) == 2
    assert 1 <= len(measured["submit"]["parts"]) <= 2
    assert len(result["reference_runs"]) == len(measured["dashboard"]["parts"]) + len(measured["submit"]["parts"]) + 2
    judged = {(goal["page"].split(" (")[0], goal["goal"]) for goal in result["goals"]}
    assert ("Reference page", ">= 0.15 of hello") in judged
    assert {"Learner dashboard", "Quiz submission"} <= {page.split(" (")[0] for page, _goal in judged}
    assert all(goal["result"] in ("PASS", "MISS") for goal in result["goals"])
    assert result["submissions"]["graded"] >= measured["submit"]["requests"]
    assert result["submissions"]["not_new"] == 0
    assert result["gunicorn_log"]["exceptions"] == 0
    # The benchmark leaves the database as it found it.
    assert len(rows(path, "attempt")) == _summary["rows"]["attempt"]
    assert rows(path, "auth_session") == []


def test_report_benchmark_measures_the_immediate_exports_whatever_the_job_threshold(
    bench_database, tmp_path, monkeypatch, capsys
):
    """bench.report times the downloads a request makes; a list over EXPORT_JOB_ROWS must not turn
    its Excel export into the job's button (what broke `make bench` at 10,000 people once)."""
    from portal.config import Defaults

    monkeypatch.setattr(Defaults, "EXPORT_JOB_ROWS", 3)
    monkeypatch.setattr(report, "RESULTS_DIR", tmp_path)
    path, _summary = bench_database
    code = report.main(
        ["--database-url", f"sqlite:///{path}", "--people", str(PEOPLE), "--seed", str(SEED)]
        + ["--requests", "3", "--export-runs", "1"]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    (written,) = tmp_path.glob("report-*.json")
    exports = {row["name"]: row for row in json.loads(written.read_text(encoding="utf-8"))["exports"]}
    assert exports["XLSX export, everyone"]["rows"] >= PEOPLE


@pytest.mark.parametrize("page", ["dashboard", "submit"])
def test_profile_shows_where_a_page_spends_its_time(bench_database, page, capsys):
    path, summary = bench_database
    code = profile.main(
        [page, "--requests", "6", "--database-url", f"sqlite:///{path}", "--people", str(PEOPLE), "--seed", str(SEED)]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"{page}: 6 requests" in out and "SQL statements and" in out and "Python function calls each" in out
    shown = "portal/learning/views.py" if page == "dashboard" else "portal/quizzes/views.py"
    assert shown in out  # the call tree reaches the portal's own view
    # Submissions opened their own attempts and removed them afterwards.
    assert len(rows(path, "attempt")) == summary["rows"]["attempt"]


def test_jobs_benchmark_runs_both_jobs_and_checks_their_files(bench_database, capsys):
    path, _summary = bench_database
    certificates = rows(path, "certificate")
    code = jobs.main(
        ["--people", str(PEOPLE), "--seed", str(SEED), "--database-url", f"sqlite:///{path}", "--zip-people", "3"]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    with sqlite3.connect(path) as connection:
        active = connection.execute("SELECT count(*) FROM user_account WHERE active").fetchone()[0]
    # Every active person is a row of the workbook; the ZIP holds one PDF per certified person.
    assert re.search(rf"xlsx_export\s+done\s+{active} entries", out), out
    assert re.search(r"certificates_zip\s+done\s+3 entries", out), out
    for line in [line for line in out.splitlines() if " done " in line]:
        assert re.search(r"\d+\.\d\d s \(goal < 30 s: (PASS|MISS); \d+\.\d\d s of CPU\)", line)
        assert re.search(r"peak RSS [\d.]+ MB.*\(goal < 150 MB: (PASS|MISS)\)", line)
    # The source database is left as it was: only a copy gets the extra certificates.
    assert rows(path, "certificate") == certificates
