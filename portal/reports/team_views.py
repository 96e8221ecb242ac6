"""The jefaturas' team view (/equipo): HR's completion report and person pages, read-only, for the
people of the departments the signed-in jefatura leads (people.teams.team_scope), and the paper
their people need: activation slips and reminder sheets.

Nothing else of HR's area is here: no adding, editing, importing, exporting, e-mailing reminders or
moving due dates. A person outside the team answers 404, as if there were nobody with that number.
Slips are printed only for the team's staff who never activated their account
(portal.auth.authority.may_issue_activation): printing replaces their earlier unused codes, which a
jefatura may do for a slip that was lost, but never anything that would reset a password.
"""

from __future__ import annotations

from dataclasses import replace

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.activation import slips
from portal.dates import local_today
from portal.downloads import download
from portal.extensions import db
from portal.models.user import User
from portal.people.teams import team_scope
from portal.reports import reminder_sheets, service, supervisors_only, team_bp
from portal.reports.forms import filter_form
from portal.reports.reminder_views import ReminderSheetsForm
from portal.reports.service import ReportFilters
from portal.reports.slip_views import not_yet_activated
from portal.reports.views import Area, render_person, render_report

TEAM_AREA = Area(
    "team.report", "team.person", _l("Mi equipo"), _l("Avance de mi equipo"), hr_tools=False, team_paper=True
)


def team_filters() -> ReportFilters:
    """The report's filters from the URL, within the jefatura's departments whatever the URL says."""
    filters = filter_form(current_user.led_departments).to_filters()
    return replace(filters, scope_departments=team_scope(current_user).department_ids)


def team_person(user_id: int) -> User:
    """A person of the jefatura's team; 404 for anyone else."""
    person = db.session.get(User, user_id)
    if person is None or not team_scope(current_user).includes(person):
        abort(404)
    return person


@team_bp.get("/")
@supervisors_only
def report():
    """The completion report of the departments the jefatura leads, with HR's filters and chart."""
    departments = current_user.led_departments
    scope = team_scope(current_user)
    team_departments = [department.name for department in departments]
    return render_report(
        TEAM_AREA,
        filter_form(departments),
        scope.department_ids,
        team_departments=team_departments,
        sheets_form=ReminderSheetsForm(),
    )


@team_bp.get("/personas/<int:user_id>")
@supervisors_only
def person(user_id: int):
    """One person of the team: their path, attempts, commitment and certificates, read-only."""
    return render_person(TEAM_AREA, team_person(user_id))


def printed(body_of, back: str, stem: str):
    """Commit and send the PDF `body_of()` makes, or roll back and go `back` with the refusal."""
    try:
        body = body_of()
    except (slips.SlipRefusal, reminder_sheets.SheetRefusal) as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
        return redirect(back)
    db.session.commit()
    return download(body, "pdf", local_today(), stem=stem)


@team_bp.post("/hojas-de-activacion")
@supervisors_only
def print_slips():
    """Activation slips for whoever of the team on the filtered list has not activated their account."""
    back = url_for("team.report", **request.args)
    rows = service.report_rows(team_filters(), local_today(), service.steps_total())
    people = not_yet_activated([row.id for row in rows], current_user)
    if not people:
        flash(slips.nobody_message(), "info")
        return redirect(back)
    return printed(lambda: slips.print_slips(people, current_user.id, slips.FROM_TEAM), back, "hojas-de-activacion")


@team_bp.post("/personas/<int:user_id>/hoja-de-activacion")
@supervisors_only
def print_person_slip(user_id: int):
    """The activation slip of one person of the team who has not activated their account."""
    person = team_person(user_id)
    back = url_for("team.person", user_id=person.id)
    if not not_yet_activated([person.id], current_user):
        flash(_("Esta persona ya activó su cuenta o no tiene una hoja de activación que usted pueda imprimir."), "info")
        return redirect(back)
    return printed(lambda: slips.print_slips([person], current_user.id, slips.FROM_TEAM), back, "hoja-de-activacion")


@team_bp.post("/hojas-de-recordatorio")
@supervisors_only
def print_reminder_sheets():
    """Reminders on paper for the team's pending people without e-mail on the filtered list."""
    back = url_for("team.report", **request.args)
    form = ReminderSheetsForm()
    if not form.validate_on_submit():
        flash(_("El formulario venció. Revise la lista y vuelva a imprimir."), "error")
        return redirect(back)
    today, filters = local_today(), team_filters()
    return printed(
        lambda: reminder_sheets.print_reminder_sheets(
            reminder_sheets.pending_without_email(filters, today),
            today,
            current_user,
            letters=form.cartas.data,
            filters=filters.as_details(),
            printed_from=slips.FROM_TEAM,
        ),
        back,
        "recordatorios-impresos",
    )
