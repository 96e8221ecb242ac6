"""HR imports new staff from the files Excel actually produces in Chile: preview, then confirm."""

from __future__ import annotations

import io
import json
import re
import time
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

import portal.reports.staff_views  # noqa: F401  (registers the import routes on the HR blueprint)
from portal.demo import DEPARTMENTS as DEMO_DEPARTMENTS
from portal.extensions import db
from portal.jobs import start_job
from portal.models.audit import AuditEvent
from portal.models.curriculum import Lesson
from portal.models.outbox import Job, OutboxMail
from portal.models.progress import LessonView
from portal.models.staff import SET_PASSWORD, PasswordToken
from portal.models.user import Department, User
from portal.people import departments as people
from portal.people import staff_import as importer
from portal.rut import check_digit
from portal.vocabulary import HR, STAFF, TRAINER, JobKind
from tests.conftest import PASSWORD_HASH

DATA = Path(__file__).parent / "data" / "staff"
UPLOAD = "/rrhh/personas/importar"
CONFIRM = "/rrhh/personas/importar/confirmar"


# --- Files as HR gets them ------------------------------------------------------------------------


def windows_csv() -> bytes:
    """Semicolons, Windows-1252 (Excel's "CSV delimitado por punto y coma"), dotted RUTs, an empty line."""
    return (DATA / "ingresos_marzo.csv").read_text(encoding="utf-8").encode("cp1252")


def bom_csv() -> bytes:
    """Semicolons, UTF-8 with BOM (Excel's "CSV UTF-8"), separate name columns, a due date column."""
    return b"\xef\xbb\xbf" + (DATA / "ingresos_bom.csv").read_bytes()


def comma_csv() -> bytes:
    return (DATA / "ingresos_comas.csv").read_bytes()


def errors_csv() -> bytes:
    return (DATA / "con_errores.csv").read_bytes()


def xlsx_file() -> bytes:
    """A workbook as Excel saves it: date cells, a RUT typed as a number, an empty row, a title row."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Ingresos"
    sheet.append(["Nómina de ingresos, abril 2025"])
    sheet.append(["RUT", "Nombres", "Apellidos", "E-mail", "Depto.", "Fecha Ingreso", "Calidad Jurídica", "Plazo"])
    sheet.append(
        ["9.876.543-3", "Rosa", "Quiroz Tapia", "rosa.quiroz@muni.cl", "Salud", datetime(2025, 4, 7), "Planta"]
    )
    sheet.append([123456785, "Héctor", "Bravo", None, "Salud", datetime(2025, 4, 14), "honorarios", date(2025, 6, 30)])
    sheet.append([])
    sheet.append(["11.222.333-9", "Sin", "Fecha", None, "Salud", "el lunes", "planta"])
    sheet.append(["13.579.246-2", "Carla", "Díaz", None, "Salud", "21/04/2025", "CONTRATA"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    workbook.close()
    return buffer.getvalue()


def preview_of(data: bytes, name: str = "nomina.csv", **options) -> importer.Preview:
    return importer.build_preview(importer.load_table(data, name), **options)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def user_by_rut(rut: str) -> User | None:
    return db.session.scalar(select(User).where(User.rut == rut))


def upload(client, data: bytes, name: str = "nomina.csv"):
    return client.post(UPLOAD, data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def confirm_fields(html: str) -> dict:
    """What a browser sends from the preview's form: the hidden fields and each select's selected option."""
    fields = dict(re.findall(r'name="(ticket|fingerprint|skip_invalid)" type="hidden" value="([^"]*)"', html))
    assert {"ticket", "fingerprint"} <= fields.keys(), "the preview has no confirmation form"
    return fields | department_selects(html)


def department_selects(html: str) -> dict:
    selects = {}
    for name, options in re.findall(
        r'<select id="[^"]*" name="(departamento-[0-9a-f]+)"[^>]*>(.*?)</select>', html, re.S
    ):
        values = re.findall(r'<option value="([^"]*)"( selected)?>', options)
        selects[name] = next((value for value, selected in values if selected), values[0][0])
    return selects


def department_options(html: str, field_name: str) -> dict[str, str]:
    """The options of one department select: label -> value."""
    [options] = re.findall(rf'name="{field_name}"[^>]*>(.*?)</select>', html, re.S)
    return {label.strip(): value for value, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)<', options)}


def creating_new_departments(fields: dict) -> dict:
    """HR's choice, for every department the portal does not have yet: create it."""
    return {
        name: value or importer.CREATE if name.startswith("departamento-") else value for name, value in fields.items()
    }


def import_events(app) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "staff.imported"))
        return [json.loads(event.details) | {"actor_id": event.actor_id} for event in rows]


@pytest.fixture
def hr(login_as):
    return login_as(HR)


# --- Reading the file ---------------------------------------------------------------------------


def test_windows_1252_semicolon_file_with_dotted_ruts_and_accents(app):
    with app.app_context():
        preview = preview_of(windows_csv())

    assert preview.invalid == [] and preview.updates == []
    rows = [plan.row for plan in preview.creates]
    assert [row.line for row in rows] == [2, 3, 4, 6]  # the empty line 5 is skipped, numbering kept
    assert [row.full_name for row in rows] == [
        "José Muñoz Peña",
        "María Ángeles Núñez",
        "Íñigo Sáez Ortúzar",
        "Begoña Ibáñez",
    ]
    assert [row.rut for row in rows] == ["12345678-5", "15678234-3", "16234567-2", "17890123-0"]
    assert [row.email for row in rows] == ["jose.munoz@muni.cl", None, "isaez@muni.cl", None]
    assert [row.employment_type for row in rows] == ["contrata", "codigo_trabajo", "planta", "honorarios"]
    assert [row.start_date for row in rows] == [
        date(2025, 3, 1),
        date(2025, 3, 3),
        date(2025, 3, 10),
        date(2025, 3, 10),
    ]
    # "delegación ñuñoa" on line 6 is the same department as "Delegación Ñuñoa" on line 2.
    assert [row.department for row in rows] == [
        "Delegación Ñuñoa",
        "Dirección de Tránsito",
        "Dirección de Tránsito",
        "Delegación Ñuñoa",
    ]
    # Neither department exists yet, and nothing decides to create them but a person.
    choices = [(choice.spellings, choice.match, choice.choice) for choice in preview.department_choices]
    assert choices == [(["Delegación Ñuñoa", "delegación ñuñoa"], None, None), (["Dirección de Tránsito"], None, None)]
    assert preview.new_departments == [] and len(preview.undecided_departments) == 2
    with app.app_context():
        deciding = preview_of(windows_csv(), create_departments=True)
    assert deciding.new_departments == ["Delegación Ñuñoa", "Dirección de Tránsito"]


def test_utf8_with_bom_and_separate_name_columns(app):
    with app.app_context():
        preview = preview_of(bom_csv())

    assert preview.invalid == []
    ana, pedro = preview.creates
    assert ana.row.full_name == "Ana María Zúñiga Vergara" and ana.row.rut == "18456789-K"
    assert ana.row.email == "ana.zuniga@muni.cl" and ana.row.department == "DIDECO"
    assert ana.row.employment_type == "contrata"
    assert ana.due_date == date(2025, 2, 15)  # the file's "plazo" wins over start + ONBOARDING_DAYS
    assert pedro.row.full_name == "Pedro Álvarez" and pedro.row.rut == "19234876-5"
    assert pedro.row.employment_type is None and pedro.due_date == date(2025, 1, 2) + timedelta(days=30)


def test_comma_separated_utf8_with_quoted_commas_and_an_unused_column(app):
    with app.app_context():
        preview = preview_of(comma_csv())

    assert preview.invalid == []
    assert [plan.row.department for plan in preview.creates] == ["Administración y Finanzas, Tesorería"] * 2
    assert [plan.row.employment_type for plan in preview.creates] == ["honorarios", "codigo_trabajo"]
    assert [plan.row.start_date for plan in preview.creates] == [date(2025, 4, 1)] * 2
    assert preview.columns.ignored == ("observaciones",)


def test_xlsx_with_date_cells_a_title_row_and_excel_row_numbers(app):
    with app.app_context():
        preview = preview_of(xlsx_file(), "ingresos.xlsx")

    assert [(plan.row.line, plan.row.full_name) for plan in preview.creates] == [
        (3, "Rosa Quiroz Tapia"),
        (4, "Héctor Bravo"),
        (7, "Carla Díaz"),
    ]
    rosa, hector, carla = preview.creates
    assert rosa.row.start_date == date(2025, 4, 7) and rosa.due_date == date(2025, 5, 7)
    assert hector.row.rut == "12345678-5" and hector.due_date == date(2025, 6, 30)
    assert carla.row.start_date == date(2025, 4, 21) and carla.row.employment_type == "contrata"
    assert [(row.line, row.reasons) for row in preview.invalid] == [
        (6, ("fecha de ingreso no reconocida «el lunes» (use dd-mm-aaaa)",))
    ]


def test_every_invalid_row_is_reported_with_its_line_and_reason(app, make_user):
    make_user(full_name="Otra Persona", email="tomado@muni.cl")
    with app.app_context():
        preview = preview_of(errors_csv())

    reasons = {row.line: row.reason for row in preview.invalid}
    assert reasons == {
        2: "RUT «12.345.678-9»: el dígito verificador del RUT no corresponde",
        3: "el RUT 16.234.567-2 se repite en la línea 5",
        4: "fecha de ingreso no reconocida «31-02-2025» (use dd-mm-aaaa)",
        5: "el RUT 16.234.567-2 se repite en la línea 3",
        6: "el correo tomado@muni.cl ya pertenece a otra persona del portal",
        7: "falta el nombre",
        10: "calidad jurídica desconocida «suplente» (use planta, contrata, código del trabajo u honorarios)",
        11: "correo no válido «no-es-correo»",
    }
    assert [plan.row.line for plan in preview.creates] == [8, 9]


def test_repeated_email_and_bad_rut_shape_are_reported(app):
    data = "rut;nombre;correo\nxyz;Forma Mala;\n9.876.543-3;Uno;misma@muni.cl\n11.222.333-9;Dos;MISMA@muni.cl\n"
    with app.app_context():
        preview = preview_of(data.encode())

    assert {row.line: row.reason for row in preview.invalid} == {
        2: "RUT «xyz»: el RUT no tiene un formato válido; escríbalo como 12.345.678-5",
        3: "el correo misma@muni.cl se repite en la línea 4",
        4: "el correo misma@muni.cl se repite en la línea 3",
    }


@pytest.mark.parametrize(
    "header,problem",
    [
        ("nombre;correo\n", "Falta la columna «rut»"),
        ("rut;correo;departamento\n", "Falta la columna «nombre»"),
        ("rut;nombre;departamento;unidad\n", "«departamento» y «unidad» significan lo mismo"),
    ],
)
def test_a_missing_or_ambiguous_column_stops_everything(app, header, problem):
    with app.app_context(), pytest.raises(importer.ImportFileError) as error:
        preview_of((header + "12.345.678-5;José;x@muni.cl\n").encode())
    assert problem in str(error.value)


@pytest.mark.parametrize(
    "data,problem",
    [
        (b"", "vacío"),
        (b"rut;nombre\n", "solo tiene la fila de títulos"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Excel antigua (.xls)"),
        (b"PK\x03\x04 not really a zip", "no es un libro de Excel"),
        (b"rut;nombre\n" + b"x" * (importer.MAX_FILE_BYTES + 1), "pesa más de 4 MB"),
    ],
)
def test_unreadable_files_get_a_clear_message(app, data, problem):
    with app.app_context(), pytest.raises(importer.ImportFileError) as error:
        importer.load_table(data, "nomina")
    assert problem in str(error.value)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("01-03-2025", date(2025, 3, 1)),
        ("1/3/2025", date(2025, 3, 1)),
        ("2025-03-01", date(2025, 3, 1)),
        ("2025-03-01 00:00:00", date(2025, 3, 1)),
        ("31-02-2025", None),
        ("03-2025", None),
        ("marzo", None),
    ],
)
def test_dates_the_chilean_way_or_iso(text, expected):
    assert importer.parse_date(text) == expected


# --- The pages ----------------------------------------------------------------------------------


def test_preview_stores_nothing_and_confirm_creates_everyone(app, client, hr):
    with app.app_context():
        people_before = count(User)

    page = upload(client, windows_csv(), "ingresos marzo.csv")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "José Muñoz Peña" in html and "Delegación Ñuñoa" in html and "12.345.678-5" in html
    assert "Confirmar la importación" in html and "Importar solo" not in html
    with app.app_context():
        assert count(User) == people_before and count(Department) == 0 and count(PasswordToken) == 0

    done = client.post(CONFIRM, data=creating_new_departments(confirm_fields(html)))
    html = done.get_data(as_text=True)
    assert done.status_code == 200, html
    with app.app_context():
        assert count(User) == people_before + 4
        assert sorted(db.session.scalars(select(Department.name))) == ["Delegación Ñuñoa", "Dirección de Tránsito"]
        jose = user_by_rut("12345678-5")
        assert jose.full_name == "José Muñoz Peña" and jose.email == "jose.munoz@muni.cl"
        assert jose.department.name == "Delegación Ñuñoa" and jose.employment_type == "contrata"
        assert jose.start_date == date(2025, 3, 1) and jose.due_date == date(2025, 3, 31)
        assert jose.roles == {STAFF} and jose.password_hash is None and jose.active
        begona = user_by_rut("17890123-0")
        assert begona.department_id == jose.department_id and begona.email is None
        tokens = list(db.session.scalars(select(PasswordToken)))
        assert len(tokens) == 4 and {token.purpose for token in tokens} == {SET_PASSWORD}

    # Every new person's one-time link is shown, absolute; those without email are set apart.
    links = re.findall(r"http://127\.0\.0\.1:5000/clave/[\w-]+", html)
    assert len(links) == 4
    without_email = html[html.index("Personas sin correo") : html.index("Personas con correo")]
    assert "María Ángeles Núñez" in without_email and "Begoña Ibáñez" in without_email
    assert "José Muñoz Peña" not in without_email
    client.post("/logout")
    assert client.get(links[0].removeprefix("http://127.0.0.1:5000")).status_code == 200


def test_due_date_follows_onboarding_days(make_app, make_user):
    app = make_app(ONBOARDING_DAYS=45)
    person = make_user(roles=(HR,))
    client = app.test_client()
    client.post("/login", data={"login": person.email, "password": "clave-de-prueba-larga"})
    html = upload(client, windows_csv()).get_data(as_text=True)
    assert client.post(CONFIRM, data=creating_new_departments(confirm_fields(html))).status_code == 200
    with app.app_context():
        assert user_by_rut("12345678-5").due_date == date(2025, 3, 1) + timedelta(days=45)


def test_file_with_invalid_rows_writes_nothing_until_hr_chooses_to_leave_them_out(app, client, hr, make_user):
    make_user(full_name="Otra Persona", email="tomado@muni.cl")
    with app.app_context():
        people_before = count(User)

    page = upload(client, errors_csv(), "con errores.csv")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Importar solo las 2 filas válidas (se omiten 8 con errores)" in html
    assert "el correo tomado@muni.cl ya pertenece a otra persona del portal" in html
    assert 'id="linea-7"' in html and "falta el nombre" in html
    fields = creating_new_departments(confirm_fields(html))
    assert fields["skip_invalid"] == "1"

    # Without the explicit choice to leave the invalid rows out, nothing is imported.
    refused = client.post(CONFIRM, data=fields | {"skip_invalid": ""})
    assert refused.status_code == 409
    with app.app_context():
        assert count(User) == people_before

    done = client.post(CONFIRM, data=fields)
    assert done.status_code == 200
    with app.app_context():
        assert count(User) == people_before + 2
        assert user_by_rut("9876543-3").full_name == "Valentina Uno"
        assert user_by_rut("11222333-9").department.name == "Tesorería"
        assert user_by_rut("16234567-2") is None and user_by_rut("17890123-0") is None
    [event] = import_events(app)
    assert event == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "skipped": 8,
        "new_departments": ["Finanzas", "Tesorería"],
        "file": "con errores.csv",
        "via": "web",
        "actor_id": hr.id,
    }


def test_confirm_revalidates_against_the_database(app, client, hr, make_user):
    html = upload(client, windows_csv()).get_data(as_text=True)
    fields = creating_new_departments(confirm_fields(html))
    # Meanwhile someone else got one of the file's addresses.
    make_user(full_name="Llegó Antes", email="isaez@muni.cl")

    changed = client.post(CONFIRM, data=fields)
    html = changed.get_data(as_text=True)
    assert changed.status_code == 409
    assert "cambiaron desde la revisión anterior" in html
    assert "el correo isaez@muni.cl ya pertenece a otra persona del portal" in html
    with app.app_context():
        assert user_by_rut("12345678-5") is None

    # HR reviewed the new preview and chooses to import the rest.
    assert client.post(CONFIRM, data=creating_new_departments(confirm_fields(html))).status_code == 200
    with app.app_context():
        assert user_by_rut("12345678-5") is not None and user_by_rut("16234567-2") is None


def test_confirming_twice_does_not_import_twice(app, client, hr):
    fields = creating_new_departments(confirm_fields(upload(client, windows_csv()).get_data(as_text=True)))
    assert client.post(CONFIRM, data=fields).status_code == 200
    again = client.post(CONFIRM, data=fields)
    assert again.status_code == 409 and "No hay nada que importar" in again.get_data(as_text=True)
    with app.app_context():
        assert count(PasswordToken) == 4
    assert len(import_events(app)) == 1


def test_updates_keep_the_account_its_password_and_its_progress(app, client, hr, make_user):
    existing = make_user(full_name="Jose Munoz", email="antiguo@muni.cl")
    with app.app_context():
        lesson_id = db.session.scalar(select(Lesson.id).limit(1))
        db.session.add(LessonView(user_id=existing.id, lesson_id=lesson_id))
        db.session.commit()
        due_before = db.session.get(User, existing.id).due_date
    data = f"rut;nombre;correo;departamento;fecha_ingreso\n{existing.rut};José Muñoz;;Finanzas;01-03-2025\n"

    html = upload(client, data.encode()).get_data(as_text=True)
    assert "Cuentas que se actualizan" in html
    assert "Jose Munoz" in html and "José Muñoz" in html and "Finanzas" in html
    done = client.post(CONFIRM, data=creating_new_departments(confirm_fields(html)))
    assert done.status_code == 200
    assert "/clave/" not in done.get_data(as_text=True)
    with app.app_context():
        user = user_by_rut(existing.rut)
        assert user.id == existing.id
        assert user.full_name == "José Muñoz" and user.department.name == "Finanzas"
        assert user.email == "antiguo@muni.cl"  # an empty cell changes nothing
        assert user.start_date == date(2025, 3, 1) and user.due_date == due_before  # no due date in the file
        assert user.password_hash == PASSWORD_HASH and user.roles == {STAFF}
        assert db.session.get(LessonView, (existing.id, lesson_id)) is not None
        assert count(PasswordToken) == 0
    [event] = import_events(app)
    assert (event["created"], event["updated"]) == (0, 1)


def test_unchanged_people_are_counted_and_nothing_is_left_to_confirm(app, client, hr, make_user):
    existing = make_user(full_name="Ana Pérez", email="ana@muni.cl")
    html = upload(client, f"rut;nombre;correo\n{existing.rut};Ana Pérez;ANA@muni.cl\n".encode()).get_data(as_text=True)
    assert "1 persona del archivo ya tenía estos mismos datos" in html
    assert "No hay nada que importar" in html and CONFIRM not in html


def test_the_import_is_one_transaction(app, client, hr, monkeypatch):
    fields = creating_new_departments(confirm_fields(upload(client, windows_csv()).get_data(as_text=True)))
    calls = []

    def failing_issue_token(user, purpose, lifetime):
        calls.append(user.rut)
        if len(calls) == 3:
            raise RuntimeError("mail server on fire")
        return "token"

    monkeypatch.setattr(importer, "issue_token", failing_issue_token)
    with pytest.raises(RuntimeError):
        client.post(CONFIRM, data=fields)
    with app.app_context():
        assert count(Department) == 0 and user_by_rut("12345678-5") is None
    assert import_events(app) == []


def test_a_file_problem_is_shown_on_the_upload_page(app, client, hr):
    page = upload(client, b"nombre;correo\nJos\xe9;x@muni.cl\n")
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "Falta la columna «rut»" in html and "no se guardó nada" in html

    missing = client.post(UPLOAD, data={}, content_type="multipart/form-data")
    assert missing.status_code == 422 and "Elija el archivo con las personas." in missing.get_data(as_text=True)


def test_upload_page_explains_the_columns(client, hr):
    page = client.get(UPLOAD)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in html and "fecha_ingreso" in html and "<caption" in html


def test_a_forged_or_foreign_ticket_is_refused(app, client, hr, make_user):
    fields = confirm_fields(upload(client, windows_csv()).get_data(as_text=True))
    forged = client.post(CONFIRM, data=fields | {"ticket": fields["ticket"][:-3] + "abc"})
    assert forged.status_code == 302 and forged.location.endswith(UPLOAD)

    other_hr = make_user(roles=(HR,))
    other = app.test_client()
    other.post("/login", data={"login": other_hr.email, "password": "clave-de-prueba-larga"})
    assert other.post(CONFIRM, data=fields).status_code == 302
    with app.app_context():
        assert user_by_rut("12345678-5") is None


def test_the_ticket_carries_only_the_columns_the_import_uses(app):
    with app.app_context():
        table = importer.load_table(comma_csv(), "x.csv")
        preview = importer.build_preview(table)
        ticket = importer.pack_ticket(table, preview.columns, user_id=7, file_name="x.csv")
        carried, name = importer.unpack_ticket(ticket, user_id=7)
        assert name == "x.csv" and "observaciones" not in carried.header
        assert importer.build_preview(carried).fingerprint == preview.fingerprint
        with pytest.raises(importer.InvalidTicket):
            importer.unpack_ticket(ticket, user_id=8)


@pytest.mark.parametrize("roles", [(STAFF,), (TRAINER,)], ids=["staff", "trainer"])
def test_staff_and_trainers_get_403(app, make_user, roles):
    person = make_user(roles=roles)
    client = app.test_client()
    client.post("/login", data={"login": person.email, "password": "clave-de-prueba-larga"})
    assert client.get(UPLOAD).status_code == 403
    assert upload(client, windows_csv()).status_code == 403
    assert client.post(CONFIRM, data={"ticket": "x", "fingerprint": "y"}).status_code == 403
    with app.app_context():
        assert user_by_rut("12345678-5") is None


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(UPLOAD)
    assert response.status_code == 302 and "/login" in response.location


# --- The command line ---------------------------------------------------------------------------


def write(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_cli_refuses_a_file_with_invalid_rows_and_lists_them(app, runner, tmp_path):
    result = runner.invoke(args=["staff", "import", write(tmp_path, "errores.csv", errors_csv())])
    assert result.exit_code != 0
    assert "no se importó nada" in result.output
    assert "línea 2: RUT «12.345.678-9»: el dígito verificador del RUT no corresponde" in result.output
    assert "línea 7: falta el nombre" in result.output
    assert "--skip-invalid" in result.output
    with app.app_context():
        assert user_by_rut("9876543-3") is None and count(Department) == 0


def test_cli_dry_run_writes_nothing(app, runner, tmp_path):
    result = runner.invoke(args=["staff", "import", write(tmp_path, "ok.xlsx", xlsx_file()), "--dry-run"])
    assert result.exit_code != 0  # the workbook has an invalid row
    valid = runner.invoke(
        args=["staff", "import", write(tmp_path, "ok.csv", windows_csv()), "--dry-run", "--create-departments"]
    )
    assert valid.exit_code == 0, valid.output
    assert "Personas nuevas: 4" in valid.output and "no se guardó nada" in valid.output
    with app.app_context():
        assert user_by_rut("12345678-5") is None and count(Department) == 0
    assert import_events(app) == []


def test_cli_skip_invalid_imports_the_valid_rows_and_prints_links(app, runner, tmp_path):
    result = runner.invoke(
        args=["staff", "import", write(tmp_path, "abril.xlsx", xlsx_file()), "--skip-invalid", "--create-departments"]
    )
    assert result.exit_code == 0, result.output
    assert "línea 6: fecha de ingreso no reconocida «el lunes»" in result.output
    assert "Personas nuevas: 3; cuentas actualizadas: 0; filas omitidas: 1." in result.output
    output = result.output
    without_email = output[output.index("Personas sin correo") : output.index("Correos de bienvenida")]
    assert "Héctor Bravo (12.345.678-5): http://127.0.0.1:5000/clave/" in without_email
    assert "Carla Díaz" in without_email and "Rosa" not in without_email
    with app.app_context():
        assert user_by_rut("12345678-5").due_date == date(2025, 6, 30)
        assert user_by_rut("11222333-9") is None
    [event] = import_events(app)
    assert event["via"] == "cli" and event["skipped"] == 1 and event["actor_id"] is None


def test_cli_links_use_base_url(make_app, tmp_path):
    app = make_app(BASE_URL="https://induccion.muni.cl/")
    result = app.test_cli_runner().invoke(
        args=["staff", "import", write(tmp_path, "a.csv", bom_csv()), "--create-departments"]
    )
    assert result.exit_code == 0, result.output
    assert "Pedro Álvarez (19.234.876-5): https://induccion.muni.cl/clave/" in result.output


def test_cli_refuses_a_missing_file_or_column(runner, tmp_path):
    missing = runner.invoke(args=["staff", "import", str(tmp_path / "no-existe.csv")])
    assert missing.exit_code != 0 and "No existe el archivo" in missing.output
    no_rut = runner.invoke(args=["staff", "import", write(tmp_path, "x.csv", b"nombre\nAna\n")])
    assert no_rut.exit_code != 0 and "Falta la columna «rut»" in no_rut.output


def test_cli_import_mails_links_to_people_with_email(make_app, smtp_server, tmp_path):
    from tests.smtp import Inbox

    inbox = Inbox()
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server(inbox), BASE_URL="https://induccion.muni.cl")
    csv_text = "rut;nombre;correo\n12.345.678-5;Héctor Bravo;\n19.234.876-5;Pedro Álvarez;pedro@muni.cl\n"
    result = app.test_cli_runner().invoke(args=["staff", "import", write(tmp_path, "a.csv", csv_text.encode())])
    assert result.exit_code == 0, result.output
    assert "Correos de bienvenida en la cola de envío: 1." in result.output
    [(recipients, message)] = inbox.messages
    assert recipients == ["pedro@muni.cl"] and "https://induccion.muni.cl/clave/" in message.get_content()


def imported_with_email(app, make_user, csv_text: str) -> str:
    """The part of the import's done page about the people with email, HR signed in on `app`."""
    from tests.conftest import login

    client = app.test_client()
    login(client, make_user(roles=(STAFF, HR)).email)
    preview = upload(client, csv_text.encode(), "ingresos.csv").get_data(as_text=True)
    html = client.post(CONFIRM, data=confirm_fields(preview)).get_data(as_text=True)
    return html[html.index("Personas con correo") :]


def test_the_done_page_tells_welcome_mails_sent_as_sent_and_counts_them(make_app, smtp_server, make_user):
    from tests.smtp import Inbox

    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server(Inbox()))  # tests' queue sends at once
    section = imported_with_email(app, make_user, "rut;nombre;correo\n19.234.876-5;Pedro Álvarez;pedro@muni.cl\n")
    assert "Se envió el correo de bienvenida con el enlace." in section
    assert "cola de envío" not in section and "Enviado" in section


def test_the_done_page_tells_welcome_mails_queued_as_queued_and_counts_them(make_app, make_user):
    from tests.smtp import free_port

    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())  # nothing listens there
    one = imported_with_email(app, make_user, "rut;nombre;correo\n19.234.876-5;Pedro Álvarez;pedro@muni.cl\n")
    assert "El correo de bienvenida con el enlace quedó en cola de envío;" in one
    assert "el estado queda en la ficha de la persona." in one and "ya se envi" not in one
    two = imported_with_email(
        app,
        make_user,
        "rut;nombre;correo\n12.345.678-5;Héctor Bravo;hector@muni.cl\n9.876.543-3;Rosa Quiroz;rosa@muni.cl\n",
    )
    assert "Los 2 correos de bienvenida con el enlace quedaron en cola de envío;" in two
    assert "el estado queda en la ficha de cada persona." in two


# --- Files built to exhaust a worker (issue 12) ---------------------------------------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def crafted_xlsx(sheet_data: str, shared_strings: str | None = None) -> bytes:
    """A minimal workbook around hand-written `<sheetData>` (and shared strings), zipped small."""
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<?xml version="1.0"?><Relationships xmlns="{_RELS}"><Relationship Id="rId1" '
            f'Type="{_DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0"?><workbook xmlns="{_MAIN}" xmlns:r="{_DOC}">'
            '<sheets><sheet name="Hoja1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0"?><Relationships xmlns="{_RELS}">'
            f'<Relationship Id="rId1" Type="{_DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
            + (
                f'<Relationship Id="rId2" Type="{_DOC}/sharedStrings" Target="sharedStrings.xml"/>'
                if shared_strings is not None
                else ""
            )
            + "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0"?><worksheet xmlns="{_MAIN}"><sheetData>{sheet_data}'
        "</sheetData></worksheet>",
    }
    if shared_strings is not None:
        parts["xl/sharedStrings.xml"] = f'<?xml version="1.0"?><sst xmlns="{_MAIN}">{shared_strings}</sst>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def inline_row(number: int, *values: str) -> str:
    cells = "".join(f'<c t="inlineStr"><is><t>{value}</t></is></c>' for value in values)
    return f'<row r="{number}">{cells}</row>'


def refused_upload(client, data: bytes, name: str) -> str:
    """Upload a hostile file: a 422 with the upload form still there. Returns the page."""
    started = time.monotonic()
    page = upload(client, data, name)
    html = page.get_data(as_text=True)
    assert page.status_code == 422, html
    assert 'enctype="multipart/form-data"' in html and "no se guardó nada" in html
    assert time.monotonic() - started < 60  # a sanity bound only: the messages prove reading stopped early
    return html


GOOD_HEADER = inline_row(1, "rut", "nombre")


def test_an_xlsx_of_four_million_empty_rows_stops_at_the_row_limit(app, client, hr):
    data = crafted_xlsx(GOOD_HEADER + "<row/>" * 4_000_000 + inline_row(4_000_002, "12.345.678-5", "José"))
    assert len(data) < 100_000  # 24 MB of XML once unzipped
    html = refused_upload(client, data, "bomba.xlsx")
    assert f"El archivo tiene más de {importer.MAX_LINES} filas, contando las vacías." in html
    # The form keeps working: a proper file goes through right after.
    assert upload(client, windows_csv()).status_code == 200
    with app.app_context():
        assert user_by_rut("12345678-5") is None


def test_rows_an_xlsx_skips_count_toward_the_limit_too(client, hr):
    data = crafted_xlsx(GOOD_HEADER + inline_row(1_048_576, "12.345.678-5", "José"))
    assert "contando las vacías" in refused_upload(client, data, "salto.xlsx")


def test_an_xlsx_with_a_million_cells_in_one_row_is_refused(client, hr):
    data = crafted_xlsx(GOOD_HEADER + '<row r="2">' + "<c/>" * 1_000_000 + "</row>")
    assert "El libro de Excel tiene demasiadas celdas." in refused_upload(client, data, "ancha.xlsx")


def test_an_xlsx_with_a_huge_shared_string_table_is_refused(client, hr):
    data = crafted_xlsx(GOOD_HEADER, shared_strings="<si><t/></si>" * 2_000_000)
    assert "El libro de Excel es demasiado grande." in refused_upload(client, data, "textos.xlsx")


def test_an_xlsx_declaring_entities_is_refused(client, hr):
    bomb = crafted_xlsx(GOOD_HEADER)  # a valid archive; then its workbook part gets a DOCTYPE
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(bomb)) as source, zipfile.ZipFile(buffer, "w") as target:
        for entry in source.infolist():
            text = source.read(entry)
            if entry.filename == "xl/workbook.xml":
                text = text.replace(b"<workbook", b'<!DOCTYPE w [<!ENTITY a "aaaaaaaa">]><workbook', 1)
            target.writestr(entry.filename, text)
    assert "demasiado grande" in refused_upload(client, buffer.getvalue(), "entidades.xlsx")


def test_a_crafted_but_honest_xlsx_still_imports(app):
    data = crafted_xlsx(GOOD_HEADER + "<row/>" * 50 + inline_row(52, "12.345.678-5", "José Muñoz"))
    with app.app_context():
        preview = preview_of(data, "honesta.xlsx")
    assert [(plan.row.line, plan.row.full_name) for plan in preview.creates] == [(52, "José Muñoz")]


def test_reading_stops_at_the_deadline(app, client, hr, monkeypatch):
    monkeypatch.setattr(importer, "READ_SECONDS", 0.0)
    slow = "tardó demasiado en leerse"
    assert slow in refused_upload(client, xlsx_file(), "lenta.xlsx")
    rows = "".join(f"{30_000_000 + n};Persona {n}\n" for n in range(300))
    assert slow in refused_upload(client, ("rut;nombre\n" + rows).encode(), "lenta.csv")


def refused_file(data: bytes, name: str) -> str:
    """The problem load_table() reports for a file (big CSVs are read directly: no upload needed)."""
    with pytest.raises(importer.ImportFileError) as error:
        importer.load_table(data, name)
    return str(error.value)


def test_a_csv_of_millions_of_empty_lines_stops_at_the_row_limit(app):
    with app.app_context():
        for newline in (b"\n", b"\r\n", b";;;\n"):
            data = b"rut;nombre\n" + newline * 1_000_000 + b"12.345.678-5;Jos\xc3\xa9\n"
            assert f"más de {importer.MAX_LINES} filas, contando las vacías" in refused_file(data, "vacias.csv")


def test_a_csv_with_one_huge_line_gets_a_clear_message(app):
    with app.app_context():
        one_cell = b"rut;nombre\n12.345.678-5;" + b"x" * 3_900_000 + b"\n"
        assert "Una celda cerca de la línea 2 es demasiado larga" in refused_file(one_cell, "larga.csv")
        many_cells = b"rut;nombre" + b";" * 3_900_000 + b"\n"
        assert "solo tiene la fila de títulos" in refused_file(many_cells, "anchas.csv")
        assert "pesa más de 4 MB" in refused_file(b"rut;nombre\n" + b"x" * 5_000_000, "enorme.csv")


def test_a_csv_problem_of_size_reaches_the_upload_page_as_a_422(client, hr):
    data = b"rut;nombre\n" + b"\n" * 5000 + b"12.345.678-5;Jos\xc3\xa9\n"
    assert "contando las vacías" in refused_upload(client, data, "vacias.csv")


def test_cli_refuses_an_xlsx_of_empty_rows(runner, tmp_path):
    data = crafted_xlsx(GOOD_HEADER + "<row/>" * 4_000_000)
    result = runner.invoke(args=["staff", "import", write(tmp_path, "bomba.xlsx", data)])
    assert result.exit_code != 0 and "contando las vacías" in result.output


# --- Departments stay clean (issue 10) -------------------------------------------------------------


def demo_departments(app) -> dict[str, int]:
    """The departments the demo municipality uses (portal/demo.py), by name."""
    with app.app_context():
        departments = [Department(name=name) for name in DEMO_DEPARTMENTS]
        db.session.add_all(departments)
        db.session.commit()
        return {department.name: department.id for department in departments}


def department_names(app) -> list[str]:
    with app.app_context():
        return sorted(db.session.scalars(select(Department.name)))


def field_for(html: str, spelling: str) -> str:
    """The name of the select that decides the department the file spells this way."""
    [name] = re.findall(rf'<label for="(departamento-[0-9a-f]+)">[^<]*«{re.escape(spelling)}»', html)
    return name


OTHER_SPELLINGS = (
    "rut;nombre;departamento\n"
    "12.345.678-5;José Muñoz;Direccion de Transito\n"
    "15.678.234-3;María Núñez;DIDECO\n"
    "16.234.567-2;Íñigo Sáez;dirección  de obras municipales \n"
    "17.890.123-0;Begoña Ibáñez;Dirección de Tránsito\n"
).encode()


@pytest.mark.parametrize(
    "written,expected,how",
    [
        ("Dirección de Tránsito", "Dirección de Tránsito", people.SAME_NAME),
        ("  dirección DE tránsito ", "Dirección de Tránsito", people.SAME_NAME),
        ("Direccion de Transito", "Dirección de Tránsito", people.SAME_LETTERS),
        ("Dir. Tránsito", "Dirección de Tránsito", people.SAME_LETTERS),
        ("DT", "Dirección de Tránsito", people.ALIAS),
        ("Tránsito", "Dirección de Tránsito", people.ALIAS),
        ("DIDECO", "Dirección de Desarrollo Comunitario", people.ALIAS),
        ("Dideco", "Dirección de Desarrollo Comunitario", people.ALIAS),
        ("D.O.M.", "Dirección de Obras Municipales", people.ALIAS),
        ("DAF", "Dirección de Administración y Finanzas", people.ALIAS),
        ("DIMAO", "Dirección de Medio Ambiente, Aseo y Ornato", people.ALIAS),
        ("DMAO", "Dirección de Medio Ambiente, Aseo y Ornato", people.ALIAS),
        (
            "Direccion de Medio Ambiente Aseo y Ornato",
            "Dirección de Medio Ambiente, Aseo y Ornato",
            people.SAME_LETTERS,
        ),
        ("DESAM", "Departamento de Salud", people.ALIAS),
        ("Depto. de Salud", "Departamento de Salud", people.SAME_LETTERS),
        ("Delegación Ñuñoa", None, None),
        ("Salud", None, None),
        ("Finanzas", None, None),
        ("SECPLAN", None, None),  # the demo municipality has no planning office
    ],
)
def test_match_department_ignores_accents_case_spacing_and_known_abbreviations(written, expected, how):
    departments = [Department(id=number, name=name) for number, name in enumerate(DEMO_DEPARTMENTS, start=1)]
    match = people.match_department(written, departments)
    assert (match and match.department.name, match and match.how) == (expected, how)


def test_match_department_knows_each_unit_by_its_abbreviations():
    for names in people.DEPARTMENT_ALIASES:
        department = Department(id=1, name=names[0])
        for alias in names[1:]:
            assert people.match_department(alias, [department]).department is department, alias
    secpla = [Department(id=1, name="Secretaría Comunal de Planificación")]
    assert people.match_department("SECPLA", secpla) and people.match_department("Secplan", secpla)
    assert people.match_department("DAEM", [Department(id=1, name="Departamento de Educación")])


def test_match_department_refuses_to_guess_between_near_duplicates():
    twins = [Department(id=1, name="Dirección de Tránsito"), Department(id=2, name="Direccion de Transito.")]
    assert people.match_department("DT", twins) is None
    assert people.match_department("dirección de tránsito", twins).department.id == 1  # the same name wins


def test_departments_written_another_way_go_to_the_existing_ones(app, client, hr):
    ids = demo_departments(app)
    page = upload(client, OTHER_SPELLINGS)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "«Direccion de Transito» se asignará a «Dirección de Tránsito»" in html
    assert "«DIDECO» se asignará a «Dirección de Desarrollo Comunitario» (nombre abreviado o sigla conocida)" in html
    assert "«dirección de obras municipales» se asignará a «Dirección de Obras Municipales»" in html
    assert "Se crearán estos departamentos" not in html
    fields = confirm_fields(html)
    # The exact name needs no decision; the three others are proposed, and a browser sends the proposals.
    assert len(department_selects(html)) == 3
    assert fields[field_for(html, "DIDECO")] == str(ids["Dirección de Desarrollo Comunitario"])
    # Accents and case alone never make a new department: there is no such option.
    assert not any(
        label.startswith("Crear") for label in department_options(html, field_for(html, "Direccion de Transito"))
    )

    done = client.post(CONFIRM, data=fields)
    assert done.status_code == 200, done.get_data(as_text=True)
    assert department_names(app) == sorted(DEMO_DEPARTMENTS)
    with app.app_context():
        assert user_by_rut("12345678-5").department_id == ids["Dirección de Tránsito"]
        assert user_by_rut("15678234-3").department_id == ids["Dirección de Desarrollo Comunitario"]
        assert user_by_rut("16234567-2").department_id == ids["Dirección de Obras Municipales"]
        assert user_by_rut("17890123-0").department_id == ids["Dirección de Tránsito"]
    [event] = import_events(app)
    assert event["new_departments"] == []


def test_hr_can_change_a_mapping(app, client, hr):
    ids = demo_departments(app)
    html = upload(client, OTHER_SPELLINGS).get_data(as_text=True)
    fields = confirm_fields(html)
    # The DIDECO people actually belong to the municipal secretariat; "DT" is created on purpose.
    fields[field_for(html, "DIDECO")] = str(ids["Secretaría Municipal"])
    done = client.post(CONFIRM, data=fields)
    assert done.status_code == 200
    with app.app_context():
        assert user_by_rut("15678234-3").department_id == ids["Secretaría Municipal"]
        assert user_by_rut("12345678-5").department_id == ids["Dirección de Tránsito"]
    assert department_names(app) == sorted(DEMO_DEPARTMENTS)


def test_an_abbreviation_may_become_a_department_of_its_own_when_hr_says_so(app, client, hr):
    demo_departments(app)
    html = upload(client, b"rut;nombre;departamento\n12.345.678-5;Jos\xc3\xa9;DIDECO\n").get_data(as_text=True)
    name = field_for(html, "DIDECO")
    assert department_options(html, name)["Crear «DIDECO» como departamento nuevo"] == importer.CREATE
    assert client.post(CONFIRM, data=confirm_fields(html) | {name: importer.CREATE}).status_code == 200
    assert "DIDECO" in department_names(app)


def test_an_unknown_department_is_created_only_when_hr_chooses_it(app, client, hr):
    ids = demo_departments(app)
    data = "rut;nombre;departamento\n12.345.678-5;José Muñoz;Delegación Ñuñoa\n15.678.234-3;María;DIDECO\n"
    html = upload(client, data.encode()).get_data(as_text=True)
    name = field_for(html, "Delegación Ñuñoa")
    assert "No hay un departamento con este nombre en el portal" in html
    fields = confirm_fields(html)
    assert fields[name] == ""  # no default: someone has to choose

    # Confirming without choosing stores nothing and asks again, keeping the other choices.
    refused = client.post(CONFIRM, data=fields | {field_for(html, "DIDECO"): str(ids["Dirección de Tránsito"])})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "falta decidir qué hacer con algunos departamentos" in page
    assert "Elija a qué departamento pertenece «Delegación Ñuñoa» o créelo como nuevo." in page
    assert f'aria-describedby="{name}-hint {name}-error" aria-invalid="true"' in page
    assert confirm_fields(page)[field_for(page, "DIDECO")] == str(ids["Dirección de Tránsito"])
    with app.app_context():
        assert user_by_rut("12345678-5") is None
    assert department_names(app) == sorted(DEMO_DEPARTMENTS)

    # Choosing an existing department creates none.
    chosen = client.post(CONFIRM, data=confirm_fields(page) | {name: str(ids["Secretaría Municipal"])})
    assert chosen.status_code == 200
    assert department_names(app) == sorted(DEMO_DEPARTMENTS)
    with app.app_context():
        assert user_by_rut("12345678-5").department_id == ids["Secretaría Municipal"]
        assert user_by_rut("15678234-3").department_id == ids["Dirección de Tránsito"]

    # Choosing to create it creates it, once, under the file's name.
    html = upload(
        client, b"rut;nombre;departamento\n16.234.567-2;Inigo;Delegaci\xc3\xb3n \xc3\x91u\xc3\xb1oa\n"
    ).get_data(as_text=True)
    created = client.post(CONFIRM, data=confirm_fields(html) | {name: importer.CREATE})
    assert created.status_code == 200
    assert "Departamentos nuevos creados: Delegación Ñuñoa." in created.get_data(as_text=True)
    assert department_names(app) == sorted([*DEMO_DEPARTMENTS, "Delegación Ñuñoa"])
    [_first, event] = import_events(app)
    assert event["new_departments"] == ["Delegación Ñuñoa"]


@pytest.mark.parametrize("value", ["", "999999", "abc", "<script>alert(1)</script>", "nuevo "])
def test_impossible_department_choices_store_nothing(app, client, hr, value):
    demo_departments(app)
    html = upload(client, b"rut;nombre;departamento\n12.345.678-5;Jos\xc3\xa9;Direccion de Transito\n").get_data(
        as_text=True
    )
    name = field_for(html, "Direccion de Transito")
    answer = client.post(CONFIRM, data=confirm_fields(html) | {name: value})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422, page
    assert "<script>alert" not in page
    assert ("escrito de otra forma" in page) if value.strip() == importer.CREATE else ("Elija" in page)
    with app.app_context():
        assert user_by_rut("12345678-5") is None
    assert department_names(app) == sorted(DEMO_DEPARTMENTS)


def test_a_department_created_meanwhile_is_proposed_again_before_anything_is_stored(app, client, hr):
    html = upload(client, "rut;nombre;departamento\n12.345.678-5;José;Delegación Ñuñoa\n".encode()).get_data(
        as_text=True
    )
    fields = creating_new_departments(confirm_fields(html))
    with app.app_context():
        db.session.add(Department(name="Delegacion Nunoa"))  # someone else made it, spelled their way
        db.session.commit()
    changed = client.post(CONFIRM, data=fields)
    page = changed.get_data(as_text=True)
    assert changed.status_code == 409
    assert "«Delegación Ñuñoa» se asignará a «Delegacion Nunoa»" in page
    assert department_names(app) == ["Delegacion Nunoa"]
    assert client.post(CONFIRM, data=confirm_fields(page)).status_code == 200
    assert department_names(app) == ["Delegacion Nunoa"]


def test_cli_applies_safe_mappings_and_refuses_unknown_departments(app, runner, tmp_path):
    ids = demo_departments(app)
    safe = runner.invoke(args=["staff", "import", write(tmp_path, "a.csv", OTHER_SPELLINGS)])
    assert safe.exit_code == 0, safe.output
    assert "«DIDECO» se asignará a «Dirección de Desarrollo Comunitario»." in safe.output
    assert department_names(app) == sorted(DEMO_DEPARTMENTS)
    with app.app_context():
        assert user_by_rut("16234567-2").department_id == ids["Dirección de Obras Municipales"]

    unknown = "rut;nombre;departamento\n9.876.543-3;Rosa;Delegación Ñuñoa\n".encode()
    refused = runner.invoke(args=["staff", "import", write(tmp_path, "b.csv", unknown)])
    assert refused.exit_code != 0
    assert "«Delegación Ñuñoa» no existe en el portal." in refused.output and "--create-departments" in refused.output
    with app.app_context():
        assert user_by_rut("9876543-3") is None
    created = runner.invoke(args=["staff", "import", write(tmp_path, "b.csv", unknown), "--create-departments"])
    assert created.exit_code == 0, created.output
    assert "se creará como departamento nuevo «Delegación Ñuñoa»" in created.output
    assert "Delegación Ñuñoa" in department_names(app)


def test_cli_help_explains_create_departments(runner):
    result = runner.invoke(args=["staff", "import", "--help"])
    assert "--create-departments" in result.output and "DIDECO" in result.output


# --- A long file: applied by a job of the queue ----------------------------------------------


def long_import_app(make_app, make_user):
    """An app where more than two rows make a long file, and an HR client of it."""
    from tests.test_hr_certificates import hr_client

    app = make_app(IMPORT_JOB_ROWS=2)
    client, hr_user = hr_client(app, make_user)
    return app, client, hr_user


def test_a_long_file_is_applied_by_a_job_in_one_go_and_only_its_requester_sees_it(make_app, make_user):
    from tests.test_hr_certificates import hr_client

    app, client, hr_user = long_import_app(make_app, make_user)
    with app.app_context():
        people_before = count(User)
    html = upload(client, windows_csv(), "ingresos marzo.csv").get_data(as_text=True)
    assert "la importación se hará en segundo plano" in html

    started = client.post(CONFIRM, data=creating_new_departments(confirm_fields(html)))
    assert started.status_code == 302 and "/rrhh/tareas/" in started.headers["Location"]
    page = client.get(started.headers["Location"]).get_data(as_text=True)  # the queue ran at once here
    assert "Importación de personas" in page and "Terminado" in page
    assert "Se importó «ingresos marzo.csv». Personas nuevas: 4; cuentas actualizadas: 0" in page
    assert "Se envían 2 correos de bienvenida" in page and "2 personas nuevas no tienen correo" in page
    assert "/clave/" not in page  # one-time links are never kept for a job's page
    with app.app_context():
        assert count(User) == people_before + 4 and count(PasswordToken) == 4
        assert user_by_rut("17890123-0").department.name == "Delegación Ñuñoa"
        welcomes = db.session.scalar(select(func.count()).select_from(OutboxMail).where(OutboxMail.kind == "welcome"))
        assert welcomes == 2
    [event] = import_events(app)
    assert event["via"] == "job" and event["created"] == 4 and event["actor_id"] == hr_user.id

    other, _ = hr_client(app, make_user)
    assert other.get(started.headers["Location"]).status_code == 404


def test_an_import_job_refuses_rows_that_changed_since_the_review_and_stores_nothing(make_app, make_user):
    app, client, hr_user = long_import_app(make_app, make_user)
    fields = creating_new_departments(confirm_fields(upload(client, windows_csv()).get_data(as_text=True)))
    choices = {name: value for name, value in fields.items() if name.startswith(importer.DEPARTMENT_FIELD_PREFIX)}
    with app.app_context():
        people_before = count(User)
        # Someone got one of the file's addresses between HR's confirmation and the job's turn.
        taken = User(rut=f"5126663-{check_digit(5126663)}", full_name="Llegó Antes", email="isaez@muni.cl")
        taken.set_roles([STAFF])
        db.session.add(taken)
        job = start_job(
            JobKind.STAFF_IMPORT,
            hr_user.id,
            {
                "ticket": fields["ticket"],
                "choices": choices,
                "fingerprint": fields["fingerprint"],
                "skip_invalid": False,
            },
        )
        db.session.commit()
        job = db.session.get(Job, job.id)
        assert job.status == "failed" and "Los datos cambiaron desde que revisó el archivo" in job.summary
        assert count(User) == people_before + 1 and count(Department) == 0
    assert import_events(app) == []
    page = client.get(f"/rrhh/tareas/{job.id}").get_data(as_text=True)
    assert "Falló" in page and "Súbalo otra vez y revíselo" in page


def test_an_import_job_that_breaks_in_the_middle_stores_nothing(make_app, make_user, monkeypatch):
    app, client, _ = long_import_app(make_app, make_user)
    fields = creating_new_departments(confirm_fields(upload(client, windows_csv()).get_data(as_text=True)))
    calls = []

    def failing_issue_token(user, purpose, lifetime):
        calls.append(user.rut)
        if len(calls) == 3:
            raise RuntimeError("disk on fire")
        return "token"

    monkeypatch.setattr(importer, "issue_token", failing_issue_token)
    with app.app_context():
        people_before = count(User)
    started = client.post(CONFIRM, data=fields)
    page = client.get(started.headers["Location"]).get_data(as_text=True)
    assert "se detuvo por un error inesperado" in page
    with app.app_context():
        assert count(User) == people_before and count(Department) == 0 and user_by_rut("12345678-5") is None
    assert import_events(app) == []
