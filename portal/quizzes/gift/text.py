"""The pieces of GIFT text every part of the parser shares: escapes, text formats, the report and its blocks."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import nh3

#: What replaces the answer block in missing-word questions.
BLANK = "_____"
TRUE_WORDS = {"T", "TRUE"}
FALSE_WORDS = {"F", "FALSE"}
TEXT_FORMATS = ("moodle", "html", "plain", "markdown")
#: Positive weights adding up to 100 within this margin are "complete" (33.333 × 3 and the like).
WEIGHT_TOLERANCE = 0.5
LABEL_LENGTH = 60

# Escaped special characters become private-use placeholders while the structure is parsed,
# and are turned back into the characters they stand for in the final text (as Moodle does).
_ESCAPES = {
    "\\": "\ue05c",
    ":": "\ue03a",
    "#": "\ue023",
    "=": "\ue03d",
    "{": "\ue07b",
    "}": "\ue07d",
    "~": "\ue07e",
    "n": "\ue00a",
}
_RESTORE = str.maketrans({placeholder: ("\n" if char == "n" else char) for char, placeholder in _ESCAPES.items()})
ESCAPE_PATTERN = re.compile(r"\\(.)")
_FORMAT_PATTERN = re.compile(r"\[(" + "|".join(TEXT_FORMATS) + r")\]")
_HTML_BREAKS = re.compile(r"<br\s*/?>|</(?:p|div|li|h[1-6]|tr)\s*>", re.IGNORECASE)


@dataclass
class GiftReport:
    """What a GIFT file holds; every message is in Spanish and carries a line number."""

    #: Exchange-format questions, in file order, ready for `append_questions`.
    questions: list[dict] = field(default_factory=list)
    #: (line, description) of valid GIFT questions of a type the portal cannot ask.
    skipped: list[tuple[int, str]] = field(default_factory=list)
    #: (line, message) of things changed or ignored on the way: categories, formats, feedback.
    notices: list[tuple[int, str]] = field(default_factory=list)
    #: (line, message) of syntax errors; when there is any, nothing may be imported.
    errors: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class Block:
    """The lines of one question, comments blanked and escapes replaced by placeholders."""

    start: int
    text: str
    #: Moodle's question tags, from "// [tag:Transparencia]" comments within the block.
    tags: tuple[str, ...] = ()

    def line_at(self, position: int) -> int:
        return self.start + self.text.count("\n", 0, position)


@dataclass
class Parsed:
    """A question's answers as the portal represents them, before the prompt is added."""

    kind: str
    choices: list[dict]
    #: Built from the right answers' feedback; a general feedback replaces it.
    explanation: str = ""
    #: Per-answer feedback texts used in `explanation`, and present in all.
    feedback_used: int = 0
    feedback_present: int = 0
    html: bool = False
    messages: list[str] = field(default_factory=list)


def protect(match: re.Match) -> str:
    """An escaped character (ESCAPE_PATTERN's match) as its placeholder; unknown escapes stay as written."""
    return _ESCAPES.get(match.group(1), match.group(0))


def restore(text: str) -> str:
    return text.translate(_RESTORE)


def split_format(text: str, default: str) -> tuple[str, str]:
    """("html", rest) for "[html]rest"; the default format when there is no known marker."""
    stripped = text.lstrip()
    match = _FORMAT_PATTERN.match(stripped)
    if match:
        return match.group(1), stripped[match.end() :]
    return default, text


def plain(text: str, text_format: str) -> str:
    """Final text: escapes restored, HTML reduced to plain text, spaces tidied, lines kept."""
    text = restore(text)
    if text_format == "html":
        text = _HTML_BREAKS.sub("\n", re.sub(r"\s+", " ", text))
        text = html.unescape(nh3.clean(text, tags=set()))
    lines = (re.sub(r"\s+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def label_of(name: str | None, question_text: str, text_format: str) -> str:
    """How messages refer to a question: its GIFT name, or the start of its text."""
    if name:
        return name
    text = " ".join(plain(question_text, text_format).split())
    return text if len(text) <= LABEL_LENGTH else text[: LABEL_LENGTH - 1].rstrip() + "…"
