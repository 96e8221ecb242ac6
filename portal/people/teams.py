"""Jefaturas and their teams: the departments a supervisor leads, and whose people a person may see.

A scope is the one answer to "which people may this account see": HR sees everyone, a jefatura
(Role.SUPERVISOR) the people of the departments they lead and nobody else. Pages that list people
filter with `PeopleScope.condition()` (the completion report takes it as `ReportFilters.scope_departments`)
and pages about one person check `PeopleScope.includes()`, answering 404 outside it, so a jefatura
cannot even learn that someone else's page exists. Only administrators give the role and the
departments (change_led_departments); a jefatura changes nothing of anybody's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import delete, select, true, update

from portal import audit
from portal.extensions import db
from portal.models.user import Department, LedDepartment, User
from portal.people.errors import AdminRuleError
from portal.vocabulary import HR, SUPERVISOR


@dataclass(frozen=True)
class PeopleScope:
    """The people an account may see: everyone, or the people of some departments."""

    #: None: everyone (HR). Otherwise only people whose department is one of these (may be empty).
    department_ids: frozenset[int] | None = None

    @property
    def everyone(self) -> bool:
        return self.department_ids is None

    def condition(self):
        """The SQL condition on User for the people within the scope."""
        if self.department_ids is None:
            return true()
        return User.department_id.in_(sorted(self.department_ids))

    def includes(self, person: User) -> bool:
        return self.department_ids is None or person.department_id in self.department_ids


EVERYONE = PeopleScope()


def team_scope(user: User) -> PeopleScope:
    """A jefatura's team: the people of the departments they lead (nobody without the role)."""
    if SUPERVISOR not in user.roles:
        return PeopleScope(frozenset())
    return PeopleScope(frozenset(department.id for department in user.led_departments))


def people_scope(user: User) -> PeopleScope:
    """Everyone for HR; a jefatura's team otherwise (what HR's tools offered to jefaturas should use)."""
    return EVERYONE if HR in user.roles else team_scope(user)


def led_department_names(user: User) -> list[str]:
    return [department.name for department in user.led_departments]


def change_led_departments(user: User, department_ids: Iterable[int], actor_id: int | None) -> bool:
    """Make `user` lead exactly these departments (flushes, audited). Returns whether anything changed.

    Call it after the roles are set: a jefatura leads at least one department, and only a jefatura
    leads any (AdminRuleError on the field "led_departments" otherwise).
    """
    wanted = set(department_ids)
    departments = list(db.session.scalars(select(Department).where(Department.id.in_(wanted)))) if wanted else []
    if len(departments) != len(wanted):
        raise AdminRuleError(_("Uno de los departamentos elegidos ya no existe."), "led_departments")
    if SUPERVISOR in user.roles and not departments:
        raise AdminRuleError(_("Elija al menos un departamento que dirige esta jefatura."), "led_departments")
    if SUPERVISOR not in user.roles and departments:
        raise AdminRuleError(
            _("Solo una jefatura dirige departamentos: marque el rol Jefatura o quite los departamentos."),
            "led_departments",
        )
    changed = audit.changes(
        {"led_departments": set(led_department_names(user))},
        {"led_departments": {department.name for department in departments}},
    )
    if not changed:
        return False
    user.led_departments = sorted(departments, key=lambda department: department.name)
    db.session.flush()
    audit.record("accounts.led_departments_changed", actor_id=actor_id, user_id=user.id, changes=changed)
    return True


def move_led_departments(source_id: int, target_id: int) -> None:
    """When departments merge, their jefaturas lead the merged one (flushes; departments.merged audits)."""
    leads_target = select(LedDepartment.user_id).where(LedDepartment.department_id == target_id)
    db.session.execute(
        delete(LedDepartment).where(LedDepartment.department_id == source_id, LedDepartment.user_id.in_(leads_target))
    )
    db.session.execute(
        update(LedDepartment).where(LedDepartment.department_id == source_id).values(department_id=target_id)
    )
