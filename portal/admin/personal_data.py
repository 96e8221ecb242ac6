"""Everything the portal holds about one person, as a JSON-ready dict (right of access, Ley 21.719)."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.extensions import db
from portal.models.audit import AuditEvent
from portal.models.curriculum import Lesson, Module
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
from portal.models.staff import PasswordToken, Reminder
from portal.models.user import AuthSession, User


def _when(value):
    return value.isoformat() if value is not None else None


def personal_data(user: User) -> dict:
    """The person's account, roles, progress, answers, commitments, certificates, reminders and own events."""
    uid = user.id
    lesson_views = db.session.execute(
        select(LessonView.viewed_at, LessonView.last_viewed_at, Lesson.title, Module.title)
        .join(Lesson, Lesson.id == LessonView.lesson_id)
        .join(Module, Module.id == Lesson.module_id)
        .where(LessonView.user_id == uid)
        .order_by(LessonView.viewed_at)
    )
    chosen: dict[int, set[int]] = {}
    for attempt_id, choice_id in db.session.execute(
        select(AttemptAnswer.attempt_id, AttemptAnswer.choice_id)
        .join(Attempt, Attempt.id == AttemptAnswer.attempt_id)
        .where(Attempt.user_id == uid)
    ):
        chosen.setdefault(attempt_id, set()).add(choice_id)
    attempts = []
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
    for attempt in found:
        picked = chosen.get(attempt.id, set())
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
        attempts.append(
            {
                "module": attempt.revision.quiz.module.title,
                "quiz_revision": attempt.revision.number,
                "started_at": _when(attempt.started_at),
                "submitted_at": _when(attempt.submitted_at),
                "score": attempt.score,
                "passed": attempt.passed,
                "questions": questions,
            }
        )
    commitments = [
        {
            "signed_at": _when(c.signed_at),
            "signed_name": c.signed_name,
            "text": c.text,
            "text_sha256": c.text_sha256,
        }
        for c in db.session.scalars(select(Commitment).where(Commitment.user_id == uid).order_by(Commitment.id))
    ]
    certificates = [
        {"code": c.code, "issued_at": _when(c.issued_at)}
        for c in db.session.scalars(select(Certificate).where(Certificate.user_id == uid).order_by(Certificate.id))
    ]
    reminders = [
        {"sent_at": _when(r.created_at), "status": r.status}
        for r in db.session.scalars(select(Reminder).where(Reminder.user_id == uid).order_by(Reminder.id))
    ]
    links = [
        {
            "purpose": t.purpose,
            "created_at": _when(t.created_at),
            "expires_at": _when(t.expires_at),
            "used_at": _when(t.used_at),
        }
        for t in db.session.scalars(
            select(PasswordToken).where(PasswordToken.user_id == uid).order_by(PasswordToken.id)
        )
    ]
    sessions = [
        _when(created)
        for created in db.session.scalars(
            select(AuthSession.created_at).where(AuthSession.user_id == uid).order_by(AuthSession.id)
        )
    ]
    events = [
        {"occurred_at": _when(e.occurred_at), "action": e.action, "details": json.loads(e.details)}
        for e in db.session.scalars(select(AuditEvent).where(AuditEvent.actor_id == uid).order_by(AuditEvent.id))
    ]
    return {
        "account": {
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
        },
        "lesson_views": [
            {"module": module, "lesson": lesson, "viewed_at": _when(viewed), "last_viewed_at": _when(last_viewed)}
            for viewed, last_viewed, lesson, module in lesson_views
        ],
        "attempts": attempts,
        "commitments": commitments,
        "certificates": certificates,
        "reminders_received": reminders,
        "password_links": links,
        "signed_in_sessions": sessions,
        "audit_events_as_actor": events,
    }
