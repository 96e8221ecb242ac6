"""The default curriculum: the municipality's own text and the modules built from it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

CONTENT_DIR = Path(__file__).resolve().parent
SEED_FILE = CONTENT_DIR / "mision-vision-valores.txt"
MODULES_DIR = CONTENT_DIR / "modules"
#: Optional modules a trainer adds from the trainers' area; they are not seeded.
LIBRARY_DIR = CONTENT_DIR / "library"


@dataclass(frozen=True)
class InstitutionalText:
    mission: str
    vision: str
    #: value name -> its definition, in the seed's order
    values: dict[str, str]


@cache
def institutional_text() -> InstitutionalText:
    """Parse the seed file: the paragraphs after MISION and VISION, and each "• Value: text"."""
    mission = vision = None
    values: dict[str, str] = {}
    section = None
    for raw_line in SEED_FILE.read_text(encoding="utf-8").splitlines():
        line = raw_line.strip()
        if line in ("MISION", "VISION", "VALORES INSTITUCIONALES"):
            section = line
        elif not line:
            continue
        elif section == "MISION" and mission is None:
            mission = line
        elif section == "VISION" and vision is None:
            vision = line
        elif section == "VALORES INSTITUCIONALES" and line.startswith("•"):
            name, _, definition = line.lstrip("• ").partition(": ")
            values[name.strip()] = definition.strip()
    if not (mission and vision and values):
        raise ValueError(f"{SEED_FILE} lacks the mission, the vision or the values")
    return InstitutionalText(mission=mission, vision=vision, values=values)


def curriculum_files() -> list[Path]:
    return sorted(MODULES_DIR.glob("*.yaml"))


def load_curriculum() -> list[dict]:
    """Return the default modules, in path order, as module exchange dicts."""
    return [yaml.safe_load(path.read_text(encoding="utf-8")) for path in curriculum_files()]


def library_files() -> list[Path]:
    return sorted(LIBRARY_DIR.glob("*.yaml"))


def load_library() -> list[dict]:
    """Return the optional modules, in path order, as module exchange dicts."""
    return [yaml.safe_load(path.read_text(encoding="utf-8")) for path in library_files()]


def library_module(slug: str) -> dict | None:
    """The optional module named `slug`, as a module exchange dict; None when the library has none."""
    return next((module for module in load_library() if module["slug"] == slug), None)
