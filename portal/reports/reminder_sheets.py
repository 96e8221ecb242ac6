"""Reminders on paper for the people the reminder e-mails cannot reach (no address).

One page per department, to hand to its jefatura: each pending person's name and RUT, what they still
have to do and their due date. Optionally a letter per person, and for whoever has not activated their
account yet (no password), a fresh activation slip at the foot of their letter, issued through
portal.activation.slips (new codes, audited there). The sheet itself is audited as reminders.sheets_printed.
"""

from __future__ import annotations

from datetime import date
from itertools import islice

from flask_babel import gettext as _
from sqlalchemy import select

from portal import audit
from portal.activation import slips
from portal.auth.authority import may_issue_activation
from portal.dates import day_month_year
from portal.extensions import db
from portal.learning.service import renewal_months
from portal.models.types import utcnow
from portal.models.user import User
from portal.reports.details import EXPORT_BATCH, path_details, required_modules
from portal.reports.reminders import NO_EMAIL, candidates_for, due_paragraph, progress_paragraph
from portal.reports.service import PersonRow, ReportFilters
from portal.reports.sheet_pdf import DepartmentPage, Letter, ReminderPaper, SheetRow, reminder_paper_pdf
from portal.rut import display_rut
from portal.settings import effective, logo_path
from portal.urls import public_url
from portal.vocabulary import RENEWAL_DUE


class SheetRefusal(Exception):
    """Nothing was printed; the message says why, in Spanish."""


def pending_without_email(filters: ReportFilters, today: date) -> list[PersonRow]:
    """Everyone the filters match who has not completed onboarding and has no e-mail address."""
    return [candidate.person for candidate in candidates_for(filters, today) if candidate.reason == NO_EMAIL]


def activated_ids(user_ids: list[int]) -> set[int]:
    """Of these people, those who have a password (they activated their account)."""
    found: set[int] = set()
    iterator = iter(user_ids)
    while batch := list(islice(iterator, EXPORT_BATCH)):
        found.update(db.session.scalars(select(User.id).where(User.id.in_(batch), User.password_hash.is_not(None))))
    return found


def pending_steps(rows: list[PersonRow], activated: set[int]) -> dict[int, list[str]]:
    """What each person still has to do, in the path's order: activate, the modules not complete, the commitment."""
    modules = required_modules()
    months, now = renewal_months(), utcnow()
    steps: dict[int, list[str]] = {}
    iterator = iter(rows)
    while batch := list(islice(iterator, EXPORT_BATCH)):
        details = path_details([row.id for row in batch], modules, now, months)
        for row in batch:
            todo = [] if row.id in activated else [_("Activar su cuenta (hoja de activación)")]
            todo += [
                _("Módulo «%(title)s»", title=module.title)
                for module in modules
                if details[row.id].modules[module.id].completed_at is None
            ]
            if details[row.id].commitment_signed_at is None:
                todo.append(_("Firmar la declaración de compromiso"))
            steps[row.id] = todo
    return steps


def _due_text(row: PersonRow, today: date) -> str:
    if row.status == RENEWAL_DUE:
        return _("Por renovar")
    if row.due_date is None:
        return _("Sin plazo")
    due = day_month_year(row.due_date)
    return _("%(date)s (vencido)", date=due) if row.due_date < today else due


def department_pages(rows: list[PersonRow], steps: dict[int, list[str]], today: date) -> list[DepartmentPage]:
    """The people grouped by department (departments and names in alphabetical order)."""
    groups: dict[str, list[PersonRow]] = {}
    for row in rows:
        groups.setdefault(row.department or _("Sin departamento"), []).append(row)
    return [
        DepartmentPage(
            department=name,
            rows=[
                SheetRow(row.full_name, display_rut(row.rut), steps[row.id], _due_text(row, today))
                for row in sorted(groups[name], key=lambda row: row.full_name.casefold())
            ],
        )
        for name in sorted(groups, key=str.casefold)
    ]


def letter_for(row: PersonRow, steps: list[str], today: date, slip: slips.Slip | None) -> Letter:
    institution = effective("INSTITUTION_NAME")
    renewal = row.status == RENEWAL_DUE
    paragraphs = [progress_paragraph(row, institution, renewal)]
    if row.due_date is not None and not renewal:
        paragraphs.append(due_paragraph(row.due_date, today, row.due_date < today))
    if slip is not None:
        how = _(
            "Usted aún no activa su cuenta. Recorte la hoja de activación que va al pie de esta carta: con su RUT "
            "y ese código elige su contraseña desde el teléfono o un computador."
        )
    else:
        how = _("Ingrese al portal con su RUT y su contraseña en %(address)s.", address=public_url("auth.login"))
    closing = [how, _("Si tiene dudas o no puede ingresar, consulte a su jefatura o a Recursos Humanos.")]
    closing.append(_("Saludos cordiales,") + "\n" + _("Recursos Humanos") + "\n" + institution)
    return Letter(full_name=row.full_name, paragraphs=paragraphs, pending=steps, closing=closing, slip=slip)


def sheet_labels(today: date) -> dict[str, str]:
    return {
        "document": _("Recordatorios impresos de la inducción"),
        "portal": _("Portal de Inducción"),
        "sheet_title": _("Inducción pendiente"),
        "sheet_lead": _(
            "Personas sin correo electrónico que aún no completan su inducción, para que la jefatura les "
            "recuerde lo que les falta. Lista al %(date)s.",
            date=day_month_year(today),
        ),
        "person": _("Persona"),
        "rut": _("RUT"),
        "pending": _("Le falta"),
        "due": _("Plazo"),
        # str.format, not gettext's %: the name is filled in per letter.
        "letter_greeting": _("Estimada/o {name}:"),
        "letter_pending": _("Para completar su inducción le falta:"),
        "letter_cut": _(
            "Recorte por la línea punteada y guarde la hoja de activación hasta que active su cuenta: "
            "el código es personal y sirve una sola vez."
        ),
    }


def in_sheet_order(rows: list[PersonRow]) -> list[PersonRow]:
    """By department, then by name: the letters follow the department pages."""
    return sorted(rows, key=lambda row: ((row.department or "").casefold(), row.full_name.casefold()))


def letter_slips(
    rows: list[PersonRow], activated: set[int], actor: User, printed_from: str = slips.FROM_REMINDERS
) -> dict[int, slips.Slip]:
    """Fresh slips (new codes, audited) for those who never activated and whom the actor may act on;
    the others' letters go out without one."""
    waiting = [row.id for row in rows if row.id not in activated]
    if not waiting:
        return {}
    people = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(waiting)))}
    chosen = [people[user_id] for user_id in waiting if may_issue_activation(actor, people[user_id])]
    if not chosen:
        return {}
    issued = slips.issue_slips(chosen, actor.id, printed_from)
    return {user.id: slip for user, slip in zip(chosen, issued, strict=True)}


def print_reminder_sheets(
    rows: list[PersonRow],
    today: date,
    actor: User,
    *,
    letters: bool,
    filters: dict | None = None,
    printed_from: str = slips.FROM_REMINDERS,
) -> bytes:
    """The reminder sheets (and letters) of these pending people without e-mail, as a PDF (flushes, audited).

    `rows` come from pending_without_email (HR's filters) or from a jefatura's own people; `filters`
    is what the audit event records about how they were chosen, and `printed_from` where (HR's
    reminders page, or slips.FROM_TEAM: a jefatura's team view). Raises SheetRefusal when there is
    nobody, or slips.SlipRefusal when the letters' slips cannot be printed (then nothing is).
    """
    if not rows:
        raise SheetRefusal(_("Nadie de la lista está pendiente y sin correo: no hay hojas que imprimir."))
    activated = activated_ids([row.id for row in rows])
    steps = pending_steps(rows, activated)
    pages = department_pages(rows, steps, today)
    issued = letter_slips(rows, activated, actor, printed_from) if letters else {}
    audit.record(
        "reminders.sheets_printed",
        actor_id=actor.id,
        people=len(rows),
        departments=len(pages),
        letters=letters,
        slips=len(issued),
        filters=filters or {},
        **({"printed_from": printed_from} if printed_from != slips.FROM_REMINDERS else {}),
    )
    paper = ReminderPaper(
        institution=effective("INSTITUTION_NAME"),
        logo=logo_path(),
        labels=sheet_labels(today),
        departments=pages,
        letters=[letter_for(row, steps[row.id], today, issued.get(row.id)) for row in in_sheet_order(rows)]
        if letters
        else [],
        slip_sheet=slips.slip_sheet([]) if issued else None,
    )
    return reminder_paper_pdf(paper)
