"""Recognising the Spanish column titles of HR's files, and the employment types they write."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from portal.people.departments import (
    simplify,
)
from portal.people.staff_import.errors import ImportFileError
from portal.vocabulary import EmploymentType

# --- Columns -------------------------------------------------------------------------------------


#: Header variants (simplified) for each role.
HEADER_ALIASES = {
    "rut": {"rut", "run", "rut funcionario", "rut funcionaria", "rut trabajador", "rut trabajadora", "rut persona"},
    "check_digit": {"dv", "digito verificador", "digito", "rut dv"},
    "full_name": {
        "nombre completo",
        "nombres y apellidos",
        "nombre y apellidos",
        "nombre y apellido",
        "nombre funcionario",
        "nombre funcionaria",
        "nombre del funcionario",
        "nombre de la funcionaria",
        "funcionario",
        "funcionaria",
    },
    "given_names": {"nombre", "nombres", "nombre s"},
    "surnames": {"apellidos", "apellido"},
    "paternal": {"apellido paterno", "primer apellido", "apellido 1", "ap paterno"},
    "maternal": {"apellido materno", "segundo apellido", "apellido 2", "ap materno"},
    "email": {
        "correo",
        "email",
        "e mail",
        "mail",
        "correo electronico",
        "correo e",
        "correo institucional",
        "email institucional",
    },
    "department": {
        "departamento",
        "depto",
        "dpto",
        "unidad",
        "direccion",
        "dependencia",
        "area",
        "unidad municipal",
        "direccion municipal",
    },
    "start_date": {
        "fecha ingreso",
        "fecha de ingreso",
        "ingreso",
        "fecha inicio",
        "fecha de inicio",
        "inicio",
        "fecha de incorporacion",
    },
    "employment_type": {
        "calidad juridica",
        "calidad",
        "tipo de contrato",
        "tipo contrato",
        "contrato",
        "tipo de contratacion",
        "calidad contractual",
    },
    "due_date": {"fecha limite", "plazo", "fecha plazo", "plazo induccion", "fecha limite induccion"},
}
_ROLE_OF = {alias: role for role, aliases in HEADER_ALIASES.items() for alias in aliases}

EMPLOYMENT_ALIASES = {
    "planta": EmploymentType.PLANTA,
    "de planta": EmploymentType.PLANTA,
    "contrata": EmploymentType.CONTRATA,
    "a contrata": EmploymentType.CONTRATA,
    "codigo del trabajo": EmploymentType.CODIGO_TRABAJO,
    "codigo de trabajo": EmploymentType.CODIGO_TRABAJO,
    "codigo trabajo": EmploymentType.CODIGO_TRABAJO,
    "ct": EmploymentType.CODIGO_TRABAJO,
    "honorarios": EmploymentType.HONORARIOS,
    "honorario": EmploymentType.HONORARIOS,
    "a honorarios": EmploymentType.HONORARIOS,
}


def header_role(text: str) -> str | None:
    return _ROLE_OF.get(simplify(text))


@dataclass(frozen=True)
class Columns:
    """Where each role is in the header, and the headers nobody uses."""

    index: dict[str, int]
    ignored: tuple[str, ...] = ()

    def has(self, role: str) -> bool:
        return role in self.index


def map_columns(header: list[str]) -> Columns:
    """Recognise the Spanish headers. Raises ImportFileError naming a missing or repeated column."""
    index: dict[str, int] = {}
    ignored = []
    problems = []
    for position, title in enumerate(header):
        role = header_role(title)
        if role is None:
            if title:
                ignored.append(title)
        elif role in index:
            first = header[index[role]]
            if simplify(first) == simplify(title):
                problems.append(_("La columna «%(column)s» aparece dos veces.", column=title))
            else:
                problems.append(
                    _(
                        "Las columnas «%(first)s» y «%(second)s» significan lo mismo para el portal; deje solo una.",
                        first=first,
                        second=title,
                    )
                )
        else:
            index[role] = position
    if "rut" not in index:
        problems.append(_("Falta la columna «rut» en la fila de títulos."))
    if "full_name" not in index and "given_names" not in index:
        problems.append(
            _("Falta la columna «nombre» (o «nombre completo», o «nombres» con «apellidos») en la fila de títulos.")
        )
    if problems:
        raise ImportFileError(*problems)
    return Columns(index=index, ignored=tuple(ignored))
