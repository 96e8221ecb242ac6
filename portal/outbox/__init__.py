"""Every e-mail the portal sends is first a row of the outbox, written in the transaction that causes it.

- ``queue_mail(...)`` adds the row (the caller's transaction commits it with the rest of the action:
  a rolled-back action mails nothing, a committed one is never forgotten).
- Once that transaction commits, the queue is asked to deliver (``portal.queue`` watches commits for
  the mark queue_mail leaves on the session); delivery itself is
  in delivery.py: claimed rows, one SMTP session, retries with backoff, the same Message-ID every time.
- A kind of mail may register what happens when its delivery ends (``on_outcome``), e.g. the
  reminder's own row becomes "sent" or "failed".

States are portal.vocabulary.MailStatus: pending (waiting or retrying), sent, failed (given up, with
the server's answer). Mail carrying a password link loses its body once it is sent or given up.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from email.utils import make_msgid, parseaddr

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.models.outbox import OutboxMail
from portal.vocabulary import MailKind, MailStatus

#: Kinds whose body holds a one-time password link: emptied once the row's fate is known.
CARRIES_A_LINK = {MailKind.PASSWORD_RESET, MailKind.WELCOME}

#: kind -> callback(row, error) run in the delivery's transaction when a row becomes sent (error None)
#: or failed (the MailError that made it give up).
_outcome_handlers: dict[str, Callable] = {}

_KICK = "portal.outbox.kick"


def on_outcome(kind: str, handler: Callable) -> None:
    """Run `handler(row, error)` whenever a mail of `kind` ends sent or failed (registered at import time)."""
    _outcome_handlers[kind] = handler


def outcome_handler(kind: str) -> Callable | None:
    return _outcome_handlers.get(kind)


def new_message_id() -> str:
    domain = parseaddr(current_app.config["MAIL_SENDER"])[1].rpartition("@")[2] or "localhost"
    return make_msgid(domain=domain)


def queue_mail(
    kind: MailKind,
    to: str,
    subject: str,
    body: str,
    *,
    to_name: str | None = None,
    user_id: int | None = None,
    reference_id: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> OutboxMail:
    """Add one message to the outbox in the current transaction (flushes); delivered after it commits."""
    row = OutboxMail(
        kind=kind,
        to_address=to,
        to_name=to_name,
        subject=subject,
        body=body,
        headers=json.dumps(dict(headers), sort_keys=True) if headers else None,
        message_id=new_message_id(),
        status=MailStatus.PENDING,
        attempts=0,
        user_id=user_id,
        reference_id=reference_id,
    )
    db.session.add(row)
    db.session.flush()
    want_delivery()
    return row


def want_delivery() -> None:
    """Ask the queue to deliver once the current transaction commits (queue_mail does it; the
    password reset does it for every request, so that known and unknown accounts cost the same)."""
    db.session.info[_KICK] = True


def mail_for_person(user_id: int, limit: int = 20) -> list[OutboxMail]:
    """The newest messages about one person (HR's page about them)."""
    return list(
        db.session.scalars(
            select(OutboxMail).where(OutboxMail.user_id == user_id).order_by(OutboxMail.id.desc()).limit(limit)
        )
    )


def delivery_wanted(session) -> bool:
    """Whether a transaction that just committed wrote mail (and forget it)."""
    return bool(session.info.pop(_KICK, False))


def forget_delivery(session) -> None:
    session.info.pop(_KICK, None)
