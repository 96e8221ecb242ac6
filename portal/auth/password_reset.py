"""«¿Olvidó su contraseña?»: a one-time link by mail, and the same answer for every request.

The request is recorded and committed here, and the mail handed to the background sender, because
the page must answer in the same time whether or not the account exists; the sender's outcome is
recorded when it is known (on its thread).
"""

from functools import partial

from flask import current_app
from flask_babel import gettext as _

from portal import audit
from portal.auth.service import find_user_by_login
from portal.auth.tokens import RESET_PASSWORD_LIFETIME, issue_token
from portal.extensions import db
from portal.institution import with_article
from portal.mail import MailError, build_message, send_in_background
from portal.models.staff import RESET_PASSWORD
from portal.settings import effective
from portal.urls import public_url


def request_password_reset(login: str) -> None:
    """Queue a one-time link when the account exists, is active and has an email; audit either way.

    The mail goes out after the response (mail.send_in_background): waiting here for the SMTP
    server would make known accounts answer measurably slower than unknown ones. Every path
    writes in one transaction, for the same reason.
    """
    user = find_user_by_login(login)
    # Read now: after the commit it would cost a reload that only known accounts pay.
    user_id = user.id if user else None
    message = None
    if user is None:
        outcome = "unknown_account"
    elif not user.active:
        outcome = "inactive"
    elif not user.email:
        outcome = "no_email"
    else:
        raw = issue_token(user, RESET_PASSWORD, RESET_PASSWORD_LIFETIME)
        hours = int(RESET_PASSWORD_LIFETIME.total_seconds() // 3600)
        body = _(
            "Hola, %(name)s:\n\n"
            "Recibimos una solicitud para restablecer su contraseña del Portal de Inducción %(of_institution)s. "
            "Para elegir una nueva, abra este enlace (sirve una sola vez y vence en %(hours)s horas):\n\n"
            "%(link)s\n\n"
            "Si no fue usted, ignore este mensaje: su contraseña actual sigue funcionando.\n",
            name=user.first_name,
            of_institution=with_article(effective("INSTITUTION_NAME"), "de"),
            hours=hours,
            link=public_url("auth.set_password", token=raw),
        )
        message = build_message(user.email, _("Restablecer su contraseña"), body, to_name=user.full_name)
        outcome = "queued"
    # No email or typed login in the details: the audit log is read by more people than HR.
    audit.record("auth.password_reset_requested", user_id=user_id, outcome=outcome)
    # Queued only once committed, so the link works when it arrives and no link is mailed for
    # a token that a failed commit never stored.
    db.session.commit()
    if message is not None and not send_in_background(
        message, partial(_reset_mail_failed, user_id), partial(_reset_mail_sent, user_id)
    ):
        _reset_mail_failed(user_id, MailError(_("La cola de correo saliente está llena.")), reason="outbox_full")


def _reset_mail_sent(user_id: int) -> None:
    """The SMTP server accepted the reset mail (on the sender thread)."""
    audit.record("auth.password_reset_mail_sent", user_id=user_id)
    db.session.commit()


def _reset_mail_failed(user_id: int, error: MailError, reason: str = "smtp") -> None:
    """The reset mail was not delivered (usually on the sender thread): logged and audited.

    The person who asked got the same page as everyone and is never told.
    """
    current_app.logger.warning("password reset mail for account %s failed: %s", user_id, error)
    # Only the SMTP code: the server's answer may quote the address.
    audit.record("auth.password_reset_mail_failed", user_id=user_id, reason=reason, code=error.code)
    db.session.commit()
