"""Command-line tools an administrator runs: demo data, accounts, module export."""

import json

import click
import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from portal.cli.files import open_user_file
from portal.cli.types import EMAIL
from portal.extensions import db
from portal.models.curriculum import Module
from portal.models.progress import Certificate
from portal.models.user import User
from portal.quizzes.exchange import export_module
from portal.reports.forms import PersonForm
from tests.conftest import login


def test_seed_demo_creates_accounts_staff_and_varied_progress(app, runner, client):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        users = list(db.session.scalars(select(User)))
        assert len(users) == 35
        by_email = {user.email: user for user in users if user.email}
        assert by_email["funcionario@demo.cl"].roles == {"staff"}
        assert "trainer" in by_email["capacitador@demo.cl"].roles
        assert "hr" in by_email["rrhh@demo.cl"].roles
        assert "admin" in by_email["admin@demo.cl"].roles
        jefatura = by_email["jefatura@demo.cl"]
        assert "supervisor" in jefatura.roles and len(jefatura.led_departments) == 2
        assert sum(1 for user in users if user.email is None) >= 5
        assert len({user.employment_type for user in users}) == 4
        assert len({user.department_id for user in users}) >= 5
        certificates = db.session.scalar(select(func.count(Certificate.id)))
        assert 3 <= certificates < 30
        assert (
            db.session.scalar(
                select(func.count(Certificate.id)).where(Certificate.user_id == by_email["funcionario@demo.cl"].id)
            )
            == 0
        )
    for email in ("funcionario@demo.cl", "capacitador@demo.cl", "rrhh@demo.cl", "admin@demo.cl", "jefatura@demo.cl"):
        browser = app.test_client()
        assert login(browser, email, "induccion-demo").status_code == 302
        assert "0 % completado" in browser.get("/").get_data(as_text=True)
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "ya estaban" in again.output


def test_seed_demo_only_if_empty_leaves_real_installations_alone(app, runner, make_user):
    make_user()
    result = runner.invoke(args=["seed-demo", "--only-if-empty"])
    assert result.exit_code == 0 and "no se agregan" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 1


def test_seed_demo_is_refused_in_production(make_app):
    app = make_app(
        ENV="production", SECRET_KEY="a-real-secret-for-this-test-only-0123456789", BASE_URL="https://induccion.muni.cl"
    )
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "PORTAL_ENV=production" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0


def test_users_create_makes_an_account_that_can_sign_in(app, runner, client):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--rut",
            "13.579.246-2",
            "--name",
            "Ana  Admin",
            "--email",
            "Ana@Muni.CL",
            "--role",
            "admin",
            "--role",
            "hr",
            "--password",
            "una-clave-bien-larga",
            "--department",
            "Informática",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.rut == "13579246-2"))
        assert user.full_name == "Ana Admin" and user.email == "ana@muni.cl"
        assert user.roles == {"admin", "hr"} and user.department.name == "Informática"
    assert login(client, "13579246-2", "una-clave-bien-larga").status_code == 302


@pytest.mark.parametrize(
    "args,message",
    [
        (["--rut", "13.579.246-3"], "dígito verificador"),
        (["--rut", "xyz"], "RUT no válido"),
        (["--email", "no-es-correo"], "correo no válido"),
        (["--password", "corta"], "al menos 12"),
        (["--role", "jefe"], "jefe"),
    ],
)
def test_users_create_refuses_bad_input_clearly(app, runner, args, message):
    base = {"--rut": "13.579.246-2", "--name": "Ana", "--role": "staff", "--password": "una-clave-bien-larga"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    argv = ["users", "create"]
    for flag, value in base.items():
        argv += [flag, value]
    result = runner.invoke(args=argv)
    assert result.exit_code != 0
    assert message in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0


def test_users_create_refuses_a_taken_rut_or_email(app, runner, make_user):
    person = make_user(email="tomada@muni.cl")
    common = ["--name", "Otra", "--role", "staff", "--password", "una-clave-bien-larga"]
    taken_rut = runner.invoke(args=["users", "create", "--rut", person.rut, *common])
    assert taken_rut.exit_code != 0 and "ya existe" in taken_rut.output
    taken_email = runner.invoke(args=["users", "create", "--rut", "13.579.246-2", "--email", "TOMADA@muni.cl", *common])
    assert taken_email.exit_code != 0 and "ya pertenece" in taken_email.output


def test_modules_export_and_import_round_trip(app, runner, tmp_path):
    output = tmp_path / "compromiso.json"
    result = runner.invoke(args=["modules", "export", "compromiso", "--output", str(output)])
    assert result.exit_code == 0, result.output
    data = json.loads(output.read_text(encoding="utf-8"))
    assert data["slug"] == "compromiso" and data["title"] == "Compromiso"
    assert len(data["lessons"]) >= 1 and len(data["quiz"]["questions"]) >= 6
    # "values": the shipped bank names the value each question assesses (kept once the quiz engine stores it).
    assert set(data["quiz"]["questions"][0]) - {"values"} == {"kind", "prompt", "explanation", "choices"}

    data["slug"] = "compromiso-copia"
    copy = tmp_path / "copia.json"
    copy.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    imported = runner.invoke(args=["modules", "import", str(copy)])
    assert imported.exit_code == 0, imported.output
    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == "compromiso-copia"))
        assert module.published is False
        again = export_module(module)
        assert again == data


def test_modules_export_of_an_unknown_module_fails(runner, tmp_path):
    result = runner.invoke(args=["modules", "export", "no-existe", "--output", str(tmp_path / "x.json")])
    assert result.exit_code != 0 and "No existe un módulo" in result.output


def test_modules_import_lists_every_problem_and_writes_nothing(app, runner, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "slug": "roto",
                "title": "Roto",
                "lessons": [],
                "quiz": {
                    "pass_mark": 80,
                    "questions": [
                        {
                            "kind": "single",
                            "prompt": "¿?",
                            "explanation": "",
                            "choices": [{"text": "a", "correct": True}, {"text": "b", "correct": True}],
                        },
                        {"kind": "multiple", "prompt": "", "choices": [{"text": "a", "correct": False}]},
                    ],
                },
            }
        ),
        encoding="utf-8",
    )
    result = runner.invoke(args=["modules", "import", str(bad)])
    assert result.exit_code != 0
    assert "al menos una lección" in result.output
    assert "Pregunta 1" in result.output and "más de una alternativa correcta" in result.output
    assert "Pregunta 2" in result.output and "no tiene enunciado" in result.output
    (tmp_path / "nojson.json").write_text("{no", encoding="utf-8")
    assert runner.invoke(args=["modules", "import", str(tmp_path / "nojson.json")]).exit_code != 0
    with app.app_context():
        assert db.session.scalar(select(Module).where(Module.slug == "roto")) is None


def test_modules_export_to_a_missing_folder_says_so_in_spanish(runner, tmp_path):
    target = tmp_path / "no-existe" / "compromiso.json"
    result = runner.invoke(args=["modules", "export", "compromiso", "--output", str(target)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"No existe la carpeta donde guardar {target}." in result.output
    assert not target.parent.exists()


def test_a_file_named_on_the_command_line_is_never_overwritten_when_created_exclusively(app, tmp_path):
    existing = tmp_path / "copia.csv"
    existing.write_text("datos", encoding="utf-8")
    with app.app_context(), pytest.raises(click.ClickException, match="ya existe; elija otro nombre"):
        open_user_file(existing, "xb")
    assert existing.read_text(encoding="utf-8") == "datos"
    with app.app_context(), pytest.raises(click.ClickException, match="es una carpeta, no un archivo"):
        open_user_file(tmp_path, "rb")


@pytest.mark.parametrize(
    "typed,stored",
    [
        ("  Ana.Perez@Muni.CL ", "ana.perez@muni.cl"),
        ("José@Muñoz.CL", "josé@muñoz.cl"),
        ("ana@muni", None),
        ("a@@b.cl", None),
    ],
)
def test_the_command_line_and_the_person_form_accept_the_same_addresses(app, typed, stored):
    with app.test_request_context():
        typed_in = MultiDict({"rut": "13.579.246-2", "full_name": "Ana", "email": typed})
        form = PersonForm(formdata=typed_in, meta={"csrf": False})
        form.validate()
        form_value = None if "email" in form.errors else form.email.data
    try:
        cli_value = EMAIL.convert(typed, None, None)
    except click.BadParameter as refusal:
        assert "correo no válido" in refusal.message
        cli_value = None
    assert cli_value == form_value == stored


def test_flask_db_runs_the_migrations_of_a_new_database(tmp_path):
    """`flask db upgrade` as the README's deployment runs it, on a new SQLite file; the application
    itself loads neither Alembic nor Flask-Migrate (they are loaded for the migration only), nor
    openpyxl and XlsxWriter (loaded with the first workbook read or written): memory every web worker
    and the queue's consumer keep."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'new.sqlite3'}"}
    flask = [sys.executable, "-m", "flask", "--app", "portal"]
    upgraded = subprocess.run([*flask, "db", "upgrade"], env=env, capture_output=True, text=True, timeout=120)
    assert upgraded.returncode == 0, upgraded.stderr
    current = subprocess.run([*flask, "db", "current"], env=env, capture_output=True, text=True, timeout=120)
    assert current.returncode == 0 and "(head)" in current.stdout, current.stderr
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from portal import create_app; create_app(); "
            "print(sorted({'alembic', 'flask_migrate', 'openpyxl', 'xlsxwriter'} & set(sys.modules)))",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert loaded.stdout.strip() == "[]", loaded.stderr
