"""Signed checkpoints of the chain's head, kept outside the database."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.audit.chain import Problem, _same

#: Fields never written to the log, not even as "changed": part of a key names a secret.
from portal.audit.keys import current_key
from portal.extensions import db
from portal.models.audit import AuditEvent

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
