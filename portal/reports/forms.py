"""The report's filters: a GET form whose values live in the URL, so views can be bookmarked."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from portal.learning.progress import COMPLETED, IN_PROGRESS, NOT_STARTED, OVERDUE
from portal.reports.service import SORTS, ReportFilters

STATUS_LABELS = {
    NOT_STARTED: _l("No iniciado"),
    IN_PROGRESS: _l("En curso"),
    COMPLETED: _l("Completado"),
    OVERDUE: _l("Atrasado"),
}
EMPLOYMENT_LABELS = {
    "planta": _l("Planta"),
    "contrata": _l("Contrata"),
    "codigo_trabajo": _l("Código del Trabajo"),
    "honorarios": _l("Honorarios"),
}
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
    departamento = SelectField(_l("Departamento"), validators=[Optional()])
    calidad = SelectField(
        _l("Calidad jurídica"),
        choices=[SelectChoice("", _l("Todas"))]
        + [SelectChoice(key, label) for key, label in EMPLOYMENT_LABELS.items()],
        validators=[Optional()],
    )
    estado = SelectField(
        _l("Estado"),
        choices=[SelectChoice("", _l("Todos"))] + [SelectChoice(key, label) for key, label in STATUS_LABELS.items()],
        validators=[Optional()],
    )
    desde = DateField(_l("Ingreso desde"), validators=[Optional()])
    hasta = DateField(_l("Ingreso hasta"), validators=[Optional()])
    orden = SelectField(
        _l("Ordenar por"), choices=[SelectChoice(key, label) for key, label in SORT_LABELS.items()], default="nombre"
    )
    sentido = SelectField(
        _l("Sentido"),
        choices=[SelectChoice("asc", _l("Ascendente")), SelectChoice("desc", _l("Descendente"))],
        default="asc",
    )

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
