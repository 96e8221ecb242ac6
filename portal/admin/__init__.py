"""The administrators' area (/admin): accounts and roles, departments, settings, the audit log, the outbox
and the daily jobs.

The blueprints are defined here; their routes live in the modules beside it (views, audit_views, queue_views),
which register() loads before adding them to the app.
"""

from __future__ import annotations

from flask import Blueprint, Flask

from portal.auth.access import roles_required
from portal.vocabulary import ADMIN

bp = Blueprint("admin", __name__)
#: Routes outside /admin that belong to this area (the public logo).
branding_bp = Blueprint("branding", __name__)
admin_only = roles_required(ADMIN)


def register(app: Flask) -> None:
    """Load the route modules (each adds its routes to a blueprint) and register the blueprints."""
    from portal.admin import audit_views, queue_views, views  # noqa: F401

    app.register_blueprint(bp, url_prefix="/admin")
    app.register_blueprint(branding_bp)
