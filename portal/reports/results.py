"""A person's results module by module, as the exports and the reminder sheets carry them: plain data,
read by details.py and held by service.PersonRow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class PathModule:
    """A required published module: a group of the export's columns."""

    id: int
    title: str
    lesson_count: int
    #: The module's quiz, if it has a published revision; None for a module of lessons only.
    quiz_id: int | None


@dataclass(frozen=True)
class ModuleResult:
    """What a person did in one module during their current cycle."""

    attempts: int = 0
    best_score: int | None = None
    #: When the module became complete: its last lesson read or its quiz first passed, whichever came later.
    completed_at: datetime | None = None


@dataclass(frozen=True)
class PathDetails:
    """A person's results module by module and their commitment, in their current cycle (for exports)."""

    modules: dict[int, ModuleResult]
    commitment_signed_at: datetime | None = None
