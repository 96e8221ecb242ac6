"""The audit log's queries for the administrators' pages and its export (read-only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, func, or_, select

from portal import audit
from portal.auth.service import find_user_by_login, login_fingerprint
from portal.dates import local_midnight
from portal.extensions import db
from portal.models.audit import AuditEvent
from portal.models.user import User
from portal.pagination import Page, paginate
from portal.people.administration import person_matches

AUDIT_PAGE_SIZE = 50
#: Events read per query when the log is exported.
EXPORT_BATCH_SIZE = 500


# --- Audit log -------------------------------------------------------------------------


@dataclass
class AuditFilters:
    #: A whole group of actions ("staff") or one action ("staff.updated").
    action: str = ""
    actor: str = ""
    start: date | None = None
    end: date | None = None
    #: A RUT or email: only failed sign-ins with it (see failed_sign_ins_with).
    typed_login: str = ""

    def as_details(self) -> dict:
        """The filters for the export's audit event: only what was set, and no typed name, RUT or email.

        The log is never rewritten, so it keeps only that a person or login was searched for, not
        what was typed (anonymisation could not remove it).
        """
        details = {
            "action": self.action or None,
            "actor": True if self.actor.strip() else None,
            "typed_login": True if self.typed_login.strip() else None,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
        }
        return {name: value for name, value in details.items() if value is not None}


def failed_sign_ins_with(typed_login: str):
    """The condition matching failed sign-ins in which `typed_login` (any spelling) was typed.

    Events store the account's id when the login named an account and the login's keyed
    fingerprint otherwise; both are looked for, because the account may have been created
    after the attempts. Events written before fingerprints kept the text as typed.
    """
    stored = [audit.details_text(login_fingerprint=login_fingerprint(typed_login))]
    account = find_user_by_login(typed_login)
    if account is not None:
        stored.append(audit.details_text(user_id=account.id))
    legacy = audit.details_text(login=" ".join(typed_login.split()).lower())
    return and_(
        AuditEvent.action == "auth.login_failed",
        or_(AuditEvent.details.in_(stored), func.lower(AuditEvent.details) == legacy),
    )


def account_names(ids) -> dict[int, str]:
    """Full names of the accounts with these ids (events name the account they concern by id)."""
    ids = set(ids)
    if not ids:
        return {}
    return {
        user_id: name for user_id, name in db.session.execute(select(User.id, User.full_name).where(User.id.in_(ids)))
    }


def audit_conditions(filters: AuditFilters) -> list:
    """The WHERE conditions of the filters, over AuditEvent outer-joined to its actor (User)."""
    conditions = []
    if filters.action:
        conditions.append(or_(AuditEvent.action == filters.action, AuditEvent.action.like(f"{filters.action}.%")))
    if filters.actor.strip():
        conditions.append(person_matches(filters.actor))
    if filters.typed_login.strip():
        conditions.append(failed_sign_ins_with(filters.typed_login))
    if filters.start:
        conditions.append(AuditEvent.occurred_at >= local_midnight(filters.start))
    if filters.end:
        conditions.append(AuditEvent.occurred_at < local_midnight(filters.end + timedelta(days=1)))
    return conditions


def _events_query(conditions):
    return (
        select(AuditEvent, User.full_name.label("actor_name"))
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(*conditions)
        .order_by(AuditEvent.id.desc())
    )


def audit_events(filters: AuditFilters, page: int = 1) -> Page:
    """Events newest first, with the actor's name, matching the filters."""
    conditions = audit_conditions(filters)
    count = select(func.count(AuditEvent.id)).select_from(AuditEvent).outerjoin(User, User.id == AuditEvent.actor_id)
    return paginate(_events_query(conditions), count.where(*conditions), page, AUDIT_PAGE_SIZE)


@dataclass(frozen=True)
class AuditRow:
    """One event for the export, with the names of who acted and of the account it concerns."""

    event: AuditEvent
    actor_name: str | None
    subject_name: str | None


def audit_rows(filters: AuditFilters, batch_size: int = EXPORT_BATCH_SIZE):
    """Every event matching the filters, newest first, read `batch_size` at a time (a generator).

    Each batch is one query for the events (keyset on the id, so no cursor stays open between
    batches) and one for the names of the accounts they concern: memory stays flat however long
    the log is, and the number of queries does not grow with each row.
    """
    conditions = audit_conditions(filters)
    last_id = None
    while True:
        query = _events_query(conditions).limit(batch_size)
        if last_id is not None:
            query = query.where(AuditEvent.id < last_id)
        batch = db.session.execute(query).all()
        names = account_names(event.subject_id for event, _name in batch if event.subject_id)
        for event, actor_name in batch:
            yield AuditRow(event, actor_name, names.get(event.subject_id))
        if len(batch) < batch_size:
            return
        last_id = batch[-1][0].id
