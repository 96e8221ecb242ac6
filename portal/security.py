"""Protective headers on every response, proxy headers and the Host check."""

from flask import abort, request
from flask_login import current_user
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    # is_anonymous, not is_authenticated: the latter reads the account, which a commit in the view has
    # expired, so every POST would load it again in a transaction of its own just for this header.
    if request.endpoint != "static" and not current_user.is_anonymous:
        # Pages for a signed-in person carry personal data: keep them out of shared caches.
        headers["Cache-Control"] = "no-store"
    return response


def init_request_security(app) -> None:
    """Believe X-Forwarded-* only from PORTAL_PROXY_COUNT proxies; answer untrusted hosts with 400.

    With PROXY_COUNT = 0 (the default) forwarded headers are ignored, so a client cannot pick
    its own address for the sign-in throttle by sending X-Forwarded-For.
    Flask checks TRUSTED_HOSTS (PORTAL_TRUSTED_HOSTS) itself before routing.
    """
    proxies = app.config["PROXY_COUNT"]
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    @app.errorhandler(SecurityError)
    def untrusted_host(error):
        # Plain text: the normal error page builds links, which needs the (refused) host.
        return (
            "Solicitud no válida: dirección de servidor no permitida.\n",
            400,
            {"Content-Type": "text/plain; charset=utf-8"},
        )


def refuse_nul_bytes():
    """Answer 400 to any request whose address, query or form holds a NUL character.

    No text the portal keeps can contain one, and PostgreSQL refuses it in text columns with an
    error that would otherwise surface as a 500 (SQLite would store it silently).
    """
    values = [request.path, *request.args.keys(), *request.args.values()]
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        values += [*request.form.keys(), *request.form.values()]
        values += [upload.filename or "" for upload in request.files.values()]
    if any("\x00" in value for value in values):
        abort(400)
