"""The application as a whole: settings, health, error pages, database set-up, headers."""

import warnings
from datetime import UTC, date, datetime

import pytest
from flask import render_template_string
from flask_babel import format_date
from sqlalchemy import text

from portal import create_app
from portal.auth.access import public, roles_required
from portal.dates import EARLIEST, LATEST
from portal.extensions import db


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_data(as_text=True) == "ok"


def test_healthz_reports_a_missing_database(tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/no/such/dir/x.sqlite3"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503


def test_error_pages_are_in_spanish(make_app, login_as):
    app = make_app()

    @app.get("/prueba-admin")
    @roles_required("admin")
    def admin_only():
        return "secreto"

    @app.get("/prueba-falla")
    @public
    def failing():
        raise RuntimeError("boom")

    @app.get("/prueba-sin-regla")
    def undeclared():
        return "nunca"

    client = app.test_client()

    not_found = client.get("/no-existe")
    assert not_found.status_code == 404 and "Página no encontrada" in not_found.get_data(as_text=True)
    assert client.get("/prueba-admin").status_code == 302  # anonymous: sign in first
    undeclared_response = client.get("/prueba-sin-regla")
    assert undeclared_response.status_code == 403  # a route without a declared rule fails closed
    app.testing = False  # let the 500 handler answer instead of re-raising
    failure = client.get("/prueba-falla")
    assert failure.status_code == 500 and "Error del servidor" in failure.get_data(as_text=True)
    assert "boom" not in failure.get_data(as_text=True)


def test_forbidden_page_in_spanish_for_the_wrong_role(make_app, make_user):
    app = make_app()

    @app.get("/prueba-admin")
    @roles_required("admin")
    def admin_only():
        return "secreto"

    from tests.conftest import login

    person = make_user()
    client = app.test_client()
    login(client, person.email)
    response = client.get("/prueba-admin")
    assert response.status_code == 403 and "Acceso denegado" in response.get_data(as_text=True)


def test_settings_come_from_portal_variables_then_instance_config(monkeypatch, tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text('INSTITUTION_NAME = "Municipalidad de Ejemplo"\n')
    monkeypatch.setenv("PORTAL_ONBOARDING_DAYS", "20")
    monkeypatch.setenv("PORTAL_INSTITUTION_NAME", "Municipalidad del Entorno")
    monkeypatch.setenv("PORTAL_DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite3")
    app = create_app(instance_path=str(instance))
    assert app.config["ONBOARDING_DAYS"] == 20
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/x.sqlite3"
    # instance/config.py belongs to the installation and has the last word.
    assert app.config["INSTITUTION_NAME"] == "Municipalidad de Ejemplo"


def test_default_database_is_sqlite_in_the_instance_folder(monkeypatch):
    monkeypatch.delenv("PORTAL_DATABASE_URL", raising=False)
    app = create_app({"TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("/instance/portal.sqlite3")


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({}, "PORTAL_SECRET_KEY"),
        ({"SECRET_KEY": "x" * 40, "DEBUG": True}, "debug"),
        ({"SECRET_KEY": "x" * 40}, "PORTAL_BASE_URL set to the portal's public address"),
        ({"SECRET_KEY": "x" * 40, "BASE_URL": "induccion.muni.cl"}, "PORTAL_BASE_URL"),
    ],
)
def test_production_refuses_unsafe_settings(tmp_path, overrides, message):
    with pytest.raises(RuntimeError, match=message):
        create_app({"ENV": "production", "DATABASE_URL": f"sqlite:///{tmp_path}/p.sqlite3", **overrides})


def test_database_sessions_are_set_up_for_the_portal(app, backend):
    """SQLite: WAL, foreign keys and a busy timeout. PostgreSQL: no JIT (it slowed the report)."""
    with app.app_context():
        if backend == "sqlite":
            assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 30_000
        else:
            assert db.session.execute(text("SHOW jit")).scalar() == "off"


def test_dates_are_shown_the_chilean_way(app):
    with app.test_request_context():
        rendered = render_template_string("{{ d|date_cl }} | {{ d|date_long }}", d=date(2026, 3, 5))
    assert rendered == "05-03-2026 | 5 de marzo de 2026"


@pytest.mark.parametrize(
    "value",
    [
        EARLIEST,
        LATEST,
        date(2026, 12, 31),
        datetime(2026, 3, 1, 2, 30, tzinfo=UTC),
        datetime(2026, 3, 1, 5, tzinfo=UTC),
    ],
)
def test_date_cl_writes_what_babels_pattern_writes(app, value):
    """date_cl formats dates by hand (the report shows two per person): the same text as Babel's
    "dd-MM-yyyy", and a moment on its day in the institution's time zone (the first is still 28 February)."""
    with app.test_request_context():
        assert render_template_string("{{ value|date_cl }}", value=value) == format_date(value, "dd-MM-yyyy")


def test_responses_carry_protective_headers(client, login_as):
    anonymous = client.get("/login")
    assert "frame-ancestors 'none'" in anonymous.headers["Content-Security-Policy"]
    assert "script-src 'self'" in anonymous.headers["Content-Security-Policy"]
    assert anonymous.headers["X-Content-Type-Options"] == "nosniff"
    login_as()
    assert client.get("/").headers["Cache-Control"] == "no-store"
    cookie = client.get_cookie("portal_session")
    assert cookie.http_only and cookie.same_site == "Lax"


def test_migrations_build_exactly_the_models_schema(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with app.app_context(), db.engine.connect() as connection, warnings.catch_warnings():
        # SQLite's reflection skips expression indexes (the name order's lower(full_name)); PostgreSQL
        # compares them.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression-based index")
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []
