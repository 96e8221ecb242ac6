"""Benchmark of HR's long jobs: the Excel export and the certificates' ZIP of everyone, through the job code.

Usage: python -m bench.jobs [--people 10000] [--database-url URL] [--seed N]

1. Builds (or reuses) the generated database (bench/generate.py); for the ZIP, a copy of it in which
   everyone who had not signed yet signs the commitment and gets a certificate, so that the ZIP holds
   one certificate per person (the generator certifies only those who finished).
2. Runs each job in a child process of its own, exactly as the queue does (start_job in a transaction,
   commit; the queue runs in immediate mode here, so the commit runs the job's real code), timing
   from the commit to the job's end and reading the child's peak resident memory (VmHWM, which
   includes the interpreter and the app: what the consumer process really needs).
3. Checks the file (every person is in it), prints time and peak memory beside the goals with PASS or MISS.

SQLite only (it copies the file); nothing listens on a port.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import delete, func, select
from sqlalchemy.engine import make_url

from bench import generate

SECONDS_GOAL = 30.0
PEAK_GOAL_MB = 150
KINDS = ("xlsx_export", "certificates_zip")
INSTITUTION = "Municipalidad de Referencia"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--zip-people",
        type=int,
        help="people with a certificate in the ZIP (default: everyone, 10,000 with the default --people)",
    )
    parser.add_argument("--child", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--instance", help=argparse.SUPPRESS)


def _app(url: str, instance: str):
    from portal import create_app

    return create_app({**generate.bench_config(url), "QUEUE_IMMEDIATE": True}, instance_path=instance)


def certify(url: str, instance: str, wanted: int | None) -> int:
    """Leave exactly `wanted` people (None: everyone) with a certificate: the first ones without one sign
    the commitment and get it, or the extra certificates are removed. How many have one now."""
    from portal.extensions import db
    from portal.learning.service import commitment_text
    from portal.models import Commitment, User
    from portal.models.progress import Certificate
    from portal.models.types import utcnow

    app = _app(url, instance)
    with app.app_context():
        certified = list(db.session.scalars(select(Certificate.id).order_by(Certificate.id)))
        if wanted is not None and wanted <= len(certified):
            db.session.execute(delete(Certificate).where(Certificate.id.in_(certified[wanted:])))
            db.session.commit()
            return wanted
        unsigned = db.session.execute(
            select(User.id, User.full_name, User.rut)
            .where(~User.id.in_(select(Certificate.user_id)))
            .order_by(User.id)
            .limit(None if wanted is None else wanted - len(certified))
        ).all()
        next_id = (db.session.scalar(select(func.max(Commitment.id))) or 0) + 1
        now = utcnow()
        commitments, certificates = [], []
        for offset, (user_id, name, rut) in enumerate(unsigned):
            body = commitment_text(SimpleNamespace(full_name=name, rut=rut), INSTITUTION)
            row_id = next_id + offset
            commitments.append(
                {
                    "id": row_id,
                    "user_id": user_id,
                    "signed_at": now,
                    "signed_name": name,
                    "text": body,
                    "text_sha256": hashlib.sha256(body.encode("utf-8")).hexdigest(),
                }
            )
            certificates.append(
                {
                    "id": row_id,
                    "user_id": user_id,
                    "commitment_id": row_id,
                    "code": os.urandom(20).hex()[:32],
                    "issued_at": now,
                }
            )
        connection = db.session.connection()
        generate.write_rows(connection, Commitment.__table__, commitments)
        generate.write_rows(connection, Certificate.__table__, certificates)
        db.session.commit()
        return db.session.scalar(select(func.count(Certificate.id)))


def peak_rss_mb() -> float:
    """This process's peak resident memory, in MB.

    VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so a child started by a large parent
    would report the parent's peak; VmHWM belongs to the new program's memory alone.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def child(kind: str, url: str, instance: str) -> dict:
    """In the child process: run one job through the real job code; its figures as a dict."""
    from portal.extensions import db
    from portal.jobs import results_folder, start_job
    from portal.models import User
    from portal.models.outbox import Job
    from portal.reports.service import ReportFilters
    from portal.vocabulary import JobKind

    app = _app(url, instance)
    with app.app_context(), app.test_request_context():
        hr_id = db.session.scalar(select(User.id).where(User.email == generate.HR_EMAIL))
        before = peak_rss_mb()
        started, cpu_started = time.perf_counter(), time.process_time()
        job = start_job(JobKind(kind), hr_id, {"filters": ReportFilters().as_details()})
        db.session.commit()  # the queue (immediate here) runs the job now
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        db.session.expire_all()
        job = db.session.get(Job, job.id)
        path = results_folder() / job.result_file if job.result_file else None
        return {
            "kind": kind,
            "status": job.status,
            "summary": job.summary,
            "total": job.total,
            "seconds": round(seconds, 2),
            "cpu_seconds": round(cpu_seconds, 2),
            "rss_before_mb": before,
            "peak_rss_mb": peak_rss_mb(),
            "file": str(path) if path else None,
            "file_mb": round(path.stat().st_size / 2**20, 1) if path else None,
        }


def entries_in(result: dict) -> int:
    """What the file holds: data rows of the workbook, or files in the ZIP (read after the measurement)."""
    if not result["file"]:
        return 0
    if result["kind"] == "certificates_zip":
        with zipfile.ZipFile(result["file"]) as archive:
            return len(archive.namelist())
    from openpyxl import load_workbook

    workbook = load_workbook(result["file"], read_only=True)
    rows = sum(1 for _row in workbook.active.iter_rows(min_row=2, max_col=1, values_only=True))
    workbook.close()
    return rows


def run_child(kind: str, url: str, instance: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "bench.jobs", "--child", kind, "--database-url", url, "--instance", instance],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
        check=False,
    )
    if done.returncode != 0:
        raise generate.BenchError(f"the {kind} job's process failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(args) -> dict:
    url = args.database_url or generate.default_url(args.people)
    if make_url(url).get_backend_name() != "sqlite":
        raise generate.BenchError("bench.jobs copies the database file: it needs SQLite")
    generate.prepare(url, args.people, args.seed, getattr(args, "regenerate", False))
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-jobs-") as folder:
        copy = Path(folder) / "jobs.sqlite3"
        shutil.copyfile(make_url(url).database, copy)
        copy_url = f"sqlite:///{copy}"
        instance = str(Path(folder) / "instance")
        certified = certify(copy_url, instance, args.zip_people)
        for kind in KINDS:
            result = run_child(kind, copy_url, instance)
            result["entries"] = entries_in(result)
            results.append(result)
    return {"people": args.people, "certified": certified, "jobs": results, "load": _load()}


def _load() -> str:
    try:
        return Path("/proc/loadavg").read_text().strip()
    except OSError:
        return "unknown"


def print_result(result: dict) -> None:
    print(
        f"HR jobs, {result['people']} people ({result['certified']} with a certificate, for the ZIP); "
        f"load {result['load']}"
    )
    for job in result["jobs"]:
        seconds_ok = job["seconds"] < SECONDS_GOAL
        memory_ok = job["peak_rss_mb"] < PEAK_GOAL_MB
        print(
            f"  {job['kind']:<17} {job['status']:<8} {job['entries']:>6} entries, {job['file_mb']} MB file | "
            f"{job['seconds']:>6.2f} s (goal < {SECONDS_GOAL:.0f} s: {'PASS' if seconds_ok else 'MISS'}; "
            f"{job['cpu_seconds']:.2f} s of CPU) | "
            f"peak RSS {job['peak_rss_mb']} MB, {job['rss_before_mb']} MB before the job "
            f"(goal < {PEAK_GOAL_MB} MB: {'PASS' if memory_ok else 'MISS'})"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.jobs", description=__doc__.splitlines()[0])
    generate.add_dataset_arguments(parser)
    add_arguments(parser)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.database_url, args.instance)))
        return 0
    return generate.exit_status(lambda: print_result(run(args)))


if __name__ == "__main__":
    sys.exit(main())
