"""E-mail addresses as people type them: one check and one normal form for forms, imports and commands."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email


class InvalidEmail(ValueError):
    """The text is not an e-mail address; the message says why (email_validator's words)."""


def normalize_email(value: str) -> str:
    """Return the address checked and in lower case ("Ana@Muni.CL " -> "ana@muni.cl").

    Deliverability (DNS) is not checked: the portal runs where the Internet may not resolve.
    Raises InvalidEmail when the text is not an address.
    """
    try:
        return validate_email((value or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise InvalidEmail(str(error)) from None
