"""`verify`: the chain and every checkpoint, in one pass; what was found, in Spanish."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from portal.audit.chain import Problem, _same, _walk
from portal.audit.checkpoints import (
    Checkpoint,
    append_checkpoint,
    checkpoint_line,
    checkpoint_path,
    make_checkpoint,
    read_checkpoints,
)

#: Fields never written to the log, not even as "changed": part of a key names a secret.
from portal.audit.keys import verification_keys
from portal.dates import day_month_year_time
from portal.outbox import queue_mail
from portal.vocabulary import MailKind


@dataclass
class Verification:
    """What `verify` found: the events and checkpoints it checked and every problem, in order."""

    path: Path
    events: int = 0
    #: Events from before the chain was keyed (plain SHA-256).
    unkeyed: int = 0
    #: Checkpoints whose signature held and that were compared with the database.
    checkpoints: int = 0
    #: The newest such checkpoint.
    last_checkpoint: Checkpoint | None = None
    problems: list[Problem] = dataclass_field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def verify(path: Path | None = None) -> Verification:
    """Recompute the chain with the audit keys and compare it with every checkpoint in `path`.

    Reports the first broken event, every checkpoint line that is unreadable or not signed with a known
    key, and every checkpoint whose event is missing, carries another hash or has another number of
    events up to it (events deleted or the log rewritten). One pass over the events, whatever the number
    of checkpoints.
    """
    path = path or checkpoint_path()
    keys = verification_keys()
    checkpoints, problems = read_checkpoints(path, keys)
    result = Verification(path=path, problems=problems, checkpoints=len(checkpoints))
    result.last_checkpoint = max(checkpoints, key=lambda checkpoint: (checkpoint.event_id, checkpoint.at), default=None)
    waiting: dict[int, list[Checkpoint]] = {}
    for checkpoint in checkpoints:
        waiting.setdefault(checkpoint.event_id, []).append(checkpoint)
    broken = False
    for event, count, problem in _walk(keys):
        result.events = count
        result.unkeyed += event.key_id is None
        if problem is not None and not broken:
            broken = True
            result.problems.append(problem)
        for checkpoint in waiting.pop(event.id, []):
            mismatch = _checkpoint_mismatch(event, count, checkpoint)
            if mismatch is not None:
                result.problems.append(mismatch)
    for event_id in sorted(waiting):
        checkpoint = waiting[event_id][0]
        result.problems.append(
            Problem(
                _(
                    "Falta el evento N° %(id)s, anotado en el punto de control del %(at)s (línea %(line)s): se "
                    "eliminaron eventos del registro, o la base de datos se restauró desde un respaldo anterior a "
                    "ese punto de control.",
                    id=event_id,
                    at=day_month_year_time(checkpoint.at),
                    line=checkpoint.line,
                ),
                event_id,
            )
        )
    return result


def _checkpoint_mismatch(event, count: int, checkpoint: Checkpoint) -> Problem | None:
    """What is wrong with `event` (the `count`-th) against a checkpoint naming it, or None."""
    where = {"id": event.id, "at": day_month_year_time(checkpoint.at), "line": checkpoint.line}
    if not _same(event.hash, checkpoint.hash):
        return Problem(
            _(
                "El evento N° %(id)s no es el que anotó el punto de control del %(at)s (línea %(line)s): "
                "el registro fue reescrito desde ese evento o antes.",
                **where,
            ),
            event.id,
        )
    if count != checkpoint.count:
        return Problem(
            _(
                "Hasta el evento N° %(id)s hay %(count)s eventos, pero el punto de control del %(at)s "
                "(línea %(line)s) anotó %(expected)s: se eliminaron o agregaron eventos.",
                count=count,
                expected=checkpoint.count,
                **where,
            ),
            event.id,
        )
    return None


def summary_lines(result: Verification, limit: int | None = None) -> list[str]:
    """What a verification found, in Spanish: the problems, or that the log is intact and how far that is known.

    With `limit`, at most that many problems, then one line saying how many more there are.
    """
    if result.problems:
        shown = result.problems[:limit] if limit else result.problems
        lines = [problem.message for problem in shown]
        if len(shown) < len(result.problems):
            more = len(result.problems) - len(shown)
            lines.append(
                ngettext(
                    "Hay %(num)s problema más; «flask --app portal audit verify» los lista todos.",
                    "Hay %(num)s problemas más; «flask --app portal audit verify» los lista todos.",
                    more,
                )
            )
        return lines
    lines = [
        _(
            "La cadena de auditoría está íntegra: ningún evento fue alterado (%(count)s eventos verificados).",
            count=result.events,
        )
    ]
    if result.unkeyed:
        lines.append(
            ngettext(
                "%(num)s de ellos es anterior a la clave de auditoría: se comprueba con SHA-256 sin clave, y el "
                "primer evento con clave lo sella.",
                "%(num)s de ellos son anteriores a la clave de auditoría: se comprueban con SHA-256 sin clave, y el "
                "primer evento con clave los sella.",
                result.unkeyed,
            )
        )
    last = result.last_checkpoint
    if last is None:
        lines.append(
            _(
                "No hay puntos de control en %(path)s, así que no se puede saber si se eliminaron los eventos más "
                "recientes. Programe «flask --app portal audit checkpoint» a diario.",
                path=result.path,
            )
        )
    else:
        lines.append(
            ngettext(
                "Coincide el punto de control de %(path)s, del %(at)s, que llega hasta el evento N° %(id)s.",
                "Coinciden los %(num)s puntos de control de %(path)s; el último, del %(at)s, llega hasta el evento "
                "N° %(id)s.",
                result.checkpoints,
                path=result.path,
                at=day_month_year_time(last.at),
                id=last.event_id,
            )
            + " "
            + _("Lo posterior a ese punto solo está protegido por la clave.")
        )
    return lines


def checkpoint_mail(entry: Mapping) -> tuple[str, str]:
    """(subject, body) of the message that carries a checkpoint off the server."""
    institution = current_app.config.get("INSTITUTION_NAME", "")
    subject = _("Punto de control del registro de auditoría: evento N° %(id)s", id=entry["event_id"])
    body = _(
        "Portal de Inducción, %(institution)s.\n\n"
        "Este es el punto de control diario del registro de auditoría: el número, el código (hash) y la cantidad "
        "de eventos registrados hasta ahora, firmados con la clave de auditoría. Guarde este correo fuera del "
        "servidor. Si alguien borrara o reescribiera eventos anteriores a este punto, «flask --app portal audit "
        "verify --checkpoints ARCHIVO» lo detecta con un archivo que contenga la línea siguiente:\n\n"
        "%(line)s\n",
        institution=institution,
        line=checkpoint_line(entry),
    )
    return subject, body


def write_and_mail_checkpoint() -> str:
    """The daily checkpoint: append it to the file and queue its mail (the caller commits); what was done."""
    entry = make_checkpoint()
    if entry is None:
        return _("El registro de auditoría está vacío: no hay nada que anotar.")
    path = append_checkpoint(entry)
    done = _(
        "Punto de control anotado en %(path)s: evento N° %(id)s, %(count)s eventos.",
        path=path,
        id=entry["event_id"],
        count=entry["count"],
    )
    address = current_app.config.get("AUDIT_CHECKPOINT_MAIL")
    if address:
        queue_mail(MailKind.AUDIT_CHECKPOINT, address, *checkpoint_mail(entry))
        done += " " + _("Copia en la cola de correo para %(address)s.", address=address)
    return done
