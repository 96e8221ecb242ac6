"""Sending e-mail through the SMTP server in the PORTAL_SMTP_* settings.

Two ways in:

- ``send_mail(to, subject, body)``: one plain-text message, one connection.
- ``with Mailer() as mailer: mailer.send(build_message(...))``: several messages over one
  connection, opened on the first send and closed on leaving the block.

Both return the Message-ID on success and raise ``MailError`` otherwise; its text says what
went wrong in Spanish and includes the server's own answer (e.g. "550 mailbox unavailable").
``MailError.connection_failed`` tells a batch that the server itself is unusable (cannot
connect, TLS or login refused, connection dropped), so further messages would fail too.

The portal's own mail does not call these from requests: it is written to the outbox
(portal/outbox) in the transaction of the action, and the queue's consumer sends it with them.

Needs an application context (for the settings) unless a config mapping is passed.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from flask import current_app
from flask_babel import gettext as _


class MailError(Exception):
    """A message was not accepted by the SMTP server; str() is a sentence for people."""

    def __init__(self, message: str, *, code: int | None = None, reply: str | None = None, connection_failed=False):
        super().__init__(message)
        #: The SMTP reply code, when the server answered (e.g. 550).
        self.code = code
        #: The server's answer text, when it answered.
        self.reply = reply
        #: True when the server cannot be used at all: later messages would fail the same way.
        self.connection_failed = connection_failed


def build_message(
    to: str,
    subject: str,
    body: str,
    *,
    to_name: str | None = None,
    sender: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> EmailMessage:
    """A plain-text UTF-8 message from MAIL_SENDER (or `sender`) to one address."""
    sender = sender or current_app.config["MAIL_SENDER"]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = Address(display_name=to_name or "", addr_spec=to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message


def send_mail(to: str, subject: str, body: str, **options) -> str:
    """Send one plain-text message (see build_message for options); return its Message-ID."""
    with Mailer() as mailer:
        return mailer.send(build_message(to, subject, body, **options))


def _reply_text(reply) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return " ".join(text.split())


def _answer(error: smtplib.SMTPResponseException) -> str:
    """The server's reply as one line: "550 mailbox unavailable"."""
    return f"{error.smtp_code} {_reply_text(error.smtp_error)}".strip()


def _response_error(error: smtplib.SMTPResponseException, message: str, *, connection_failed=True) -> MailError:
    return MailError(
        message, code=error.smtp_code, reply=_reply_text(error.smtp_error), connection_failed=connection_failed
    )


class Mailer:
    """One SMTP session for any number of messages; use it as a context manager."""

    def __init__(self, config: Mapping | None = None):
        config = current_app.config if config is None else config
        self.host = config["SMTP_HOST"]
        self.port = int(config["SMTP_PORT"])
        self.username = config.get("SMTP_USERNAME")
        self.password = config.get("SMTP_PASSWORD")
        self.starttls = bool(config.get("SMTP_STARTTLS"))
        self.timeout = float(config.get("SMTP_TIMEOUT") or 10)
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"

    def close(self) -> None:
        """Say QUIT politely; close the socket whatever happens."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            pass
        finally:
            smtp.close()

    def _abandon(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    def _connect(self) -> smtplib.SMTP:
        smtp = smtplib.SMTP(timeout=self.timeout)
        try:
            code, reply = smtp.connect(self.host, self.port)
            if code != 220:
                raise smtplib.SMTPConnectError(code, reply)
            smtp.ehlo_or_helo_if_needed()
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self.password or "")
        except smtplib.SMTPAuthenticationError as error:
            smtp.close()
            raise _response_error(
                error, _("El servidor de correo rechazó el usuario o la contraseña: %(reply)s", reply=_answer(error))
            ) from error
        except smtplib.SMTPNotSupportedError as error:
            smtp.close()
            raise MailError(
                _("El servidor de correo %(server)s no ofrece STARTTLS ni inicio de sesión.", server=self.server),
                connection_failed=True,
            ) from error
        except smtplib.SMTPResponseException as error:
            smtp.close()
            message = _(
                "El servidor de correo %(server)s no aceptó la conexión: %(reply)s",
                server=self.server,
                reply=_answer(error),
            )
            raise _response_error(error, message) from error
        except TimeoutError as error:
            smtp.close()
            raise MailError(
                _(
                    "El servidor de correo %(server)s no respondió en %(seconds)s segundos.",
                    server=self.server,
                    seconds=f"{self.timeout:g}",
                ),
                connection_failed=True,
            ) from error
        except (smtplib.SMTPException, OSError) as error:
            smtp.close()
            raise MailError(
                _(
                    "No se pudo conectar con el servidor de correo %(server)s: %(reason)s",
                    server=self.server,
                    reason=getattr(error, "strerror", None) or error,
                ),
                connection_failed=True,
            ) from error
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: EmailMessage) -> str:
        """Hand `message` to the server; return its Message-ID or raise MailError.

        A message with several recipients counts as failed if any of them is refused
        (the others may still have received it).
        """
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            refused = self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            address, (code, reply) = next(iter(error.recipients.items()))
            reply = _reply_text(reply)
            raise MailError(
                _(
                    "El servidor rechazó el destinatario %(address)s: %(reply)s",
                    address=address,
                    reply=f"{code} {reply}",
                ),
                code=code,
                reply=reply,
            ) from error
        except smtplib.SMTPSenderRefused as error:
            message = _(
                "El servidor rechazó el remitente %(sender)s: %(reply)s", sender=error.sender, reply=_answer(error)
            )
            raise _response_error(error, message, connection_failed=False) from error
        except smtplib.SMTPResponseException as error:
            # 421: the server is closing the session; anything else concerns this message only.
            if error.smtp_code == 421:
                self._abandon()
            message = _("El servidor rechazó el mensaje: %(reply)s", reply=_answer(error))
            raise _response_error(error, message, connection_failed=error.smtp_code == 421) from error
        except (smtplib.SMTPException, OSError) as error:
            self._abandon()
            raise MailError(
                _(
                    "Se perdió la conexión con el servidor de correo %(server)s: %(reason)s",
                    server=self.server,
                    reason=error,
                ),
                connection_failed=True,
            ) from error
        if refused:
            address, (code, reply) = next(iter(refused.items()))
            reply = _reply_text(reply)
            raise MailError(
                _(
                    "El servidor rechazó el destinatario %(address)s: %(reply)s",
                    address=address,
                    reply=f"{code} {reply}",
                ),
                code=code,
                reply=reply,
            )
        return message["Message-ID"]
