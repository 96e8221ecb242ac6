"""The portal's words for statuses, module states, roles, employment types and what a quiz's result page
shows, with their Spanish labels: one spelling each, in one place.

Each is a StrEnum, so a member is also its stored string ("in_progress" in the database, in URLs
and in exports) and compares equal to it. `.label` is the Spanish text shown to people; templates
reach every enum through the `vocabulary` global (portal.create_app) and may label any stored
value with `label_of(value)`.
"""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l
from markupsafe import Markup


class _Labelled(StrEnum):
    @property
    def label(self) -> str:
        return _LABELS[type(self)][self]


class PersonStatus(_Labelled):
    """Where a person stands in their onboarding (learning.progress.onboarding_status)."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    OVERDUE = "overdue"
    #: Completed once, but the completion's validity (RENEWAL_MONTHS) has run out: a refresher is due.
    RENEWAL_DUE = "renewal_due"


class ModuleState(_Labelled):
    """Where a person stands in one module of the path (learning.progress.module_states)."""

    LOCKED = "locked"
    AVAILABLE = "available"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class Role(_Labelled):
    STAFF = "staff"
    TRAINER = "trainer"
    #: A jefatura: follows the onboarding of the departments they lead (User.led_departments), read-only.
    SUPERVISOR = "supervisor"
    HR = "hr"
    ADMIN = "admin"


class EmploymentType(_Labelled):
    """Calidad jurídica of a municipal employee."""

    PLANTA = "planta"
    CONTRATA = "contrata"
    CODIGO_TRABAJO = "codigo_trabajo"
    HONORARIOS = "honorarios"


class AnswerVisibility(_Labelled):
    """When a learner's result page shows the right choices and the explanations (a quiz setting)."""

    ALWAYS = "always"
    #: The default: someone who fails cannot read the key and pass on the next try.
    AFTER_PASS = "after_pass"
    NEVER = "never"


class MailStatus(_Labelled):
    """Where one outbox message stands (portal/outbox): waiting or retrying, accepted by the server, given up."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class MailKind(_Labelled):
    """Why the portal wrote a message (portal/outbox)."""

    PASSWORD_RESET = "password_reset"
    WELCOME = "welcome"
    REMINDER = "reminder"
    AUDIT_CHECKPOINT = "audit_checkpoint"


class RunResult(_Labelled):
    """How the last run of a daily job ended (portal/queue/periodic.py)."""

    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class JobStatus(_Labelled):
    """Where a long piece of HR work run by the queue stands (portal/jobs)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class JobKind(_Labelled):
    """What a job does (portal/jobs)."""

    REMINDERS = "reminders"
    CERTIFICATES_ZIP = "certificates_zip"
    XLSX_EXPORT = "xlsx_export"
    STAFF_IMPORT = "staff_import"


# The members by their short names, for code that compares or stores them.
NOT_STARTED, STATUS_IN_PROGRESS, COMPLETED, OVERDUE, RENEWAL_DUE = PersonStatus
LOCKED, AVAILABLE, IN_PROGRESS, DONE = ModuleState
STAFF, TRAINER, SUPERVISOR, HR, ADMIN = Role
ROLES = tuple(Role)
EMPLOYMENT_TYPES = tuple(EmploymentType)

_LABELS = {
    PersonStatus: {
        PersonStatus.NOT_STARTED: _l("No iniciado"),
        PersonStatus.IN_PROGRESS: _l("En curso"),
        PersonStatus.COMPLETED: _l("Completado"),
        PersonStatus.OVERDUE: _l("Atrasado"),
        PersonStatus.RENEWAL_DUE: _l("Por renovar"),
    },
    ModuleState: {
        ModuleState.LOCKED: _l("Bloqueado"),
        ModuleState.AVAILABLE: _l("Disponible"),
        ModuleState.IN_PROGRESS: _l("En curso"),
        ModuleState.DONE: _l("Completado"),
    },
    Role: {
        Role.STAFF: _l("Funcionario/a (realiza la inducción)"),
        Role.TRAINER: _l("Capacitación (edita módulos y cuestionarios)"),
        Role.SUPERVISOR: _l("Jefatura (ve el avance de las personas de los departamentos que dirige)"),
        Role.HR: _l("Recursos Humanos (ve el avance y administra personas)"),
        Role.ADMIN: _l("Administración (cuentas, roles y configuración)"),
    },
    MailStatus: {
        MailStatus.PENDING: _l("Pendiente"),
        MailStatus.SENT: _l("Enviado"),
        MailStatus.FAILED: _l("Falló"),
    },
    MailKind: {
        MailKind.PASSWORD_RESET: _l("Restablecer contraseña"),
        MailKind.WELCOME: _l("Bienvenida"),
        MailKind.REMINDER: _l("Recordatorio"),
        MailKind.AUDIT_CHECKPOINT: _l("Punto de control de auditoría"),
    },
    RunResult: {
        RunResult.RUNNING: _l("En curso"),
        RunResult.DONE: _l("Terminó bien"),
        RunResult.FAILED: _l("Falló"),
    },
    JobStatus: {
        JobStatus.QUEUED: _l("En espera"),
        JobStatus.RUNNING: _l("En curso"),
        JobStatus.DONE: _l("Terminado"),
        JobStatus.FAILED: _l("Falló"),
    },
    JobKind: {
        JobKind.REMINDERS: _l("Recordatorios a todas las personas de la lista"),
        JobKind.CERTIFICATES_ZIP: _l("Certificados de la lista en un archivo ZIP"),
        JobKind.XLSX_EXPORT: _l("Lista de personas en Excel"),
        JobKind.STAFF_IMPORT: _l("Importación de personas"),
    },
    EmploymentType: {
        EmploymentType.PLANTA: _l("Planta"),
        EmploymentType.CONTRATA: _l("Contrata"),
        EmploymentType.CODIGO_TRABAJO: _l("Código del Trabajo"),
        EmploymentType.HONORARIOS: _l("Honorarios"),
    },
    AnswerVisibility: {
        AnswerVisibility.ALWAYS: _l("Siempre, después de cada intento"),
        AnswerVisibility.AFTER_PASS: _l("Al aprobar el cuestionario"),
        AnswerVisibility.NEVER: _l("Nunca"),
    },
}


def labels(enum: type[_Labelled]) -> dict[str, str]:
    """{stored value: Spanish label} for every member, in declaration order."""
    return {member: member.label for member in enum}


def state_badge(state: str) -> Markup:
    """A module state as pages show it, a badge (create_app keeps each one per app: the `state_badge` filter)."""
    return Markup('<span class="badge badge-%s">%s</span>') % (state, ModuleState(state).label)


def for_templates() -> dict:
    """What create_app() hands to Jinja once: the enums, by name."""
    return {
        "PersonStatus": PersonStatus,
        "ModuleState": ModuleState,
        "Role": Role,
        "EmploymentType": EmploymentType,
        "AnswerVisibility": AnswerVisibility,
        "MailStatus": MailStatus,
        "MailKind": MailKind,
        "RunResult": RunResult,
        "JobStatus": JobStatus,
        "JobKind": JobKind,
    }
