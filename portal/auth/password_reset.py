"""«¿Olvidó su contraseña?»: a one-time link by mail, and the same answer for every request.

The token, the audit event and the mail (an outbox row) are written in one transaction for every
request, known account or not, and the queue delivers the mail after the response: the page answers
in the same time whether or not the account exists, and a worker killed right after loses nothing.
The delivery's outcome reaches the audit log when it is known (on the queue's consumer).
"""

from flask import current_app
from flask_babel import gettext as _

from portal import audit
from portal.auth.service import find_user_by_login
from portal.auth.tokens import RESET_PASSWORD_LIFETIME, issue_token
from portal.extensions import db
from portal.institution import with_article
from portal.models.staff import RESET_PASSWORD
from portal.outbox import on_outcome, queue_mail, want_delivery
from portal.settings import effective
from portal.urls import public_url
from portal.vocabulary import MailKind


def request_password_reset(login: str) -> None:
    """Queue a one-time link when the account exists, is active and has an email; audit either way.

    Every path writes in one transaction and commits here: waiting for the SMTP server would make
    known accounts answer measurably slower than unknown ones.
    """
    user = find_user_by_login(login)
    # Read now: after the commit it would cost a reload that only known accounts pay.
    user_id = user.id if user else None
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
        queue_mail(
            MailKind.PASSWORD_RESET,
            user.email,
            _("Restablecer su contraseña"),
            body,
            to_name=user.full_name,
            user_id=user_id,
        )
        outcome = "queued"
    # No email or typed login in the details: the audit log is read by more people than HR.
    audit.record("auth.password_reset_requested", user_id=user_id, outcome=outcome)
    want_delivery()
    db.session.commit()


def _reset_mail_outcome(row, error) -> None:
    """The reset mail was accepted, or given up (logged and audited; the person who asked is never told)."""
    if error is None:
        audit.record("auth.password_reset_mail_sent", user_id=row.user_id)
        return
    current_app.logger.warning("password reset mail for account %s failed: %s", row.user_id, error)
    # Only the SMTP code: the server's answer may quote the address.
    audit.record("auth.password_reset_mail_failed", user_id=row.user_id, reason="smtp", code=error.code)


on_outcome(MailKind.PASSWORD_RESET, _reset_mail_outcome)
