"""The refusals of the people services, each with a Spanish message and the form field it concerns."""

from __future__ import annotations


class PersonConflict(ValueError):
    """The RUT or email belongs to someone else, or the department is unclear; `field` names which."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class AdminRuleError(ValueError):
    """A change the rules refuse; the message is in Spanish, `field` names the form field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field
