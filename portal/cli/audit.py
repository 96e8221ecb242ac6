"""`flask audit ...`: checks on the audit log."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.audit import first_broken_event
from portal.extensions import db
from portal.models.audit import AuditEvent

audit = AppGroup("audit", help="The audit log.")


def verify_audit_chain() -> None:
    """Print how many events the intact hash chain holds; a ClickException naming the first altered one."""
    broken = first_broken_event()
    if broken is not None:
        raise click.ClickException(
            _(
                "La cadena de auditoría está alterada desde el evento %(id)d (%(action)s, %(when)s).",
                id=broken.id,
                action=broken.action,
                when=broken.occurred_at.isoformat(),
            )
        )
    count = db.session.scalar(select(func.count(AuditEvent.id)))
    click.echo(_("Cadena de auditoría íntegra: %(count)d eventos verificados.", count=count))


@audit.command("verify")
def audit_verify_command():
    """Recompute the hash chain and name the first row that was altered."""
    verify_audit_chain()
