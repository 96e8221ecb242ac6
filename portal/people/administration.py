"""What only administrators do to accounts: search them, change roles, deactivate (flush, never commit).

The rules that protect the portal from locking itself out live here, not in the views:
an administrator cannot remove their own admin role, and the last active administrator can
neither be deactivated nor lose the role.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from portal import audit
from portal.auth.authority import is_last_active_admin
from portal.database import LIKE_ESCAPE, like_contains
from portal.extensions import db
from portal.models.user import Department, User
from portal.pagination import Page, paginate
from portal.people import accounts
from portal.people.errors import AdminRuleError
from portal.people.personal_data import is_anonymised
from portal.vocabulary import ADMIN

__all__ = ["AdminRuleError", "change_roles", "check_roles_change", "person_matches", "search_accounts", "set_active"]

PAGE_SIZE = 25


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
    """Deactivate or reactivate an account (accounts.set_active), refusing to lock the portal out."""
    if not active:
        if user.id == actor_id:
            raise AdminRuleError(_("No puede desactivar su propia cuenta."))
        if is_last_active_admin(user):
            raise AdminRuleError(_("Es el último administrador activo: no se puede desactivar."))
    elif is_anonymised(user):
        raise AdminRuleError(_("Una cuenta anonimizada no se puede reactivar."))
    if user.active == active:
        return
    accounts.set_active(user, active, actor_id)
