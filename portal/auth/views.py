"""Sign-in, sign-out and password pages."""

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import audit
from portal.auth import bp, throttle
from portal.auth.access import public, signed_in
from portal.auth.forms import ChangePasswordForm, ForgotPasswordForm, LoginForm, SetPasswordForm
from portal.auth.password_reset import request_password_reset
from portal.auth.service import (
    authenticate,
    change_password,
    failed_sign_in_details,
    hash_password,
    login_fingerprint,
    normalized_login,
    safe_next_path,
)
from portal.auth.sessions import end_session, start_session
from portal.auth.tokens import RESET_PASSWORD_LIFETIME, redeem_token, usable_token
from portal.extensions import db, limiter
from portal.models.staff import RESET_PASSWORD
from portal.models.user import User
from portal.vocabulary import ADMIN, HR, SUPERVISOR, TRAINER

# Throttling. Limits are time windows (Flask-Limiter), never a permanent lock: waiting always
# helps, so nobody can lock a colleague out for good by typing their RUT with wrong passwords.


def _typed_login_key() -> str:
    """The rate-limit key of the account typed in the form: a keyed fingerprint, so the limiter's
    store (Redis) holds no RUT or email, nor a plain hash that a list of RUTs would reverse."""
    return "login:" + login_fingerprint(request.form.get("login"))


def _no_login_typed() -> bool:
    return not normalized_login(request.form.get("login"))


def _setting(name: str):
    return lambda: current_app.config[name]


def landing_url(user: User) -> str:
    """Where a person lands after signing in: the page of their main work.

    HR's report, else a jefatura's team, else the administrators' accounts, else the trainers' modules,
    else the learner path; the path ("Mi inducción") stays one click away in the navigation for everyone.
    """
    for role, endpoint in (
        (HR, "reports.report"),
        (SUPERVISOR, "team.report"),
        (ADMIN, "admin.accounts"),
        (TRAINER, "training.index"),
    ):
        if user.has_role(role):
            return url_for(endpoint)
    return url_for("learning.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_setting("SIGN_IN_LIMIT_PER_ADDRESS"), methods=["POST"])
def login():
    """Sign in with RUT or email and password."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        if current_user.is_authenticated:
            return redirect(safe_next_path(form.next.data) or landing_url(current_user))
    if form.validate_on_submit():
        # Wrong passwords count per account, not per spelling; see portal/auth/throttle.py.
        account = throttle.account_key(form.login.data)
        if not throttle.may_try(account):
            abort(429)
        check = authenticate(form.login.data, form.password.data)
        if check.user is not None:
            start_session(check.user)
            audit.record("auth.login", actor_id=check.user.id)
            db.session.commit()
            return redirect(safe_next_path(form.next.data) or landing_url(check.user))
        throttle.record_failure(account)
        # The actor stays empty: whoever typed the login is not known to be its owner.
        audit.record("auth.login_failed", **failed_sign_in_details(check, form.login.data))
        db.session.commit()
        # One message whatever went wrong, so the form never reveals which accounts exist.
        form.password.errors.append(_("El RUT, correo o contraseña no son correctos."))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@signed_in
def logout():
    """Sign out: the server forgets this session, so a copied cookie stops working."""
    # CSRFProtect has already refused a forged request before this point.
    user_id = current_user.id
    end_session()
    audit.record("auth.logout", actor_id=user_id)
    db.session.commit()
    flash(_("Cerró su sesión."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/clave/olvido", methods=["GET", "POST"])
@public
@limiter.limit(_setting("PASSWORD_RESET_LIMIT_PER_ADDRESS"), methods=["POST"])
@limiter.limit(
    _setting("PASSWORD_RESET_LIMIT_PER_ACCOUNT"),
    key_func=_typed_login_key,
    methods=["POST"],
    exempt_when=_no_login_typed,
)
def forgot_password():
    """Ask for a password link by RUT or email. The answer never says whether the account exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        request_password_reset(form.login.data)
        hours = int(RESET_PASSWORD_LIFETIME.total_seconds() // 3600)
        return render_template("auth/forgot_password_sent.html", hours=hours)
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/clave/<token>", methods=["GET", "POST"])
@public
def set_password(token: str):
    """Set a password from a one-time link (new accounts and forgotten passwords)."""
    found = usable_token(token)
    if found is None:
        return render_template("auth/link_invalid.html"), 404
    form = SetPasswordForm(person=found.user)
    if form.validate_on_submit():
        if redeem_token(found, hash_password(form.password.data)):
            db.session.commit()
            flash(_("Su contraseña quedó guardada. Ya puede ingresar."), "success")
            return redirect(url_for("auth.login"))
        db.session.rollback()
        return render_template("auth/link_invalid.html"), 404
    return render_template(
        "auth/set_password.html", form=form, person=found.user, resetting=found.purpose == RESET_PASSWORD
    )


def _signed_in_person_key() -> str:
    return f"change-password:{current_user.id}"


def _wrong_current_password(_response) -> bool:
    return bool(g.get("wrong_current_password"))


@bp.route("/cuenta/clave", methods=["GET", "POST"])
@signed_in
@limiter.limit(
    _setting("SIGN_IN_LIMIT_PER_ACCOUNT"),
    key_func=_signed_in_person_key,
    methods=["POST"],
    deduct_when=_wrong_current_password,  # a stolen session cookie cannot guess the password at will
)
def change_password_page():
    """Change one's own password: the current one first; every other session of the person ends."""
    form = ChangePasswordForm(person=current_user)
    if form.validate_on_submit():
        ended = change_password(current_user, form.password.data)
        db.session.commit()
        if ended:
            flash(_("Su contraseña quedó cambiada y se cerraron sus sesiones en otros dispositivos."), "success")
        else:
            flash(_("Su contraseña quedó cambiada."), "success")
        return redirect(url_for("learning.dashboard"))
    g.wrong_current_password = bool(form.current_password.errors)
    return render_template("auth/change_password.html", form=form)


@bp.app_errorhandler(429)
def too_many_attempts(_error):
    """The same page whatever limit was reached, so it says nothing about any account."""
    return render_template("auth/too_many_attempts.html"), 429
