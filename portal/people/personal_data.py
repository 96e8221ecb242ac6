"""Personal data (Ley 21.719): everything held about one person, and anonymising someone who left.

personal_data() answers the right of access as a JSON-ready dict; anonymise() removes what
identifies a person and keeps their results for statistics (flushes, audited).
"""

from __future__ import annotations

import json

from flask_babel import gettext as _
from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload, selectinload

from portal import audit
from portal.extensions import db
from portal.models.audit import AuditEvent
from portal.models.curriculum import Lesson, Module
from portal.models.outbox import OutboxMail
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
from portal.models.staff import ActivationCode, PasswordToken, Reminder
from portal.models.user import AuthSession, User
from portal.people.errors import AdminRuleError
from portal.rut import format_rut
from portal.vocabulary import MailStatus

#: Prefix of the RUT placeholder given to anonymised people; never shaped like a RUT.
ANONYMOUS_RUT_PREFIX = "ANON-"


def _when(value):
    return value.isoformat() if value is not None else None


def personal_data(user: User) -> dict:
    """The person's account, roles, progress, answers, commitments, certificates, reminders and own events."""
    uid = user.id
    return {
        "account": _account(user),
        "lesson_views": _lesson_views(uid),
        "attempts": _attempts(uid),
        **_records(uid),
        "signed_in_sessions": [
            _when(created)
            for created in db.session.scalars(
                select(AuthSession.created_at).where(AuthSession.user_id == uid).order_by(AuthSession.id)
            )
        ],
        "audit_events_as_actor": [
            {"occurred_at": _when(e.occurred_at), "action": e.action, "details": json.loads(e.details)}
            for e in db.session.scalars(select(AuditEvent).where(AuditEvent.actor_id == uid).order_by(AuditEvent.id))
        ],
    }


def _account(user: User) -> dict:
    return {
        "id": user.id,
        "rut": user.rut,
        "full_name": user.full_name,
        "email": user.email,
        "department": user.department.name if user.department else None,
        "employment_type": user.employment_type,
        "start_date": _when(user.start_date),
        "due_date": _when(user.due_date),
        "active": user.active,
        "has_password": user.password_hash is not None,
        "created_at": _when(user.created_at),
        "roles": sorted(user.roles),
        "led_departments": [department.name for department in user.led_departments],
    }


def _lesson_views(uid: int) -> list[dict]:
    lesson_views = db.session.execute(
        select(LessonView.viewed_at, LessonView.last_viewed_at, Lesson.title, Module.title)
        .join(Lesson, Lesson.id == LessonView.lesson_id)
        .join(Module, Module.id == Lesson.module_id)
        .where(LessonView.user_id == uid)
        .order_by(LessonView.viewed_at)
    )
    return [
        {"module": module, "lesson": lesson, "viewed_at": _when(viewed), "last_viewed_at": _when(last_viewed)}
        for viewed, last_viewed, lesson, module in lesson_views
    ]


def _attempts(uid: int) -> list[dict]:
    chosen: dict[int, set[int]] = {}
    for attempt_id, choice_id in db.session.execute(
        select(AttemptAnswer.attempt_id, AttemptAnswer.choice_id)
        .join(Attempt, Attempt.id == AttemptAnswer.attempt_id)
        .where(Attempt.user_id == uid)
    ):
        chosen.setdefault(attempt_id, set()).add(choice_id)
    # Everything each attempt shows, loaded up front: a few queries however many attempts there are.
    found = db.session.scalars(
        select(Attempt)
        .where(Attempt.user_id == uid)
        .order_by(Attempt.started_at)
        .options(
            selectinload(Attempt.questions).joinedload(AttemptQuestion.question).selectinload(RevisionQuestion.choices),
            joinedload(Attempt.revision).joinedload(QuizRevision.quiz).joinedload(Quiz.module),
        )
    )
    return [_attempt(attempt, chosen.get(attempt.id, set())) for attempt in found]


def _attempt(attempt: Attempt, picked: set[int]) -> dict:
    questions = []
    for item in attempt.questions:
        choices: list[RevisionChoice] = item.question.choices
        questions.append(
            {
                "prompt": item.question.prompt,
                "chosen": [choice.text for choice in choices if choice.id in picked],
                "correct": item.is_correct,
            }
        )
    return {
        "module": attempt.revision.quiz.module.title,
        "quiz_revision": attempt.revision.number,
        "started_at": _when(attempt.started_at),
        "submitted_at": _when(attempt.submitted_at),
        "score": attempt.score,
        "passed": attempt.passed,
        "questions": questions,
    }


def _records(uid: int) -> dict:
    """Commitments, certificates, reminders received and password links."""
    return {
        "commitments": [
            {
                "signed_at": _when(c.signed_at),
                "signed_name": c.signed_name,
                "text": c.text,
                "text_sha256": c.text_sha256,
            }
            for c in db.session.scalars(select(Commitment).where(Commitment.user_id == uid).order_by(Commitment.id))
        ],
        "certificates": [
            {"code": c.code, "issued_at": _when(c.issued_at)}
            for c in db.session.scalars(select(Certificate).where(Certificate.user_id == uid).order_by(Certificate.id))
        ],
        "mail_received": [
            {"written_at": _when(m.created_at), "kind": m.kind, "subject": m.subject, "status": m.status}
            for m in db.session.scalars(select(OutboxMail).where(OutboxMail.user_id == uid).order_by(OutboxMail.id))
        ],
        "reminders_received": [
            {"sent_at": _when(r.created_at), "status": r.status}
            for r in db.session.scalars(select(Reminder).where(Reminder.user_id == uid).order_by(Reminder.id))
        ],
        "password_links": [
            {
                "purpose": t.purpose,
                "created_at": _when(t.created_at),
                "expires_at": _when(t.expires_at),
                "used_at": _when(t.used_at),
            }
            for t in db.session.scalars(
                select(PasswordToken).where(PasswordToken.user_id == uid).order_by(PasswordToken.id)
            )
        ],
        "activation_slips": [
            {"printed_at": _when(c.created_at), "expires_at": _when(c.expires_at), "used_at": _when(c.used_at)}
            for c in db.session.scalars(
                select(ActivationCode).where(ActivationCode.user_id == uid).order_by(ActivationCode.id)
            )
        ],
    }


# --- Anonymisation ----------------------------------------------------------------------


def is_anonymised(user: User) -> bool:
    return user.rut.startswith(ANONYMOUS_RUT_PREFIX)


def anonymised_name(user_id: int) -> str:
    return _("Persona anonimizada #%(id)s", id=user_id)


def anonymise_refusal(user: User, actor_id: int | None) -> str | None:
    """Why `user` cannot be anonymised by `actor_id` now, in Spanish; None when they can."""
    if user.id == actor_id:
        return _("No puede anonimizar su propia cuenta.")
    if is_anonymised(user):
        return _("Esta cuenta ya fue anonimizada.")
    if user.active:
        return _("La cuenta está activa: desactívela primero y luego anonimícela.")
    return None


def anonymise(user: User, actor_id: int) -> None:
    """Remove what identifies a person who left, keeping their results for statistics.

    The name, RUT, email and password go; sessions, pending password links and activation codes end. In the
    signed commitments the name and RUT are replaced, but the stored SHA-256 is kept as it was:
    it is evidence that a declaration was signed, and it no longer matches the edited text.
    Raises AdminRuleError (see anonymise_refusal).
    """
    refusal = anonymise_refusal(user, actor_id)
    if refusal is not None:
        raise AdminRuleError(refusal)
    placeholder = f"{ANONYMOUS_RUT_PREFIX}{user.id}"
    if len(placeholder) > User.__table__.c.rut.type.length:
        raise AdminRuleError(_("No se puede anonimizar esta cuenta automáticamente."))
    new_name = anonymised_name(user.id)
    replacements = [
        (user.full_name, new_name),
        (format_rut(user.rut), "[RUT eliminado]"),
        (user.rut, "[RUT eliminado]"),
    ]
    for commitment in db.session.scalars(select(Commitment).where(Commitment.user_id == user.id)):
        text = commitment.text
        for old, new in [*replacements, (commitment.signed_name, new_name)]:
            if old:
                text = text.replace(old, new)
        commitment.text = text
        commitment.signed_name = new_name
    user.full_name = new_name
    user.rut = placeholder
    user.email = None
    user.password_hash = None
    user.active = False
    db.session.execute(delete(AuthSession).where(AuthSession.user_id == user.id))
    db.session.execute(delete(PasswordToken).where(PasswordToken.user_id == user.id))
    db.session.execute(delete(ActivationCode).where(ActivationCode.user_id == user.id))
    # A failed delivery's server answer may quote the address.
    db.session.execute(update(Reminder).where(Reminder.user_id == user.id).values(error=None))
    # The outbox keeps what was mailed to whom: the address, the name and the text go; pending mail
    # to the person is given up, since there is no longer anyone to send it to.
    db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.user_id == user.id)
        .values(to_address="[correo eliminado]", to_name=None, body=None, last_error=None, subject="[anonimizado]")
    )
    db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.user_id == user.id, OutboxMail.status == MailStatus.PENDING)
        .values(status=MailStatus.FAILED, claim_token=None, claimed_until=None)
    )
    db.session.flush()
    audit.record("accounts.anonymised", actor_id=actor_id, user_id=user.id)
