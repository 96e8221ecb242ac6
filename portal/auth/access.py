"""Access rules: every view declares who may use it, and one hook enforces the declaration."""

from __future__ import annotations

from flask import abort, current_app, request
from flask_login import current_user

from portal.extensions import login_manager

PUBLIC = "public"
SIGNED_IN = "signed_in"


def public(view):
    """Anyone, signed in or not."""
    view.access_rule = (PUBLIC, frozenset())
    return view


def signed_in(view):
    """Any active account; every person is a learner."""
    view.access_rule = (SIGNED_IN, frozenset())
    return view


def roles_required(*roles: str):
    """Signed-in people holding at least one of `roles`."""

    def decorate(view):
        view.access_rule = (SIGNED_IN, frozenset(roles))
        return view

    return decorate


def access_rule_of(endpoint: str):
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access_rule", None)


def enforce_declared_access():
    """before_request hook: refuse anything a view's declared rule does not allow.

    A view without a declaration is refused for everybody, so a forgotten rule fails
    closed (and the route-walking test names it).
    """
    if request.endpoint is None or request.endpoint == "static":
        return None
    rule = access_rule_of(request.endpoint)
    if rule is None:
        current_app.logger.error("route %s declares no access rule", request.endpoint)
        abort(403)
    kind, roles = rule
    if kind == PUBLIC:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if roles and not roles & current_user.roles:
        abort(403)
    return None
