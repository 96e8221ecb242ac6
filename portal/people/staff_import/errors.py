"""The staff import's refusals."""

from __future__ import annotations


class ImportFileError(ValueError):
    """The file as a whole cannot be read (size, format, columns); no row was processed."""

    def __init__(self, *problems: str):
        super().__init__(" ".join(problems))
        self.problems = list(problems)


class InvalidRowsPresent(ValueError):
    """apply_import() was asked to import a file with invalid rows without skip_invalid."""


class UndecidedDepartments(ValueError):
    """apply_import() was asked to import while a department of the file has no valid choice."""


class InvalidTicket(ValueError):
    """The confirmation form's ticket is forged, expired or belongs to someone else."""
