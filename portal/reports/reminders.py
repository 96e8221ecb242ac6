"""Reminder e-mails to people whose onboarding is not complete: whom, what, sending, records.

Rules:

- Only people who have not completed onboarding are candidates.
- A candidate cannot be reminded without an e-mail address, nor when a reminder to them was
  queued or sent less than REMINDER_INTERVAL_DAYS ago; reminders whose mail failed do not count.
- The daily command (``flask reminders send``) picks everyone not completed whose due date
  has passed or falls within the next DAILY_WINDOW_DAYS days, and everyone whose completion
  expired (renewal, like anyone overdue); other people without a due date are left to HR's page.
- Every reminder is a Reminder row and its outbox mail, written in the caller's transaction; the
  queue delivers the mail and the row follows the mail's state (pending, sent, failed, with the
  server's answer). Nobody waits for the SMTP server.
- One "reminders.sent" audit event per batch, with counts and filters, never addresses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from portal import audit
from portal.database import REMINDERS_LOCK, serialise_writers
from portal.dates import day_month_year, day_month_year_time, local_today
from portal.extensions import db
from portal.institution import with_article
from portal.learning.service import completion_expiry
from portal.models.staff import Reminder
from portal.models.types import utcnow
from portal.outbox import on_outcome, queue_mail
from portal.reports.service import PersonRow, ReportFilters, report_rows, steps_total
from portal.settings import effective
from portal.urls import public_url
from portal.vocabulary import COMPLETED, RENEWAL_DUE, MailKind, MailStatus

SENT = MailStatus.SENT
FAILED = MailStatus.FAILED
#: Queued: in the outbox, not yet accepted by the server.
QUEUED = MailStatus.PENDING
#: Reminders that hold the interval: a queued one will be sent (or fail, and stop counting).
COUNTED = (SENT, QUEUED)
#: Why a candidate is not reminded.
NO_EMAIL = "no_email"
RECENT = "recent"
#: The daily command reminds people whose due date is at most this many days away (or past).
DAILY_WINDOW_DAYS = 3


@dataclass(frozen=True)
class Candidate:
    person: PersonRow
    #: When the last reminder within the interval was sent, if any.
    last_sent_at: datetime | None = None
    #: None when the person can be reminded; NO_EMAIL or RECENT otherwise.
    reason: str | None = None

    @property
    def remindable(self) -> bool:
        return self.reason is None

    @property
    def next_allowed_at(self) -> datetime | None:
        return self.last_sent_at + interval() if self.last_sent_at else None


@dataclass(frozen=True)
class Outcome:
    person: PersonRow
    status: str
    error: str | None = None


@dataclass
class BatchResult:
    sent: list[Outcome] = field(default_factory=list)
    failed: list[Outcome] = field(default_factory=list)
    skipped: list[Candidate] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return len(self.sent) + len(self.failed)


def interval() -> timedelta:
    return timedelta(days=int(effective("REMINDER_INTERVAL_DAYS")))


def recent_reminders(now: datetime | None = None) -> dict[int, datetime]:
    """user id -> time of the last reminder sent to them within the interval."""
    cutoff = (now or utcnow()) - interval()
    rows = db.session.execute(
        select(Reminder.user_id, func.max(Reminder.created_at))
        .where(Reminder.status.in_(COUNTED), Reminder.created_at > cutoff)
        .group_by(Reminder.user_id)
    )
    return {user_id: sent_at for user_id, sent_at in rows}


def _classify(people: list[PersonRow], now: datetime | None = None) -> list[Candidate]:
    recent = recent_reminders(now)
    candidates = []
    for person in people:
        if not person.email:
            candidates.append(Candidate(person, recent.get(person.id), NO_EMAIL))
        elif person.id in recent:
            candidates.append(Candidate(person, recent[person.id], RECENT))
        else:
            candidates.append(Candidate(person))
    return candidates


def candidates_for(filters: ReportFilters, today: date, now: datetime | None = None) -> list[Candidate]:
    """Everyone the report's filters match who has not completed onboarding, in the report's order."""
    people = [row for row in report_rows(filters, today, steps_total()) if row.status != COMPLETED]
    return _classify(people, now)


def daily_candidates(today: date, now: datetime | None = None) -> list[Candidate]:
    """The daily command's people: not completed, due date past or within DAILY_WINDOW_DAYS days."""
    limit = today + timedelta(days=DAILY_WINDOW_DAYS)
    people = [
        row
        for row in report_rows(ReportFilters(sort="plazo"), today, steps_total())
        if row.status == RENEWAL_DUE or (row.status != COMPLETED and row.due_date is not None and row.due_date <= limit)
    ]
    return _classify(people, now)


def portal_url() -> str:
    """Absolute address of the dashboard."""
    return public_url("learning.dashboard")


def compose(person: PersonRow, today: date, link: str) -> tuple[str, str]:
    """Subject and plain-text body of one person's reminder."""
    institution = effective("INSTITUTION_NAME")
    renewal = person.status == RENEWAL_DUE
    overdue = not renewal and person.due_date is not None and person.due_date < today
    if renewal:
        subject = _("Recordatorio: renueve su inducción")
    elif overdue:
        subject = _("Recordatorio: el plazo de su inducción ya venció")
    else:
        subject = _("Recordatorio: complete su inducción")
    paragraphs = [_("Hola, %(name)s:", name=person.full_name), progress_paragraph(person, institution, renewal)]
    if person.due_date is not None and not renewal:
        paragraphs.append(due_paragraph(person.due_date, today, overdue))
    paragraphs.append(
        (_("Puede comenzarla aquí:") if person.steps_done == 0 else _("Puede continuar donde la dejó:")) + "\n" + link
    )
    paragraphs.append(_("Si tiene dudas o no puede ingresar, comuníquese con Recursos Humanos."))
    paragraphs.append(_("Saludos cordiales,") + "\n" + _("Recursos Humanos") + "\n" + institution)
    paragraphs.append("-- \n" + _("Este es un mensaje automático del Portal de Inducción."))
    return subject, "\n\n".join(paragraphs) + "\n"


def progress_paragraph(person: PersonRow, institution: str, renewal: bool) -> str:
    if renewal:
        return _(
            "Le escribimos del Portal de Inducción %(of_institution)s: la vigencia de la inducción que usted "
            "completó el %(completed)s terminó el %(expired)s, y debe renovarla con un repaso: "
            "volver a leer las lecciones, aprobar los cuestionarios y firmar de nuevo la declaración de compromiso. "
            "Su avance en el repaso es de %(percent)s %% (%(done)s de %(total)s pasos).",
            of_institution=with_article(institution, "de"),
            completed=day_month_year(person.completed_at),
            expired=day_month_year(completion_expiry(person.completed_at)),
            percent=person.percent,
            done=person.steps_done,
            total=person.steps_total,
        )
    return _(
        "Le escribimos del Portal de Inducción %(of_institution)s para recordarle que su inducción "
        "aún no está completa. Su avance es de %(percent)s %% (%(done)s de %(total)s pasos).",
        of_institution=with_article(institution, "de"),
        percent=person.percent,
        done=person.steps_done,
        total=person.steps_total,
    )


def due_paragraph(due_date: date, today: date, overdue: bool) -> str:
    due = due_date.strftime("%d-%m-%Y")
    days = (due_date - today).days
    if overdue:
        return _("El plazo para completarla venció el %(date)s. Le pedimos completarla lo antes posible.", date=due)
    if days == 0:
        return _("El plazo para completarla vence hoy, %(date)s.", date=due)
    return ngettext(
        "El plazo para completarla vence el %(date)s (queda %(num)s día).",
        "El plazo para completarla vence el %(date)s (quedan %(num)s días).",
        days,
        date=due,
    )


def send_reminders(
    candidates: list[Candidate],
    *,
    today: date,
    link: str,
    actor_id: int | None,
    via: str,
    filters: dict | None = None,
    record: bool = True,
) -> BatchResult:
    """Queue one message to each remindable candidate, record each as a Reminder, audit the batch.

    Writes in the current transaction; the caller commits, and the queue sends once it has. `sent`
    in the result lists the queued reminders. Whoever was reminded meanwhile (another HR tab, the
    daily job) is skipped: the interval is checked again here, inside the writing transaction.
    """
    result = BatchResult(skipped=[candidate for candidate in candidates if not candidate.remindable])
    # Two batches at once (HR's job and the daily one) must not both find someone not yet reminded.
    serialise_writers(REMINDERS_LOCK)
    recent = recent_reminders()
    for candidate in candidates:
        if not candidate.remindable:
            continue
        person = candidate.person
        if person.id in recent:
            result.skipped.append(Candidate(person, recent[person.id], RECENT))
            continue
        reminder = Reminder(user_id=person.id, sent_by_id=actor_id, status=QUEUED)
        db.session.add(reminder)
        db.session.flush()
        subject, body = compose(person, today, link)
        queue_mail(
            MailKind.REMINDER,
            person.email,
            subject,
            body,
            to_name=person.full_name,
            user_id=person.id,
            reference_id=reminder.id,
            headers={"Auto-Submitted": "auto-generated"},
        )
        result.sent.append(Outcome(person, QUEUED))
    if record and result.attempted:
        audit.record(
            "reminders.sent",
            actor_id=actor_id,
            sent=len(result.sent),
            failed=len(result.failed),
            skipped=len(result.skipped),
            via=via,
            filters=filters or {},
        )
    return result


#: People a reminders job handles per transaction (and per step of its progress bar).
JOB_CHUNK = 100


def filters_from_details(details: dict) -> ReportFilters:
    """The report's filters back from ReportFilters.as_details() (a job's parameters)."""
    values = dict(details)
    for name in ("start_from", "start_to"):
        if values.get(name):
            values[name] = date.fromisoformat(values[name])
    return ReportFilters(**values)


def remind_everyone(params: dict, actor_id: int | None, progress) -> str:
    """The job behind "remind everyone remindable": the report's filters, a chunk per transaction.

    Safe to run again after an interruption: whoever was already queued is skipped by the interval rule.
    """
    today = local_today()
    candidates = candidates_for(filters_from_details(params["filters"]), today)
    remindable = [candidate for candidate in candidates if candidate.remindable]
    progress(0, len(remindable))
    queued = skipped = 0
    for start in range(0, len(remindable), JOB_CHUNK):
        result = send_reminders(
            remindable[start : start + JOB_CHUNK],
            today=today,
            link=portal_url(),
            actor_id=actor_id,
            via="job",
            record=False,
        )
        queued, skipped = queued + len(result.sent), skipped + len(result.skipped)
        progress(start + len(remindable[start : start + JOB_CHUNK]))
    audit.record(
        "reminders.sent",
        actor_id=actor_id,
        sent=queued,
        failed=0,
        skipped=skipped + len(candidates) - len(remindable),
        via="job",
        filters=params["filters"],
    )
    return ngettext(
        "%(num)s recordatorio en cola de envío; %(skipped)s persona omitida o ya recordada.",
        "%(num)s recordatorios en cola de envío; %(skipped)s personas omitidas o ya recordadas.",
        queued,
        skipped=skipped + len(candidates) - len(remindable),
    )


def _reminder_mail_outcome(row, error) -> None:
    """The reminder follows its mail: sent, or failed with the server's answer."""
    reminder = db.session.get(Reminder, row.reference_id) if row.reference_id else None
    if reminder is not None:
        reminder.status = row.status
        reminder.error = row.last_error if error is not None else None


on_outcome(MailKind.REMINDER, _reminder_mail_outcome)


def reason_text(candidate: Candidate) -> str:
    """Why a candidate is not reminded, as a phrase (for the command line)."""
    if candidate.reason == NO_EMAIL:
        return _("sin correo electrónico")
    if candidate.reason == RECENT:
        return _(
            "recordatorio enviado el %(sent)s; se podrá enviar otro desde el %(next)s",
            sent=day_month_year_time(candidate.last_sent_at),
            next=day_month_year(candidate.next_allowed_at),
        )
    return ""
