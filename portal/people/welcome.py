"""A new person's one-time link to set their password, and the welcome e-mail that carries it.

issue_welcome_token() and queue_welcome() belong to the transaction that creates the person: the
welcome e-mail is an outbox row committed with the account, which the queue delivers afterwards, so a
slow or failing mail server never undoes the account, and the mail is never forgotten. HR sees the
row's state (pendiente, enviado, falló) where the link is shown and on the person's page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _

from portal.auth.tokens import SET_PASSWORD_LIFETIME, issue_token
from portal.institution import with_article
from portal.models.outbox import OutboxMail
from portal.models.staff import SET_PASSWORD
from portal.models.user import User
from portal.outbox import queue_mail
from portal.settings import effective
from portal.urls import public_url
from portal.vocabulary import MailKind

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
    #: The welcome e-mail in the outbox (None for a person without email).
    mail: OutboxMail | None


def queue_welcome(user: User, token: str) -> Welcome:
    """Put the welcome with the link of `token` in the outbox, in the transaction creating the person."""
    link = set_password_link(token)
    mail = None
    if user.email:
        mail = queue_welcome_links([(user.id, user.email, user.full_name, link)], LINK_DAYS)[user.email]
    return Welcome(link=link, days=LINK_DAYS, mail=mail)


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


def queue_welcome_links(people: Iterable[tuple[int, str, str, str]], days: int) -> dict[str, OutboxMail]:
    """Queue (user id, email, full name, link) welcomes in the current transaction; {email: outbox row}."""
    subject = _("Bienvenida: cree su contraseña del Portal de Inducción")
    return {
        email: queue_mail(
            MailKind.WELCOME, email, subject, welcome_body(full_name, link, days), to_name=full_name, user_id=user_id
        )
        for user_id, email, full_name, link in people
    }
