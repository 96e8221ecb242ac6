"""Forms of the learner's path."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length


class CommitmentForm(FlaskForm):
    accept = BooleanField(
        _l("He leído la declaración y me comprometo a actuar conforme a estos valores."),
        validators=[DataRequired(_l("Marque la casilla para aceptar la declaración."))],
    )
    full_name = StringField(
        _l("Escriba su nombre completo"),
        validators=[DataRequired(_l("Escriba su nombre completo.")), Length(max=200)],
        render_kw={"autocomplete": "name"},
    )
