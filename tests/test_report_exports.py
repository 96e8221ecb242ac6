"""HR's CSV and XLSX exports of the completion list, from the browser and from the CLI."""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import threading
import zipfile
from datetime import UTC, date, datetime, timedelta
from itertools import groupby
from operator import itemgetter
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal import downloads
from portal.audit import first_broken_event
from portal.dates import add_months
from portal.extensions import db
from portal.models.audit import AuditEvent
from portal.models.curriculum import Lesson, Module
from portal.models.progress import Commitment, LessonView
from portal.models.quiz import Attempt
from portal.models.types import utcnow
from portal.models.user import Department, User
from portal.reports import details, exports, service
from portal.reports.service import PersonRow
from portal.rut import check_digit, format_rut
from portal.settings import store
from portal.vocabulary import HR, STAFF, TRAINER
from tests.conftest import login
from tests.helpers import (
    SLUGS,
    answers_for,
    complete_module,
    counting_queries,
    one_wrong_score,
    read_all_lessons,
    start_quiz,
)

#: The first module's score with one answer wrong: its pool decides the denominator.
ONE_WRONG = one_wrong_score(SLUGS[0])

TODAY = date.today()
REPORT_HEADERS = [
    "RUT",
    "Nombre",
    "Correo",
    "Departamento",
    "Calidad jurídica",
    "Fecha de ingreso",
    "Plazo",
    "Estado",
    "Avance (%)",
    "Completado el",
]
#: The six default modules, all required and with a quiz, in path order.
MODULES = ["Misión y Visión", "Compromiso", "Transparencia", "Inclusión", "Respeto y Solidaridad", "Ética y Probidad"]
MODULE_HEADERS = [f"{title} — {what}" for title in MODULES for what in ("mejor puntaje", "intentos", "completado el")]
HEADERS = [*REPORT_HEADERS, *MODULE_HEADERS, "Declaración de compromiso firmada el"]
LAST_COLUMN = "AC"  # 10 + 6 x 3 + 1 = 29 columns
#: Nothing done in any module: no score, no attempt, not completed.
UNTOUCHED_MODULES = ["", "0", ""] * len(MODULES)
# 02:00 UTC on 10 March 2024 is still 9 March in Santiago: the export shows the local day.
SIGNED_AT = datetime(2024, 3, 10, 2, 0, tzinfo=UTC)
INJECTIONS = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)"]


def rut(number: int) -> str:
    return f"{number}-{check_digit(number)}"


def add_person(name, number, department, *, start, due, employment="contrata", email=True, active=True) -> User:
    user = User(
        rut=rut(number),
        full_name=name,
        email=f"p{number}@muni.test" if email else None,
        department=department,
        employment_type=employment,
        start_date=start,
        due_date=due,
        active=active,
    )
    user.set_roles([STAFF])
    db.session.add(user)
    db.session.flush()
    return user


def read_first_lesson(user: User) -> None:
    lesson = db.session.scalar(select(Lesson).join(Module).order_by(Module.position, Lesson.position).limit(1))
    db.session.add(LessonView(user_id=user.id, lesson_id=lesson.id, viewed_at=utcnow()))


@pytest.fixture
def people(app):
    """Four active people (HR herself is added by the `hr` fixture) and one who left."""
    with app.app_context():
        finanzas, obras = Department(name="Finanzas"), Department(name="Obras")
        db.session.add_all([finanzas, obras])
        ana = add_person(
            "Ana Pérez", 10_000_001, finanzas, start=date(2024, 1, 15), due=TODAY + timedelta(10), employment="planta"
        )
        read_first_lesson(ana)
        db.session.add(
            Commitment(user_id=ana.id, signed_name=ana.full_name, text="t", text_sha256="0" * 64, signed_at=SIGNED_AT)
        )
        bruno = add_person("Bruno Díaz", 10_000_002, finanzas, start=date(2024, 2, 1), due=TODAY + timedelta(10))
        read_first_lesson(bruno)
        add_person(
            "Carla Soto",
            10_000_003,
            obras,
            start=date(2023, 12, 1),
            due=TODAY - timedelta(3),
            employment="honorarios",
            email=False,
        )
        add_person(
            "Gabriel Inactivo", 10_000_004, obras, start=date(2024, 1, 1), due=TODAY - timedelta(3), active=False
        )
        db.session.commit()
        return {"finanzas": finanzas.id, "obras": obras.id, "steps": service.steps_total()}


@pytest.fixture
def hr(app, make_user):
    person = make_user(full_name="Patricia Contreras", roles=(STAFF, HR), email="rrhh@muni.test", due_date=None)
    browser = app.test_client()
    assert login(browser, person.email).status_code == 302
    return browser


def csv_table(data: bytes) -> list[list[str]]:
    """Parse a downloaded CSV as Excel es-CL would: UTF-8 with BOM, ';', CRLF."""
    assert data.startswith(codecs.BOM_UTF8)
    text = data.decode("utf-8-sig")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def xlsx_sheet(data: bytes):
    return load_workbook(io.BytesIO(data)).active


def export_events(app) -> list[dict]:
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "report.exported").order_by(AuditEvent.id)
        )
        return [{**json.loads(event.details), "actor_id": event.actor_id} for event in events]


def expected_rows(people) -> list[list[str]]:
    steps = people["steps"]
    return [
        [
            format_rut(rut(10_000_001)),
            "Ana Pérez",
            "p10000001@muni.test",
            "Finanzas",
            "Planta",
            "15-01-2024",
            (TODAY + timedelta(10)).strftime("%d-%m-%Y"),
            "Completado",
            str(2 * 100 // steps),
            "09-03-2024",
            *UNTOUCHED_MODULES,
            "09-03-2024",
        ],
        [
            format_rut(rut(10_000_002)),
            "Bruno Díaz",
            "p10000002@muni.test",
            "Finanzas",
            "Contrata",
            "01-02-2024",
            (TODAY + timedelta(10)).strftime("%d-%m-%Y"),
            "En curso",
            str(100 // steps),
            "",
            *UNTOUCHED_MODULES,
            "",
        ],
        [
            format_rut(rut(10_000_003)),
            "Carla Soto",
            "",
            "Obras",
            "Honorarios",
            "01-12-2023",
            (TODAY - timedelta(3)).strftime("%d-%m-%Y"),
            "Atrasado",
            "0",
            "",
            *UNTOUCHED_MODULES,
            "",
        ],
    ]


# --- CSV from the browser ---------------------------------------------------------------------------


def test_csv_download_has_headers_rows_and_excel_friendly_encoding(app, people, hr):
    response = hr.get("/rrhh/exportar.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f"attachment; filename=induccion-{TODAY.isoformat()}.csv"
    assert response.headers["Cache-Control"] == "no-store"
    table = csv_table(response.get_data())
    assert table[0] == HEADERS
    assert table[1:4] == expected_rows(people)
    # HR herself is in the list (no department, not started); whoever left is not.
    assert [row[1] for row in table[1:]] == ["Ana Pérez", "Bruno Díaz", "Carla Soto", "Patricia Contreras"]
    assert table[4][2:] == [
        "rrhh@muni.test",
        "",
        "",
        TODAY.strftime("%d-%m-%Y"),
        "",
        "No iniciado",
        "0",
        "",
        *UNTOUCHED_MODULES,
        "",
    ]


def test_csv_export_is_audited_with_its_filters_before_streaming(app, people, hr):
    response = hr.get("/rrhh/exportar.csv", query_string={"departamento": people["finanzas"]}, buffered=False)
    # The event is committed when the response starts, before any row is sent.
    (event,) = export_events(app)
    assert event["format"] == "csv" and event["via"] == "web" and event["actor_id"] is not None
    assert event["filters"] == {"department_id": people["finanzas"], "sort": "nombre"}
    body = response.get_data()
    response.close()
    assert [row[1] for row in csv_table(body)[1:]] == ["Ana Pérez", "Bruno Díaz"]


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ({"estado": "overdue"}, ["Carla Soto"]),
        ({"estado": "in_progress"}, ["Bruno Díaz"]),
        ({"q": "bruno"}, ["Bruno Díaz"]),
        ({"q": "10.000.003"}, ["Carla Soto"]),
        ({"calidad": "planta"}, ["Ana Pérez"]),
        ({"orden": "avance", "sentido": "asc"}, ["Carla Soto", "Patricia Contreras", "Bruno Díaz", "Ana Pérez"]),
        ({"orden": "ingreso", "sentido": "desc"}, ["Patricia Contreras", "Bruno Díaz", "Ana Pérez", "Carla Soto"]),
    ],
)
def test_both_formats_apply_the_report_filters_and_order(app, people, hr, query, names):
    table = csv_table(hr.get("/rrhh/exportar.csv", query_string=query).get_data())
    assert [row[1] for row in table[1:]] == names
    sheet = xlsx_sheet(hr.get("/rrhh/exportar.xlsx", query_string=query).get_data())
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == names


# --- XLSX from the browser --------------------------------------------------------------------------


def test_xlsx_download_has_typed_cells_frozen_header_and_autofilter(app, people, hr):
    response = hr.get("/rrhh/exportar.xlsx")

    assert response.status_code == 200
    assert response.mimetype == downloads.MIMETYPES["xlsx"]
    assert response.headers["Content-Disposition"] == f"attachment; filename=induccion-{TODAY.isoformat()}.xlsx"
    assert response.headers["Cache-Control"] == "no-store"
    assert int(response.headers["Content-Length"]) == len(response.get_data())
    sheet = xlsx_sheet(response.get_data())
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert len(rows) == 5  # header + Ana, Bruno, Carla, Patricia
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{LAST_COLUMN}5"
    assert sheet.column_dimensions["B"].width >= 30

    ana = rows[1]
    assert ana[:5] == (format_rut(rut(10_000_001)), "Ana Pérez", "p10000001@muni.test", "Finanzas", "Planta")
    assert ana[5] == datetime(2024, 1, 15)  # openpyxl reads date cells back as datetimes
    assert ana[6] == datetime.combine(TODAY + timedelta(10), datetime.min.time())
    assert ana[7] == "Completado"
    assert ana[8] == 2 * 100 // people["steps"] and isinstance(ana[8], int)
    assert ana[9] == datetime(2024, 3, 9)
    carla = rows[3]
    assert carla[1] == "Carla Soto" and carla[2] is None and carla[7] == "Atrasado" and carla[9] is None
    for cell in sheet[2][5:7] + (sheet[2][9],):
        assert cell.is_date and cell.number_format == "DD-MM-YYYY"
    assert sheet["I2"].data_type == "n"

    (event,) = export_events(app)
    assert event == {
        "format": "xlsx",
        "filters": {"sort": "nombre"},
        "rows": 4,
        "via": "web",
        "actor_id": event["actor_id"],
    }
    assert event["actor_id"] is not None


def test_empty_export_still_has_the_header(app, hr):
    table = csv_table(hr.get("/rrhh/exportar.csv", query_string={"q": "nadie"}).get_data())
    assert table == [HEADERS]
    sheet = xlsx_sheet(hr.get("/rrhh/exportar.xlsx", query_string={"q": "nadie"}).get_data())
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [HEADERS]
    assert sheet.auto_filter.ref == f"A1:{LAST_COLUMN}1"


# --- Formula injection ------------------------------------------------------------------------------


def test_names_that_look_like_formulas_arrive_as_inert_text(app, make_user, hr):
    for name in INJECTIONS:
        make_user(full_name=name)

    table = csv_table(hr.get("/rrhh/exportar.csv").get_data())
    names = {row[1] for row in table[1:]}
    assert names == {"'" + name for name in INJECTIONS} | {"Patricia Contreras"}

    data = hr.get("/rrhh/exportar.xlsx").get_data()
    sheet = xlsx_sheet(data)
    cells = {cell.value: cell for cell in sheet["B"][1:]}
    assert set(cells) == set(INJECTIONS) | {"Patricia Contreras"}
    for name in INJECTIONS:
        # Decision: the XLSX keeps the literal text, as a string cell (never a formula) marked "quote prefix".
        assert cells[name].data_type == "s"
        assert cells[name].quotePrefix
    assert not cells["Patricia Contreras"].quotePrefix
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()
    # Progress stays a number even though "-2" is text.
    assert all(isinstance(row[8], int) for row in sheet.iter_rows(min_row=2, values_only=True))


def person_row(name: str, **changes) -> PersonRow:
    values = {
        "id": 1,
        "full_name": name,
        "rut": "12345678-5",
        "email": None,
        "department": None,
        "employment_type": None,
        "start_date": date(2024, 5, 2),
        "due_date": None,
        "steps_done": 0,
        "steps_total": 10,
        "status": "not_started",
        "completed_at": None,
    }
    return PersonRow(**(values | changes))


def test_writers_strip_nul_and_control_characters_and_guard_tab_and_cr(app, tmp_path):
    rows = [person_row("Ana\x00 Soto\x07"), person_row("\tTab"), person_row("\rCR"), person_row("\x00=1+1")]
    with app.app_context():
        table = csv_table(b"".join(exports.csv_chunks(rows)))
        path = tmp_path / "x.xlsx"
        assert exports.write_xlsx(rows, path) == 4
    assert [row[1] for row in table[1:]] == ["Ana Soto", "'\tTab", "'\rCR", "'=1+1"]
    assert table[1][0] == "12.345.678-5" and table[1][5] == "02-05-2024"
    sheet = load_workbook(path).active
    # A CR goes into the file as the escape _x000D_, which Excel and LibreOffice show as the character
    # (openpyxl reads the escape as written): decoded here as they do. A text cell either way.
    names = [re.sub(r"_x([0-9A-F]{4})_", lambda code: chr(int(code[1], 16)), cell.value) for cell in sheet["B"][1:]]
    assert names[:2] + names[3:] == ["Ana Soto", "\tTab", "=1+1"] and names[2].lstrip("\r\n") == "CR"
    assert all(cell.data_type == "s" for cell in sheet["B"][1:])


# --- Streaming --------------------------------------------------------------------------------------


def test_csv_writer_is_a_generator_that_yields_before_reading_all_rows(app):
    consumed = []

    def source():
        for number in range(1000):
            consumed.append(number)
            yield person_row(f"Persona {number}")

    with app.app_context():
        chunks = exports.csv_chunks(source(), rows_per_chunk=10)
        header = next(chunks)
        assert header.startswith(codecs.BOM_UTF8) and header.endswith(b"\r\n")
        assert header.decode("utf-8-sig").startswith("RUT;Nombre;")
        assert consumed == []  # the header goes out before any person is read
        first = next(chunks)
        assert first.count(b"\r\n") == 10 and len(consumed) == 10
        rest = list(chunks)
    assert len(consumed) == 1000 and len(rest) == 99


def test_xlsx_temporary_file_is_closed_once_streamed(app):
    with app.app_context():
        file, size, count = exports.xlsx_file([person_row("Ana")])
        assert count == 1 and size > 0
        data = b"".join(exports.file_chunks(file, chunk_size=100))
    assert file.closed and len(data) == size
    assert xlsx_sheet(data)["B2"].value == "Ana"


# --- Access -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("roles", [(STAFF,), (STAFF, TRAINER)], ids=["staff", "trainer"])
def test_staff_and_trainers_cannot_export(app, people, login_as, client, roles):
    login_as(*roles)
    for url in ("/rrhh/exportar.csv", "/rrhh/exportar.xlsx"):
        assert client.get(url).status_code == 403
    assert export_events(app) == []


def test_anonymous_visitors_are_sent_to_sign_in(app, client):
    for url in ("/rrhh/exportar.csv", "/rrhh/exportar.xlsx"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- CLI --------------------------------------------------------------------------------------------


def test_cli_writes_a_csv_file_and_records_the_export(app, people, runner, tmp_path):
    output = tmp_path / "avance.csv"
    result = runner.invoke(args=["report", "export", "--format", "csv", "--output", str(output)])

    assert result.exit_code == 0, result.output
    assert f"Se exportaron 3 personas a {output}." in result.output
    table = csv_table(output.read_bytes())
    assert table[0] == HEADERS and table[1:] == expected_rows(people)
    (event,) = export_events(app)
    assert event == {
        "format": "csv",
        "filters": {"sort": "nombre"},
        "rows": 3,
        "via": "cli",
        "file": str(output),
        "actor_id": None,
    }


def test_cli_writes_a_filtered_xlsx_file(app, people, runner, tmp_path):
    output = tmp_path / "avance.xlsx"
    args = ["report", "export", "--format", "XLSX", "--output", str(output), "--department", "  obras "]
    result = runner.invoke(args=args + ["--status", "overdue", "--employment-type", "honorarios", "--search", "carla"])

    assert result.exit_code == 0, result.output
    assert f"Se exportó 1 persona a {output}." in result.output
    sheet = load_workbook(output).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert [row[1] for row in rows[1:]] == ["Carla Soto"]
    assert rows[1][5] == datetime(2023, 12, 1) and rows[1][8] == 0
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:{LAST_COLUMN}2"
    (event,) = export_events(app)
    assert event["via"] == "cli" and event["format"] == "xlsx" and event["rows"] == 1
    assert event["filters"] == {
        "department_id": people["obras"],
        "status": "overdue",
        "employment_type": "honorarios",
        "text": "carla",
        "sort": "nombre",
    }


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--format", "pdf"], "Formato no válido"),
        (["--format", "csv", "--department", "Bodega"], "No existe el departamento «Bodega». Departamentos: Finanzas"),
        (["--format", "csv", "--status", "done"], "Estado no válido: «done»"),
        (["--format", "xlsx", "--employment-type", "planta_fija"], "Calidad jurídica no válida"),
    ],
)
def test_cli_refuses_bad_options_in_spanish(app, people, runner, tmp_path, options, message):
    output = tmp_path / "avance.out"
    result = runner.invoke(args=["report", "export", "--output", str(output), *options])
    assert result.exit_code != 0
    assert message in result.output
    assert not output.exists()
    assert export_events(app) == []


def test_cli_refuses_an_unwritable_path(app, people, runner, tmp_path):
    missing = tmp_path / "no-existe" / "avance.csv"
    result = runner.invoke(args=["report", "export", "--format", "csv", "--output", str(missing)])
    assert result.exit_code != 0 and "No existe la carpeta" in result.output
    result = runner.invoke(args=["report", "export", "--format", "xlsx", "--output", str(tmp_path)])
    assert result.exit_code != 0 and "es una carpeta" in result.output
    assert not missing.parent.exists()
    assert export_events(app) == []


def test_simultaneous_exports_all_download_and_are_all_audited(app, people, make_user):
    """Each export writes its audit event from a GET; at the same instant, none may fail with a
    locked database (SQLite) or a broken audit chain."""
    hr_person = make_user(full_name="Patricia Contreras", roles=(STAFF, HR), email="rrhh2@muni.test")
    workers = 8
    clients = []
    for _ in range(workers):
        browser = app.test_client()
        assert login(browser, hr_person.email).status_code == 302
        clients.append(browser)
    barrier = threading.Barrier(workers)
    statuses = []

    def download(browser, extension):
        barrier.wait()
        response = browser.get(f"/rrhh/exportar.{extension}")
        response.get_data()
        statuses.append(response.status_code)
        response.close()

    threads = [
        threading.Thread(target=download, args=(browser, "csv" if index % 2 else "xlsx"))
        for index, browser in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * workers
    assert len(export_events(app)) == workers
    with app.app_context():
        assert first_broken_event() is None


# --- Results module by module -------------------------------------------------------------------------

LEARNER = "Rodrigo Fuentes Araya"


def take_quiz(client, app, slug: str, wrong_questions: int) -> None:
    attempt_id = start_quiz(client, slug)
    answers = answers_for(app, attempt_id, wrong_questions=wrong_questions)
    assert client.post(f"/modulos/{slug}/quiz/intentos/{attempt_id}", data=answers).status_code == 302


def learner_client(app, make_user):
    person = make_user(full_name=LEARNER, email="rodrigo.fuentes@muni.test")
    browser = app.test_client()
    assert login(browser, person.email).status_code == 302
    return person, browser


def exported(hr, name: str) -> tuple[dict, dict, dict]:
    """The person's CSV row, XLSX values and XLSX cells, by column header."""
    table = csv_table(hr.get("/rrhh/exportar.csv").get_data())
    assert table[0] == HEADERS
    (csv_row,) = [row for row in table[1:] if row[1] == name]
    sheet = xlsx_sheet(hr.get("/rrhh/exportar.xlsx").get_data())
    header = [cell.value for cell in sheet[1]]
    assert header == HEADERS
    (cells,) = [row for row in sheet.iter_rows(min_row=2) if row[1].value == name]
    return (
        dict(zip(HEADERS, csv_row, strict=True)),
        {title: cell.value for title, cell in zip(header, cells, strict=True)},
        dict(zip(header, cells, strict=True)),
    )


def test_exports_give_each_modules_best_score_attempts_and_completion_day(app, make_user, hr):
    person, learner = learner_client(app, make_user)
    # Misión y Visión: lessons read, a failed attempt, then a pass with one answer wrong.
    read_all_lessons(learner, app, "mision-y-vision")
    take_quiz(learner, app, "mision-y-vision", wrong_questions=7)
    take_quiz(learner, app, "mision-y-vision", wrong_questions=1)
    # Compromiso: lessons read, one attempt failed with all answers wrong.
    read_all_lessons(learner, app, "compromiso")
    take_quiz(learner, app, "compromiso", wrong_questions=99)
    with app.app_context():  # the scores as stored, to be sure of what the columns must say
        attempts = db.session.execute(select(Attempt.quiz_id, Attempt.score).where(Attempt.user_id == person.id))
        scores = sorted(sorted(score for quiz, score in group) for _, group in groupby(sorted(attempts), itemgetter(0)))
    assert scores == [[0], [0, ONE_WRONG]]

    csv_row, values, cells = exported(hr, LEARNER)
    today = TODAY.strftime("%d-%m-%Y")
    assert [csv_row[f"Misión y Visión — {what}"] for what in ("mejor puntaje", "intentos", "completado el")] == [
        str(ONE_WRONG),
        "2",
        today,
    ]
    assert [csv_row[f"Compromiso — {what}"] for what in ("mejor puntaje", "intentos", "completado el")] == [
        "0",
        "1",
        "",
    ]
    for title in MODULES[2:]:
        assert [csv_row[f"{title} — {what}"] for what in ("mejor puntaje", "intentos", "completado el")] == [
            "",
            "0",
            "",
        ]
    assert csv_row["Declaración de compromiso firmada el"] == "" and csv_row["Estado"] == "En curso"

    # The workbook holds the same, typed: numbers as numbers, days as dates.
    assert (
        values["Misión y Visión — mejor puntaje"] == ONE_WRONG
        and cells["Misión y Visión — mejor puntaje"].data_type == "n"
    )
    assert values["Misión y Visión — intentos"] == 2
    completed = cells["Misión y Visión — completado el"]
    assert completed.value == datetime.combine(TODAY, datetime.min.time())
    assert completed.is_date and completed.number_format == "DD-MM-YYYY"
    assert values["Compromiso — mejor puntaje"] == 0 and values["Compromiso — intentos"] == 1
    assert values["Compromiso — completado el"] is None
    assert values["Transparencia — mejor puntaje"] is None and values["Transparencia — intentos"] == 0
    assert values["Declaración de compromiso firmada el"] is None

    # Signing the commitment (all modules done first) fills its column with the day.
    for slug in SLUGS[1:]:
        complete_module(learner, app, slug)
    assert learner.post("/compromiso", data={"accept": "y", "full_name": LEARNER}).status_code == 302
    csv_row, values, cells = exported(hr, LEARNER)
    assert csv_row["Declaración de compromiso firmada el"] == today == csv_row["Completado el"]
    assert cells["Declaración de compromiso firmada el"].is_date
    assert csv_row["Compromiso — intentos"] == "2" and csv_row["Compromiso — mejor puntaje"] == "100"
    assert all(csv_row[f"{title} — completado el"] == today for title in MODULES)


def test_with_renewal_the_module_columns_count_the_current_cycle(app, make_user, hr):
    person, learner = learner_client(app, make_user)
    for slug in SLUGS:
        complete_module(learner, app, slug)
    assert learner.post("/compromiso", data={"accept": "y", "full_name": LEARNER}).status_code == 302
    with app.app_context():
        store({"RENEWAL_MONTHS": 12})
        db.session.commit()
        for model, columns in (
            (Commitment, ("signed_at",)),
            (Attempt, ("started_at", "submitted_at")),
            (LessonView, ("viewed_at", "last_viewed_at")),
        ):
            for row in db.session.scalars(select(model).where(model.user_id == person.id)):
                for column in columns:
                    setattr(row, column, add_months(getattr(row, column), -13))
        signed_at = db.session.scalar(select(Commitment.signed_at).where(Commitment.user_id == person.id))
        db.session.commit()
    first_completion = exports.local_day(signed_at, ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])).strftime("%d-%m-%Y")

    # Expired: the earlier completion stays on record; the refresher has nothing yet.
    csv_row, _values, _cells = exported(hr, LEARNER)
    assert csv_row["Estado"] == "Por renovar" and csv_row["Completado el"] == first_completion
    assert csv_row["Declaración de compromiso firmada el"] == ""
    for title in MODULES:
        assert [csv_row[f"{title} — {what}"] for what in ("mejor puntaje", "intentos", "completado el")] == [
            "",
            "0",
            "",
        ]

    # The refresher's first module: only its own attempt counts.
    read_all_lessons(learner, app, SLUGS[0])
    take_quiz(learner, app, SLUGS[0], wrong_questions=1)
    csv_row, _values, _cells = exported(hr, LEARNER)
    today = TODAY.strftime("%d-%m-%Y")
    assert [csv_row[f"Misión y Visión — {what}"] for what in ("mejor puntaje", "intentos", "completado el")] == [
        str(ONE_WRONG),
        "1",
        today,
    ]
    assert csv_row["Compromiso — intentos"] == "0"

    # Renewed: the commitment of this cycle, and the refresher's results only (not the first 100 %).
    for slug in SLUGS[1:]:
        complete_module(learner, app, slug)
    assert learner.post("/compromiso", data={"accept": "y", "full_name": LEARNER}).status_code == 302
    csv_row, values, _cells = exported(hr, LEARNER)
    assert csv_row["Estado"] == "Completado" and csv_row["Declaración de compromiso firmada el"] == today
    assert csv_row["Misión y Visión — mejor puntaje"] == str(ONE_WRONG) and csv_row["Misión y Visión — intentos"] == "1"
    assert values["Compromiso — intentos"] == 1


def test_module_columns_take_no_query_per_person(app, make_user, hr, monkeypatch):
    # Rows are streamed a few at a time: a query per person or per batch of people would show.
    monkeypatch.setattr(details, "EXPORT_BATCH", 4)

    def export_queries() -> int:
        with counting_queries(app) as statements:
            for extension in ("csv", "xlsx"):
                assert hr.get(f"/rrhh/exportar.{extension}").status_code == 200
        return len(statements)

    _person, learner = learner_client(app, make_user)
    complete_module(learner, app, SLUGS[0])
    few = export_queries()
    with app.app_context():
        for number in range(30):  # RUTs above make_user's, which start at 20,000,000
            user = add_person(f"Persona {number:02d}", 40_000_000 + number, None, start=TODAY, due=TODAY)
            read_first_lesson(user)
            db.session.add(
                Commitment(user_id=user.id, signed_name="x", text="t", text_sha256="0" * 64, signed_at=SIGNED_AT)
            )
        db.session.commit()
    assert export_queries() == few


def test_the_csv_download_names_its_charset_once(app, make_user):
    hr = make_user(roles=(STAFF, HR))
    client = app.test_client()
    login(client, hr.email)
    with client.get("/rrhh/exportar.csv") as response:
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
