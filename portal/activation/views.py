"""The public activation page: RUT and the code of a printed slip, then a new password.

The slip's QR code opens this page with the code in the address's fragment (#codigo=...), which
browsers never send to a server: it stays out of access logs, proxies and Referer headers. A small
script (static/js/activation.js) copies it into the form and removes it from the address bar and the
history; without JavaScript the person types the code, which is printed beside the QR code.
"""

from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.activation import bp, codes
from portal.activation.forms import ActivationCodeForm, ActivationPasswordForm
from portal.auth import throttle
from portal.auth.access import public
from portal.auth.service import hash_password
from portal.extensions import db, limiter
from portal.models.staff import ActivationCode


def _limit_per_address() -> str:
    # Its own window beside the sign-in page's, at the same rate.
    return current_app.config["SIGN_IN_LIMIT_PER_ADDRESS"]


def wrong_code_message() -> str:
    """One message for every refusal: a wrong RUT, a wrong, used or expired code, an inactive account."""
    return _(
        "El RUT o el código no son correctos, o el código ya se usó o venció. Revise su hoja de activación; "
        "si no resulta, pida una nueva a Recursos Humanos o a su jefatura."
    )


def checked_code(typed_rut: str, typed_code: str) -> ActivationCode | None:
    """The usable code for what was typed, counted like a sign-in: wrong tries spend the RUT's budget
    (shared with its sign-ins, see portal/auth/throttle.py) whether or not the RUT exists; 429 once spent."""
    account = throttle.account_key(typed_rut)
    if not throttle.may_try(account):
        abort(429)
    found = codes.usable_code(typed_rut, typed_code)
    if found is None:
        throttle.record_failure(account)
        codes.record_failure(typed_rut)
        db.session.commit()
    return found


def _page(template: str, **context):
    response = make_response(render_template(template, **context))
    # The second step's page carries the code in a hidden field: keep it out of every cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/activar", methods=["GET", "POST"])
@public
@limiter.limit(_limit_per_address, methods=["POST"])
def activate():
    """Activate an account with a printed slip: RUT and code first, then the new password."""
    if request.method == "POST" and "password" in request.form:
        return _choose_password()
    form = ActivationCodeForm()
    if form.validate_on_submit():
        found = checked_code(form.rut.data, form.codigo.data)
        if found is not None:
            password_form = ActivationPasswordForm(
                formdata=None, data={"rut": form.rut.data, "codigo": form.codigo.data}, person=found.user
            )
            return _page("activation/choose_password.html", form=password_form, person=found.user)
        form.codigo.errors.append(wrong_code_message())
    return _page("activation/activate.html", form=form)


def _choose_password():
    """The second step: the code is checked again (it may have been used meanwhile), then the policy."""
    form = ActivationPasswordForm()
    found = checked_code(form.rut.data or "", form.codigo.data or "")
    if found is None:
        return _back_to_first_step(form.rut.data)
    form.person = found.user
    if form.validate_on_submit():
        if codes.activate(found, hash_password(form.password.data)):
            db.session.commit()
            flash(_("Su cuenta quedó activada. Ingrese con su RUT y la contraseña que eligió."), "success")
            return redirect(url_for("auth.login"))
        db.session.rollback()
        return _back_to_first_step(form.rut.data)
    return _page("activation/choose_password.html", form=form, person=found.user)


def _back_to_first_step(typed_rut: str | None):
    form = ActivationCodeForm(formdata=None, data={"rut": typed_rut or ""})
    # A form that was not validated holds its errors in a tuple.
    form.codigo.errors = [wrong_code_message()]
    return _page("activation/activate.html", form=form)
