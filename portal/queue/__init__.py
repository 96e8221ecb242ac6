"""The task queue: Huey, with its storage in SQLite under instance/ or, given PORTAL_REDIS_URL, in Redis.

Each application gets its own Huey (create_app -> init_app), with the portal's tasks registered on
it; every task runs inside that application's context, so it has the settings and a database
session of its own. The consumer is `flask --app portal worker` (portal/cli/worker.py).

Tasks:

- outbox.deliver: send what the outbox has due (portal/outbox/delivery.py). Asked for after every
  commit that wrote mail, tried again when the server failed, and swept every minute, so mail
  whose request was lost with its process still goes.
- daily.tick (every minute): runs each daily job once per day at its hour (periodic.py).
- jobs.run: HR's long work with progress (portal/jobs, runner.py), asked for after the commit that
  started it; the every-minute sweep also runs again any job whose consumer was killed.
"""

from __future__ import annotations

import logging
from functools import wraps

from flask import Flask, current_app
from huey import RedisHuey, SqliteHuey, crontab
from huey.api import Huey
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.jobs import forget_started, started_jobs
from portal.models.types import utcnow
from portal.outbox import delivery_wanted, forget_delivery

log = logging.getLogger(__name__)

EXTENSION = "portal_queue"


def build_huey(app: Flask) -> Huey:
    name = app.config["QUEUE_NAME"]
    immediate = bool(app.config["QUEUE_IMMEDIATE"])
    if app.config.get("REDIS_URL"):
        return RedisHuey(name, url=app.config["REDIS_URL"], results=False, immediate=immediate)
    return SqliteHuey(name, filename=app.config["QUEUE_FILE"], results=False, immediate=immediate)


class PortalQueue:
    """One application's Huey and its tasks."""

    def __init__(self, app: Flask):
        self.app = app
        self.huey = build_huey(app)
        self.deliver = self.huey.task(name="outbox.deliver")(self._in_app(self._deliver))
        self.run_job = self.huey.task(name="jobs.run")(self._in_app(self._run_job))
        self.huey.periodic_task(crontab(), name="outbox.sweep")(self._in_app(self._sweep))
        self.huey.periodic_task(crontab(), name="daily.tick")(self._in_app(self._daily_tick))

    def _in_app(self, function):
        @wraps(function)
        def run(*args, **kwargs):
            with self.app.app_context():
                return function(*args, **kwargs)

        return run

    def _deliver(self) -> None:
        from portal.outbox.delivery import deliver_due

        run = deliver_due()
        if run.postponed and run.next_due is not None:
            delay = max((run.next_due - utcnow()).total_seconds(), 0.1)
            self.deliver.schedule(delay=delay)

    def _sweep(self) -> None:
        from portal.jobs import interrupted_jobs, remove_expired_results

        self._deliver()
        remove_expired_results()
        for job_id in interrupted_jobs():
            self.run_job(job_id)

    @staticmethod
    def _run_job(job_id: int) -> None:
        from portal.queue.runner import run_job

        run_job(job_id)

    @staticmethod
    def _daily_tick() -> None:
        from portal.queue.periodic import tick

        tick()


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = PortalQueue(app)


def portal_queue() -> PortalQueue:
    return current_app.extensions[EXTENSION]


def request_delivery() -> None:
    """Ask the queue to send the outbox now; never raises, since the every-minute sweep catches up."""
    try:
        portal_queue().deliver()
    except Exception:
        current_app.logger.exception("could not queue outbox delivery; the next sweep will send it")


def request_job(job_id: int) -> None:
    """Ask the queue to run a job; never raises (the job stays queued, and the sweep runs it)."""
    try:
        portal_queue().run_job(job_id)
    except Exception:
        current_app.logger.exception("could not queue job %s", job_id)


@event.listens_for(Session, "after_commit")
def _deliver_after_commit(session: Session) -> None:
    jobs = started_jobs(session)
    if delivery_wanted(session):
        request_delivery()
    for job_id in jobs:
        request_job(job_id)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    forget_delivery(session)
    forget_started(session)
