"""Browser fixtures: Debian's Chromium driven by Playwright, against a live server per test."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium: `playwright install` cannot download a browser here."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(
                f"{CHROMIUM} is missing: CI must install Debian's chromium "
                "(apt-get install chromium) to run the browser tests",
                pytrace=False,
            )
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); browser tests skipped")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def backend():
    """Browser tests exercise pages, not databases: they run on SQLite only."""
    return "sqlite"


@pytest.fixture
def app(make_app) -> Flask:
    """The app as deployed: real forms with CSRF tokens (make_user writes through it too)."""
    return make_app(WTF_CSRF_ENABLED=True)


@dataclass(frozen=True)
class LiveServer:
    app: Flask
    url: str


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    """Serve `app` on a free loopback port from a daemon thread for the duration of one test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://127.0.0.1:{server.port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
