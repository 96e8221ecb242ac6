"""Sign-in forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField, ValidationError
from wtforms.validators import DataRequired, EqualTo, Length

from portal.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, password_problem
from portal.auth.service import password_matches


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


class ForgotPasswordForm(FlaskForm):
    login = StringField(
        _l("RUT o correo electrónico"),
        validators=[DataRequired(_l("Escriba su RUT o su correo.")), Length(max=254)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )


class SetPasswordForm(FlaskForm):
    """New password for `person` (the account the link belongs to), checked against the policy."""

    password = PasswordField(
        _l("Nueva contraseña"),
        validators=[
            DataRequired(_l("Escriba una contraseña.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=_l("Use al menos 12 caracteres; una frase corta sirve."),
            ),
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

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person

    def validate_password(self, field):
        if field.errors:  # too short or too long: already said
            return
        person = self.person
        problem = password_problem(
            field.data or "",
            rut=getattr(person, "rut", None),
            email=getattr(person, "email", None),
            full_name=getattr(person, "full_name", None),
        )
        if problem:
            raise ValidationError(problem)


class ChangePasswordForm(SetPasswordForm):
    """A signed-in person's new password: their current one first, then the same policy as a link."""

    current_password = PasswordField(
        _l("Contraseña actual"),
        validators=[DataRequired(_l("Escriba su contraseña actual.")), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )

    def validate_current_password(self, field):
        if not field.errors and not password_matches(self.person, field.data):
            raise ValidationError(_l("La contraseña actual no es correcta."))


class ButtonForm(FlaskForm):
    """A form with no fields: gives POST-only buttons (sign out, mark as read) their CSRF token."""
