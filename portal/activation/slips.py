"""Printing activation slips: new codes for a list of people, audited, as a PDF to cut and hand out.

Callers pass the people (one person, an import batch, a filtered list, a jefatura's team); this
module checks that the actor may act on each of them, replaces their earlier unused codes, records
one audit event for the sheet (who printed, for whom, how many, from where) and returns the PDF.
"""

from __future__ import annotations

from flask_babel import gettext as _

from portal import audit
from portal.activation.codes import IssuedCode, issue_codes
from portal.activation.pdf import Slip, SlipSheet, slips_pdf
from portal.auth.authority import may_issue_activation, out_of_authority_message
from portal.dates import day_month_year
from portal.extensions import db
from portal.models.user import User
from portal.rut import display_rut
from portal.settings import effective, logo_path
from portal.urls import public_url

#: Where a sheet was printed from (the audit log says it in words: portal/admin/audit_text.py).
FROM_PERSON = "person"
FROM_IMPORT = "import"
FROM_REPORT = "report"
FROM_REMINDERS = "reminders"
#: A jefatura's team view (/equipo): their report, a person of theirs, their reminder sheets.
FROM_TEAM = "team"
PRINTED_FROM = (FROM_PERSON, FROM_IMPORT, FROM_REPORT, FROM_REMINDERS, FROM_TEAM)
#: Slips on one sheet at most (50 pages); a longer list is refused with a request to narrow it.
MAX_SLIPS = 400
#: The name of the QR code's fragment: the activation page reads it in the browser, so the code
#: never reaches a server log or a Referer header (see portal/activation/views.py).
CODE_FRAGMENT = "codigo"


class SlipRefusal(Exception):
    """Nothing was printed; the message says why, in Spanish."""


def nobody_message() -> str:
    return _("Nadie en la lista tiene pendiente activar su cuenta: no hay hojas que imprimir.")


def activation_address() -> str:
    return public_url("activation.activate")


def qr_target(code: str) -> str:
    return f"{activation_address()}#{CODE_FRAGMENT}={code}"


def slip_labels() -> dict[str, str]:
    return {
        "title": _("Hojas de activación del Portal de Inducción"),
        "portal": _("Portal de Inducción"),
        "heading": _("Active su cuenta del Portal de Inducción"),
        "rut": _("RUT"),
        "step_open": _("1. Escanee el código QR o abra:"),
        "step_type": _("2. Escriba su RUT y este código, y elija su contraseña:"),
        "once": _("Sirve una sola vez."),
    }


def slip_for(issued: IssuedCode) -> Slip:
    return Slip(
        full_name=issued.user.full_name,
        rut=display_rut(issued.user.rut),
        code=issued.code,
        valid_until=_("Válido hasta el %(date)s", date=day_month_year(issued.expires_at)),
        address=activation_address(),
        qr_target=qr_target(issued.code),
    )


def slip_sheet(slips: list[Slip]) -> SlipSheet:
    return SlipSheet(institution=effective("INSTITUTION_NAME"), logo=logo_path(), labels=slip_labels(), slips=slips)


def issue_slips(people: list[User], actor_id: int | None, printed_from: str) -> list[Slip]:
    """New codes for these people, as slips (flushes, audited); earlier unused codes stop working.

    Raises SlipRefusal for an empty or too long list, a deactivated person or someone outside the
    actor's authority (portal.auth.authority): then no code is issued to anybody.
    """
    if printed_from not in PRINTED_FROM:
        raise ValueError(printed_from)
    if not people:
        raise SlipRefusal(_("No hay personas para imprimir hojas de activación."))
    if len(people) > MAX_SLIPS:
        raise SlipRefusal(
            _(
                "Son %(count)s personas; se imprimen como máximo %(limit)s hojas de activación a la vez. "
                "Acote la lista (por ejemplo, por departamento) e imprima por partes.",
                count=len(people),
                limit=MAX_SLIPS,
            )
        )
    # actor_id None is the command line, run by whoever runs the server: it has every authority.
    actor = None if actor_id is None else db.session.get(User, actor_id)
    for person in people:
        if not person.active:
            raise SlipRefusal(_("La cuenta de %(name)s está desactivada.", name=person.full_name))
        if actor_id is not None and (actor is None or not may_issue_activation(actor, person)):
            raise SlipRefusal(f"{person.full_name}: {out_of_authority_message()}")
    issued = issue_codes(people, printed_by_id=actor_id)
    details = {"user_id": people[0].id} if len(people) == 1 else {"user_ids": [person.id for person in people]}
    audit.record(
        "staff.activation_slips_printed",
        actor_id=actor_id,
        people=len(people),
        printed_from=printed_from,
        days=int(effective("ACTIVATION_CODE_DAYS")),
        **details,
    )
    return [slip_for(one) for one in issued]


def print_slips(people: list[User], actor_id: int | None, printed_from: str) -> bytes:
    """issue_slips, laid out on A4 sheets: the PDF to hand to the printer."""
    return slips_pdf(slip_sheet(issue_slips(people, actor_id, printed_from)))
