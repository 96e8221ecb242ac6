"""Administrators' changes to accounts, departments and the audit log (flush, never commit).

The rules that protect the portal from locking itself out live here, not in the views:
an administrator cannot remove their own admin role, and the last active administrator can
neither be deactivated nor lose the role.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import get_timezone
from flask_babel import gettext as _
from sqlalchemy import and_, delete, func, or_, select, update

from portal import audit
from portal.auth.authority import is_last_active_admin
from portal.auth.service import find_user_by_login, login_fingerprint
from portal.database import LIKE_ESCAPE, like_contains
from portal.extensions import db
from portal.models.audit import AuditEvent
from portal.models.progress import Commitment
from portal.models.staff import PasswordToken, Reminder
from portal.models.user import ADMIN, AuthSession, Department, User
from portal.pagination import Page, paginate
from portal.reports import people
from portal.rut import format_rut

PAGE_SIZE = 25
AUDIT_PAGE_SIZE = 50
#: Events read per query when the log is exported.
EXPORT_BATCH_SIZE = 500
#: Prefix of the RUT placeholder given to anonymised people; never shaped like a RUT.
ANONYMOUS_RUT_PREFIX = "ANON-"


class AdminRuleError(ValueError):
    """A change the rules refuse; the message is in Spanish, `field` names the form field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- Accounts --------------------------------------------------------------------------


def person_matches(text: str):
    """The condition "name, email or RUT contains `text`" (any case, RUT with or without dots).

    A % or _ in `text` matches only itself (like_contains), as the person who typed it expects.
    """
    text = " ".join(text.split())
    lowered = like_contains(text.lower())
    compact = like_contains(text.replace(".", "").replace(" ", "").upper())
    return or_(
        func.lower(User.full_name).like(lowered, escape=LIKE_ESCAPE),
        func.lower(User.email).like(lowered, escape=LIKE_ESCAPE),
        User.rut.like(compact, escape=LIKE_ESCAPE),
    )


def search_accounts(text: str, page: int = 1) -> Page:
    """People whose name, RUT or email contains `text` (any case), by name."""
    condition = True
    text = " ".join((text or "").split())
    if text:
        condition = person_matches(text)
    query = (
        select(User, Department.name.label("department"))
        .outerjoin(Department, Department.id == User.department_id)
        .where(condition)
        .order_by(User.active.desc(), User.full_name, User.id)
    )
    result = paginate(query, select(func.count(User.id)).where(condition), page, PAGE_SIZE)
    return result


def is_anonymised(user: User) -> bool:
    return user.rut.startswith(ANONYMOUS_RUT_PREFIX)


def check_roles_change(user: User, roles: set[str], actor_id: int) -> None:
    """Raise AdminRuleError when taking the admin role away from `user` is not allowed."""
    if ADMIN in user.roles and ADMIN not in roles:
        if user.id == actor_id:
            raise AdminRuleError(_("No puede quitarse a sí mismo el rol de administrador."), "roles")
        if is_last_active_admin(user):
            raise AdminRuleError(
                _("Es el último administrador activo: asigne el rol a otra persona antes de quitárselo."), "roles"
            )


def change_roles(user: User, roles, actor_id: int) -> bool:
    """Give `user` exactly these roles, audited with before and after. Returns whether anything changed."""
    wanted = set(roles)
    changed = audit.changes({"roles": set(user.roles)}, {"roles": wanted})
    if not changed:
        return False
    check_roles_change(user, wanted, actor_id)
    user.set_roles(wanted)
    db.session.flush()
    audit.record("accounts.roles_changed", actor_id=actor_id, user_id=user.id, changes=changed)
    return True


def set_active(user: User, active: bool, actor_id: int) -> None:
    """Deactivate or reactivate an account (people.set_active), refusing to lock the portal out."""
    if not active:
        if user.id == actor_id:
            raise AdminRuleError(_("No puede desactivar su propia cuenta."))
        if is_last_active_admin(user):
            raise AdminRuleError(_("Es el último administrador activo: no se puede desactivar."))
    elif is_anonymised(user):
        raise AdminRuleError(_("Una cuenta anonimizada no se puede reactivar."))
    if user.active == active:
        return
    people.set_active(user, active, actor_id)


def anonymised_name(user_id: int) -> str:
    return _("Persona anonimizada #%(id)s", id=user_id)


def anonymise(user: User, actor_id: int) -> None:
    """Remove what identifies a person who left, keeping their results for statistics.

    The name, RUT, email and password go; sessions and pending password links end. In the
    signed commitments the name and RUT are replaced, but the stored SHA-256 is kept as it was:
    it is evidence that a declaration was signed, and it no longer matches the edited text.
    """
    if user.id == actor_id:
        raise AdminRuleError(_("No puede anonimizar su propia cuenta."))
    if is_anonymised(user):
        raise AdminRuleError(_("Esta cuenta ya fue anonimizada."))
    if user.active:
        raise AdminRuleError(_("La cuenta está activa: desactívela primero y luego anonimícela."))
    placeholder = f"{ANONYMOUS_RUT_PREFIX}{user.id}"
    if len(placeholder) > User.__table__.c.rut.type.length:
        raise AdminRuleError(_("No se puede anonimizar esta cuenta automáticamente."))
    new_name = anonymised_name(user.id)
    replacements = [
        (user.full_name, new_name),
        (format_rut(user.rut), "[RUT eliminado]"),
        (user.rut, "[RUT eliminado]"),
    ]
    for commitment in db.session.scalars(select(Commitment).where(Commitment.user_id == user.id)):
        text = commitment.text
        for old, new in [*replacements, (commitment.signed_name, new_name)]:
            if old:
                text = text.replace(old, new)
        commitment.text = text
        commitment.signed_name = new_name
    user.full_name = new_name
    user.rut = placeholder
    user.email = None
    user.password_hash = None
    user.active = False
    db.session.execute(delete(AuthSession).where(AuthSession.user_id == user.id))
    db.session.execute(delete(PasswordToken).where(PasswordToken.user_id == user.id))
    # A failed delivery's server answer may quote the address.
    db.session.execute(update(Reminder).where(Reminder.user_id == user.id).values(error=None))
    db.session.flush()
    audit.record("accounts.anonymised", actor_id=actor_id, user_id=user.id)


# --- Departments -----------------------------------------------------------------------


def departments_with_counts() -> list[tuple[Department, int]]:
    count = func.count(User.id)
    query = (
        select(Department, count)
        .outerjoin(User, User.department_id == Department.id)
        .group_by(Department.id, Department.name)
        .order_by(Department.name)
    )
    return [(department, people_count) for department, people_count in db.session.execute(query)]


def clean_department_name(name: str) -> str:
    return " ".join((name or "").split())


def _name_taken(name: str, except_id: int | None = None) -> bool:
    query = select(Department.id).where(func.lower(Department.name) == name.lower())
    if except_id is not None:
        query = query.where(Department.id != except_id)
    return db.session.scalar(query) is not None


def create_department(name: str, actor_id: int) -> Department:
    name = clean_department_name(name)
    if _name_taken(name):
        raise AdminRuleError(_("Ya existe un departamento con ese nombre."), "name")
    department = Department(name=name)
    db.session.add(department)
    db.session.flush()
    audit.record("departments.created", actor_id=actor_id, department_id=department.id, name=name)
    return department


def rename_department(department: Department, name: str, actor_id: int) -> None:
    name = clean_department_name(name)
    if _name_taken(name, except_id=department.id):
        raise AdminRuleError(_("Ya existe un departamento con ese nombre."), "name")
    changed = audit.changes({"name": department.name}, {"name": name})
    if not changed:
        return
    department.name = name
    db.session.flush()
    audit.record("departments.renamed", actor_id=actor_id, department_id=department.id, changes=changed)


def merge_departments(source: Department, target: Department, actor_id: int) -> int:
    """Move everyone in `source` to `target` and delete `source`. Returns how many people moved."""
    if source.id == target.id:
        raise AdminRuleError(_("Elija un departamento distinto."), "into")
    moved = db.session.execute(
        update(User).where(User.department_id == source.id).values(department_id=target.id)
    ).rowcount
    details = {"source_id": source.id, "source": source.name, "target_id": target.id, "target": target.name}
    # The moved rows may be loaded in this session with the old department.
    db.session.expire_all()
    db.session.delete(db.session.get(Department, details["source_id"]))
    db.session.flush()
    audit.record("departments.merged", actor_id=actor_id, people=moved, **details)
    return moved


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


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=get_timezone())


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
