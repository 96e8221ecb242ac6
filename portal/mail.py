"""Sending e-mail through the SMTP server in the PORTAL_SMTP_* settings.

Two ways in:

- ``send_mail(to, subject, body)``: one plain-text message, one connection.
- ``with Mailer() as mailer: mailer.send(build_message(...))``: several messages over one
  connection, opened on the first send and closed on leaving the block.

Both return the Message-ID on success and raise ``MailError`` otherwise; its text says what
went wrong in Spanish and includes the server's own answer (e.g. "550 mailbox unavailable").
``MailError.connection_failed`` tells a batch that the server itself is unusable (cannot
connect, TLS or login refused, connection dropped), so further messages would fail too.

A third way, ``send_in_background(message, on_failure)``, is for mail whose delivery the
person asking must not be able to time (the anonymous password reset): the request only
queues the message. Mail sent on behalf of HR stays synchronous on purpose, so HR sees a
failure on the page that caused it.

Needs an application context (for the settings) unless a config mapping is passed.
"""

from __future__ import annotations

import atexit
import os
import queue
import smtplib
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from flask import Flask, current_app
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


# --- Delivery after the response -------------------------------------------------------------

#: Messages waiting for the background sender. Bounded so a flood of requests cannot grow
#: memory without limit; past it, messages are refused (and the caller logs that).
OUTBOX_SIZE = 200
#: How long a stopping process (e.g. a gunicorn worker told to exit) waits for queued mail.
OUTBOX_SHUTDOWN_SECONDS = 10.0
#: An idle sender thread ends after this long and a new one starts with the next message,
#: so nothing lingers in processes (or test runs) that rarely send.
OUTBOX_IDLE_SECONDS = 30.0


@dataclass(frozen=True)
class _Delivery:
    app: Flask
    message: EmailMessage
    on_failure: Callable[[MailError], None]
    on_success: Callable[[], None] | None = None


class Outbox:
    """A bounded queue of messages and one thread that hands them to the SMTP server in order."""

    def __init__(self, size: int = OUTBOX_SIZE, idle_seconds: float = OUTBOX_IDLE_SECONDS):
        self.size = size
        self.idle_seconds = idle_seconds
        self._start_empty()

    def _start_empty(self) -> None:
        # Also run in a forked child (gunicorn workers): the parent's thread does not exist
        # there and its lock may have been copied while held.
        self._lock = threading.Lock()
        self._queue: queue.Queue[_Delivery] = queue.Queue(self.size)
        self._thread: threading.Thread | None = None

    def submit(
        self,
        message: EmailMessage,
        on_failure: Callable[[MailError], None],
        on_success: Callable[[], None] | None = None,
    ) -> bool:
        """Queue `message` for delivery; False when the outbox is full and it was not queued.

        `on_failure(error)` runs on the sender thread, inside an application context, when
        the server does not accept the message; `on_success()` likewise when it does, so that
        a message lost with its process (SIGKILL) is told apart from a delivered one.
        """
        delivery = _Delivery(current_app._get_current_object(), message, on_failure, on_success)
        with self._lock:
            try:
                self._queue.put_nowait(delivery)
            except queue.Full:
                return False
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="portal-outbox", daemon=True)
                self._thread.start()
        return True

    def _run(self) -> None:
        while True:
            try:
                delivery = self._queue.get(timeout=self.idle_seconds)
            except queue.Empty:
                # Under the lock, so a message queued meanwhile either is seen here or finds
                # no thread and starts one.
                with self._lock:
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            try:
                self._deliver(delivery)
            finally:
                self._queue.task_done()

    @staticmethod
    def _deliver(delivery: _Delivery) -> None:
        app = delivery.app
        with app.app_context():
            try:
                with Mailer() as mailer:
                    mailer.send(delivery.message)
            except MailError as error:
                try:
                    delivery.on_failure(error)
                except Exception:
                    app.logger.exception("handling failed background mail %s failed", delivery.message["Message-ID"])
            except Exception:
                # Nobody waits on this thread: anything unexpected must reach the log (by
                # Message-ID, not address), and must not stop the messages behind it.
                app.logger.exception("background mail %s failed unexpectedly", delivery.message["Message-ID"])
            else:
                if delivery.on_success is not None:
                    try:
                        delivery.on_success()
                    except Exception:
                        app.logger.exception("recording sent mail %s failed", delivery.message["Message-ID"])

    def wait_until_idle(self, timeout: float) -> bool:
        """Block until every queued message was handled; False if `timeout` seconds pass first."""
        deadline = time.monotonic() + timeout
        with self._queue.all_tasks_done:
            while self._queue.unfinished_tasks:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._queue.all_tasks_done.wait(remaining)
        return True


_outbox = Outbox()
os.register_at_fork(after_in_child=_outbox._start_empty)
# The sender is a daemon thread, so without this a worker stopping right after a request
# would drop the reset link it had just promised.
atexit.register(_outbox.wait_until_idle, OUTBOX_SHUTDOWN_SECONDS)


def send_in_background(
    message: EmailMessage, on_failure: Callable[[MailError], None], on_success: Callable[[], None] | None = None
) -> bool:
    """Queue `message` for the SMTP server without waiting for it; False when the outbox is full."""
    return _outbox.submit(message, on_failure, on_success)


def wait_for_background_mail(timeout: float) -> bool:
    """Wait until queued messages were handled (tests, shutdown); False on timeout."""
    return _outbox.wait_until_idle(timeout)
