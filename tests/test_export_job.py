"""A long list's Excel export is made by a job of the queue: progress page, one file, only for who asked."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from portal.reports import export_job
from tests.test_hr_certificates import events, hr_client

NAMES = ["Ana Rojas Díaz", "Alberto Muñoz Vera", "Carla Pinto", '=HYPERLINK("http://x")', "Diego Soto"]


def test_a_list_over_the_threshold_is_exported_by_a_job_only_its_requester_downloads(make_app, make_user, monkeypatch):
    monkeypatch.setattr(export_job, "STEP", 2)  # progress is reported (and committed) in the middle of the rows
    app = make_app(EXPORT_JOB_ROWS=3)
    for name in NAMES:
        make_user(full_name=name)
    client, hr = hr_client(app, make_user)

    page = client.get("/rrhh/").get_data(as_text=True)
    assert 'action="/rrhh/exportar/preparar"' in page and 'href="/rrhh/exportar.xlsx"' not in page
    # The direct link writes nothing and sends HR to the button instead.
    refused = client.get("/rrhh/exportar.xlsx", follow_redirects=True).get_data(as_text=True)
    assert "más de 3 personas" in refused and events(app, "report.exported") == []

    started = client.post("/rrhh/exportar/preparar")
    assert started.status_code == 302 and "/rrhh/tareas/" in started.headers["Location"]
    job_page = client.get(started.headers["Location"]).get_data(as_text=True)  # the queue ran at once here
    everyone = len(NAMES) + 1  # HR is on the list too
    assert "Terminado" in job_page and f"{everyone} personas en el archivo Excel." in job_page
    result = started.headers["Location"] + "/resultado"
    assert f'href="{result}"' in job_page and "Solo usted puede descargarlo" in job_page

    other, _ = hr_client(app, make_user)
    assert other.get(result).status_code == 404 and other.get(started.headers["Location"]).status_code == 404
    assert events(app, "report.exported") == []

    with client.get(result) as response:
        assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
        assert response.headers["Cache-Control"] == "no-store"
        sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("RUT", "Nombre") and len(rows) == everyone + 1  # the header, then every person
    names = {row[1] for row in rows[1:]}
    assert set(NAMES) | {"Patricia Recursos Humanos"} <= names
    # The same cell safety as the immediate download: a formula stays text.
    assert sheet.cell(row=[row[1] for row in rows].index(NAMES[3]) + 1, column=2).data_type == "s"
    [event] = events(app, "report.exported")
    assert event["actor_id"] == hr.id and event["via"] == "job" and event["format"] == "xlsx"


def test_a_short_list_downloads_at_once(make_app, make_user):
    app = make_app(EXPORT_JOB_ROWS=3)
    make_user(full_name="Ana Rojas Díaz")
    client, _ = hr_client(app, make_user)
    page = client.get("/rrhh/").get_data(as_text=True)
    assert 'href="/rrhh/exportar.xlsx"' in page and "/rrhh/exportar/preparar" not in page
    response = client.get("/rrhh/exportar.xlsx")
    assert response.status_code == 200 and len(list(load_workbook(io.BytesIO(response.data)).active.rows)) == 3


def test_an_export_job_that_fails_says_so_in_spanish_and_leaves_no_file(make_app, make_user, monkeypatch):
    from portal.reports import exports

    def broken(rows, target, *args, **kwargs):
        target.write_bytes(b"half a workbook")  # what was written before the failure must go
        raise OSError("disk full")

    monkeypatch.setattr(exports, "write_xlsx", broken)
    app = make_app(EXPORT_JOB_ROWS=0)
    client, _ = hr_client(app, make_user)
    started = client.post("/rrhh/exportar/preparar")
    job_page = client.get(started.headers["Location"]).get_data(as_text=True)
    assert "se detuvo por un error inesperado" in job_page and "Descargar el archivo" not in job_page
    assert client.get(started.headers["Location"] + "/resultado").status_code == 404
    with app.app_context():
        from portal.jobs import results_folder

        assert list(results_folder().iterdir()) == []
