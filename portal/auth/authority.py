"""Who may act on whose account: authority flows down only (DESIGN.md, STYLE.md rule 14).

An access rule on a route says who may use the route; this says whose account they may change
with it. HR manages staff and jefaturas (a jefatura sees a part of what HR sees, so HR acting on
their account gains nothing); administrators manage every account; a jefatura manages nobody's
account (the departments they lead are read-only to them, and only administrators give the role),
except that they may print activation slips for the never-activated staff of those departments
(may_issue_activation).
Nobody issues a password link for, edits, deactivates or anonymises an account holding a role
outside their authority, and the last active administrator always remains. The services that act
call these checks, so the web forms, the staff import and the command line refuse the same things.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.models.user import User, UserRole
from portal.vocabulary import ADMIN, HR, ROLES, STAFF, SUPERVISOR

#: The roles of the accounts each role may manage; a role missing here (trainer, supervisor) manages none.
MANAGES: dict[str, frozenset[str]] = {ADMIN: frozenset(ROLES), HR: frozenset({STAFF, SUPERVISOR})}
#: What the staff import may change: it is HR's tool, whoever runs it (web or command line).
STAFF_IMPORT_AUTHORITY = frozenset({HR})


class OutOfAuthority(PermissionError):
    """The actor may not act on this account; the message says why, in Spanish."""


def manageable_roles(actor_roles: Iterable[str]) -> frozenset[str]:
    return frozenset().union(*(MANAGES.get(role, frozenset()) for role in actor_roles))


def may_manage(actor_roles: Iterable[str], target_roles: Iterable[str]) -> bool:
    """Whether someone holding `actor_roles` may act on an account holding `target_roles`."""
    return set(target_roles) <= manageable_roles(actor_roles)


def may_issue_activation(actor: User, target: User) -> bool:
    """Whether `actor` may print activation slips (new codes) for `target`'s account.

    Whoever manages the account may. A jefatura may too, and only for a staff account of a department
    they lead that has never been activated: a code sets the password, so for an activated account it
    would be a password reset, and a jefatura must never be able to take over someone's account.
    """
    if may_manage(actor.roles, target.roles):
        return True
    return (
        SUPERVISOR in actor.roles
        and set(target.roles) <= {STAFF}
        and target.password_hash is None
        and target.department_id in {department.id for department in actor.led_departments}
    )


def out_of_authority_message() -> str:
    return _(
        "Esta cuenta tiene roles de Capacitación, Recursos Humanos o Administración: "
        "solo Administración puede modificarla."
    )


def require_authority(actor_id: int | None, target) -> None:
    """Raise OutOfAuthority unless the account `actor_id` may act on `target` (a User).

    `actor_id` None is the command line, run by whoever runs the server: it has every authority.
    """
    if actor_id is None:
        return
    actor = db.session.get(User, actor_id)
    if actor is None or not may_manage(actor.roles, target.roles):
        raise OutOfAuthority(out_of_authority_message())


def other_active_admin_ids(user_id: int) -> list[int]:
    """Ids of active administrators other than this person, locking their rows on PostgreSQL.

    The lock makes two administrators who demote each other at the same moment take turns,
    so the second one sees that the first is no longer an administrator.
    """
    query = (
        select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == ADMIN, User.active.is_(True), User.id != user_id)
        .with_for_update()
    )
    return list(db.session.scalars(query))


def is_last_active_admin(user) -> bool:
    return ADMIN in user.roles and user.active and not other_active_admin_ids(user.id)
