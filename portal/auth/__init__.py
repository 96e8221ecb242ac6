"""Sign-in, sign-out and the access rules every route declares.

The blueprint is defined here; its routes live in views.py, which register() loads.
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("auth", __name__)


def register(app: Flask) -> None:
    """Load the route module (it adds its routes to `bp`) and register the blueprint."""
    from portal.auth import views  # noqa: F401

    app.register_blueprint(bp)
