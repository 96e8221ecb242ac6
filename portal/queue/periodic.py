"""The daily jobs: each runs once per local day (Chile's time zone) at its configured hour.

The queue's every-minute tick (portal.queue) calls tick(). A job is due when the local hour has
reached its hour and the day has no run of it yet; the run's row (task, day) is unique, so when
several consumers tick at once only the one whose INSERT commits runs the job. A consumer that was
down at the hour runs it when it comes back, the same day.

A consumer killed in the middle of a run leaves its row "running". Each job commits its work once, at
the end, so nothing of it was applied: once the row is older than INTERRUPTED_AFTER a consumer takes
it over (a conditional UPDATE, so only one does) and runs the job again; a row of an earlier day that
nobody took over is closed as failed, saying it was interrupted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal.dates import at_local_hour
from portal.extensions import db
from portal.models.outbox import PeriodicRun
from portal.models.types import utcnow
from portal.vocabulary import RunResult

#: How long a run may stay "running" before it counts as interrupted (its consumer died). Far longer
#: than any daily job takes; a run taken over while still alive would only repeat idempotent work.
INTERRUPTED_AFTER = timedelta(hours=2)


@dataclass(frozen=True)
class DailyJob:
    name: str
    label: str
    #: The setting holding its local hour (0-23); empty turns the job off.
    hour_setting: str
    #: Does the work; returns a sentence saying what it did.
    run: Callable[[], str]
    #: Whether it applies to this installation at all (the backup, to SQLite only).
    applies: Callable[[], bool] = lambda: True


def _send_daily_reminders() -> str:
    from portal.dates import local_today
    from portal.reports import reminders

    today = local_today()
    candidates = reminders.daily_candidates(today)
    result = reminders.send_reminders(candidates, today=today, link=reminders.portal_url(), actor_id=None, via="daily")
    return _(
        "Recordatorios en cola: %(queued)d; omitidos: %(skipped)d.",
        queued=len(result.sent),
        skipped=len(result.skipped),
    )


def _audit_checkpoint() -> str:
    from portal.audit import write_and_mail_checkpoint

    return write_and_mail_checkpoint()


def _uses_sqlite() -> bool:
    return str(current_app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite")


def _nightly_backup() -> str:
    from portal.backup import backup_with_retention

    return backup_with_retention(
        current_app.config["SQLALCHEMY_DATABASE_URI"],
        Path(current_app.config["BACKUP_DIR"]),
        int(current_app.config["BACKUP_KEEP"]),
    )


def _purge_trash() -> str:
    from portal.training import trash

    purge = trash.purge_expired(via="daily")
    db.session.commit()  # its one commit; the documents' files go only once the rows are gone for good
    trash.remove_files(purge, current_app.instance_path)
    return trash.purge_summary(purge)


JOBS = (
    DailyJob("reminders", _l("Recordatorios diarios"), "DAILY_REMINDERS_HOUR", _send_daily_reminders),
    DailyJob("audit_checkpoint", _l("Punto de control de auditoría"), "AUDIT_CHECKPOINT_HOUR", _audit_checkpoint),
    DailyJob("backup", _l("Respaldo de la base de datos"), "BACKUP_HOUR", _nightly_backup, _uses_sqlite),
    DailyJob("trash_purge", _l("Limpieza de la papelera de lecciones"), "TRASH_PURGE_HOUR", _purge_trash),
)


def hour_of(job: DailyJob) -> int | None:
    value = current_app.config.get(job.hour_setting)
    if value in (None, ""):
        return None
    return int(value) % 24


def local_now(now: datetime | None = None) -> datetime:
    return (now or utcnow()).astimezone(get_timezone())


def due_at(job: DailyJob, day: date) -> datetime | None:
    """When the job's run for `day` becomes due (aware), or None when it is off."""
    hour = hour_of(job)
    if hour is None or not job.applies():
        return None
    return at_local_hour(day, hour)


def run_once(job: DailyJob, period: str) -> PeriodicRun | None:
    """Run `job` for `period` unless some consumer already did (or is doing it); the run's row, or None."""
    record = PeriodicRun(task=job.name, period=period, result=RunResult.RUNNING, started_at=utcnow())
    db.session.add(record)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return _run(job, record.id)


def take_over(job: DailyJob, period: str, now: datetime | None = None) -> PeriodicRun | None:
    """Run `job` again for `period` if its run there was interrupted; the run's row, or None."""
    now = now or utcnow()
    taken = db.session.execute(
        update(PeriodicRun)
        .where(
            PeriodicRun.task == job.name,
            PeriodicRun.period == period,
            PeriodicRun.result == RunResult.RUNNING,
            PeriodicRun.started_at < now - INTERRUPTED_AFTER,
        )
        .values(started_at=now, summary=_("Se reanudó: la ejecución anterior se interrumpió."))
        .returning(PeriodicRun.id)
        .execution_options(synchronize_session=False)
    ).scalar()
    db.session.commit()
    return None if taken is None else _run(job, taken)


def _run(job: DailyJob, record_id: int) -> PeriodicRun:
    try:
        summary, result = job.run(), RunResult.DONE
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        current_app.logger.exception("daily job %s failed", job.name)
        summary, result = str(error) or error.__class__.__name__, RunResult.FAILED
    record = db.session.get(PeriodicRun, record_id)
    record.result, record.summary, record.finished_at = result, summary, utcnow()
    db.session.commit()
    return record


def close_interrupted(before_period: str, now: datetime | None = None) -> None:
    """Close as failed the runs of earlier days whose consumer died and nobody took over that day."""
    now = now or utcnow()
    db.session.execute(
        update(PeriodicRun)
        .where(
            PeriodicRun.result == RunResult.RUNNING,
            PeriodicRun.period < before_period,
            PeriodicRun.started_at < now - INTERRUPTED_AFTER,
        )
        .values(
            result=RunResult.FAILED,
            finished_at=now,
            summary=_("Se interrumpió: el proceso que la ejecutaba se detuvo antes de terminar."),
        )
        .execution_options(synchronize_session=False)
    )


def tick(now: datetime | None = None) -> list[PeriodicRun]:
    """Run every job that is due now and has not run today; the runs this call made."""
    moment = local_now(now)
    today = moment.date().isoformat()
    close_interrupted(today, moment)
    db.session.commit()
    runs = []
    for job in JOBS:
        due = due_at(job, moment.date())
        if due is None or moment < due:
            continue
        state = db.session.scalar(
            select(PeriodicRun.result).where(PeriodicRun.task == job.name, PeriodicRun.period == today)
        )
        if state is None:
            record = run_once(job, today)
        elif state == RunResult.RUNNING:
            record = take_over(job, today, moment)
        else:
            record = None
        if record is not None:
            runs.append(record)
    db.session.commit()
    return runs


@dataclass(frozen=True)
class JobState:
    job: DailyJob
    last: PeriodicRun | None
    next_run: datetime | None
    #: Its run of today has been "running" too long: its consumer died, and the next tick runs it again.
    interrupted: bool = False


def job_states(now: datetime | None = None) -> list[JobState]:
    """Each daily job with its latest run and when it runs next (the administrators' page)."""
    moment = local_now(now)
    states = []
    for job in JOBS:
        last = db.session.scalar(
            select(PeriodicRun).where(PeriodicRun.task == job.name).order_by(PeriodicRun.id.desc()).limit(1)
        )
        today = due_at(job, moment.date())
        interrupted = (
            last is not None and last.result == RunResult.RUNNING and last.started_at < moment - INTERRUPTED_AFTER
        )
        if today is None:
            next_run = None
        elif last is not None and last.period == moment.date().isoformat() and not interrupted:
            next_run = due_at(job, moment.date() + timedelta(days=1))
        else:
            next_run = max(today, moment)
        states.append(JobState(job, last, next_run, interrupted))
    return states
