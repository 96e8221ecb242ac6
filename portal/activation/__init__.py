"""Activation by slip, for people without email: printed codes, their PDF and the public page /activar.

The blueprint is defined here; its route module is views.py, which register() loads. codes.py (the
codes: issue, check, spend), pdf.py (the slips' layout) and slips.py (printing for a list of people,
audited) are domain code that HR's pages, the reminder sheets and the jefaturas' pages call.
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("activation", __name__)


def register(app: Flask) -> None:
    """Load the route module (it adds its routes to `bp`) and register the blueprint."""
    from portal.activation import views  # noqa: F401

    app.register_blueprint(bp)
