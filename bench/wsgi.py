"""The portal as bench.pages serves it under gunicorn (`gunicorn bench.wsgi:app`), never in production.

The benchmark's settings (bench.generate.bench_config) with CSRF protection on, as in production, plus
the reference page of bench.report. bench.pages passes the rest through the environment:
PORTAL_BENCH_DATABASE_URL (a benchmark database, checked like every other one the benchmark opens),
PORTAL_BENCH_INSTANCE (a scratch instance folder) and ordinary PORTAL_* settings (rate-limit storage
and limits).
"""

from __future__ import annotations

import os

from bench import generate, report

_url = os.environ["PORTAL_BENCH_DATABASE_URL"]
generate.check_target(_url)
app = report.build_app(_url, os.environ["PORTAL_BENCH_INSTANCE"], WTF_CSRF_ENABLED=True)
