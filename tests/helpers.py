"""Walking the learner path through the test client, as a person would with a browser."""

from __future__ import annotations

import re
from contextlib import contextmanager

from sqlalchemy import event, select

from portal.content import load_curriculum
from portal.extensions import db
from portal.models.curriculum import Module
from portal.models.quiz import Attempt

SLUGS = [
    "mision-y-vision",
    "compromiso",
    "transparencia",
    "inclusion",
    "respeto-y-solidaridad",
    "etica-y-probidad",
]


def one_wrong_score(slug: str) -> int:
    """The score, rounded down, of an attempt with one wrong answer: it draws the pool, or every question."""
    quiz = next(module for module in load_curriculum() if module["slug"] == slug)["quiz"]
    drawn = quiz.get("pool_size") or len(quiz["questions"])
    return 100 * (drawn - 1) // drawn


def lesson_count(app, slug: str) -> int:
    with app.app_context():
        return len(db.session.scalar(select(Module).where(Module.slug == slug)).lessons)


def read_all_lessons(client, app, slug: str) -> None:
    for number in range(1, lesson_count(app, slug) + 1):
        page = client.get(f"/modulos/{slug}/lecciones/{number}")
        assert page.status_code == 200, page.status_code
        response = client.post(f"/modulos/{slug}/lecciones/{number}/leida")
        assert response.status_code == 302


def start_quiz(client, slug: str) -> int:
    """Start (or resume) an attempt; return its id as shown in the quiz form's action."""
    assert client.post(f"/modulos/{slug}/quiz/intentos").status_code == 302
    page = client.get(f"/modulos/{slug}/quiz").get_data(as_text=True)
    match = re.search(rf'action="/modulos/{slug}/quiz/intentos/(\d+)"', page)
    assert match, "the quiz page shows no form"
    return int(match.group(1))


def answers_for(app, attempt_id: int, right: bool = True, wrong_questions: int | None = None) -> dict:
    """Form data answering the attempt; all right, or the first `wrong_questions` wrong."""
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        data = {}
        for index, item in enumerate(attempt.questions):
            choices = item.question.choices
            correct = [c.id for c in choices if c.correct]
            wrong = [c.id for c in choices if not c.correct]
            make_wrong = (not right) if wrong_questions is None else index < wrong_questions
            data[f"q{item.question_id}"] = wrong[:1] if make_wrong else correct
        return data


def pass_quiz(client, app, slug: str) -> int:
    attempt_id = start_quiz(client, slug)
    response = client.post(f"/modulos/{slug}/quiz/intentos/{attempt_id}", data=answers_for(app, attempt_id))
    assert response.status_code == 302
    return attempt_id


def complete_module(client, app, slug: str) -> None:
    read_all_lessons(client, app, slug)
    pass_quiz(client, app, slug)


@contextmanager
def counting_queries(app):
    """Collect the SQL statements the app's engine runs inside the block (not BEGIN/COMMIT...)."""
    statements = []

    def count(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
