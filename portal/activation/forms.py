"""The activation page's two forms: RUT and code, then the new password (with RUT and code carried along)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from portal.auth.forms import SetPasswordForm


class ActivationCodeForm(FlaskForm):
    rut = StringField(
        _l("Su RUT"),
        validators=[DataRequired(_l("Escriba su RUT.")), Length(max=20, message=_l("Revise su RUT."))],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    codigo = StringField(
        _l("Código de activación"),
        validators=[DataRequired(_l("Escriba el código de su hoja.")), Length(max=40, message=_l("Revise el código."))],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "characters", "spellcheck": "false"},
    )


class ActivationPasswordForm(SetPasswordForm):
    """The new password; RUT and code ride along and are checked again when it is sent."""

    rut = HiddenField()
    codigo = HiddenField()
