"""SQLAlchemy models, one module per aggregate; imported here so Alembic sees them all."""

from portal.models.audit import AuditEvent
from portal.models.curriculum import Lesson, LessonAttachment, LessonVersion, LessonVideo, Module
from portal.models.outbox import Job, OutboxMail, PeriodicRun
from portal.models.progress import Certificate, Commitment, LessonView
from portal.models.quiz import (
    Attempt,
    AttemptAnswer,
    AttemptQuestion,
    Quiz,
    QuizRevision,
    RevisionChoice,
    RevisionQuestion,
)
from portal.models.settings import Setting
from portal.models.staff import ActivationCode, PasswordToken, Reminder
from portal.models.user import AuthSession, Department, LedDepartment, User, UserRole

__all__ = [
    "ActivationCode",
    "Attempt",
    "AttemptAnswer",
    "AttemptQuestion",
    "AuditEvent",
    "AuthSession",
    "Certificate",
    "Commitment",
    "Department",
    "Job",
    "Lesson",
    "LedDepartment",
    "LessonAttachment",
    "LessonVersion",
    "LessonVideo",
    "LessonView",
    "Module",
    "OutboxMail",
    "PasswordToken",
    "PeriodicRun",
    "Quiz",
    "Reminder",
    "QuizRevision",
    "RevisionChoice",
    "RevisionQuestion",
    "Setting",
    "User",
    "UserRole",
]
