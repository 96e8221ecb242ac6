"""`flask audit verify|checkpoint`: checks on the keyed audit chain and its signed checkpoints."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from portal import audit as audit_log
from portal.extensions import db

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
    """Append the signed head of the chain to the checkpoint file and queue its mail (also a daily job of the queue)."""
    click.echo(audit_log.write_and_mail_checkpoint())
    db.session.commit()
