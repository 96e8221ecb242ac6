"""HR's forms: the report's filters (a GET form whose values live in the URL, so views can be
bookmarked), a person's data, moving due dates and the staff import's upload and confirmation."""

from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from portal.email_address import InvalidEmail, normalize_email
from portal.fields import BoundedDateField, BoundedIntegerField, PlainSelect
from portal.learning.service import renewal_months
from portal.messages import rut_error_message
from portal.models.user import User
from portal.people.departments import departments_in_order
from portal.reports.service import SORTS, ReportFilters
from portal.rut import InvalidRut, format_rut, normalize_rut
from portal.vocabulary import RENEWAL_DUE, EmploymentType, PersonStatus, labels

STATUS_LABELS = labels(PersonStatus)


def status_labels_in_use() -> dict:
    """The statuses a person can have now: "por renovar" only while completions expire."""
    if renewal_months():
        return STATUS_LABELS
    return {status: label for status, label in STATUS_LABELS.items() if status != RENEWAL_DUE}


EMPLOYMENT_LABELS = labels(EmploymentType)
SORT_LABELS = {
    "nombre": _l("Nombre"),
    "departamento": _l("Departamento"),
    "ingreso": _l("Fecha de ingreso"),
    "plazo": _l("Plazo"),
    "avance": _l("Avance"),
    "estado": _l("Estado"),
}


class ReportFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    q = StringField(_l("Buscar por nombre, RUT o correo"), validators=[Optional(), Length(max=100)])
    departamento = SelectField(_l("Departamento"), validators=[Optional()], widget=PlainSelect())
    calidad = SelectField(
        _l("Calidad jurídica"),
        choices=[SelectChoice("", _l("Todas"))]
        + [SelectChoice(key, label) for key, label in EMPLOYMENT_LABELS.items()],
        validators=[Optional()],
        widget=PlainSelect(),
    )
    #: Choices set per request (set_statuses): "por renovar" depends on a runtime setting.
    estado = SelectField(_l("Estado"), validators=[Optional()], widget=PlainSelect())
    desde = BoundedDateField(_l("Ingreso desde"), validators=[Optional()])
    hasta = BoundedDateField(_l("Ingreso hasta"), validators=[Optional()])
    orden = SelectField(
        _l("Ordenar por"),
        choices=[SelectChoice(key, label) for key, label in SORT_LABELS.items()],
        default="nombre",
        widget=PlainSelect(),
    )
    sentido = SelectField(
        _l("Sentido"),
        choices=[SelectChoice("asc", _l("Ascendente")), SelectChoice("desc", _l("Descendente"))],
        default="asc",
        widget=PlainSelect(),
    )

    def set_statuses(self) -> None:
        self.estado.choices = [SelectChoice("", _l("Todos"))] + [
            SelectChoice(key, label) for key, label in status_labels_in_use().items()
        ]

    def translate_choices(self) -> None:
        """Every choice's label translated once for this request: a lazy label is translated again at
        each use, three times per option rendered (about 40 µs), on every report page."""
        for field in (self.departamento, self.calidad, self.estado, self.orden, self.sentido):
            field.choices = [SelectChoice(choice.value, str(choice.label)) for choice in field.choices]

    def set_departments(self, departments) -> None:
        self.departamento.choices = [SelectChoice("", _l("Todos"))] + [
            SelectChoice(str(department.id), department.name) for department in departments
        ]

    def to_filters(self, page: int = 1) -> ReportFilters:
        """The filters the form holds; invalid values are ignored (their errors are shown)."""
        self.validate()

        def clean(field):
            return field.data if field.data and not field.errors else None

        department = clean(self.departamento)
        return ReportFilters(
            department_id=int(department) if department and department.isdigit() else None,
            employment_type=clean(self.calidad),
            status=clean(self.estado),
            start_from=clean(self.desde),
            start_to=clean(self.hasta),
            text=(clean(self.q) or "").strip(),
            sort=self.orden.data if self.orden.data in SORTS else "nombre",
            descending=self.sentido.data == "desc",
            page=max(1, page),
        )


class PersonForm(FlaskForm):
    """One person's data as HR keeps it.

    Edit pages build it with `data=person_form_data(person)`, never `obj=person`: `obj` would hand
    the form the Department object, whose repr the page would show and save back (STYLE.md rule 12).
    """

    rut = StringField(_l("RUT"), validators=[DataRequired(_l("Escriba el RUT.")), Length(max=20)])
    full_name = StringField(_l("Nombre completo"), validators=[DataRequired(_l("Escriba el nombre.")), Length(max=200)])
    email = StringField(
        _l("Correo electrónico (opcional)"),
        validators=[Optional(), Length(max=254)],
        # Blank (spaces only) means no email: Optional() would otherwise stop before validate_email.
        filters=[lambda value: (value or "").strip() or None],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    department = StringField(
        _l("Departamento"), validators=[Optional(), Length(max=120)], render_kw={"list": "departamentos"}
    )
    #: A name that matches no department is refused unless this is ticked: departments are created on purpose.
    new_department = BooleanField(_l("Es un departamento nuevo: crearlo con este nombre"))
    employment_type = SelectField(
        _l("Calidad jurídica"),
        choices=[SelectChoice("", _l("Sin indicar"))]
        + [SelectChoice(key, label) for key, label in EMPLOYMENT_LABELS.items()],
        validators=[Optional()],
    )
    start_date = BoundedDateField(_l("Fecha de ingreso"), validators=[Optional()])
    due_date = BoundedDateField(
        _l("Plazo para completar la inducción (vacío = ingreso + días configurados)"), validators=[Optional()]
    )

    def validate_rut(self, field):
        try:
            field.data = normalize_rut(field.data)
        except InvalidRut as error:
            message = rut_error_message(error)
            raise ValidationError(message[:1].upper() + message[1:] + ".") from None

    def validate_email(self, field):
        if not field.data:
            field.data = None
            return
        try:
            field.data = normalize_email(field.data)
        except InvalidEmail:
            raise ValidationError(_l("Escriba un correo válido, por ejemplo nombre@municipalidad.cl.")) from None


class DueDateShiftForm(FlaskForm):
    days = BoundedIntegerField(
        _l("Mover el plazo (días; negativo para adelantarlo)"),
        validators=[DataRequired(_l("Indique cuántos días.")), NumberRange(-365, 365, _l("Entre -365 y 365 días."))],
    )


def person_values(form: FlaskForm) -> dict:
    """A person form's submitted values as the plain data accounts.create_person and save_person take."""
    return {
        name: field.data
        for name, field in form._fields.items()
        if name not in ("csrf_token", "roles", "led_departments")
    }


def person_form_data(person: User) -> dict:
    """The plain values a person's edit form shows: what saving it untouched must store again."""
    return {
        "rut": format_rut(person.rut),
        "full_name": person.full_name,
        "email": person.email or "",
        "department": person.department.name if person.department else "",
        "employment_type": person.employment_type or "",
        "start_date": person.start_date,
        "due_date": person.due_date,
    }


def filter_form(departments=None) -> ReportFilterForm:
    """The report's filters as the URL gives them, with the statuses and departments to choose from
    (every department, or those given: a jefatura's)."""
    form = ReportFilterForm(formdata=request.args)
    form.set_statuses()
    form.set_departments(departments_in_order() if departments is None else departments)
    form.translate_choices()
    return form


ACCEPTED_TYPES = ".csv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class StaffFileForm(FlaskForm):
    file = FileField(
        _l("Archivo CSV o Excel (.xlsx)"),
        validators=[FileRequired(_l("Elija el archivo con las personas."))],
        render_kw={"accept": ACCEPTED_TYPES},
    )


class ConfirmImportForm(FlaskForm):
    #: The signed table (staff_import.pack_ticket).
    ticket = HiddenField()
    #: Preview.fingerprint as shown; a different one at confirmation means the data moved on.
    fingerprint = HiddenField()
    #: "1" when HR chose to import only the valid rows.
    skip_invalid = HiddenField()
