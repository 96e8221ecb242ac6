"""`flask reminders send`: the daily e-mail to people whose onboarding is late, nearly due or up for renewal."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import ngettext

from portal.dates import local_today
from portal.extensions import db
from portal.reports import reminders as reminding
from portal.vocabulary import RENEWAL_DUE

reminders = AppGroup("reminders", help="E-mail reminders to people whose onboarding is not complete.")


def describe(person) -> str:
    """One line about a person to remind: name, address, due date (or renewal) and progress."""
    if person.status == RENEWAL_DUE:
        situation = _("por renovar")
    else:
        situation = _("plazo %(due)s", due=person.due_date.strftime("%d-%m-%Y"))
    return _(
        "%(name)s <%(email)s>, %(situation)s, avance %(percent)s %%",
        name=person.full_name,
        email=person.email or "-",
        situation=situation,
        percent=person.percent,
    )


def why(candidate) -> str:
    """A skipped person's name and the reason they are not reminded."""
    return f"{candidate.person.full_name} ({reminding.reason_text(candidate)})"


def _warn_without_base_url() -> None:
    """Say where the links point when PORTAL_BASE_URL is unset."""
    if current_app.config.get("BASE_URL"):
        return
    # Development only: production refuses to start without PORTAL_BASE_URL (config.py).
    warning = _("Aviso: PORTAL_BASE_URL no está configurada; los correos enlazan a %(url)s.")
    click.echo(warning % {"url": reminding.portal_url()}, err=True)


def _simulate(candidates, remindable) -> None:
    for candidate in candidates:
        if candidate.remindable:
            click.echo(_("Se recordaría a: %(person)s.", person=describe(candidate.person)))
        else:
            click.echo(_("Se omite: %(person)s.", person=why(candidate)))
    click.echo(
        _(
            "Simulación: se recordaría a %(count)s persona(s) y se omitiría(n) %(skipped)s. "
            "No se envió ni registró nada.",
            count=len(remindable),
            skipped=len(candidates) - len(remindable),
        )
    )


def _print_result(result) -> None:
    for outcome in result.sent:
        click.echo(_("En cola: %(person)s.", person=describe(outcome.person)))
    for candidate in result.skipped:
        click.echo(_("Omitido: %(person)s.", person=why(candidate)))
    for outcome in result.failed:
        error = outcome.error
        click.echo(_("No enviado: %(person)s: %(error)s", person=describe(outcome.person), error=error), err=True)
    click.echo(
        _(
            "Recordatorios: %(sent)s en cola de envío, %(failed)s no enviado(s), %(skipped)s omitido(s).",
            sent=len(result.sent),
            failed=len(result.failed),
            skipped=len(result.skipped),
        )
    )


@reminders.command("send")
@click.option("--dry-run", is_flag=True, help="List who would be reminded; send and record nothing.")
def send_reminders_command(dry_run: bool):
    """Daily job (the queue runs it too): remind the not completed due within 3 days or overdue, and renewals."""
    _warn_without_base_url()
    today = local_today()
    candidates = reminding.daily_candidates(today)
    remindable = [candidate for candidate in candidates if candidate.remindable]
    if dry_run:
        db.session.rollback()
        _simulate(candidates, remindable)
        return
    if not remindable:
        db.session.rollback()
        click.echo(_("No hay a quién recordar hoy; %(skipped)s persona(s) omitida(s).", skipped=len(candidates)))
        return
    result = reminding.send_reminders(
        candidates,
        today=today,
        link=reminding.portal_url(),
        actor_id=None,
        via="cli",
        filters={"rule": f"due_within_{reminding.DAILY_WINDOW_DAYS}_days_or_overdue"},
    )
    db.session.commit()
    _print_result(result)
    if result.failed:
        raise click.ClickException(
            ngettext(
                "%(num)s recordatorio no se pudo enviar.",
                "%(num)s recordatorios no se pudieron enviar.",
                len(result.failed),
            )
        )
