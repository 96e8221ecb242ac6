"""HR's reminder pages: choose people with the report's filters, preview the message, send.

Routes live on the reports blueprint (/rrhh); importing this module registers them.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField

from portal.activation.slips import SlipRefusal
from portal.dates import local_today
from portal.downloads import download
from portal.extensions import db
from portal.jobs import start_job
from portal.pagination import paginate_list
from portal.reports import bp, hr_only, reminder_sheets, reminders
from portal.reports.forms import STATUS_LABELS, filter_form
from portal.reports.service import PAGE_SIZE
from portal.settings import effective
from portal.vocabulary import JobKind

#: Query parameters that are not filters.
NOT_FILTERS = ("pagina", "ejemplo")
#: The send button's value that reminds everyone remindable under the filters, on every page.
EVERYONE = "todas"


#: People without e-mail named on the reminders page; the printed sheet has all of them.
NO_EMAIL_LISTED = 20


class SendRemindersForm(FlaskForm):
    """Only the CSRF token: the people come from the filters in the URL and the ticked boxes."""


class ReminderSheetsForm(FlaskForm):
    """The people come from the filters in the URL; letters (and fresh slips) only when asked for."""

    cartas = BooleanField(
        _l("Agregar una carta para cada persona, con una hoja de activación nueva si aún no activa su cuenta")
    )


def filter_args() -> dict[str, str]:
    return {key: value for key, value in request.args.items() if value and key not in NOT_FILTERS}


@bp.get("/recordatorios")
@hr_only
def reminders_page():
    """People matching the filters who have not completed onboarding, and a preview of the message."""
    form = filter_form()
    filters = form.to_filters()
    today = local_today()
    candidates = reminders.candidates_for(filters, today)
    remindable = [candidate for candidate in candidates if candidate.remindable]
    # People are listed a page at a time, like the report: a department with hundreds of overdue
    # people must not make a page of megabytes. "Everyone" stays one button away.
    listing = paginate_list(candidates, request.args.get("pagina", 1, type=int), PAGE_SIZE)
    wanted = request.args.get("ejemplo", type=int)
    example = next((c for c in candidates if c.person.id == wanted), None) or next(
        iter([c for c in listing.items if c.remindable] or remindable or candidates), None
    )
    preview = reminders.compose(example.person, today, reminders.portal_url()) if example else None
    args = filter_args()
    no_email = [candidate.person for candidate in candidates if candidate.reason == reminders.NO_EMAIL]
    return render_template(
        "reports/reminders.html",
        form=form,
        send_form=SendRemindersForm(),
        sheets_form=ReminderSheetsForm(),
        no_email=no_email,
        no_email_listed=NO_EMAIL_LISTED,
        listing=listing,
        remindable_count=len(remindable),
        everyone=EVERYONE,
        example=example,
        preview=preview,
        args=args,
        page_args=dict(args, pagina=listing.page) if listing.page > 1 else args,
        status_labels=STATUS_LABELS,
        interval_days=effective("REMINDER_INTERVAL_DAYS"),
        reasons=reminders,
    )


@bp.post("/recordatorios")
@hr_only
def send_reminders():
    """Send to the ticked people, or to everyone remindable, recomputed from the filters; show what happened."""
    args = filter_args()
    page = request.args.get("pagina", type=int)
    back = url_for("reports.reminders_page", **(dict(args, pagina=page) if page else args))
    if not SendRemindersForm().validate_on_submit():
        flash(_("El formulario venció. Revise la lista y vuelva a enviar."), "error")
        return redirect(back)
    filters = filter_form().to_filters()
    today = local_today()
    candidates = reminders.candidates_for(filters, today)
    if request.form.get("alcance") == EVERYONE:
        # Everyone remindable may be thousands: a job of the queue, with its progress page.
        if not any(candidate.remindable for candidate in candidates):
            flash(_("Nadie de la lista se puede recordar ahora."), "error")
            return redirect(back)
        job = start_job(JobKind.REMINDERS, current_user.id, {"filters": filters.as_details()})
        db.session.commit()
        return redirect(url_for("reports.job", job_id=job.id))
    chosen = set(request.form.getlist("persona", type=int))
    if not chosen:
        flash(_("Marque al menos una persona para enviarle un recordatorio."), "error")
        return redirect(back)
    # Posted ids only narrow the server's own list: nobody outside the filters is reminded.
    selected = [candidate for candidate in candidates if candidate.person.id in chosen]
    if not any(candidate.remindable for candidate in selected):
        flash(_("Ninguna de las personas marcadas se puede recordar ahora."), "error")
        return redirect(back)
    result = reminders.send_reminders(
        selected,
        today=today,
        link=reminders.portal_url(),
        actor_id=current_user.id,
        via="web",
        filters=filters.as_details(),
    )
    db.session.commit()
    return render_template(
        "reports/reminders_sent.html",
        result=result,
        args=args,
        reasons=reminders,
    )


@bp.post("/recordatorios/hojas")
@hr_only
def print_reminder_sheets():
    """Reminders on paper (PDF) for the filtered list's pending people without e-mail, by department."""
    args = filter_args()
    back = url_for("reports.reminders_page", **args)
    form = ReminderSheetsForm()
    if not form.validate_on_submit():
        flash(_("El formulario venció. Revise la lista y vuelva a imprimir."), "error")
        return redirect(back)
    today = local_today()
    filters = filter_form().to_filters()
    try:
        body = reminder_sheets.print_reminder_sheets(
            reminder_sheets.pending_without_email(filters, today),
            today,
            current_user,
            letters=form.cartas.data,
            filters=filters.as_details(),
        )
    except (reminder_sheets.SheetRefusal, SlipRefusal) as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
        return redirect(back)
    db.session.commit()
    return download(body, "pdf", today, stem="recordatorios-impresos")
