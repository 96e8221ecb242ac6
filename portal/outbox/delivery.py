"""Handing the outbox to the SMTP server: claimed rows, one session per batch, retries with backoff.

Claiming is one conditional UPDATE (pending, due, and not claimed by a sender still within its
lease), so any number of consumers on any number of hosts share the outbox without sending a row
twice. Each row is marked sent in its own commit right after the server accepted it: a consumer
killed between the two re-sends that one message, with the same Message-ID, once its lease ends.

A temporary failure (server unreachable or slow, a 4xx answer) tries again later, waiting twice as
long each time (OUTBOX_RETRY_SECONDS, doubling up to OUTBOX_RETRY_MAX_SECONDS), and gives up after
OUTBOX_MAX_ATTEMPTS; a permanent refusal (5xx for this message) gives up at once. Either way the
server's answer is kept on the row.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import func, or_, select, update

from portal.extensions import db
from portal.mail import Mailer, MailError, build_message
from portal.models.outbox import OutboxMail
from portal.models.types import utcnow
from portal.outbox import CARRIES_A_LINK, outcome_handler
from portal.vocabulary import MailStatus


@dataclass
class DeliveryRun:
    sent: int = 0
    failed: int = 0
    #: Attempts that failed for now and will be tried again.
    postponed: int = 0
    #: When the earliest message still pending is due, if any.
    next_due: datetime | None = None


def _claimable(now: datetime):
    return (
        OutboxMail.status == MailStatus.PENDING,
        OutboxMail.next_attempt_at <= now,
        or_(OutboxMail.claimed_until.is_(None), OutboxMail.claimed_until < now),
    )


def claim(limit: int) -> list[OutboxMail]:
    """Up to `limit` due rows, claimed for this sender until its lease ends (commits)."""
    now = utcnow()
    ids = list(db.session.scalars(select(OutboxMail.id).where(*_claimable(now)).order_by(OutboxMail.id).limit(limit)))
    if not ids:
        db.session.commit()
        return []
    token = secrets.token_hex(16)
    lease = timedelta(seconds=float(current_app.config["OUTBOX_LEASE_SECONDS"]))
    db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.id.in_(ids), *_claimable(now))
        .values(claim_token=token, claimed_until=now + lease)
    )
    db.session.commit()
    return list(db.session.scalars(select(OutboxMail).where(OutboxMail.claim_token == token).order_by(OutboxMail.id)))


def as_message(row: OutboxMail) -> EmailMessage:
    headers = json.loads(row.headers) if row.headers else None
    message = build_message(row.to_address, row.subject, row.body or "", to_name=row.to_name, headers=headers)
    message.replace_header("Message-ID", row.message_id)
    return message


def retry_delay(attempts: int) -> timedelta:
    base = float(current_app.config["OUTBOX_RETRY_SECONDS"])
    ceiling = float(current_app.config["OUTBOX_RETRY_MAX_SECONDS"])
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), ceiling))


def _finish(row: OutboxMail, status: MailStatus, error: MailError | None = None) -> None:
    row.status = status
    row.claim_token = None
    row.claimed_until = None
    if row.kind in CARRIES_A_LINK:
        row.body = None
    handler = outcome_handler(row.kind)
    if handler is not None:
        handler(row, error)


def _record_sent(row: OutboxMail) -> None:
    row.attempts += 1
    row.sent_at = utcnow()
    row.last_error = None
    _finish(row, MailStatus.SENT)


def _record_failure(row: OutboxMail, error: MailError, run: DeliveryRun) -> None:
    """Give up on a permanent refusal or after the last attempt; otherwise try again later."""
    row.attempts += 1
    row.last_error = str(error)
    permanent = error.code is not None and error.code >= 500 and not error.connection_failed
    if permanent or row.attempts >= int(current_app.config["OUTBOX_MAX_ATTEMPTS"]):
        _finish(row, MailStatus.FAILED, error)
        current_app.logger.warning("mail %s (%s) failed for good: %s", row.id, row.kind, error)
        run.failed += 1
    else:
        row.next_attempt_at = utcnow() + retry_delay(row.attempts)
        row.claim_token = None
        row.claimed_until = None
        run.postponed += 1


def send_claimed(rows: list[OutboxMail], run: DeliveryRun) -> None:
    """Send claimed rows over one SMTP session; each outcome is committed as soon as it is known."""
    broken: MailError | None = None
    with Mailer() as mailer:
        for row in rows:
            if broken is not None:
                # The server itself is unusable: the rest wait as long as the one that found out.
                _record_failure(row, broken, run)
                db.session.commit()
                continue
            try:
                mailer.send(as_message(row))
            except MailError as error:
                _record_failure(row, error, run)
                if error.connection_failed:
                    broken = error
            else:
                _record_sent(row)
                run.sent += 1
            db.session.commit()


def deliver_due() -> DeliveryRun:
    """Send everything due now, batch after batch, until nothing claimable is left."""
    run = DeliveryRun()
    batch = int(current_app.config["OUTBOX_BATCH"])
    while rows := claim(batch):
        # A batch that finds the server down costs one connection attempt, and its rows move
        # to their next attempt time, so this ends.
        send_claimed(rows, run)
    run.next_due = db.session.scalar(
        select(func.min(OutboxMail.next_attempt_at)).where(OutboxMail.status == MailStatus.PENDING)
    )
    db.session.commit()
    return run
