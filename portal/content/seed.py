"""Loading the default curriculum into the database (used by `flask seed-content`, the demo data and tests)."""

from __future__ import annotations

from sqlalchemy import select

from portal.content import load_curriculum
from portal.extensions import db
from portal.models.curriculum import Module
from portal.quizzes.exchange import import_module


def seed_content() -> list[str]:
    """Create the default modules that do not exist yet; return the slugs created (flushes).

    Raises ModuleFormatError (portal.quizzes.exchange) when a bundled module file is not valid.
    """
    created = []
    existing = set(db.session.scalars(select(Module.slug)))
    for data in load_curriculum():
        if data["slug"] not in existing:
            import_module(data)
            created.append(data["slug"])
    return created
