"""The audit log in words a non-technical reader follows: Spanish names for actions, fields and values.

Events keep stable codes ("staff.updated", "due_date", "contrata"); this module turns them into
Spanish for the audit page and its CSV/XLSX export. Every action the code records must have a label
in ACTION_LABELS (tests/test_audit_trail.py scans portal/ for them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from portal.activation.slips import FROM_IMPORT, FROM_PERSON, FROM_REMINDERS, FROM_REPORT, FROM_TEAM
from portal.admin.forms import ROLE_LABELS
from portal.dates import day_month_year
from portal.models.staff import RESET_PASSWORD, SET_PASSWORD
from portal.reports.cells import DATETIME, NUMBER, TEXT, Column
from portal.reports.forms import EMPLOYMENT_LABELS, STATUS_LABELS
from portal.vocabulary import AnswerVisibility, labels

#: Groups of actions (the part of the code before the dot), in the order the filter lists them.
CATEGORY_LABELS = {
    "auth": _l("Ingresos y contraseñas"),
    "accounts": _l("Cuentas"),
    "staff": _l("Personas"),
    "departments": _l("Departamentos"),
    "settings": _l("Configuración"),
    "content": _l("Módulos y lecciones"),
    "quiz": _l("Cuestionarios"),
    "learning": _l("Declaración de compromiso y certificados"),
    "report": _l("Reportes"),
    "reminders": _l("Recordatorios"),
    "privacy": _l("Datos personales"),
    "audit": _l("Registro de auditoría"),
}

#: Every action recorded anywhere in portal/, in the order the filter lists them.
ACTION_LABELS = {
    "auth.login": _l("Inicio de sesión"),
    "auth.login_failed": _l("Inicio de sesión fallido"),
    "auth.logout": _l("Cierre de sesión"),
    "auth.password_reset_requested": _l("Se pidió restablecer una contraseña"),
    "auth.password_reset_mail_sent": _l("Se envió el correo para restablecer una contraseña"),
    "auth.password_reset_mail_failed": _l("No se pudo enviar el correo para restablecer una contraseña"),
    "auth.password_set": _l("Una persona definió su contraseña"),
    "auth.password_changed": _l("Una persona cambió su contraseña"),
    "auth.account_activated": _l("Una persona activó su cuenta con una hoja de activación"),
    "auth.activation_failed": _l("Intento fallido de activar una cuenta con una hoja de activación"),
    "accounts.created": _l("Se creó una cuenta"),
    "accounts.roles_changed": _l("Se cambiaron los roles de una cuenta"),
    "accounts.led_departments_changed": _l("Se cambiaron los departamentos que dirige una jefatura"),
    "accounts.anonymised": _l("Se anonimizó una cuenta"),
    "staff.created": _l("Se agregó una persona"),
    "staff.updated": _l("Se editaron los datos de una persona"),
    "staff.deactivated": _l("Se desactivó una cuenta"),
    "staff.reactivated": _l("Se reactivó una cuenta"),
    "staff.due_dates_moved": _l("Se movieron plazos de inducción"),
    "staff.password_link_issued": _l("Se entregó un enlace para definir la contraseña"),
    "staff.activation_slips_printed": _l("Se imprimieron hojas de activación"),
    "staff.imported": _l("Se importó una nómina de personas"),
    "departments.created": _l("Se creó un departamento"),
    "departments.renamed": _l("Se cambió el nombre de un departamento"),
    "departments.merged": _l("Se fusionaron dos departamentos"),
    "settings.changed": _l("Se cambió la configuración del portal"),
    "content.seeded": _l("Se cargó el contenido inicial"),
    "content.module_created": _l("Se creó un módulo"),
    "content.module_edited": _l("Se editó un módulo"),
    "content.module_published": _l("Se publicó un módulo"),
    "content.module_unpublished": _l("Se retiró un módulo"),
    "content.module_imported": _l("Se importó un módulo"),
    "content.lesson_created": _l("Se agregó una lección"),
    "content.lesson_edited": _l("Se editó una lección"),
    "content.lesson_trashed": _l("Se eliminó una lección (quedó en la papelera)"),
    "content.lesson_untrashed": _l("Se restauró una lección desde la papelera"),
    "content.lessons_purged": _l("Se borraron definitivamente lecciones de la papelera"),
    "content.abandoned_uploads_discarded": _l("Se descartaron archivos subidos que nunca se guardaron en una lección"),
    "content.lesson_restored": _l("Se restauró una versión de una lección"),
    "content.image_uploaded": _l("Se subió una imagen"),
    "content.attachment_uploaded": _l("Se subió un documento adjunto"),
    "content.attachment_added": _l("Se adjuntó un documento a una lección"),
    "content.attachment_removed": _l("Se quitó un documento de una lección"),
    "content.video_uploaded": _l("Se subió un video"),
    "content.captions_uploaded": _l("Se subieron los subtítulos de un video"),
    "content.video_added": _l("Se agregó un video a una lección"),
    "content.video_captions_changed": _l("Se cambiaron los subtítulos del video de una lección"),
    "content.video_transcript_edited": _l("Se editó la transcripción del video de una lección"),
    "content.video_removed": _l("Se quitó el video de una lección (con sus subtítulos)"),
    "quiz.published": _l("Se publicó una versión de un cuestionario"),
    "quiz.question_deleted": _l("Se eliminó una pregunta de un borrador"),
    "quiz.draft_discarded": _l("Se descartó el borrador de un cuestionario"),
    "quiz.gift_imported": _l("Se importaron preguntas a un cuestionario"),
    "learning.commitment_signed": _l("Una persona firmó la declaración de compromiso"),
    "learning.certificate_issued": _l("Se emitió un certificado"),
    "report.exported": _l("Se descargó el reporte de avance"),
    "report.certificate_downloaded": _l("Se descargó el certificado de una persona"),
    "report.certificates_downloaded": _l("Se descargaron los certificados de una lista (ZIP)"),
    "reminders.sent": _l("Se pusieron recordatorios en la cola de envío"),
    "reminders.sheets_printed": _l("Se imprimieron hojas de recordatorio para personas sin correo"),
    "privacy.data_downloaded": _l("Una persona descargó sus datos personales"),
    "audit.exported": _l("Se descargó el registro de auditoría"),
}

#: Actions nothing records any more, so that older events still read in Spanish (and can be filtered).
LEGACY_ACTION_LABELS = {
    "content.lesson_deleted": _l("Se eliminó una lección definitivamente (antes de existir la papelera)"),
}

#: Spanish names of the fields that change and of the other particulars events keep.
FIELD_LABELS = {
    # A person
    "rut": _l("RUT"),
    "full_name": _l("Nombre"),
    "email": _l("Correo electrónico"),
    "department": _l("Departamento"),
    "employment_type": _l("Calidad jurídica"),
    "start_date": _l("Fecha de ingreso"),
    "due_date": _l("Plazo de la inducción"),
    "roles": _l("Roles"),
    "led_departments": _l("Departamentos que dirige"),
    # Departments
    "name": _l("Nombre"),
    "department_id": _l("N° de departamento"),
    "source": _l("Departamento eliminado"),
    "source_id": _l("N° del departamento eliminado"),
    "target": _l("Departamento que recibió a las personas"),
    "target_id": _l("N° del departamento que las recibió"),
    # Settings
    "INSTITUTION_NAME": _l("Nombre de la institución"),
    "LOGO": _l("Logo"),
    "ONBOARDING_DAYS": _l("Días para completar la inducción"),
    "REMINDER_INTERVAL_DAYS": _l("Días mínimos entre recordatorios"),
    "ACTIVATION_CODE_DAYS": _l("Días de validez de los códigos de activación"),
    "RENEWAL_MONTHS": _l("Vigencia de la inducción (meses)"),
    "ATTACHMENT_MAX_MB": _l("Tamaño máximo de un documento adjunto (MB)"),
    "VIDEO_MAX_MB": _l("Tamaño máximo del video de una lección (MB)"),
    # Content and quizzes
    "module": _l("Módulo"),
    "modules": _l("Módulos"),
    "lesson": _l("Lección N°"),
    "lessons": _l("Lecciones N°"),
    "position": _l("Lugar en el módulo"),
    "count": _l("Cantidad"),
    "title": _l("Título"),
    "summary": _l("Resumen"),
    "required": _l("Obligatorio"),
    "body_md": _l("Texto de la lección"),
    "file": _l("Archivo"),
    "video": _l("N° de video"),
    "captions": _l("Subtítulos"),
    "cues": _l("Líneas de subtítulos"),
    "transcript": _l("Transcripción"),
    "version": _l("N° de versión"),
    "revision": _l("Versión N°"),
    "questions": _l("Preguntas"),
    "prompt": _l("Pregunta"),
    "pass_mark": _l("Porcentaje para aprobar"),
    "max_attempts": _l("Intentos permitidos"),
    "shuffle": _l("Alternativas en orden aleatorio"),
    "pool_size": _l("Preguntas por intento"),
    "shuffle_questions": _l("Preguntas en orden aleatorio"),
    "show_answers": _l("Cuándo se muestran las respuestas correctas"),
    # Sign-in
    "address": _l("Dirección IP"),
    "login_fingerprint": _l("Huella del RUT o correo escrito"),
    "login": _l("RUT o correo escrito"),
    "outcome": _l("Resultado"),
    "reason": _l("Motivo"),
    "code": _l("Código del servidor de correo"),
    "purpose": _l("Enlace para"),
    # Learning
    "commitment_id": _l("N° de declaración de compromiso"),
    "text_sha256": _l("Huella SHA-256 del texto firmado"),
    "certificate_id": _l("N° de certificado"),
    "certificates": _l("Certificados"),
    "other_sessions_ended": _l("Sesiones cerradas en otros dispositivos"),
    # Imports, exports and reminders
    "via": _l("Desde"),
    "format": _l("Formato"),
    "filters": _l("Filtros"),
    "rows": _l("Filas"),
    "people": _l("Personas"),
    "user_ids": _l("N° de las cuentas"),
    "departments": _l("Departamentos"),
    "letters": _l("Con cartas"),
    "slips": _l("Hojas de activación"),
    "printed_from": _l("Impresas desde"),
    "days": _l("Días"),
    "created": _l("Creadas"),
    "updated": _l("Actualizadas"),
    "unchanged": _l("Sin cambios"),
    "skipped": _l("Omitidas"),
    "sent": _l("Enviados"),
    "failed": _l("Fallidos"),
    # Filters of the completion report and of the audit log
    "status": _l("Estado"),
    "start_from": _l("Ingreso desde"),
    "start_to": _l("Ingreso hasta"),
    "text": _l("Texto buscado"),
    "sort": _l("Orden"),
    "descending": _l("Orden descendente"),
    "action": _l("Acción"),
    "actor": _l("Persona que actuó"),
    "typed_login": _l("Ingresos fallidos con un RUT o correo"),
    "start": _l("Desde"),
    "end": _l("Hasta"),
    #: Events written before `changes` kept a single before/after pair.
    "value": _l("Valor"),
}

#: Values that are codes, by field.
VALUE_LABELS = {
    "roles": ROLE_LABELS,
    "employment_type": EMPLOYMENT_LABELS,
    "status": STATUS_LABELS,
    "via": {
        "web": _l("el sitio web"),
        "cli": _l("la línea de comandos"),
        "job": _l("una tarea en segundo plano pedida en el sitio web"),
        "daily": _l("la tarea diaria del portal"),
        "library": _l("la biblioteca de módulos"),
    },
    "outcome": {
        "queued": _l("el enlace quedó en la cola de correo"),
        "unknown_account": _l("no hay una cuenta con ese RUT o correo"),
        "inactive": _l("la cuenta está desactivada"),
        "no_email": _l("la cuenta no tiene correo"),
    },
    "purpose": {SET_PASSWORD: _l("definir la contraseña"), RESET_PASSWORD: _l("restablecer la contraseña")},
    "format": {"csv": "CSV", "xlsx": "Excel (XLSX)"},
    "show_answers": labels(AnswerVisibility),
    "printed_from": {
        FROM_PERSON: _l("la ficha de la persona"),
        FROM_IMPORT: _l("una importación de personal"),
        FROM_REPORT: _l("la lista filtrada del informe"),
        FROM_REMINDERS: _l("las hojas de recordatorio"),
        FROM_TEAM: _l("la vista de equipo de una jefatura"),
    },
    "action": {**CATEGORY_LABELS, **ACTION_LABELS, **LEGACY_ACTION_LABELS},
}
DATE_FIELDS = frozenset({"start_date", "due_date", "start_from", "start_to", "start", "end"})
#: Fields that name the account the event concerns; shown as a link, not as a line.
SUBJECT_FIELD = "user_id"
#: Events written before `changes`: the field their top-level "before" and "after" describe.
LEGACY_CHANGED_FIELD = {"accounts.roles_changed": "roles", "departments.renamed": "name"}
ARROW = "→"
#: Characters of a value shown on the page (a lesson's whole text is in the export).
PAGE_VALUE_LIMIT = 240


def action_label(action: str) -> str:
    """The action in Spanish; an unknown code (from an older version) as it is."""
    label = ACTION_LABELS.get(action) or LEGACY_ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def field_label(field: str) -> str:
    label = FIELD_LABELS.get(field)
    return str(label) if label is not None else field.replace("_", " ").capitalize()


def value_text(field: str, value, limit: int | None = None) -> str:
    """A stored value as Spanish text: codes by their label, ISO dates as dd-mm-yyyy, lists joined."""
    if value is None or value == "" or value == []:
        text = _("(vacío)")
    elif isinstance(value, bool):
        text = _("Sí") if value else _("No")
    elif isinstance(value, list):
        text = ", ".join(value_text(field, item) for item in value)
    elif isinstance(value, dict):
        text = "; ".join(f"{field_label(key)}: {value_text(key, item)}" for key, item in value.items())
    elif field in DATE_FIELDS and isinstance(value, str):
        try:
            text = day_month_year(date.fromisoformat(value))
        except ValueError:
            text = value
    elif isinstance(value, str) and value in VALUE_LABELS.get(field, {}):
        text = str(VALUE_LABELS[field][value])
    else:
        text = str(value)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


@dataclass(frozen=True)
class DetailLine:
    label: str
    text: str

    def __str__(self) -> str:
        return f"{self.label}: {self.text}"


def change_text(field: str, change, limit: int | None = None) -> str:
    if not isinstance(change, dict):
        return value_text(field, change, limit)
    if change.get("withheld"):
        return _("cambió (es un dato personal: el registro no guarda su valor)")
    before = value_text(field, change.get("before"), limit)
    after = value_text(field, change.get("after"), limit)
    return f"{before} {ARROW} {after}"


def parsed_details(details: str) -> dict:
    try:
        parsed = json.loads(details)
    except ValueError:
        return {"value": details}
    return parsed if isinstance(parsed, dict) else {"value": parsed}


def detail_lines(action: str, details: str, limit: int | None = None) -> list[DetailLine]:
    """An event's details as "Campo: antes → después" and "Etiqueta: valor" lines, changes first.

    The account the event concerns (`user_id`) is left out: the page links it and the export gives it
    a column. `limit` shortens long values (a lesson's text) on the page; the export keeps them whole.
    """
    found = parsed_details(details)
    changes = found.pop("changes", None)
    if changes is None and "before" in found and "after" in found:
        changes = {
            LEGACY_CHANGED_FIELD.get(action, "value"): {"before": found.pop("before"), "after": found.pop("after")}
        }
    lines = []
    if isinstance(changes, dict):
        lines += [
            DetailLine(field_label(field), change_text(field, change, limit)) for field, change in changes.items()
        ]
    for key, value in found.items():
        if key == SUBJECT_FIELD:
            continue
        lines.append(DetailLine(field_label(key), value_text(key, value, limit)))
    return lines


def action_choices() -> list[SelectChoice]:
    """The audit page's action filter: everything, a whole group, or one action, all in Spanish."""
    choices = [SelectChoice("", _l("Todas las acciones"))]
    for prefix, category in CATEGORY_LABELS.items():
        group = str(category)
        choices.append(SelectChoice(prefix, _("%(group)s: todas", group=group), optgroup=group))
        choices += [
            SelectChoice(action, label, optgroup=group)
            for action, label in {**ACTION_LABELS, **LEGACY_ACTION_LABELS}.items()
            if action.split(".", 1)[0] == prefix
        ]
    return choices


def local_time(moment: datetime, tz) -> datetime:
    """A stored UTC moment as the local wall-clock time, without a zone (spreadsheets want it so)."""
    return moment.astimezone(tz).replace(tzinfo=None)


# --- Export ----------------------------------------------------------------------------


def _actor(row, tz) -> str:
    if row.event.actor_id is None:
        return _("Sistema o visitante")
    return row.actor_name or _("Cuenta N° %(id)s", id=row.event.actor_id)


def _subject(row, tz) -> str | None:
    subject = row.event.subject_id
    if subject is None:
        return None
    return row.subject_name or _("Cuenta N° %(id)s", id=subject)


def _details(row, tz) -> str:
    return "\n".join(str(line) for line in detail_lines(row.event.action, row.event.details))


#: Columns of the CSV and XLSX export (rows are admin.service.AuditRow).
EXPORT_COLUMNS: tuple[Column, ...] = (
    Column(_l("N°"), NUMBER, 9, lambda row, tz: row.event.id),
    Column(_l("Fecha y hora"), DATETIME, 20, lambda row, tz: local_time(row.event.occurred_at, tz)),
    Column(_l("Acción"), TEXT, 44, lambda row, tz: action_label(row.event.action)),
    Column(_l("Persona que actuó"), TEXT, 30, _actor),
    Column(_l("Cuenta afectada"), TEXT, 30, _subject),
    Column(_l("Detalle"), TEXT, 70, _details, wrap=True),
    Column(_l("Código de la acción"), TEXT, 28, lambda row, tz: row.event.action),
    Column(_l("Huella del evento (SHA-256)"), TEXT, 66, lambda row, tz: row.event.hash),
)
EXPORT_SHEET_TITLE = "Auditoría"
EXPORT_FILE_STEM = "auditoria"
