"""A new person's one-time link to set their password, and the welcome e-mail that carries it.

issue_welcome_token() belongs to the transaction that creates the person; welcome() runs after the
commit, so a slow or failing mail server never undoes the account (its problem is shown instead).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _

from portal.auth.tokens import SET_PASSWORD_LIFETIME, issue_token
from portal.institution import with_article
from portal.mail import Mailer, MailError, build_message
from portal.models.staff import SET_PASSWORD
from portal.models.user import User
from portal.settings import effective
from portal.urls import public_url

#: Days a set-password link works.
LINK_DAYS = SET_PASSWORD_LIFETIME.days


def issue_welcome_token(user: User) -> str:
    """A new one-time set-password token for a person just created (flushes); earlier links stop working."""
    return issue_token(user, SET_PASSWORD, SET_PASSWORD_LIFETIME)


def set_password_link(token: str) -> str:
    """The absolute set-password address for a token."""
    return public_url("auth.set_password", token=token)


@dataclass(frozen=True)
class Welcome:
    link: str
    days: int
    #: Whether the mail server accepted the welcome e-mail (never, for a person without email).
    mailed: bool
    mail_problem: str | None


def welcome(user: User, token: str) -> Welcome:
    """Mail the welcome with the link of `token` to a person just created and committed, when they have an email."""
    link = set_password_link(token)
    problem = None
    if user.email:
        problem = send_welcome_links([(user.email, user.full_name, link)], LINK_DAYS)[user.email]
    return Welcome(link=link, days=LINK_DAYS, mailed=bool(user.email) and not problem, mail_problem=problem)


def welcome_body(full_name: str, link: str, days: int) -> str:
    institution = effective("INSTITUTION_NAME")
    return _(
        "Estimada/o %(name)s:\n\n"
        "Le damos la bienvenida %(to_institution)s. Su inducción institucional se realiza en el "
        "Portal de Inducción. Para ingresar por primera vez, cree su contraseña en este enlace, "
        "que sirve una sola vez y vence en %(days)d días:\n\n%(link)s\n\n"
        "Después podrá ingresar con su RUT o con este correo.\n\n"
        "Recursos Humanos\n%(institution)s",
        name=full_name,
        institution=institution,
        to_institution=with_article(institution, "a"),
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
