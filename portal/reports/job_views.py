"""HR's jobs (/rrhh/tareas/<id>): a progress page that refreshes itself without JavaScript and updates
live with it, and its state as JSON for that script. Only the person who asked sees a job."""

from __future__ import annotations

from flask import jsonify, render_template
from flask_login import current_user

from portal.jobs import own_job
from portal.reports import bp, hr_only
from portal.vocabulary import JobKind, JobStatus

#: Seconds between refreshes of the page without JavaScript.
REFRESH_SECONDS = 2


@bp.get("/tareas/<int:job_id>")
@hr_only
def job(job_id: int):
    """How far a job is; when done, what it did (or why it failed)."""
    found = own_job(job_id, current_user.id)
    return render_template("reports/job.html", job=found, refresh=REFRESH_SECONDS, JobKind=JobKind)


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
