"""The welcome e-mail that carries a new person's one-time link to set their password."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _

from portal.mail import Mailer, MailError, build_message
from portal.settings import effective


def welcome_body(full_name: str, link: str, days: int) -> str:
    institution = effective("INSTITUTION_NAME")
    return _(
        "Estimada/o %(name)s:\n\n"
        "Le damos la bienvenida a %(institution)s. Su inducción institucional se realiza en el "
        "Portal de Inducción. Para ingresar por primera vez, cree su contraseña en este enlace, "
        "que sirve una sola vez y vence en %(days)d días:\n\n%(link)s\n\n"
        "Después podrá ingresar con su RUT o con este correo.\n\n"
        "Recursos Humanos\n%(institution)s",
        name=full_name,
        institution=institution,
        days=days,
        link=link,
    )


def send_welcome_links(people: Iterable[tuple[str, str, str]], days: int) -> dict[str, str | None]:
    """Send (email, full name, link) welcomes over one SMTP session.

    Returns {email: None when accepted, else the reason in Spanish}. After a failure that
    makes the server unusable, the rest are not tried and carry that reason.
    """
    outcome: dict[str, str | None] = {}
    broken: str | None = None
    with Mailer() as mailer:
        for email, full_name, link in people:
            if broken:
                outcome[email] = _("No se intentó: %(reason)s", reason=broken)
                continue
            message = build_message(
                email,
                _("Bienvenida: cree su contraseña del Portal de Inducción"),
                welcome_body(full_name, link, days),
                to_name=full_name,
            )
            try:
                mailer.send(message)
                outcome[email] = None
            except MailError as error:
                outcome[email] = str(error)
                if error.connection_failed:
                    broken = str(error)
    return outcome
