"""The password policy: long enough, not a common password, not built from the person's own data.

No composition rules (a passphrase of ordinary words is a good password). Used by the
set/reset password form and by `flask users create`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

from flask_babel import gettext as _

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt")
#: Name and email pieces shorter than this are not checked ("Ana" may well appear in a phrase).
MIN_PERSONAL_PIECE = 4

_ENDS = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_NOT_ALNUM = re.compile(r"[\W_]+")


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def _fold(text: str) -> str:
    """Lower-case without accents: "María" -> "maria" (ñ becomes n too)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def is_common(password: str) -> bool:
    """True for listed passwords, as typed or with digits and symbols stripped from both ends."""
    known = common_passwords()
    lowered = password.strip().lower()
    candidates = {lowered, _ENDS.sub("", lowered), " ".join(lowered.split()), lowered.replace(" ", "")}
    if any(candidate in known for candidate in candidates if candidate):
        return True
    # One character over and over, or a short unit repeated ("abcabcabcabc"), is just as weak.
    compact = lowered.replace(" ", "")
    return len(set(compact)) < 4


def _personal_pieces(rut: str | None, email: str | None, full_name: str | None) -> tuple[set[str], set[str]]:
    digits = set()
    if rut:
        body = re.sub(r"\D", "", rut.split("-")[0])
        if len(body) >= 6:
            digits.add(body)
    words = set()
    if email and "@" in email:
        local = _fold(email.rpartition("@")[0])
        words.add(_NOT_ALNUM.sub("", local))
        words.update(re.split(r"[._+\-]+", local))
    if full_name:
        words.update(_NOT_ALNUM.sub("", word) for word in _fold(full_name).split())
    return digits, {word for word in words if len(word) >= MIN_PERSONAL_PIECE}


def password_problem(
    password: str, *, rut: str | None = None, email: str | None = None, full_name: str | None = None
) -> str | None:
    """Why `password` is not acceptable (a sentence in Spanish), or None when it is fine."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Use al menos %(count)s caracteres; una frase corta sirve.", count=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _("La contraseña es demasiado larga.")
    if is_common(password):
        return _(
            "Esa contraseña es muy común y fácil de adivinar. "
            "Pruebe con una frase de varias palabras que solo usted conozca."
        )
    digits, words = _personal_pieces(rut, email, full_name)
    only_digits = re.sub(r"\D", "", password)
    if any(body in only_digits for body in digits):
        return _("La contraseña no puede contener su RUT.")
    folded = _NOT_ALNUM.sub("", _fold(password))
    if any(word in folded for word in words):
        return _("La contraseña no puede contener su nombre ni su correo.")
    return None
