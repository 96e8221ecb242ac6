"""Sign-in and sign-out pages."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import audit
from portal.auth.access import public, signed_in
from portal.auth.forms import LoginForm, SetPasswordForm
from portal.auth.service import authenticate, hash_password, safe_next_path
from portal.auth.sessions import end_session, start_session
from portal.auth.tokens import redeem_token, usable_token
from portal.extensions import db

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Sign in with RUT or email and password."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        if current_user.is_authenticated:
            return redirect(safe_next_path(form.next.data) or url_for("learning.dashboard"))
    if form.validate_on_submit():
        user = authenticate(form.login.data, form.password.data)
        if user is not None:
            start_session(user)
            audit.record("auth.login", actor_id=user.id)
            db.session.commit()
            return redirect(safe_next_path(form.next.data) or url_for("learning.dashboard"))
        audit.record("auth.login_failed", login=form.login.data.strip()[:254])
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


@bp.route("/clave/<token>", methods=["GET", "POST"])
@public
def set_password(token: str):
    """Set a password from a one-time link (new accounts and forgotten passwords)."""
    found = usable_token(token)
    if found is None:
        return render_template("auth/link_invalid.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        if redeem_token(found, hash_password(form.password.data)):
            audit.record("auth.password_set", actor_id=found.user_id, purpose=found.purpose)
            db.session.commit()
            flash(_("Su contraseña quedó guardada. Ya puede ingresar."), "success")
            return redirect(url_for("auth.login"))
        db.session.rollback()
        return render_template("auth/link_invalid.html"), 404
    return render_template("auth/set_password.html", form=form, person=found.user)
