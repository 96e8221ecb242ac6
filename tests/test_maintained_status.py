"""The status HR's totals and chart read from each person's row stays the one the facts give.

`User.last_signed_at` and `User.started` are kept by database triggers (migration 0015) on every write
to commitments, attempts and lesson views, including deletions by cascade; due dates and renewal are
compared when read. After random histories of those writes, on both databases, the totals' status
(columns.quick_status) must equal the status computed from the facts (columns.person_columns, the one
each row of the report shows) for every person, at several moments.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import and_, delete, select, update

from portal.dates import local_today
from portal.extensions import db
from portal.models.curriculum import Lesson
from portal.models.progress import Commitment, LessonView
from portal.models.quiz import Attempt, QuizRevision
from portal.models.types import utcnow
from portal.models.user import User
from portal.reports import service
from portal.reports.columns import quick_status
from portal.reports.service import ReportFilters
from portal.rut import check_digit
from portal.vocabulary import STAFF
from tests.test_renewal import set_renewal

PEOPLE = 3
_numbers = iter(range(21_000_000, 22_000_000, 11))

person = st.integers(min_value=0, max_value=PEOPLE - 1)
days_ago = st.integers(min_value=0, max_value=800)
actions = st.lists(
    st.one_of(
        st.tuples(st.just("read"), person, st.integers(min_value=0, max_value=30), days_ago),
        st.tuples(st.just("attempt"), person, st.booleans(), st.booleans(), days_ago),
        st.tuples(st.just("sign"), person, days_ago),
        st.tuples(st.just("due"), person, st.one_of(st.none(), st.integers(min_value=-60, max_value=60))),
        st.tuples(st.just("forget_reading"), person),
        st.tuples(st.just("forget_attempts"), person),
        st.tuples(st.just("forget_signatures"), person),
        st.tuples(st.just("hand_over"), person, person),
        st.tuples(st.just("trash_lesson"), person, st.integers(min_value=0, max_value=30)),
        st.tuples(st.just("restore_lesson"), person, st.integers(min_value=0, max_value=30)),
    ),
    max_size=14,
)


def new_people() -> list[int]:
    ids = []
    for _ in range(PEOPLE):
        number = next(_numbers)
        user = User(rut=f"{number}-{check_digit(number)}", full_name=f"Persona {number}", due_date=None)
        user.set_roles([STAFF])
        db.session.add(user)
        db.session.flush()
        ids.append(user.id)
    return ids


def apply(action, people: list[int], lessons: list[int], quizzes: list) -> None:
    kind, who = action[0], people[action[1]]
    now = utcnow()
    if kind == "read":
        lesson = lessons[action[2] % len(lessons)]
        if db.session.get(LessonView, (who, lesson)) is None:
            moment = now - timedelta(days=action[3])
            db.session.add(LessonView(user_id=who, lesson_id=lesson, viewed_at=moment, last_viewed_at=moment))
    elif kind == "attempt":
        _kind, _who, submitted, passed, ago = action
        started = now - timedelta(days=ago)
        quiz, revision = quizzes[ago % len(quizzes)]
        open_one = select(Attempt.id).where(
            Attempt.user_id == who, Attempt.quiz_id == quiz, Attempt.submitted_at.is_(None)
        )
        if not submitted and db.session.scalar(open_one) is not None:
            return  # one open attempt per person and quiz, as the database requires
        db.session.add(
            Attempt(
                user_id=who,
                quiz_id=quiz,
                revision_id=revision,
                started_at=started,
                submitted_at=started if submitted else None,
                score=100 if passed else 0,
                passed=passed and submitted,
            )
        )
    elif kind == "sign":
        db.session.add(
            Commitment(
                user_id=who, signed_at=now - timedelta(days=action[2]), signed_name="x", text="t", text_sha256="0" * 64
            )
        )
    elif kind == "due":
        due = None if action[2] is None else local_today() + timedelta(days=action[2])
        db.session.execute(update(User).where(User.id == who).values(due_date=due))
    elif kind == "forget_reading":
        db.session.execute(delete(LessonView).where(LessonView.user_id == who))
    elif kind == "forget_attempts":
        db.session.execute(delete(Attempt).where(Attempt.user_id == who))
    elif kind == "forget_signatures":
        db.session.execute(delete(Commitment).where(Commitment.user_id == who))
    elif kind in ("trash_lesson", "restore_lesson"):
        # The Papelera: a reading of a deleted lesson counts for nothing, and again once it is restored.
        moment = now if kind == "trash_lesson" else None
        lesson = lessons[action[2] % len(lessons)]
        db.session.execute(update(Lesson).where(Lesson.id == lesson).values(deleted_at=moment))
    elif kind == "hand_over":
        # A fact moving from one person to another (an UPDATE of user_id) changes both of them.
        other = people[action[2]]
        db.session.execute(update(Commitment).where(Commitment.user_id == who).values(user_id=other))
        submitted = and_(Attempt.user_id == who, Attempt.submitted_at.is_not(None))
        db.session.execute(update(Attempt).where(submitted).values(user_id=other))
    db.session.flush()


def assert_statuses_agree(people: list[int], today: date, now) -> None:
    maintained = dict(db.session.execute(select(User.id, quick_status(today, now)).where(User.id.in_(people))).all())
    from_facts = {
        row.id: row.status
        for row in service.report_rows(ReportFilters(), today, service.steps_total(), now)
        if row.id in maintained
    }
    assert maintained == from_facts


WITH_APP = settings(
    max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@WITH_APP
@given(history=actions, renewal=st.sampled_from([None, 6, 24]))
def test_the_maintained_status_is_the_one_the_facts_give(app, history, renewal):
    set_renewal(app, renewal)
    with app.app_context():
        lessons = list(db.session.scalars(select(Lesson.id).order_by(Lesson.id)))
        quizzes = db.session.execute(select(QuizRevision.quiz_id, QuizRevision.id).order_by(QuizRevision.id)).all()
        people = new_people()
        for action in history:
            apply(action, people, lessons, quizzes)
        db.session.commit()
        today, now = local_today(), utcnow()
        for later in (0, 45, 400):  # due dates pass and completions expire without a write
            assert_statuses_agree(people, today + timedelta(days=later), now + timedelta(days=later))
        db.session.rollback()


def test_deleting_a_lesson_forgets_its_reading_for_the_status(app, make_user):
    """A cascade from a lesson (not a write to lesson_view by the portal) keeps the column true too."""
    with app.app_context():
        [who] = new_people()[:1]
        lesson = db.session.scalars(select(Lesson).order_by(Lesson.id)).first()
        db.session.add(LessonView(user_id=who, lesson_id=lesson.id))
        db.session.commit()
        assert db.session.get(User, who).started is True
        only_view = db.session.scalar(select(LessonView.lesson_id).where(LessonView.user_id == who))
        db.session.execute(delete(Lesson).where(Lesson.id == only_view))
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(User, who).started is False
        assert_statuses_agree([who], local_today(), utcnow())
