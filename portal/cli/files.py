"""Files named on the command line: opened with a Spanish sentence for each way that can fail."""

from __future__ import annotations

from pathlib import Path
from typing import IO

import click
from flask_babel import gettext as _


def _writing(mode: str) -> bool:
    return any(flag in mode for flag in "wxa+")


def file_error(path: Path, error: OSError, *, writing: bool) -> click.ClickException:
    """The message for `error` met while reading (or writing) `path`, ready to raise."""
    if isinstance(error, FileExistsError):
        return click.ClickException(_("%(file)s ya existe; elija otro nombre para no sobrescribirlo.", file=path))
    if isinstance(error, IsADirectoryError):
        return click.ClickException(_("%(file)s es una carpeta, no un archivo.", file=path))
    if isinstance(error, FileNotFoundError):
        if writing:
            return click.ClickException(_("No existe la carpeta donde guardar %(file)s.", file=path))
        return click.ClickException(_("No existe el archivo %(file)s.", file=path))
    if isinstance(error, PermissionError):
        if writing:
            return click.ClickException(_("No hay permiso para escribir %(file)s.", file=path))
        return click.ClickException(_("No hay permiso para leer %(file)s.", file=path))
    if writing:
        return click.ClickException(_("No se pudo escribir %(file)s: %(reason)s", file=path, reason=error))
    return click.ClickException(_("No se pudo leer %(file)s: %(reason)s", file=path, reason=error))


def open_user_file(path: Path, mode: str = "rb", encoding: str | None = None) -> IO:
    """Open a file the user named; raise a ClickException saying in Spanish why it cannot be opened.

    Mode "x" (create, never overwrite) reports an existing file as such. Text modes need `encoding`.
    """
    try:
        return path.open(mode, encoding=encoding)
    except OSError as error:
        raise file_error(path, error, writing=_writing(mode)) from None


def read_user_file(path: Path, limit: int | None = None) -> bytes:
    """The bytes of a file the user named (at most `limit` + 1 of them when a limit is given)."""
    with open_user_file(path, "rb") as handle:
        try:
            return handle.read(-1 if limit is None else limit + 1)
        except OSError as error:
            raise file_error(path, error, writing=False) from None
