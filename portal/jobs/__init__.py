"""Long HR work as jobs of the queue, with progress: what asks for one, and what a job reports.

A view calls ``start_job()`` in its transaction (the Job row), commits, and sends the person to the
job's progress page; once the transaction commits the queue runs it (portal.queue watches commits
for the mark start_job leaves, as it does for mail). The work itself is a function of the job's
kind (portal.queue.runner), which reports progress through ``Progress`` and returns a sentence.
Only the person who asked sees a job.

A job whose consumer was killed stops beating (heartbeat_at); the queue's sweep runs it again, so
every kind's work must be safe to repeat (the reminders' interval rule makes theirs so).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import abort, current_app
from sqlalchemy import or_, select, update

from portal.extensions import db
from portal.models.outbox import Job
from portal.models.types import utcnow
from portal.vocabulary import JobKind, JobStatus

#: A running job that has not reported progress for this long was interrupted.
STALE_AFTER = timedelta(minutes=2)
#: How long a job's file can be downloaded by the person who asked for it.
RESULT_KEPT = timedelta(days=1)

_STARTED = "portal.jobs.started"


def start_job(kind: JobKind, requested_by_id: int, params: dict) -> Job:
    """Write a queued job in the current transaction (flushes); the queue runs it once that commits."""
    job = Job(kind=kind, requested_by_id=requested_by_id, params=json.dumps(params, sort_keys=True))
    job.status, job.done, job.total = JobStatus.QUEUED, 0, 0
    db.session.add(job)
    db.session.flush()
    db.session.info.setdefault(_STARTED, []).append(job.id)
    return job


def started_jobs(session) -> list[int]:
    """The jobs a transaction that just committed started (and forget them)."""
    return session.info.pop(_STARTED, [])


def forget_started(session) -> None:
    session.info.pop(_STARTED, None)


def own_job(job_id: int, user_id: int) -> Job:
    """The job, when `user_id` asked for it; 404 otherwise (another person's job does not exist for them)."""
    job = db.session.get(Job, job_id)
    if job is None or job.requested_by_id != user_id:
        abort(404)
    return job


def recent_jobs(user_id: int, limit: int = 5) -> list[Job]:
    """The person's jobs of the last day, newest first (their report page links to them)."""
    return list(
        db.session.scalars(
            select(Job)
            .where(Job.requested_by_id == user_id, Job.created_at > utcnow() - RESULT_KEPT)
            .order_by(Job.id.desc())
            .limit(limit)
        )
    )


def claim_job(job_id: int) -> Job | None:
    """Mark a queued (or interrupted) job as running for this consumer (commits); None when another has it."""
    now = utcnow()
    claimed = db.session.execute(
        update(Job)
        .where(
            Job.id == job_id,
            or_(
                Job.status == JobStatus.QUEUED,
                (Job.status == JobStatus.RUNNING) & (Job.heartbeat_at < now - STALE_AFTER),
            ),
        )
        .values(status=JobStatus.RUNNING, started_at=now, heartbeat_at=now)
    ).rowcount
    db.session.commit()
    return db.session.get(Job, job_id) if claimed else None


def interrupted_jobs() -> list[int]:
    """Running jobs whose consumer stopped beating, and queued ones nobody took (the queue was unreachable
    when they were asked for): the sweep runs them again."""
    now = utcnow()
    return list(
        db.session.scalars(
            select(Job.id).where(
                or_(
                    (Job.status == JobStatus.RUNNING) & (Job.heartbeat_at < now - STALE_AFTER),
                    (Job.status == JobStatus.QUEUED) & (Job.created_at < now - timedelta(minutes=1)),
                )
            )
        )
    )


class Progress:
    """What a job's work reports: how far it is (each report commits, and is its heartbeat)."""

    def __init__(self, job: Job):
        self.job = job

    def __call__(self, done: int, total: int | None = None) -> None:
        if total is not None:
            self.job.total = total
        self.job.done = done
        self.job.heartbeat_at = utcnow()
        db.session.commit()


class JobRefused(Exception):
    """The job cannot do its work, for a reason the person who asked can act on (str: Spanish)."""


@dataclass(frozen=True)
class JobFile:
    """What a job that makes a file returns: its sentence, the file (in results_folder()) and its name."""

    summary: str
    file: str
    name: str


def results_folder() -> Path:
    folder = Path(current_app.instance_path) / "jobs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def new_result_path(extension: str) -> Path:
    """A fresh, unguessable file name for a job's result (the database names it; nobody lists the folder)."""
    return results_folder() / f"{secrets.token_hex(16)}.{extension}"


def finish_job(job: Job, status: JobStatus, outcome: str | JobFile) -> None:
    if isinstance(outcome, JobFile):
        job.result_file, job.result_name = outcome.file, outcome.name
        job.expires_at = utcnow() + RESULT_KEPT
        outcome = outcome.summary
    job.status, job.summary, job.finished_at = status, outcome, utcnow()
    if status == JobStatus.DONE:
        job.done = max(job.done, job.total)
    db.session.commit()


def result_available(job: Job) -> bool:
    return bool(job.result_file) and job.expires_at is not None and job.expires_at > utcnow()


def remove_expired_results() -> int:
    """Delete the files of jobs past their day (the sweep); how many."""
    expired = list(db.session.scalars(select(Job).where(Job.result_file.is_not(None), Job.expires_at < utcnow())))
    for job in expired:
        (results_folder() / job.result_file).unlink(missing_ok=True)
        job.result_file = None
    db.session.commit()
    return len(expired)
