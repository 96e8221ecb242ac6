"""Departments: matching the names people write, find-or-create, and the administrators' changes.

All functions flush and never commit; the administrators' changes record their audit event.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from portal import audit
from portal.extensions import db
from portal.models.user import Department, User
from portal.people.errors import AdminRuleError, PersonConflict
from portal.people.teams import move_led_departments


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


def departments_in_order() -> list[Department]:
    """Every department, by name (the lists that person forms offer)."""
    return list(db.session.scalars(select(Department).order_by(Department.name)))


# --- Administrators' changes -------------------------------------------------------------


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
    move_led_departments(source.id, target.id)
    details = {"source_id": source.id, "source": source.name, "target_id": target.id, "target": target.name}
    # The moved rows may be loaded in this session with the old department.
    db.session.expire_all()
    db.session.delete(db.session.get(Department, details["source_id"]))
    db.session.flush()
    audit.record("departments.merged", actor_id=actor_id, people=moved, **details)
    return moved
