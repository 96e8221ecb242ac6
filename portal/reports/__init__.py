"""HR's area (/rrhh): the completion report, people, exports, reminders, certificates and the staff import.

The blueprint is defined here; its routes live in the modules beside it (views, staff_views,
export_views, reminder_views, certificate_views, job_views), which register() loads before adding it to the app.
"""

from __future__ import annotations

from flask import Blueprint, Flask

from portal.auth.access import roles_required
from portal.vocabulary import HR

bp = Blueprint("reports", __name__)
hr_only = roles_required(HR)


def register(app: Flask) -> None:
    """Load the route modules (each adds its routes to `bp`) and register the blueprint under /rrhh."""
    from portal.reports import (  # noqa: F401
        certificate_views,
        export_views,
        job_views,
        reminder_views,
        staff_views,
        views,
    )

    app.register_blueprint(bp, url_prefix="/rrhh")
