"""Fixtures: a fresh app and database per test, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import os
import re
import shutil
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.security import generate_password_hash

from portal import create_app
from portal.cli import migrations
from portal.content.seed import seed_content
from portal.extensions import db
from portal.models.user import User
from portal.people.departments import find_or_create_department
from portal.rut import check_digit
from portal.vocabulary import STAFF
from tests.smtp import Inbox, free_port

# The portal's "today" is the municipality's (BABEL_DEFAULT_TIMEZONE); the tests' date.today() must
# be the same day, or every test comparing dates fails between midnight UTC and midnight in Chile.
os.environ["TZ"] = "America/Santiago"
time.tzset()

POSTGRESQL_URL = os.environ.get("PORTAL_TEST_POSTGRESQL_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRESQL_URL else [])

PASSWORD = "clave-de-prueba-larga"
# Hashing is deliberately slow; every test user shares one hash computed once.
PASSWORD_HASH = generate_password_hash(PASSWORD)

BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key",
    "WTF_CSRF_ENABLED": False,
    "INSTITUTION_NAME": "Municipalidad de Prueba",
    # Tasks run in the process that queues them, at once: tests about the queue itself turn this off
    # and start a real consumer (tests/test_queue.py).
    "QUEUE_IMMEDIATE": True,
}


def build_template(url: str, with_content: bool) -> None:
    app = create_app({**BASE_CONFIG, "DATABASE_URL": url})
    with app.app_context():
        migrations.upgrade()
        if with_content:
            seed_content()
            db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory):
    folder = tmp_path_factory.mktemp("templates")
    paths = {}
    for name, with_content in (("bare", False), ("content", True)):
        path = folder / f"{name}.sqlite3"
        build_template(f"sqlite:///{path}", with_content)
        paths[name] = path
    return paths


@pytest.fixture(scope="session")
def postgresql_templates():
    if not POSTGRESQL_URL:
        return None
    admin = create_engine(POSTGRESQL_URL, isolation_level="AUTOCOMMIT")
    names = {}
    suffix = uuid.uuid4().hex[:8]
    with admin.connect() as connection:
        for name, with_content in (("bare", False), ("content", True)):
            database = f"portal_tpl_{name}_{suffix}"
            connection.execute(text(f'CREATE DATABASE "{database}"'))
            build_template(make_url(POSTGRESQL_URL).set(database=database).render_as_string(False), with_content)
            names[name] = database
    yield names
    with admin.connect() as connection:
        for database in names.values():
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def database_url(request, backend, tmp_path):
    """A private database for one test, copied from a migrated template."""
    which = "bare" if request.node.get_closest_marker("bare_database") else "content"
    if backend == "sqlite":
        templates = request.getfixturevalue("sqlite_templates")
        path = tmp_path / "portal.sqlite3"
        shutil.copyfile(templates[which], path)
        yield f"sqlite:///{path}"
        return
    templates = request.getfixturevalue("postgresql_templates")
    database = f"portal_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRESQL_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{database}" TEMPLATE "{templates[which]}"'))
    yield make_url(POSTGRESQL_URL).set(database=database).render_as_string(False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def make_app(database_url, tmp_path):
    """Build an app on this test's database with extra settings."""
    apps = []

    def build(**overrides):
        config = {**BASE_CONFIG, "DATABASE_URL": database_url, **overrides}
        app = create_app(config, instance_path=str(tmp_path / "instance"))
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# Fresh RUTs for the whole run (a million and more people), below tests/municipality.py's 40,000,000.
_rut_counter = iter(range(20_000_000, 40_000_000, 17))


@dataclass
class Person:
    id: int
    rut: str
    email: str | None
    full_name: str
    password: str = PASSWORD


@pytest.fixture
def make_user(app):
    """Create an account and return its id and credentials."""

    def build(
        full_name="María José Pérez Soto",
        email="auto",
        roles=(STAFF,),
        active=True,
        due_date="auto",
        with_password=True,
        department=None,
    ) -> Person:
        number = next(_rut_counter)
        rut = f"{number}-{check_digit(number)}"
        if email == "auto":
            email = f"persona{number}@muni.cl"
        with app.app_context():
            user = User(
                rut=rut,
                full_name=full_name,
                email=email,
                active=active,
                password_hash=PASSWORD_HASH if with_password else None,
                start_date=date.today(),
                due_date=date.today() + timedelta(days=30) if due_date == "auto" else due_date,
                department=find_or_create_department(department) if department else None,
            )
            user.set_roles(roles)
            db.session.add(user)
            db.session.commit()
            return Person(id=user.id, rut=rut, email=email, full_name=full_name)

    return build


def login(client, login_value, password=PASSWORD, next_path=None):
    data = {"login": login_value, "password": password}
    if next_path is not None:
        data["next"] = next_path
    return client.post("/login", data=data)


@pytest.fixture
def login_as(client, make_user):
    """Sign the test client in as a new person holding `roles`; returns the Person."""

    def sign_in(*roles, **kwargs) -> Person:
        person = make_user(roles=roles or (STAFF,), **kwargs)
        response = login(client, person.email or person.rut)
        assert response.status_code == 302, response.get_data(as_text=True)
        return person

    return sign_in


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "page has no CSRF token"
    return match.group(1)


@pytest.fixture
def smtp_server():
    """Start an SMTP server with a handler; returns its port. Stopped after the test."""
    controllers = []

    def start(handler, **smtp_options) -> int:
        controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **smtp_options)
        controller.start()
        controllers.append(controller)
        return controller.port

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def inbox():
    return Inbox()


@pytest.fixture
def mail_app(make_app, smtp_server, inbox):
    """An app whose SMTP server is a local Inbox."""
    return make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server(inbox))


def pytest_configure(config):
    config.addinivalue_line("markers", "bare_database: start from a migrated database without the curriculum")
