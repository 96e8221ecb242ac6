"""SQLAlchemy models, one module per aggregate; imported here so Alembic sees them all."""

from portal.models.audit import AuditEvent
from portal.models.curriculum import Lesson, LessonAttachment, LessonVersion, Module
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
from portal.models.staff import PasswordToken, Reminder
from portal.models.user import AuthSession, Department, User, UserRole

__all__ = [
    "Attempt",
    "AttemptAnswer",
    "AttemptQuestion",
    "AuditEvent",
    "AuthSession",
    "Certificate",
    "Commitment",
    "Department",
    "Lesson",
    "LessonAttachment",
    "LessonVersion",
    "LessonView",
    "Module",
    "PasswordToken",
    "Quiz",
    "Reminder",
    "QuizRevision",
    "RevisionChoice",
    "RevisionQuestion",
    "Setting",
    "User",
    "UserRole",
]
