"""Settings: defaults here, then PORTAL_* environment variables, then instance/config.py."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_SECRET_KEY = "dev-insecure-change-me"
DEFAULT_DEMO_PASSWORD = "induccion-demo"


class Defaults:
    """Values used when neither the environment nor instance/config.py says otherwise."""

    ENV = "development"
    SECRET_KEY = DEFAULT_SECRET_KEY
    #: None means "SQLite in the instance folder"; resolved in load_settings().
    DATABASE_URL: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    #: Seconds a SQLite writer waits for the lock before giving up.
    SQLITE_BUSY_TIMEOUT = 30
    BABEL_DEFAULT_LOCALE = "es"
    BABEL_DEFAULT_TIMEZONE = "America/Santiago"
    INSTITUTION_NAME = "Municipalidad"
    #: Absolute address used in certificates' QR codes; falls back to the request's host.
    BASE_URL: str | None = None
    ONBOARDING_DAYS = 30
    #: Months a completed onboarding stays valid; None means it never needs renewing.
    RENEWAL_MONTHS: int | None = None
    #: Days before the same person can be reminded again.
    REMINDER_INTERVAL_DAYS = 7
    SMTP_HOST = "127.0.0.1"
    SMTP_PORT = 25
    SMTP_USERNAME: str | None = None
    SMTP_PASSWORD: str | None = None
    SMTP_STARTTLS = False
    SMTP_TIMEOUT = 10
    MAIL_SENDER = "Portal de Inducción <induccion@localhost>"
    DEMO_PASSWORD = DEFAULT_DEMO_PASSWORD
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "portal_session"
    #: Flask-Login's "remember me" cookie would outlive a logout; the portal never sets it.
    REMEMBER_COOKIE_DURATION = 0
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 5 * 1024 * 1024


def load_settings(app, test_config: dict | None = None) -> None:
    """Fill app.config from Defaults, PORTAL_* variables, instance/config.py and test_config.

    Raises RuntimeError when PORTAL_ENV=production is combined with an unsafe setting.
    """
    app.config.from_object(Defaults)
    app.config.from_prefixed_env("PORTAL")
    app.config.from_pyfile(os.path.join(app.instance_path, "config.py"), silent=True)
    if test_config:
        app.config.update(test_config)

    if not app.config.get("DATABASE_URL"):
        database = Path(app.instance_path) / "portal.sqlite3"
        app.config["DATABASE_URL"] = f"sqlite:///{database}"
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    app.config.setdefault("SESSION_COOKIE_SECURE", str(app.config.get("BASE_URL") or "").startswith("https://"))

    if app.config["ENV"] == "production":
        if app.config["SECRET_KEY"] in (DEFAULT_SECRET_KEY, "", None):
            raise RuntimeError("PORTAL_ENV=production needs PORTAL_SECRET_KEY set to a long random value.")
        if app.debug:
            raise RuntimeError("PORTAL_ENV=production refuses to run with debug mode on.")
