"""A 300 MB document upload, and the peak memory of the worker that receives it.

Usage: python -m bench.upload_memory [--megabytes 300] [--budget-mb 100]

Builds a one-person benchmark database (bench.generate) in a scratch folder, makes its person a
trainer, raises the attachment limit above the upload, and serves the portal from a separate process
(Werkzeug's server: one process, as a gunicorn worker is). The upload is sent as it is generated, in
1 MB chunks, so the sender holds no copy either. The worker's peak resident memory (VmHWM in
/proc/PID/status, reset just before the upload) is printed with its memory at rest; the exit status
is 1 when the upload raises the peak by the budget or more.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

CHUNK = 1024 * 1024


def serve(url: str, instance: str) -> None:
    """The child: serve the portal on a free loopback port and print the port."""
    from werkzeug.serving import make_server

    from bench.generate import bench_config
    from portal import create_app

    app = create_app(bench_config(url), instance_path=instance)
    server = make_server("127.0.0.1", 0, app, threaded=False)
    print(server.port, flush=True)
    server.serve_forever()


def prepare(url: str, instance: str, megabytes: int) -> None:
    from sqlalchemy import select

    from bench import generate
    from portal import create_app
    from portal.extensions import db
    from portal.models.user import User, UserRole
    from portal.settings import store
    from portal.vocabulary import TRAINER

    generate.generate(url, 1)
    app = create_app(generate.bench_config(url), instance_path=instance)
    with app.app_context():
        person = db.session.scalar(select(User).where(User.email == generate.HR_EMAIL))
        db.session.add(UserRole(user_id=person.id, role=TRAINER))
        store({"ATTACHMENT_MAX_MB": megabytes + 10})
        db.session.commit()


def peak_memory_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of process `pid`, in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        fields[name] = value.split()
    return int(fields["VmRSS"][0]) / 1024, int(fields["VmHWM"][0]) / 1024


def sign_in(port: int) -> str:
    from bench import generate

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = urllib.parse.urlencode({"login": generate.HR_EMAIL, "password": generate.HR_PASSWORD})
    connection.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"})
    response = connection.getresponse()
    response.read()
    if response.status != 302:
        raise SystemExit(f"signing in failed (HTTP {response.status})")
    return response.getheader("Set-Cookie").split(";", 1)[0]


def upload(port: int, cookie: str, megabytes: int) -> dict:
    boundary = "portal-bench-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="grande.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def body():
        yield head
        yield b"%PDF-1.7\n" + b"0" * (CHUNK - 9)
        for _ in range(megabytes - 1):
            yield b"0" * CHUNK
        yield tail

    length = len(head) + megabytes * CHUNK + len(tail)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    headers = {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Content-Length": str(length),
        "Accept": "application/json",
        "Cookie": cookie,
    }
    connection.request("POST", "/capacitacion/adjuntos", body(), headers)
    response = connection.getresponse()
    answer = response.read()
    if response.status != 200:
        raise SystemExit(f"upload refused (HTTP {response.status}): {answer[:300]!r}")
    return json.loads(answer)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.upload_memory", description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=300, help="size of the uploaded file (default 300)")
    parser.add_argument("--budget-mb", type=float, default=100, help="peak memory allowed to the worker")
    parser.add_argument("--serve", nargs=2, metavar=("URL", "INSTANCE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(*args.serve)
        return 0
    with tempfile.TemporaryDirectory(prefix="portal-upload-bench-") as scratch:
        url, instance = f"sqlite:///{scratch}/bench.sqlite3", f"{scratch}/instance"
        prepare(url, instance, args.megabytes)
        worker = subprocess.Popen(
            [sys.executable, "-m", "bench.upload_memory", "--serve", url, instance],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "TMPDIR": scratch},
        )
        try:
            port = int(worker.stdout.readline())
            cookie = sign_in(port)
            before, peak_before = peak_memory_mb(worker.pid)
            # Start the peak afresh: building the app and the first requests peak on their own.
            Path(f"/proc/{worker.pid}/clear_refs").write_text("5")
            started = time.perf_counter()
            answer = upload(port, cookie, args.megabytes)
            seconds = time.perf_counter() - started
            current, peak = peak_memory_mb(worker.pid)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    print(f"uploaded {args.megabytes} MB in {seconds:.1f} s: {answer['name']}, {answer['size']}")
    print(f"worker memory: {before:.1f} MB before (peak so far {peak_before:.1f} MB), {current:.1f} MB after")
    print(f"worker peak during the upload: {peak:.1f} MB, {peak - before:.1f} MB more than at rest")
    # The budget is what the upload costs the worker: the portal at rest (Python, Flask, SQLAlchemy,
    # Pillow, the templates) weighs about as much on its own, with or without uploads.
    if peak - before >= args.budget_mb:
        print(f"over budget: the upload took {peak - before:.1f} MB >= {args.budget_mb:.0f} MB")
        return 1
    print(f"within budget ({args.budget_mb:.0f} MB for the upload)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
