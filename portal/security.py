"""Protective headers on every response, proxy headers and the Host check."""

from flask import abort, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

#: Files whose name changes whenever their bytes do and that hold nobody's personal data: they
#: set their own long-lived Cache-Control (portal.assets, the logo, lesson images).
SELF_CACHED_ENDPOINTS = frozenset({"static", "branding.logo", "learning.media"})
#: For files that are written once under a name never reused.
CACHE_FOR_A_YEAR = "max-age=31536000, immutable"


def refuse_embedded_or_cross_site_fetch() -> None:
    """403 unless this GET is the person's own navigation within the portal (Fetch Metadata).

    Downloads write an audit event in the name of whoever is signed in, so a page must not be
    able to trigger one: not an <img> in a lesson (Sec-Fetch-Dest: image), not a link or a
    script on another site (Sec-Fetch-Site: cross-site). Clicking a link of the portal or typing
    the address is allowed; clients that send no Fetch Metadata (command-line tools, old
    browsers) are too, since a page cannot make them fetch anything.
    """
    destination = request.headers.get("Sec-Fetch-Dest")
    site = request.headers.get("Sec-Fetch-Site")
    if destination not in (None, "document") or site not in (None, "same-origin", "none"):
        abort(403)


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    self_cached = request.endpoint in SELF_CACHED_ENDPOINTS and (
        response.status_code < 300 or response.status_code == 304
    )
    # is_anonymous, not is_authenticated: the latter reads the account, which a commit in the view has
    # expired, so every POST would load it again in a transaction of its own just for this header.
    if not self_cached and not current_user.is_anonymous:
        # Pages for a signed-in person carry personal data: keep them out of shared caches.
        headers["Cache-Control"] = "no-store"
    return response


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, kept off the responses of self-cached files.

    Flask-Login reads the session after every request, and a session that was read makes
    Flask add `Vary: Cookie`. On a stylesheet that would make browsers fetch it again whenever
    the cookie changes (every sign-in, every flashed message), and shared caches keep one copy
    per visitor. Those files never depend on the session, so unless this request changed it
    (an expired sign-in found while serving a lesson image), the session is left alone.
    """

    def save_session(self, app, session, response):
        if request.endpoint in SELF_CACHED_ENDPOINTS and not session.modified:
            return
        super().save_session(app, session, response)


def init_request_security(app) -> None:
    """Believe X-Forwarded-* only from PORTAL_PROXY_COUNT proxies; answer untrusted hosts with 400.

    Also installs the session interface that keeps cookies off self-cached files.

    With PROXY_COUNT = 0 (the default) forwarded headers are ignored, so a client cannot pick
    its own address for the sign-in throttle by sending X-Forwarded-For.
    Flask checks TRUSTED_HOSTS (PORTAL_TRUSTED_HOSTS) itself before routing.
    """
    app.session_interface = SessionInterface()
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
