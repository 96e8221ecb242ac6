"""`flask audit verify|checkpoint`: checks on the keyed audit chain and its signed checkpoints."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _

from portal import audit as audit_log
from portal.mail import MailError, send_mail

audit = AppGroup("audit", help="The audit log.")


def verify_audit_chain(checkpoints: Path | None = None) -> None:
    """Print what verification found; exit non-zero (ClickException) on any problem."""
    result = audit_log.verify(checkpoints)
    lines = audit_log.summary_lines(result, limit=50)
    if not result.intact:
        raise click.ClickException("\n".join(lines))
    click.echo("\n".join(lines))


@audit.command("verify")
@click.option(
    "--checkpoints",
    "checkpoints",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Checkpoint file to compare with (default: PORTAL_AUDIT_CHECKPOINT_FILE), e.g. a copy kept elsewhere.",
)
def audit_verify_command(checkpoints: Path | None):
    """Recompute the keyed hash chain, compare it with every checkpoint, and name what was altered."""
    verify_audit_chain(checkpoints)


@audit.command("checkpoint")
def audit_checkpoint_command():
    """Append the signed head of the chain to the checkpoint file and mail it (daily, from cron)."""
    entry = audit_log.make_checkpoint()
    if entry is None:
        click.echo(_("El registro de auditoría está vacío: no hay nada que anotar."))
        return
    path = audit_log.append_checkpoint(entry)
    click.echo(
        _(
            "Punto de control anotado en %(path)s: evento N° %(id)s, %(count)s eventos.",
            path=path,
            id=entry["event_id"],
            count=entry["count"],
        )
    )
    address = current_app.config.get("AUDIT_CHECKPOINT_MAIL")
    if not address:
        return
    try:
        send_mail(address, *audit_log.checkpoint_mail(entry))
    except MailError as error:
        raise click.ClickException(
            _(
                "El punto de control se anotó en %(path)s, pero no se pudo enviar a %(address)s: %(error)s",
                path=path,
                address=address,
                error=error,
            )
        ) from None
    click.echo(_("Copia enviada a %(address)s.", address=address))
