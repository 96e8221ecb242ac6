"""HR's jobs (/rrhh/tareas/<id>): a progress page that refreshes itself without JavaScript and updates
live with it, and its state as JSON for that script. Only the person who asked sees a job."""

from __future__ import annotations

import json

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import audit, downloads
from portal.auth.forms import ButtonForm
from portal.database import write_transaction
from portal.dates import local_today
from portal.extensions import db
from portal.jobs import own_job, result_available, results_folder, start_job
from portal.reports import bp, hr_only, service
from portal.reports.forms import filter_form
from portal.vocabulary import JobKind, JobStatus

#: Seconds between refreshes of the page without JavaScript.
REFRESH_SECONDS = 2


@bp.get("/tareas/<int:job_id>")
@hr_only
def job(job_id: int):
    """How far a job is; when done, what it did (or why it failed)."""
    found = own_job(job_id, current_user.id)
    return render_template(
        "reports/job.html", job=found, refresh=REFRESH_SECONDS, JobKind=JobKind, downloadable=result_available(found)
    )


@bp.get("/tareas/<int:job_id>/estado")
@hr_only
def job_state(job_id: int):
    """The job's progress for the page's script."""
    found = own_job(job_id, current_user.id)
    return jsonify(
        status=found.status,
        label=JobStatus(found.status).label,
        done=found.done,
        total=found.total,
        percent=found.percent,
        finished=found.finished,
        summary=found.summary or "",
    )


@bp.post("/certificados/preparar")
@hr_only
def prepare_certificates():
    """Start a job that puts the newest certificate of everyone on the filtered list in one ZIP."""
    back = redirect(url_for("reports.report", **request.args))
    if not ButtonForm().validate_on_submit():
        flash(_("El formulario venció. Vuelva a intentarlo."), "error")
        return back
    filters = filter_form().to_filters()
    if not service.newest_certificates(filters, local_today(), 1):
        flash(_("Nadie en la lista filtrada tiene certificado: no hay nada que descargar."), "info")
        return back
    job = start_job(JobKind.CERTIFICATES_ZIP, current_user.id, {"filters": filters.as_details()})
    db.session.commit()
    return redirect(url_for("reports.job", job_id=job.id))


@bp.post("/exportar/preparar")
@hr_only
def prepare_export():
    """Start a job that writes the filtered list as an Excel workbook (a list too long to wait for)."""
    if not ButtonForm().validate_on_submit():
        flash(_("El formulario venció. Vuelva a intentarlo."), "error")
        return redirect(url_for("reports.report", **request.args))
    job = start_job(JobKind.XLSX_EXPORT, current_user.id, {"filters": filter_form().to_filters().as_details()})
    db.session.commit()
    return redirect(url_for("reports.job", job_id=job.id))


@bp.get("/tareas/<int:job_id>/resultado")
@hr_only
def job_result(job_id: int):
    """The file a job made, for the person who asked, during one day; each download is audited."""
    found = own_job(job_id, current_user.id)
    if found.status != JobStatus.DONE or not found.result_file:
        abort(404)
    if not result_available(found):
        flash(_("El archivo de esta tarea ya no está disponible: se guarda un día. Prepárelo de nuevo."), "error")
        return redirect(url_for("reports.job", job_id=found.id))
    with write_transaction():
        _record_download(found)
    path = results_folder() / found.result_file
    mimetype = downloads.MIMETYPES["xlsx"] if found.kind == JobKind.XLSX_EXPORT else "application/zip"
    response = Response(_file_chunks(path), mimetype=mimetype)
    response.headers.set("Content-Disposition", "attachment", filename=found.result_name)
    response.headers["Cache-Control"] = "no-store"
    response.content_length = path.stat().st_size
    return response


def _record_download(job) -> None:
    """The same event as the immediate download of that file, marked as coming from a job."""
    if job.kind == JobKind.XLSX_EXPORT:
        audit.record(
            "report.exported",
            actor_id=current_user.id,
            format="xlsx",
            filters=json_filters(job),
            rows=job.total,
            via="job",
        )
    else:
        audit.record(
            "report.certificates_downloaded",
            actor_id=current_user.id,
            filters=json_filters(job),
            certificates=job.total,
            via="job",
        )


def _file_chunks(path, size: int = 256 * 1024):
    # Opened on the first chunk and closed with the generator, even when the download is abandoned.
    with open(path, "rb") as file:
        while chunk := file.read(size):
            yield chunk


def json_filters(job) -> dict:
    return json.loads(job.params).get("filters", {})
