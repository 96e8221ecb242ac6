"""Chilean RUT: parsing, modulo-11 check digit, normalised and display forms."""

from __future__ import annotations

import re


class InvalidRut(ValueError):
    """The text is not a RUT (reason "shape"), its check digit does not match ("check_digit"),
    or it is a placeholder such as 11.111.111-1 typed to get past a form ("placeholder")."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# ASCII digits only: \d (and int()) also take "١" (Arabic-Indic) or "１" (full-width), which let
# "1١111111-1" past the placeholder check and stored it as 11111111-1.
_SHAPE = re.compile(r"^([0-9]{1,9})([0-9K])$")
#: What people put between the digits: dots, spaces and dashes (also the typographic ones a word
#: processor or a spreadsheet turns "-" into).
_SEPARATORS = re.compile(r"[.\s\-\u2010-\u2015\u2212]")


def check_digit(number: int) -> str:
    """Return the modulo-11 check digit ("0"-"9" or "K") of a RUT's number."""
    total = 0
    factor = 2
    while number:
        number, digit = divmod(number, 10)
        total += digit * factor
        factor = 2 if factor == 7 else factor + 1
    remainder = 11 - total % 11
    return {11: "0", 10: "K"}.get(remainder, str(remainder))


def normalize_rut(value: str) -> str:
    """Return "12345678-5" for "12.345.678-5", "12345678-5", "123456785" or "12 345 678 5".

    Raises InvalidRut when the shape or the check digit is wrong.
    """
    compact = _SEPARATORS.sub("", (value or "").strip()).upper()
    match = _SHAPE.match(compact)
    if not match:
        raise InvalidRut("shape")
    number = int(match.group(1))
    if number == 0 or check_digit(number) != match.group(2):
        raise InvalidRut("check_digit")
    if len(set(match.group(1).lstrip("0"))) == 1:
        raise InvalidRut("placeholder")
    return f"{number}-{match.group(2)}"


def looks_like_rut(value: str) -> bool:
    """True when the text is shaped like a RUT (digits, dots, dash), valid or not."""
    return bool(re.fullmatch(r"[0-9.\s]+[-\u2010-\u2015\u2212]?\s*[0-9kK]", (value or "").strip()))


def format_rut(normalized: str) -> str:
    """Return "12.345.678-5" for "12345678-5"."""
    number, _, digit = normalized.partition("-")
    return f"{int(number):,}".replace(",", ".") + f"-{digit}"


def display_rut(value: str | None) -> str | None:
    """A stored RUT for reading; an anonymised account's placeholder (such as "ANON-12") as it is."""
    return format_rut(value) if value and value[0].isdigit() else value
