"""The jefaturas' team view (/equipo): HR's completion report and person pages, read-only, for the
people of the departments the signed-in jefatura leads (people.teams.team_scope).

Nothing else of HR's area is here: no adding, editing, importing, exporting, reminding or moving
due dates. A person outside the team answers 404, as if there were nobody with that number.
"""

from __future__ import annotations

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.extensions import db
from portal.models.user import User
from portal.people.teams import team_scope
from portal.reports import supervisors_only, team_bp
from portal.reports.forms import filter_form
from portal.reports.views import Area, render_person, render_report

TEAM_AREA = Area("team.report", "team.person", _l("Mi equipo"), _l("Avance de mi equipo"), hr_tools=False)


@team_bp.get("/")
@supervisors_only
def report():
    """The completion report of the departments the jefatura leads, with HR's filters and chart."""
    departments = current_user.led_departments
    scope = team_scope(current_user)
    team_departments = [department.name for department in departments]
    return render_report(TEAM_AREA, filter_form(departments), scope.department_ids, team_departments=team_departments)


@team_bp.get("/personas/<int:user_id>")
@supervisors_only
def person(user_id: int):
    """One person of the team: their path, attempts, commitment and certificates, read-only."""
    person = db.session.get(User, user_id)
    if person is None or not team_scope(current_user).includes(person):
        abort(404)
    return render_person(TEAM_AREA, person)
