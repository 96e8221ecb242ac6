"""Carrying the reviewed file to the confirmation, signed inside the form (no server-side state)."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from portal.people.staff_import.errors import ImportFileError, InvalidTicket
from portal.people.staff_import.headers import Columns
from portal.people.staff_import.reading import Table

TICKET_SALT = "staff-import"
#: Seconds the reviewed file stays confirmable.
TICKET_MAX_AGE = 2 * 60 * 60
#: Werkzeug refuses form fields above MAX_FORM_MEMORY_SIZE (500 kB by default).
MAX_TICKET_LENGTH = 450_000
# --- Carrying the reviewed file to the confirmation -------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TICKET_SALT)


def pack_ticket(table: Table, columns: Columns, *, user_id: int, file_name: str) -> str:
    """Sign the recognised columns of the table (compressed) for the confirmation form.

    Columns the import does not use are left out, so they never travel back and forth.
    Raises ImportFileError when the result would be too big for a form field.
    """
    keep = sorted(columns.index.values())
    payload = {
        "u": user_id,
        "f": file_name,
        "h": [table.header[position] for position in keep],
        "r": [[line, *(cells[p] if p < len(cells) else "" for p in keep)] for line, cells in table.rows],
    }
    ticket = _serializer().dumps(payload)
    if len(ticket) > MAX_TICKET_LENGTH:
        raise ImportFileError(
            _("El archivo tiene demasiados datos para revisarlo en una sola página. Divídalo en partes más pequeñas.")
        )
    return ticket


def unpack_ticket(ticket: str, *, user_id: int) -> tuple[Table, str]:
    """Return the table and file name signed by pack_ticket for this person. Raises InvalidTicket."""
    try:
        payload = _serializer().loads(ticket or "", max_age=TICKET_MAX_AGE)
    except BadSignature:  # also SignatureExpired
        raise InvalidTicket("bad or expired signature") from None
    if not isinstance(payload, dict) or payload.get("u") != user_id:
        raise InvalidTicket("ticket of another account")
    rows = [(int(row[0]), [str(cell) for cell in row[1:]]) for row in payload["r"]]
    return Table(header=[str(title) for title in payload["h"]], rows=rows), str(payload.get("f", ""))
