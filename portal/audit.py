"""Writing to and checking the audit log.

Each event's hash is an HMAC-SHA256 over the previous event's hash and its own content, with a key that is
never stored in the database (PORTAL_AUDIT_KEY, or one derived from PORTAL_SECRET_KEY). Someone who can
write to the database but does not hold the key can neither change an event nor recompute the hashes after
it. Deleting the newest events leaves a valid, shorter chain: `checkpoint` writes the signed head of the
chain to a file (and mails it), and `verify` checks the database against every checkpoint.

Rows written before the chain was keyed (key_id NULL) keep their plain SHA-256 and still verify, but only
as the beginning of the chain: once a keyed row appears, an unkeyed one after it is a rewrite.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, date, datetime
from enum import Enum
from pathlib import Path

from flask import current_app
from flask_babel import format_datetime, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, select, text

from portal.extensions import db
from portal.models.audit import GENESIS_HASH, AuditEvent

#: Fields never written to the log, not even as "changed": part of a key names a secret.
SECRET_MARKERS = ("password", "token", "secret")
#: What anonymisation removes from an account. The log is never rewritten, so it says that these
#: changed but keeps neither value (see `changes`).
PERSONAL_FIELDS = frozenset({"rut", "full_name", "email", "signed_name"})


def plain(value):
    """A value as the log keeps it: dates as ISO text, sets sorted, enums by value, "" as None."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(plain(item) for item in value)
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if value == "":
        return None
    return value


def is_secret(field: str) -> bool:
    return any(marker in field.lower() for marker in SECRET_MARKERS)


def changes(before: Mapping, after: Mapping) -> dict:
    """What changed between two snapshots of plain values, for an event's `changes` detail.

    Returns {field: {"before": old, "after": new}} for every field whose value differs (a field
    missing from one snapshot counts as None), in the snapshots' order; empty when nothing changed.
    Secrets (passwords, hashes, tokens) are left out entirely. Personal identifiers (PERSONAL_FIELDS)
    are recorded as {"withheld": True}: the log shows that they changed, never what they said.
    """
    found = {}
    for field in [*before, *(key for key in after if key not in before)]:
        if is_secret(field):
            continue
        old, new = plain(before.get(field)), plain(after.get(field))
        if old == new:
            continue
        found[field] = {"withheld": True} if field in PERSONAL_FIELDS else {"before": old, "after": new}
    return found


def details_text(**details) -> str:
    """An event's details as stored: searches match stored events by comparing this text."""
    return json.dumps(details, sort_keys=True, ensure_ascii=False, default=str)


def _bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def derived_key(secret_key: str | bytes) -> bytes:
    """The audit key used when PORTAL_AUDIT_KEY is unset: an HMAC of a fixed label under the secret key.

    The label keeps it apart from every other use of the secret key (sessions, CSRF, login fingerprints),
    and the HMAC reveals nothing about the secret key itself.
    """
    return hmac.new(_bytes(secret_key), b"portal-audit-key:v1", hashlib.sha256).digest()


def key_id(key: bytes) -> str:
    """A short public name for a key, stored with each event and checkpoint to find the key again."""
    return hmac.new(key, b"portal-audit-key-id", hashlib.sha256).hexdigest()[:8]


def current_key(config: Mapping | None = None) -> tuple[str, bytes]:
    """(key id, key) that new events and checkpoints are made with."""
    config = current_app.config if config is None else config
    explicit = config.get("AUDIT_KEY")
    key = _bytes(explicit) if explicit else derived_key(config["SECRET_KEY"])
    return key_id(key), key


def verification_keys(config: Mapping | None = None) -> dict[str, bytes]:
    """{key id: key} for the current key and each former one.

    A former value in AUDIT_OLD_KEYS may be either an audit key or a secret key from before AUDIT_KEY was
    set; both readings are tried, the key id picks the right one.
    """
    config = current_app.config if config is None else config
    keys = dict([current_key(config)])
    for old in config.get("AUDIT_OLD_KEYS") or []:
        for key in (_bytes(old), derived_key(old)):
            keys.setdefault(key_id(key), key)
    return keys


def record(action: str, actor_id: int | None = None, **details) -> AuditEvent:
    """Append an event to the chain within the current transaction (flushes, never commits)."""
    if db.session.get_bind().dialect.name == "postgresql":
        # Serialise writers so two transactions never chain onto the same previous row.
        db.session.execute(text("SELECT pg_advisory_xact_lock(4207)"))
    previous = db.session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    signing_id, key = current_key()
    # Microseconds are dropped so the timestamp round-trips identically on every backend.
    event = AuditEvent(
        occurred_at=datetime.now(UTC).replace(microsecond=0),
        actor_id=actor_id,
        action=action,
        details=details_text(**details),
        prev_hash=previous or GENESIS_HASH,
        key_id=signing_id,
    )
    event.hash = event.content_hash(key)
    db.session.add(event)
    db.session.flush()
    return event


# --- Checking the chain -------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Something verification found, as a sentence in Spanish for the person who asked."""

    message: str
    #: The event it concerns, when there is one.
    event_id: int | None = None


def _same(stored, expected) -> bool:
    """Constant-time comparison of two hashes; anything else (None, a non-ASCII forgery) is simply different."""
    return expected is not None and hmac.compare_digest(str(stored).encode("utf-8"), str(expected).encode("utf-8"))


def _when(moment: datetime) -> str:
    return format_datetime(moment, "dd-MM-yyyy HH:mm")


def _event_problem(event: AuditEvent, expected_prev: str, keyed_before: bool, keys: dict[str, bytes]):
    """Why this event breaks the chain (a Problem), or None when it is as it was written."""
    where = {"id": event.id, "action": event.action, "when": _when(event.occurred_at)}
    if event.key_id is None and keyed_before:
        return Problem(
            _(
                "La cadena de auditoría está rota desde el evento N° %(id)s (%(action)s, %(when)s): tiene el "
                "formato antiguo, sin clave, después de eventos con clave, así que alguien que no tiene la "
                "clave lo reescribió.",
                **where,
            ),
            event.id,
        )
    if event.key_id is not None and event.key_id not in keys:
        return Problem(
            _(
                "La cadena de auditoría está rota desde el evento N° %(id)s (%(action)s, %(when)s): está firmado "
                "con una clave que este servidor no tiene (identificador %(key)s). Fue alterado, o falta una "
                "clave anterior en PORTAL_AUDIT_OLD_KEYS.",
                key=event.key_id,
                **where,
            ),
            event.id,
        )
    try:
        expected_hash = event.content_hash(keys.get(event.key_id))
    except (ValueError, TypeError):  # details that are not JSON any more
        expected_hash = None
    if event.prev_hash != expected_prev or not _same(event.hash, expected_hash):
        return Problem(
            _(
                "La cadena de auditoría está rota desde el evento N° %(id)s (%(action)s, %(when)s): ese evento o "
                "uno anterior fue alterado o eliminado.",
                **where,
            ),
            event.id,
        )
    return None


def _walk(keys: dict[str, bytes]) -> Iterator[tuple[AuditEvent, int, Problem | None]]:
    """Every event in order with how many events there are up to it and what is wrong with it, if anything."""
    expected_prev, keyed_before, count = GENESIS_HASH, False, 0
    for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(500):
        count += 1
        yield event, count, _event_problem(event, expected_prev, keyed_before, keys)
        expected_prev = event.hash
        keyed_before = keyed_before or event.key_id is not None


def first_broken_event() -> AuditEvent | None:
    """Recompute the chain with the audit keys; return the first row whose hash or link is wrong, or None."""
    keys = verification_keys()
    return next((event for event, _count, problem in _walk(keys) if problem is not None), None)


# --- Checkpoints: the head of the chain, kept outside the database -------------------------------------

CHECKPOINT_LABEL = b"portal-audit-checkpoint:v1:"
CHECKPOINT_FIELDS = ("event_id", "hash", "count", "at", "key_id")


def checkpoint_path() -> Path:
    return Path(current_app.config["AUDIT_CHECKPOINT_FILE"])


def _checkpoint_signature(entry: Mapping, key: bytes) -> str:
    signed = json.dumps({name: entry[name] for name in CHECKPOINT_FIELDS}, sort_keys=True, separators=(",", ":"))
    return hmac.new(key, CHECKPOINT_LABEL + signed.encode("utf-8"), hashlib.sha256).hexdigest()


def make_checkpoint() -> dict | None:
    """The signed head of the chain: newest event's id and hash, how many events, when; None when empty."""
    head = db.session.execute(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    if head is None:
        return None
    count = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.id <= head.id))
    signing_id, key = current_key()
    entry = {
        "event_id": head.id,
        "hash": head.hash,
        "count": count,
        "at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "key_id": signing_id,
    }
    entry["signature"] = _checkpoint_signature(entry, key)
    return entry


def checkpoint_line(entry: Mapping) -> str:
    return json.dumps(dict(entry), sort_keys=True, separators=(",", ":"))


def append_checkpoint(entry: Mapping, path: Path | None = None) -> Path:
    """Append a checkpoint as one JSON line, on disk before returning; return the file's path."""
    path = path or checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as file:
        file.write(checkpoint_line(entry) + "\n")
        file.flush()
        os.fsync(file.fileno())
    return path


@dataclass(frozen=True)
class Checkpoint:
    line: int
    event_id: int
    hash: str
    count: int
    at: datetime


def read_checkpoints(path: Path, keys: dict[str, bytes]) -> tuple[list[Checkpoint], list[Problem]]:
    """The checkpoints in a file whose signature holds, and a Problem for every line that cannot be trusted."""
    found, problems = [], []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return [], []
    except (OSError, UnicodeDecodeError) as error:
        return [], [
            Problem(_("No se pudo leer el archivo de puntos de control %(path)s: %(error)s.", path=path, error=error))
        ]
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = {"line": number, "path": path}
        try:
            entry = json.loads(line)
            checkpoint = Checkpoint(
                number,
                int(entry["event_id"]),
                str(entry["hash"]),
                int(entry["count"]),
                datetime.fromisoformat(entry["at"]),
            )
            signature, signed_by = str(entry["signature"]), entry["key_id"]
            expected = _checkpoint_signature(entry, keys[signed_by]) if signed_by in keys else None
        except (ValueError, KeyError, TypeError, AttributeError):
            problems.append(
                Problem(_("La línea %(line)s del archivo de puntos de control %(path)s no se puede leer.", **where))
            )
            continue
        if expected is None:
            problems.append(
                Problem(
                    _(
                        "El punto de control de la línea %(line)s de %(path)s está firmado con una clave que este "
                        "servidor no tiene (identificador %(key)s): fue escrito por alguien más, o falta una clave "
                        "anterior en PORTAL_AUDIT_OLD_KEYS.",
                        key=signed_by,
                        **where,
                    )
                )
            )
        elif not _same(signature, expected):
            problems.append(
                Problem(
                    _(
                        "La firma del punto de control de la línea %(line)s de %(path)s no es válida: esa línea fue "
                        "escrita o modificada por alguien que no tiene la clave.",
                        **where,
                    )
                )
            )
        else:
            found.append(checkpoint)
    return found, problems


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
            where = {"id": event.id, "at": _when(checkpoint.at), "line": checkpoint.line}
            if not _same(event.hash, checkpoint.hash):
                result.problems.append(
                    Problem(
                        _(
                            "El evento N° %(id)s no es el que anotó el punto de control del %(at)s (línea %(line)s): "
                            "el registro fue reescrito desde ese evento o antes.",
                            **where,
                        ),
                        event.id,
                    )
                )
            elif count != checkpoint.count:
                result.problems.append(
                    Problem(
                        _(
                            "Hasta el evento N° %(id)s hay %(count)s eventos, pero el punto de control del %(at)s "
                            "(línea %(line)s) anotó %(expected)s: se eliminaron o agregaron eventos.",
                            count=count,
                            expected=checkpoint.count,
                            **where,
                        ),
                        event.id,
                    )
                )
    for event_id in sorted(waiting):
        checkpoint = waiting[event_id][0]
        result.problems.append(
            Problem(
                _(
                    "Falta el evento N° %(id)s, anotado en el punto de control del %(at)s (línea %(line)s): se "
                    "eliminaron eventos del registro, o la base de datos se restauró desde un respaldo anterior a "
                    "ese punto de control.",
                    id=event_id,
                    at=_when(checkpoint.at),
                    line=checkpoint.line,
                ),
                event_id,
            )
        )
    return result


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
                at=_when(last.at),
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
