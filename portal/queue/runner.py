"""Running HR's jobs (portal/jobs): the work of each kind, and what happens when it fails."""

from __future__ import annotations

import json

from flask import current_app
from flask_babel import gettext as _

from portal.extensions import db
from portal.jobs import JobRefused, Progress, claim_job, finish_job
from portal.vocabulary import JobKind, JobStatus


def _work(kind: str):
    from portal.reports.certificate_bundle import zip_certificates
    from portal.reports.export_job import xlsx_job
    from portal.reports.import_job import import_staff_file
    from portal.reports.reminders import remind_everyone

    return {
        JobKind.REMINDERS: remind_everyone,
        JobKind.CERTIFICATES_ZIP: zip_certificates,
        JobKind.XLSX_EXPORT: xlsx_job,
        JobKind.STAFF_IMPORT: import_staff_file,
    }[kind]


def run_job(job_id: int) -> None:
    """Claim the job and do its work; a failure is recorded in Spanish, never half-hidden."""
    job = claim_job(job_id)
    if job is None:
        return
    try:
        outcome = _work(job.kind)(json.loads(job.params), job.requested_by_id, Progress(job))
    except JobRefused as refusal:
        db.session.rollback()
        finish_job(db.session.get(type(job), job_id), JobStatus.FAILED, str(refusal))
        return
    except Exception:
        db.session.rollback()
        current_app.logger.exception("job %s (%s) failed", job_id, job.kind)
        job = db.session.get(type(job), job_id)
        finish_job(
            job,
            JobStatus.FAILED,
            _(
                "La tarea se detuvo por un error inesperado; lo que alcanzó a hacer quedó guardado. "
                "Vuelva a intentarlo."
            ),
        )
        return
    finish_job(job, JobStatus.DONE, outcome)
