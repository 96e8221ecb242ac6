"""Settings: defaults here, then PORTAL_* environment variables, then instance/config.py."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_SECRET_KEY = "dev-insecure-change-me"
DEFAULT_DEMO_PASSWORD = "induccion-demo"
#: Shortest PORTAL_AUDIT_KEY accepted in production.
MIN_AUDIT_KEY_LENGTH = 32


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
    #: Largest document attached to a lesson, in MB (administrators may change it).
    ATTACHMENT_MAX_MB = 20
    #: Largest video shown in a lesson, in MB (administrators may change it).
    VIDEO_MAX_MB = 200
    #: Internal location of the reverse proxy that serves instance/ (e.g. "/_instance/"): lesson images,
    #: documents and videos are then answered with X-Accel-Redirect and sent by the proxy (which also
    #: answers a video's range requests), not a worker.
    MEDIA_ACCEL_REDIRECT: str | None = None
    #: Absolute address of the portal for links in mail and certificates' QR codes. Required in
    #: production; in development it falls back to http://127.0.0.1:5000 (never the request's Host).
    BASE_URL: str | None = None
    ONBOARDING_DAYS = 30
    #: Months a completed onboarding stays valid; None means it never needs renewing.
    RENEWAL_MONTHS: int | None = None
    #: Days before the same person can be reminded again.
    REMINDER_INTERVAL_DAYS = 7
    #: Days the code of a printed activation slip works (administrators may change it).
    ACTIVATION_CODE_DAYS = 14
    #: Most certificates HR downloads in one ZIP; a longer list is refused with a request to narrow it.
    CERTIFICATES_PER_ZIP = 200
    #: An Excel export of more people than this is made by a job of the queue, not while the request waits.
    EXPORT_JOB_ROWS = 2000
    #: A staff import of more rows than this is applied by a job of the queue (still one transaction).
    IMPORT_JOB_ROWS = 300
    SMTP_HOST = "127.0.0.1"
    SMTP_PORT = 25
    SMTP_USERNAME: str | None = None
    SMTP_PASSWORD: str | None = None
    SMTP_STARTTLS = False
    SMTP_TIMEOUT = 10
    # The task queue (portal/queue): SQLite in instance/ unless a Redis URL is given.
    REDIS_URL: str | None = None
    QUEUE_NAME = "portal"
    QUEUE_FILE: str | None = None
    #: Run tasks at once, in the process that queues them (tests that are not about the queue).
    QUEUE_IMMEDIATE = False
    # The outbox (portal/outbox): messages per claim, retries, and how long a claim holds.
    OUTBOX_BATCH = 50
    OUTBOX_RETRY_SECONDS = 30
    OUTBOX_RETRY_MAX_SECONDS = 3600
    OUTBOX_MAX_ATTEMPTS = 10
    OUTBOX_LEASE_SECONDS = 300
    # Daily jobs (portal/queue/periodic.py): the local hour (Chile) each runs at; empty turns one off.
    DAILY_REMINDERS_HOUR: int | None = 9
    AUDIT_CHECKPOINT_HOUR: int | None = 2
    BACKUP_HOUR: int | None = 3
    #: Lessons in the Papelera for more than 30 days are deleted for good (training.trash).
    TRASH_PURGE_HOUR: int | None = 4
    BACKUP_DIR: str | None = None
    BACKUP_KEEP = 14
    MAIL_SENDER = "Portal de Inducción <induccion@localhost>"
    DEMO_PASSWORD = DEFAULT_DEMO_PASSWORD
    SESSION_COOKIE_HTTPONLY = True
    #: None means "on when BASE_URL is https:// or ENV is production"; resolved in load_settings().
    SESSION_COOKIE_SECURE: bool | None = None
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "portal_session"
    #: Flask-Login's "remember me" cookie would outlive a logout; the portal never sets it.
    REMEMBER_COOKIE_DURATION = 0
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 5 * 1024 * 1024
    #: Minutes without any request after which a signed-in session is refused.
    SESSION_IDLE_MINUTES = 30
    #: Number of reverse proxies in front of the portal; 0 ignores X-Forwarded-* headers entirely.
    PROXY_COUNT = 0
    #: Host names the portal answers to (comma-separated in the environment); empty means any.
    TRUSTED_HOSTS: list[str] | None = None
    #: Throttling of sign-in and password-reset requests (Flask-Limiter). Windows only, never a lock.
    RATELIMIT_ENABLED = True
    #: "memory://" counts per process; use e.g. "redis://127.0.0.1:6379/0" with several workers.
    RATELIMIT_STORAGE_URL = "memory://"
    RATELIMIT_HEADERS_ENABLED = False
    SIGN_IN_LIMIT_PER_ADDRESS = "20 per minute"
    #: Failed sign-ins per typed login (normalised RUT or lower-case email), existing account or not.
    SIGN_IN_LIMIT_PER_ACCOUNT = "10 per 15 minutes"
    PASSWORD_RESET_LIMIT_PER_ADDRESS = "10 per 15 minutes"
    PASSWORD_RESET_LIMIT_PER_ACCOUNT = "3 per hour"
    #: Key of the audit log's HMAC chain and checkpoints, never stored in the database. None derives one
    #: from SECRET_KEY (see portal.audit.current_key).
    AUDIT_KEY: str | None = None
    #: Former audit keys (or former secret keys, while AUDIT_KEY was unset), comma-separated in the
    #: environment: events and checkpoints made with them still verify; nothing new is made with them.
    AUDIT_OLD_KEYS: list[str] = []
    #: Where `flask audit checkpoint` appends the signed head of the chain; None means
    #: instance/audit-checkpoints.jsonl. Resolved in load_settings().
    AUDIT_CHECKPOINT_FILE: str | None = None
    #: Address that receives a copy of every checkpoint, so one copy lives off the server; None sends none.
    AUDIT_CHECKPOINT_MAIL: str | None = None


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
    production = app.config["ENV"] == "production"
    if app.config.get("SESSION_COOKIE_SECURE") is None:
        app.config["SESSION_COOKIE_SECURE"] = production or str(app.config.get("BASE_URL") or "").startswith("https://")
    app.config["TRUSTED_HOSTS"] = _host_list(app.config.get("TRUSTED_HOSTS"))
    app.config["PROXY_COUNT"] = int(app.config.get("PROXY_COUNT") or 0)
    if app.config["PROXY_COUNT"] < 0:
        raise RuntimeError("PORTAL_PROXY_COUNT must be 0 or a positive number of proxies.")
    app.config["AUDIT_OLD_KEYS"] = _key_list(app.config.get("AUDIT_OLD_KEYS"))
    if not app.config.get("AUDIT_CHECKPOINT_FILE"):
        app.config["AUDIT_CHECKPOINT_FILE"] = str(Path(app.instance_path) / "audit-checkpoints.jsonl")
    if not app.config.get("QUEUE_FILE"):
        app.config["QUEUE_FILE"] = str(Path(app.instance_path) / "queue.sqlite3")
    if not app.config.get("BACKUP_DIR"):
        app.config["BACKUP_DIR"] = str(Path(app.instance_path) / "backups")
    app.config["SESSION_IDLE_MINUTES"] = float(app.config.get("SESSION_IDLE_MINUTES") or 30)
    # Flask-Limiter reads RATELIMIT_STORAGE_URI; the portal's setting keeps the URL spelling of its siblings.
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("RATELIMIT_STORAGE_URL") or "memory://")

    if production:
        check_production(app)
    if (
        app.config["RATELIMIT_ENABLED"]
        and str(app.config["RATELIMIT_STORAGE_URI"]).startswith("memory://")
        and (production or "gunicorn" in sys.modules)
    ):
        app.logger.warning(
            "Sign-in throttling counts in memory, separately in each worker process; "
            "set PORTAL_RATELIMIT_STORAGE_URL (e.g. redis://127.0.0.1:6379/0) so all workers share the counters."
        )


def check_production(app) -> None:
    """Refuse (RuntimeError) what production must not run with; warn about what it should not."""
    if app.config["SECRET_KEY"] in (DEFAULT_SECRET_KEY, "", None):
        raise RuntimeError("PORTAL_ENV=production needs PORTAL_SECRET_KEY set to a long random value.")
    if app.debug:
        raise RuntimeError("PORTAL_ENV=production refuses to run with debug mode on.")
    if not _is_absolute_http_url(app.config.get("BASE_URL")):
        raise RuntimeError(
            "PORTAL_ENV=production needs PORTAL_BASE_URL set to the portal's public address, "
            "e.g. https://induccion.muni.cl: links in mail and certificates are built from it, "
            "never from the request's Host header."
        )
    audit_key = app.config.get("AUDIT_KEY")
    if audit_key and len(audit_key) < MIN_AUDIT_KEY_LENGTH:
        raise RuntimeError(
            f"PORTAL_AUDIT_KEY must be at least {MIN_AUDIT_KEY_LENGTH} characters long (a long random value)."
        )
    if not audit_key:
        app.logger.warning(
            "PORTAL_AUDIT_KEY is not set: the audit log is keyed with a key derived from PORTAL_SECRET_KEY. "
            "Before changing the secret key, add its current value to PORTAL_AUDIT_OLD_KEYS, or set "
            "PORTAL_AUDIT_KEY so that the two keys can change independently."
        )
    if not app.config["TRUSTED_HOSTS"]:
        app.logger.warning(
            "PORTAL_TRUSTED_HOSTS is not set: the portal answers to any Host header. "
            "Set it to the portal's host name(s), e.g. induccion.muni.cl."
        )


def _is_absolute_http_url(value) -> bool:
    parts = urlsplit(str(value or "").strip())
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


def _host_list(value) -> list[str] | None:
    """ "a.cl, b.cl" or ["a.cl", "b.cl"] -> ["a.cl", "b.cl"]; empty -> None (no check)."""
    if not value:
        return None
    if isinstance(value, str):
        value = value.split(",")
    hosts = [str(host).strip().lower() for host in value if str(host).strip()]
    return hosts or None


def _key_list(value) -> list[str]:
    """ "k1, k2" or ["k1", "k2"] -> ["k1", "k2"]; blanks dropped."""
    if not value:
        return []
    if isinstance(value, str):
        value = value.split(",")
    return [str(key).strip() for key in value if str(key).strip()]
