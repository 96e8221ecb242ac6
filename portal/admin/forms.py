"""Administrators' forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.fields import BoundedDateField, BoundedIntegerField
from portal.reports.forms import PersonForm
from portal.vocabulary import ROLES, STAFF, Role, labels

ROLE_LABELS = labels(Role)
CONFIRMATION_WORD = "ANONIMIZAR"


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AccountForm(PersonForm):
    """PersonForm plus the roles; a person may hold several."""

    roles = CheckboxesField(
        _l("Roles"),
        choices=[SelectChoice(role, ROLE_LABELS[role]) for role in ROLES],
        default=[STAFF],
    )

    #: For a jefatura (Role.SUPERVISOR): whose people they follow. Choices set per request (set_departments).
    led_departments = CheckboxesField(
        _l("Departamentos que dirige (solo para el rol Jefatura)"),
        coerce=int,
        default=[],
        invalid_value_message=_l("Elija departamentos de la lista."),
        invalid_choice_message=_l("Uno de los departamentos elegidos ya no existe."),
    )

    def validate_roles(self, field):
        if not field.data:
            raise ValidationError(_l("Elija al menos un rol."))

    def set_departments(self, departments) -> None:
        self.led_departments.choices = [SelectChoice(department.id, department.name) for department in departments]


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    q = StringField(_l("Buscar por nombre, RUT o correo"), validators=[Optional(), Length(max=100)])


class DepartmentForm(FlaskForm):
    name = StringField(
        _l("Nombre del departamento"), validators=[DataRequired(_l("Escriba el nombre.")), Length(max=120)]
    )


class MergeForm(FlaskForm):
    into = SelectField(_l("Trasladar a sus personas al departamento"), validators=[DataRequired(_l("Elija uno."))])


class SettingsForm(FlaskForm):
    institution_name = StringField(
        _l("Nombre de la institución"), validators=[DataRequired(_l("Escriba el nombre.")), Length(max=200)]
    )
    onboarding_days = BoundedIntegerField(
        _l("Días para completar la inducción"),
        validators=[InputRequired(_l("Indique los días.")), NumberRange(1, 365, _l("Entre 1 y 365 días."))],
    )
    reminder_interval_days = BoundedIntegerField(
        _l("Días mínimos entre recordatorios a una misma persona"),
        validators=[InputRequired(_l("Indique los días.")), NumberRange(1, 90, _l("Entre 1 y 90 días."))],
    )
    activation_code_days = BoundedIntegerField(
        _l("Días de validez del código de una hoja de activación"),
        validators=[Optional(), NumberRange(1, 90, _l("Entre 1 y 90 días, o vacío para el valor predeterminado."))],
    )
    renewal_months = BoundedIntegerField(
        _l("Vigencia de la inducción completada, en meses (opcional)"),
        validators=[Optional(), NumberRange(1, 120, _l("Entre 1 y 120 meses, o vacío para que no venza."))],
    )
    attachment_max_mb = BoundedIntegerField(
        _l("Tamaño máximo de un documento adjunto a una lección, en MB"),
        validators=[
            Optional(),
            NumberRange(1, 500, _l("Entre 1 y 500 MB, o vacío para el valor de fábrica.")),
        ],
    )
    video_max_mb = BoundedIntegerField(
        _l("Tamaño máximo del video de una lección, en MB"),
        validators=[
            Optional(),
            NumberRange(1, 4000, _l("Entre 1 y 4000 MB, o vacío para el valor de fábrica.")),
        ],
    )
    logo = FileField(
        _l("Logo (PNG, JPEG o WebP, hasta 512 KB)"), render_kw={"accept": "image/png,image/jpeg,image/webp"}
    )
    remove_logo = BooleanField(_l("Quitar el logo actual"))


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    accion = SelectField(_l("Tipo de acción"), validators=[Optional()])
    actor = StringField(_l("Persona que actuó (nombre, RUT o correo)"), validators=[Optional(), Length(max=100)])
    #: Failed sign-ins keep no typed login, so they are found by the account or the login's fingerprint.
    ingreso = StringField(_l("Ingresos fallidos con este RUT o correo"), validators=[Optional(), Length(max=254)])
    desde = BoundedDateField(_l("Desde"), validators=[Optional()])
    hasta = BoundedDateField(_l("Hasta"), validators=[Optional()])

    def set_prefixes(self, prefixes) -> None:
        self.accion.choices = [SelectChoice("", _l("Todas"))] + [SelectChoice(p, p) for p in prefixes]


class AnonymiseForm(FlaskForm):
    confirmation = StringField(
        _l("Para confirmar, escriba ANONIMIZAR"),
        validators=[DataRequired(_l("Escriba ANONIMIZAR para confirmar."))],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )

    def validate_confirmation(self, field):
        if (field.data or "").strip() != CONFIRMATION_WORD:
            raise ValidationError(_l("Escriba ANONIMIZAR, en mayúsculas, para confirmar."))
