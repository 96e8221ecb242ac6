"""HR's changes to people: add, edit, deactivate, move due dates (flush, never commit)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from portal import audit
from portal.auth.authority import OutOfAuthority, is_last_active_admin, require_authority
from portal.auth.tokens import SET_PASSWORD_LIFETIME, issue_token
from portal.dates import LATEST, DateOutOfRange, add_days
from portal.extensions import db
from portal.models.staff import SET_PASSWORD
from portal.models.user import STAFF, AuthSession, Department, User


class PersonConflict(ValueError):
    """The RUT or email belongs to someone else; `field` names which."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def simplify(text: str) -> str:
    """Lower case, without accents, punctuation or repeated spaces: "Correo-Electrónico" -> "correo electronico"."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


#: Municipal units that HR files name in several ways: the usual full name first, then the
#: abbreviations and shorter names also written for the same unit. Names are compared simplified
#: (see department_key), so accents, case and punctuation here do not matter.
DEPARTMENT_ALIASES: tuple[tuple[str, ...], ...] = (
    ("Dirección de Desarrollo Comunitario", "DIDECO", "Desarrollo Comunitario"),
    ("Dirección de Obras Municipales", "DOM", "Dirección de Obras", "Obras Municipales"),
    (
        "Secretaría Comunal de Planificación",
        "SECPLA",
        "SECPLAN",
        "SECPLAC",
        "Secretaría de Planificación Comunal",
        "Secretaría Comunal de Planificación y Coordinación",
    ),
    ("Dirección de Administración y Finanzas", "DAF", "Administración y Finanzas"),
    ("Dirección de Medio Ambiente, Aseo y Ornato", "DIMAO", "DMAO", "Medio Ambiente, Aseo y Ornato"),
    (
        "Departamento de Administración de Educación Municipal",
        "DAEM",
        "Departamento de Educación Municipal",
        "Departamento de Educación",
    ),
    ("Departamento de Salud Municipal", "DESAM", "Departamento de Salud", "Salud Municipal"),
    (
        "Dirección de Tránsito",
        "DT",
        "Tránsito",
        "Dirección de Tránsito y Transporte Público",
        "Dirección de Tránsito y Transporte",
    ),
    ("Secretaría Municipal", "SECMU", "SECMUN"),
    ("Juzgado de Policía Local", "JPL"),
    ("Oficina Municipal de Intermediación Laboral", "OMIL"),
)
#: Words that a department's name may have or drop without naming another unit.
_FILLER_WORDS = frozenset({"de", "del", "la", "las", "el", "los", "y", "e"})
#: Shortened words expanded before comparing ("Depto. de Salud").
_WORD_ABBREVIATIONS = {"depto": "departamento", "dpto": "departamento", "dir": "direccion"}


def department_key(name: str) -> str:
    """How a department's name compares: simplified, abbreviated words expanded, filler words dropped.

    "Dirección de Tránsito", "direccion  de transito" and "Dir. Tránsito" share a key; "DT" does not
    (see department_unit).
    """
    # "D.O.M." simplifies to "d o m": letters written one by one are one word.
    spelled = re.sub(r"\b\w(?: \w\b)+", lambda letters: letters.group(0).replace(" ", ""), simplify(name))
    words = (_WORD_ABBREVIATIONS.get(word, word) for word in spelled.split())
    return " ".join(word for word in words if word not in _FILLER_WORDS)


_UNIT_OF_KEY = {department_key(alias): department_key(names[0]) for names in DEPARTMENT_ALIASES for alias in names}


def department_unit(name: str) -> str:
    """department_key, with known abbreviations and other names of a unit replaced by its full name's key."""
    key = department_key(name)
    return _UNIT_OF_KEY.get(key, key)


#: How match_department found a department.
SAME_NAME = "same_name"  # the same name, but for case and spacing: what find_or_create_department matches
SAME_LETTERS = "same_letters"  # the same words once accents, punctuation and filler words are ignored
ALIAS = "alias"  # a known abbreviation or other name of the same unit (DEPARTMENT_ALIASES)


@dataclass(frozen=True)
class DepartmentMatch:
    department: Department
    #: SAME_NAME, SAME_LETTERS or ALIAS.
    how: str


def match_department(name: str, departments: Iterable[Department]) -> DepartmentMatch | None:
    """The existing department that `name` most likely means, or None.

    Tried in order: the same name but for case and spacing; the same department_key (accents,
    punctuation, "Depto.", filler words); the same department_unit (DIDECO = Dirección de
    Desarrollo Comunitario). When two departments match equally well (the table already has a
    near duplicate), there is no safe answer and the result is None.
    """
    spaced = " ".join(name.split()).casefold()
    key = department_key(name)
    unit = _UNIT_OF_KEY.get(key, key)
    found: dict[str, list[Department]] = {SAME_NAME: [], SAME_LETTERS: [], ALIAS: []}
    for department in departments:
        if " ".join(department.name.split()).casefold() == spaced:
            found[SAME_NAME].append(department)
        else:
            other_key = department_key(department.name)
            if other_key == key:
                found[SAME_LETTERS].append(department)
            elif _UNIT_OF_KEY.get(other_key, other_key) == unit:
                found[ALIAS].append(department)
    for how in (SAME_NAME, SAME_LETTERS, ALIAS):
        if found[how]:
            return DepartmentMatch(found[how][0], how) if len(found[how]) == 1 else None
    return None


def find_or_create_department(name: str) -> Department:
    """The department with this name (spacing normalised), created when new (flushes)."""
    name = " ".join(name.split())
    department = existing_department(name)
    if department is None:
        department = Department(name=name)
        db.session.add(department)
        db.session.flush()
    return department


def existing_department(name: str) -> Department | None:
    """The department called `name`, ignoring case and spacing; None when there is none."""
    name = " ".join(name.split())
    return db.session.scalar(select(Department).where(func.lower(Department.name) == name.lower()))


def department_for(data: dict) -> Department | None:
    """The department a person's form names: an existing one, or a new one only on purpose.

    A name written another way (accents, case, spacing, "Depto.") is the existing department. An
    abbreviation (DIDECO) or a name that is none of them raises PersonConflict, with the department
    it probably means; a new department is created only when `new_department` is set and the name
    resembles no existing one, so typos never become departments.
    """
    name = " ".join((data.get("department") or "").split())
    if not name:
        return None
    match = match_department(name, db.session.scalars(select(Department)))
    if match is not None and match.how in (SAME_NAME, SAME_LETTERS):
        return match.department
    if match is not None:
        raise PersonConflict(
            "department",
            _(
                "¿Se refiere a «%(existing)s»? Elíjalo de la lista; si es otro departamento, escriba su nombre "
                "completo.",
                existing=match.department.name,
            ),
        )
    if not data.get("new_department"):
        raise PersonConflict(
            "department",
            _(
                "No hay un departamento llamado «%(name)s». Elija uno de la lista o marque «Es un departamento "
                "nuevo» para crearlo.",
                name=name,
            ),
        )
    return find_or_create_department(name)


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


def save_person(user: User | None, data: dict, *, onboarding_days: int, actor_id: int | None) -> User:
    """Create (user=None) or update a person from cleaned form data.

    Raises PersonConflict, or OutOfAuthority when the actor may not change this account. The audit
    event lists the fields that changed with their old and new values; saving a person unchanged
    records nothing.
    """
    if user is not None:
        require_authority(actor_id, user)
    taken_rut = db.session.scalar(select(User.id).where(User.rut == data["rut"]))
    if taken_rut is not None and (user is None or taken_rut != user.id):
        raise PersonConflict("rut", _("Ya existe una persona con ese RUT."))
    if data.get("email"):
        taken_email = db.session.scalar(select(User.id).where(func.lower(User.email) == data["email"]))
        if taken_email is not None and (user is None or taken_email != user.id):
            raise PersonConflict("email", _("Ese correo ya pertenece a otra persona."))
    created = user is None
    before = snapshot(user)
    if created:
        user = User(active=True)
        user.set_roles([STAFF])
        db.session.add(user)
    user.rut = data["rut"]
    user.full_name = " ".join(data["full_name"].split())
    user.email = data.get("email") or None
    user.department = department_for(data)
    user.employment_type = data.get("employment_type") or None
    start_moved = created or user.start_date != data.get("start_date")
    user.start_date = data.get("start_date")
    if data.get("due_date") or start_moved or user.due_date is not None:
        # An empty due date means "start + the configured days"; but a person who has no due date
        # keeps none when their page is saved untouched.
        user.due_date = data.get("due_date") or default_due_date(user.start_date, onboarding_days)
    db.session.flush()
    changed = audit.changes(before, snapshot(user))
    if created or changed:
        audit.record(
            "staff.created" if created else "staff.updated", actor_id=actor_id, user_id=user.id, changes=changed
        )
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
