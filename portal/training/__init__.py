"""The trainers' area (/capacitacion): modules, lessons, quiz drafts, preview, statistics.

The blueprint is defined here; its pages live in the route modules beside it (modules, lessons,
quiz_editor, revision_views, preview, exchange_views, lesson_versions, trash_views), which register() loads.
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("training", __name__)


def register(app: Flask) -> None:
    """Load the route modules (each adds its pages to `bp`) and register the blueprint."""
    from portal.training import (  # noqa: F401
        exchange_views,
        lesson_versions,
        lessons,
        modules,
        preview,
        quiz_editor,
        revision_views,
        trash_views,
    )

    app.register_blueprint(bp, url_prefix="/capacitacion")
