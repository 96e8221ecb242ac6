"""Sign-in forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    login = StringField(
        _l("RUT o correo electrónico"),
        validators=[DataRequired(_l("Escriba su RUT o su correo.")), Length(max=254)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Contraseña"),
        validators=[DataRequired(_l("Escriba su contraseña.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


MIN_PASSWORD_LENGTH = 12


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("Nueva contraseña"),
        validators=[
            DataRequired(_l("Escriba una contraseña.")),
            Length(min=MIN_PASSWORD_LENGTH, max=1024, message=_l("Use al menos 12 caracteres; una frase corta sirve.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repita la contraseña"),
        validators=[
            DataRequired(_l("Repita la contraseña.")),
            EqualTo("password", message=_l("Las contraseñas no coinciden.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class ButtonForm(FlaskForm):
    """A form with no fields: gives POST-only buttons (sign out, mark as read) their CSRF token."""
