"""People's accounts: create, update, deactivate, password links, due dates (flush, never commit)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from types import SimpleNamespace

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from portal import audit
from portal.auth.authority import OutOfAuthority, is_last_active_admin, require_authority
from portal.auth.service import hash_password
from portal.auth.tokens import SET_PASSWORD_LIFETIME, issue_token
from portal.dates import LATEST, DateOutOfRange, add_days
from portal.extensions import db
from portal.models.staff import SET_PASSWORD
from portal.models.user import AuthSession, Department, User
from portal.people.departments import department_for
from portal.people.errors import PersonConflict
from portal.settings import effective
from portal.vocabulary import STAFF

__all__ = ["PersonConflict", "create_person", "save_person", "set_active", "issue_password_link", "shift_due_dates"]


#: create_person's default: the department is the one `data` names.
FROM_DATA = object()


def default_due_date(start: date | None, onboarding_days: int) -> date | None:
    """Start date + the onboarding days; the last accepted date when that would pass it."""
    if not start:
        return None
    try:
        return add_days(start, onboarding_days)
    except DateOutOfRange:
        return LATEST


def snapshot(user: User | None) -> dict:
    """A person's editable data as plain values, to compare before and after a save (audit.changes)."""
    if user is None:
        return {}
    return {
        "rut": user.rut,
        "full_name": user.full_name,
        "email": user.email,
        "department": user.department.name if user.department else None,
        "employment_type": user.employment_type,
        "start_date": user.start_date,
        "due_date": user.due_date,
    }


def _refuse_taken(data: dict, user_id: int | None) -> None:
    """Raise PersonConflict when the RUT or the email of `data` belongs to an account other than `user_id`."""
    taken_rut = db.session.scalar(select(User.id).where(User.rut == data["rut"]))
    if taken_rut is not None and taken_rut != user_id:
        raise PersonConflict("rut", _("Ya existe una persona con ese RUT."))
    if data.get("email"):
        taken_email = db.session.scalar(select(User.id).where(func.lower(User.email) == data["email"]))
        if taken_email is not None and taken_email != user_id:
            raise PersonConflict("email", _("Ese correo ya pertenece a otra persona."))


def create_person(
    data: dict,
    *,
    roles: Iterable[str] = (STAFF,),
    actor_id: int | None,
    onboarding_days: int | None = None,
    department: Department | None | object = FROM_DATA,
    audited: bool = True,
) -> User:
    """Create one active account from plain data; the one way people are created (flushes).

    `data` holds rut (normalised), full_name, and optionally email (normalised), department (a
    name; see departments.department_for, with new_department), employment_type, start_date,
    due_date (empty: start date + `onboarding_days`, the configured days by default) and password
    (plain text, stored hashed; without one the person sets it through a link). A caller that has
    already resolved the department passes it as `department`. `actor_id` None is the command line.

    Raises PersonConflict (RUT, email, department), or OutOfAuthority when the actor may not give
    these roles. Records staff.created with the data as changes (unless not `audited`: the staff
    import records one event for the whole file), and accounts.roles_changed when the roles are
    not just staff.
    """
    _refuse_taken(data, None)
    wanted = set(roles)
    require_authority(actor_id, SimpleNamespace(roles=wanted))
    if onboarding_days is None:
        onboarding_days = effective("ONBOARDING_DAYS")
    user = User(active=True, password_hash=hash_password(data["password"]) if data.get("password") else None)
    user.set_roles([STAFF])
    db.session.add(user)
    _fill(user, data, onboarding_days, department, start_moved=True)
    db.session.flush()
    if audited:
        audit.record("staff.created", actor_id=actor_id, user_id=user.id, changes=audit.changes({}, snapshot(user)))
    role_changes = audit.changes({"roles": {STAFF}}, {"roles": wanted})
    if role_changes:
        user.set_roles(wanted)
        db.session.flush()
        audit.record("accounts.roles_changed", actor_id=actor_id, user_id=user.id, changes=role_changes)
    return user


def _fill(user: User, data: dict, onboarding_days: int, department, *, start_moved: bool) -> None:
    user.rut = data["rut"]
    user.full_name = " ".join(data["full_name"].split())
    user.email = data.get("email") or None
    user.department = department_for(data) if department is FROM_DATA else department
    user.employment_type = data.get("employment_type") or None
    start_moved = start_moved or user.start_date != data.get("start_date")
    user.start_date = data.get("start_date")
    if data.get("due_date") or start_moved or user.due_date is not None:
        # An empty due date means "start + the configured days"; but a person who has no due date
        # keeps none when their page is saved untouched.
        user.due_date = data.get("due_date") or default_due_date(user.start_date, onboarding_days)


def save_person(user: User, data: dict, *, onboarding_days: int | None = None, actor_id: int | None) -> User:
    """Update a person from cleaned form data (the keys of create_person's `data`, without password).

    Raises PersonConflict, or OutOfAuthority when the actor may not change this account. The audit
    event lists the fields that changed with their old and new values; saving a person unchanged
    records nothing.
    """
    require_authority(actor_id, user)
    _refuse_taken(data, user.id)
    before = snapshot(user)
    if onboarding_days is None:
        onboarding_days = effective("ONBOARDING_DAYS")
    _fill(user, data, onboarding_days, FROM_DATA, start_moved=False)
    db.session.flush()
    changed = audit.changes(before, snapshot(user))
    if changed:
        audit.record("staff.updated", actor_id=actor_id, user_id=user.id, changes=changed)
    return user


def set_active(user: User, active: bool, actor_id: int | None) -> None:
    """Deactivate someone who left (records stay; their sessions end) or bring them back.

    Raises OutOfAuthority when the actor may not act on this account, or when it is the last
    active administrator's.
    """
    require_authority(actor_id, user)
    if not active and is_last_active_admin(user):
        raise OutOfAuthority(_("Es el último administrador activo: no se puede desactivar."))
    user.active = active
    if not active:
        db.session.execute(delete(AuthSession).where(AuthSession.user_id == user.id))
    db.session.flush()
    audit.record("staff.reactivated" if active else "staff.deactivated", actor_id=actor_id, user_id=user.id)


def issue_password_link(user: User, actor_id: int | None) -> str:
    """A new one-time set-password token for `user` (flushes, audited). Raises OutOfAuthority."""
    require_authority(actor_id, user)
    raw = issue_token(user, SET_PASSWORD, SET_PASSWORD_LIFETIME)
    audit.record("staff.password_link_issued", actor_id=actor_id, user_id=user.id)
    return raw


def shift_due_dates(user_ids: list[int], days: int, actor_id: int | None) -> int:
    """Move the due dates of these people by `days`; people without one get none. Returns the count.

    Raises DateOutOfRange (with a message naming the person) and moves nobody when a new due date
    would leave the accepted range.
    """
    if not user_ids:
        return 0
    # Date arithmetic differs between SQLite and PostgreSQL; move them in Python instead.
    new_dates = []
    for user in db.session.scalars(select(User).where(User.id.in_(user_ids), User.due_date.is_not(None))):
        try:
            new_dates.append((user, add_days(user.due_date, days)))
        except DateOutOfRange:
            raise DateOutOfRange(
                _("El nuevo plazo de %(name)s quedaría fuera de las fechas aceptadas.", name=user.full_name)
            ) from None
    for user, due_date in new_dates:
        user.due_date = due_date
    moved = len(new_dates)
    db.session.flush()
    audit.record("staff.due_dates_moved", actor_id=actor_id, people=moved, days=days)
    return moved
