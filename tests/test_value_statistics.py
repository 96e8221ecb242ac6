"""Statistics per institutional value, across modules: which value is understood worst, hand-computed."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from portal.extensions import db
from portal.models.curriculum import Module
from portal.quizzes.revisions import publish_revision
from portal.quizzes.statistics import ValueRow, value_rollups, value_rollups_of
from portal.vocabulary import STAFF, TRAINER
from tests.conftest import login
from tests.helpers import SLUGS, answers_for, start_quiz

SEED_ORDER = ["Compromiso", "Transparencia", "Inclusión", "Respeto y Solidaridad", "Ética y Probidad"]


def test_values_pool_every_answer_to_their_questions_across_modules():
    rows = [
        ValueRow(module_id=1, values=("Transparencia",), answered=4, correct=1),
        ValueRow(module_id=1, values=("Transparencia", "Inclusión"), answered=2, correct=2),
        ValueRow(module_id=2, values=("Inclusión",), answered=5, correct=4),
        ValueRow(module_id=2, values=("Compromiso",), answered=0, correct=0),
        ValueRow(module_id=2, values=(), answered=9, correct=9),
        ValueRow(module_id=3, values=("Puntualidad",), answered=9, correct=0),
    ]
    result = value_rollups_of(rows, SEED_ORDER)
    # Transparencia: (1 + 2) of (4 + 2) = 50 %, one module. Inclusión: (2 + 4) of (2 + 5) = 6/7 = 85 %
    # rounded down, two modules. Compromiso: tagged, never answered, last. The rest: untagged, left out.
    assert [(r.value, r.questions, r.modules, r.answered, r.correct, r.percent_correct) for r in result] == [
        ("Transparencia", 2, 1, 6, 3, 50),
        ("Inclusión", 2, 2, 7, 6, 85),
        ("Compromiso", 1, 1, 0, 0, None),
    ]


def _question(letter: str, values: list[str]) -> dict:
    return {
        "kind": "single",
        "prompt": f"Pregunta {letter}",
        "values": values,
        "choices": [{"text": f"Bien {letter}", "correct": True}, {"text": f"Mal {letter}", "correct": False}],
    }


def test_the_trainers_page_shows_each_value_worst_first(app, make_user):
    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == SLUGS[0]))
        questions = [
            _question("A", ["Transparencia"]),
            _question("B", ["Transparencia", "Inclusión"]),
            _question("C", ["Inclusión"]),
        ]
        publish_revision(module.quiz, 80, questions, shuffle_questions=False)
        db.session.commit()
    # Three people: all right; A wrong (B and C right); all wrong.
    for answers in ({"right": True}, {"wrong_questions": 1}, {"right": False}):
        client = app.test_client()
        login(client, make_user().email)
        attempt_id = start_quiz(client, SLUGS[0])
        client.post(f"/modulos/{SLUGS[0]}/quiz/intentos/{attempt_id}", data=answers_for(app, attempt_id, **answers))

    # By hand: Transparencia = A (1 of 3) + B (2 of 3) = 3 of 6 = 50 %;
    #          Inclusión     = B (2 of 3) + C (2 of 3) = 4 of 6 = 66 % (rounded down).
    with app.app_context():
        figures = {row.value: (row.answered, row.correct, row.percent_correct) for row in value_rollups()}
    assert figures["Transparencia"] == (6, 3, 50) and figures["Inclusión"] == (6, 4, 66)

    trainer = app.test_client()
    login(trainer, make_user(roles=(STAFF, TRAINER)).email)
    page = trainer.get("/capacitacion/").get_data(as_text=True)
    table = page[page.index("Comprensión por valor institucional") : page.index("Comprensión por módulo")]
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", table)).split())
    assert re.search(r"Transparencia \d+ \d+ 6 3 \( 50 % \)", text), text
    assert re.search(r"Inclusión \d+ \d+ 6 4 \( 66 % \)", text), text
    assert text.index("Transparencia ") < text.index("Inclusión ")  # worst understood first


def test_the_demo_data_gives_the_statistics_something_to_show(app, runner):
    """Questions of different difficulty: no module all right or all wrong, questions that differ."""
    from portal.quizzes.statistics import module_rollups, statistics_for_revisions

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        rollups = [rollup for rollup in module_rollups() if rollup.attempts]
        assert rollups
        stats = statistics_for_revisions([rollup.revision_id for rollup in rollups])
        for rollup in rollups:
            assert 0 < rollup.mean_percent_correct < 100, rollup.title
            shares = {q.percent_correct for q in stats[rollup.revision_id].questions if q.answered >= 5}
            assert len(shares) >= 3, (rollup.title, shares)
