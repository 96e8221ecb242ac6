"""The outbox (every e-mail the portal writes), the record of the daily jobs' runs, and HR's long jobs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow
from portal.vocabulary import JobStatus, MailStatus


class OutboxMail(db.Model):
    """One e-mail, written in the transaction of the action that causes it and delivered by the queue.

    `message_id` is chosen when the row is written, so every attempt sends the same Message-ID and
    a retry after an unknown outcome is recognisable at the receiving end.
    """

    __tablename__ = "outbox_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: portal.vocabulary.MailKind
    kind: Mapped[str] = mapped_column(String(20))
    #: The person it is about (the recipient), when it is about one; HR sees it on their page.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    #: A row of the kind's own table (the Reminder a reminder mail belongs to).
    reference_id: Mapped[int | None] = mapped_column(Integer)
    to_address: Mapped[str] = mapped_column(String(254))
    to_name: Mapped[str | None] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    #: Emptied once the message is sent or given up when it carries a password link.
    body: Mapped[str | None] = mapped_column(Text)
    #: Extra headers as JSON ({"Auto-Submitted": "auto-generated"}).
    headers: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(250), unique=True)
    #: portal.vocabulary.MailStatus
    status: Mapped[str] = mapped_column(String(10), default=MailStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: A sender that claimed the row writes its token and a deadline; past it, another may claim it.
    claim_token: Mapped[str | None] = mapped_column(String(32), index=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The SMTP server's answer to the last attempt that failed.
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PeriodicRun(db.Model):
    """One run of a daily job for one period: the unique key is what lets only one consumer run it."""

    __tablename__ = "periodic_run"
    __table_args__ = (UniqueConstraint("task", "period", name="uq_periodic_run_task_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[str] = mapped_column(String(40))
    #: The period it ran for, e.g. the local date "2026-12-07".
    period: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: portal.vocabulary.RunResult
    result: Mapped[str] = mapped_column(String(10))
    #: What it did or why it failed, in Spanish.
    summary: Mapped[str | None] = mapped_column(Text)


class Job(db.Model):
    """A long piece of HR work run by the queue, with its progress; only its requester sees it."""

    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: portal.vocabulary.JobKind
    kind: Mapped[str] = mapped_column(String(20))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    #: What the job works on (e.g. the report's filters), as JSON.
    params: Mapped[str] = mapped_column(Text, default="{}")
    #: portal.vocabulary.JobStatus
    status: Mapped[str] = mapped_column(String(10), default=JobStatus.QUEUED, index=True)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    #: What it did, or why it failed, in Spanish.
    summary: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Written with each step of progress: a running job whose heartbeat stopped was interrupted.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The file a job made (under instance/jobs/), its download name, and until when it is kept.
    result_file: Mapped[str | None] = mapped_column(String(100))
    result_name: Mapped[str | None] = mapped_column(String(200))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return min(100, self.done * 100 // self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)
