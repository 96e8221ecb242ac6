"""The trainers' area (/capacitacion): modules, lessons, quiz drafts, preview, statistics.

The blueprint is defined here; its routes live in views.py, which register() loads.
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("training", __name__)


def register(app: Flask) -> None:
    """Load the route module (it adds its routes to `bp`) and register the blueprint."""
    from portal.training import views  # noqa: F401

    app.register_blueprint(bp, url_prefix="/capacitacion")
