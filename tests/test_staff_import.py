"""HR imports new staff from the files Excel actually produces in Chile: preview, then confirm."""

from __future__ import annotations

import io
import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

import portal.reports.staff_views  # noqa: F401  (registers the import routes on the HR blueprint)
from portal.extensions import db
from portal.models.audit import AuditEvent
from portal.models.curriculum import Lesson
from portal.models.progress import LessonView
from portal.models.staff import SET_PASSWORD, PasswordToken
from portal.models.user import HR, STAFF, TRAINER, Department, User
from portal.reports import staff_import as importer
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


def preview_of(data: bytes, name: str = "nomina.csv") -> importer.Preview:
    return importer.build_preview(importer.load_table(data, name))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def user_by_rut(rut: str) -> User | None:
    return db.session.scalar(select(User).where(User.rut == rut))


def upload(client, data: bytes, name: str = "nomina.csv"):
    return client.post(UPLOAD, data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def confirm_fields(html: str) -> dict:
    fields = dict(re.findall(r'name="(ticket|fingerprint|skip_invalid)" type="hidden" value="([^"]*)"', html))
    assert {"ticket", "fingerprint"} <= fields.keys(), "the preview has no confirmation form"
    return fields


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
    assert preview.new_departments == ["Delegación Ñuñoa", "Dirección de Tránsito"]


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

    done = client.post(CONFIRM, data=confirm_fields(html))
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
    assert client.post(CONFIRM, data=confirm_fields(html)).status_code == 200
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
    fields = confirm_fields(html)
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
        "file": "con errores.csv",
        "via": "web",
        "actor_id": hr.id,
    }


def test_confirm_revalidates_against_the_database(app, client, hr, make_user):
    html = upload(client, windows_csv()).get_data(as_text=True)
    fields = confirm_fields(html)
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
    assert client.post(CONFIRM, data=confirm_fields(html)).status_code == 200
    with app.app_context():
        assert user_by_rut("12345678-5") is not None and user_by_rut("16234567-2") is None


def test_confirming_twice_does_not_import_twice(app, client, hr):
    fields = confirm_fields(upload(client, windows_csv()).get_data(as_text=True))
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
    done = client.post(CONFIRM, data=confirm_fields(html))
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
    fields = confirm_fields(upload(client, windows_csv()).get_data(as_text=True))
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
    valid = runner.invoke(args=["staff", "import", write(tmp_path, "ok.csv", windows_csv()), "--dry-run"])
    assert valid.exit_code == 0, valid.output
    assert "Personas nuevas: 4" in valid.output and "no se guardó nada" in valid.output
    with app.app_context():
        assert user_by_rut("12345678-5") is None and count(Department) == 0
    assert import_events(app) == []


def test_cli_skip_invalid_imports_the_valid_rows_and_prints_links(app, runner, tmp_path):
    result = runner.invoke(args=["staff", "import", write(tmp_path, "abril.xlsx", xlsx_file()), "--skip-invalid"])
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
    result = app.test_cli_runner().invoke(args=["staff", "import", write(tmp_path, "a.csv", bom_csv())])
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
    assert "Correos de bienvenida enviados: 1 de 1." in result.output
    [(recipients, message)] = inbox.messages
    assert recipients == ["pedro@muni.cl"] and "https://induccion.muni.cl/clave/" in message.get_content()
