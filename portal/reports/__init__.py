"""HR's area (/rrhh): the completion report, people, exports, reminders, certificates and the staff import;
and the jefaturas' team view (/equipo): the same report and person pages, read-only, for their departments.

The blueprints are defined here; their routes live in the modules beside it (views, staff_views,
export_views, reminder_views, certificate_views, job_views, slip_views, team_views), which register()
loads before adding them.
"""

from __future__ import annotations

from flask import Blueprint, Flask

from portal.auth.access import roles_required
from portal.vocabulary import HR, SUPERVISOR

bp = Blueprint("reports", __name__)
hr_only = roles_required(HR)
#: The jefaturas' pages: a separate area, so that every page of /rrhh stays HR's alone.
team_bp = Blueprint("team", __name__)
supervisors_only = roles_required(SUPERVISOR)


def register(app: Flask) -> None:
    """Load the route modules (each adds its routes to its blueprint) and register /rrhh and /equipo."""
    from portal.reports import (  # noqa: F401
        certificate_views,
        export_views,
        job_views,
        reminder_views,
        slip_views,
        staff_views,
        team_views,
        views,
    )

    app.register_blueprint(bp, url_prefix="/rrhh")
    app.register_blueprint(team_bp, url_prefix="/equipo")
