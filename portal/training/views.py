"""The trainers' area (/capacitacion): its blueprint. The pages live in the route modules beside this one:
modules.py, lessons.py, quiz_editor.py, revision_views.py, preview.py and exchange_views.py."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("training", __name__)

# Each route module adds its pages to bp, so it can only be imported once bp exists; importing them here
# is what registers the area's pages with the factory's `from portal.training.views import bp`.
from portal.training import exchange_views, lessons, modules, preview, quiz_editor, revision_views  # noqa: E402, F401
