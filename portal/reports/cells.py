"""What a cell of HR's exported files holds: its column (header, kind, width, value), and the text rules
that keep a cell safe in any spreadsheet. Shared by the CSV and Excel writers (exports.py, xlsx.py) and
the audit's export."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo

#: Characters a spreadsheet may read as the start of a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: Control characters that are not valid in XLSX (XML) text, NUL included; tab, LF and CR are kept.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

TEXT, DATE, DATETIME, NUMBER = "text", "date", "datetime", "number"


@dataclass(frozen=True)
class Column:
    header: object  # a lazy Spanish string
    kind: str  # TEXT, DATE, DATETIME (naive, local) or NUMBER
    width: int  # XLSX column width, in characters
    value: Callable[[object, tzinfo], object]  # takes the row type of its table (PersonRow for HR's list)
    #: XLSX: wrap the text in the cell (several lines).
    wrap: bool = False


def clean_text(value) -> str:
    """The text without NUL and other control characters that files cannot carry."""
    return CONTROL_CHARACTERS.sub("", str(value))


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)
