"""Question statistics for trainers: hand-computed figures, the SQL path, and the partial."""

from __future__ import annotations

import dataclasses
import math

import pytest
from flask import render_template_string
from sqlalchemy import func, select

from portal.extensions import db
from portal.models.curriculum import Module
from portal.models.quiz import Attempt, AttemptQuestion
from portal.quizzes import statistics
from portal.quizzes.revisions import publish_revision
from portal.quizzes.service import attempt_for_user, start_attempt, submit_attempt
from portal.quizzes.statistics import (
    ChoiceRow,
    DrawRow,
    PickRow,
    compute_revision_stats,
    discrimination,
    module_rollup,
    module_rollups,
    revision_statistics,
    worst_first,
)
from portal.rut import format_rut
from tests.helpers import counting_queries

# --- A hand-built revision: 4 questions, no pool, 10 submitted attempts ---------------------
#
# Pass mark 75 %: 3 of 4 right passes.
#
#   attempt  Q1 Q2 Q3 Q4  right  passed
#      1      1  1  1  1    4     yes
#      2      1  1  0  1    3     yes
#      3      1  1  0  1    3     yes
#      4      1  1  0  1    3     yes
#      5      1  0  1  1    3     yes
#      6      1  0  0  1    2     no
#      7      1  0  1  0    2     no
#      8      1  0  1  0    2     no
#      9      1  0  1  0    2     no
#     10      1  0  0  0    1     no
#
# x = right on the question, y = right on the OTHER three (row total − x);
# num = n·Σxy − Σx·Σy, r = num / √((n·Σx² − (Σx)²)(n·Σy² − (Σy)²)), and Σx² = Σx.
#
# Q1: 10/10 right → 100 %. n·Σx² − (Σx)² = 100 − 100 = 0 → r is None.
#     10 answers ≥ 10 and 1000 ≥ 95·10 → too_easy.
# Q2: 4/10 → 40 %; 400 < 50·10 → too_hard.
#     y = 3,2,2,2,3,2,2,2,2,1: Σx=4, Σy=21, Σxy=3+2+2+2=9, Σy²=9+4+4+4+9+4+4+4+4+1=47
#     num = 90 − 84 = 6; 10·4 − 16 = 24; 10·47 − 441 = 29 → r = 6/√696 ≈ 0.2274.
# Q3: 5/10 → 50 %; 500 < 500 is false → not too_hard (the boundary).
#     y = 3,3,3,3,2,2,1,1,1,1: Σx=5, Σy=20, Σxy=3+2+1+1+1=8, Σy²=4·9+2·4+4·1=48
#     num = 80 − 100 = −20; 50 − 25 = 25; 480 − 400 = 80 → r = −20/√2000 = −1/√5 ≈ −0.4472
#     → negative_discrimination.
# Q4: 6/10 → 60 %, no flag.
#     y = 3,2,2,2,2,1,2,2,2,1: Σx=6, Σy=19, Σxy=3+2+2+2+2+1=12, Σy²=9+7·4+2·1=39
#     num = 120 − 114 = 6; 60 − 36 = 24; 390 − 361 = 29 → r = 6/√696 ≈ 0.2274.
# Mean share correct = (1 + 0.4 + 0.5 + 0.6)/4 = 5/8 → 62 % (rounded down). Worst: Q2.
#
# Choices ticked:
#   Q1 (single)  A✔ by all 10.
#   Q2 (single)  A✔ by 1-4; B by 5-8 (4); C by 9-10 (2).
#   Q3 (true/false) Falso✔ by 1,5,7,8,9 (5); Verdadero by 2,3,4,6,10 (5).
#   Q4 (multiple, A✔ and B✔) A+B by 1-6; A alone by 7; A+C by 8; C by 9; 10 left it blank.
#      → A 8, B 6, C 2, blank 1.
# Most-chosen wrong answer: Q3 "Verdadero", 5 of 10 (Q2 B has 4, Q4 C has 2).

RIGHT = {
    1: (1, 1, 1, 1),
    2: (1, 1, 0, 1),
    3: (1, 1, 0, 1),
    4: (1, 1, 0, 1),
    5: (1, 0, 1, 1),
    6: (1, 0, 0, 1),
    7: (1, 0, 1, 0),
    8: (1, 0, 1, 0),
    9: (1, 0, 1, 0),
    10: (1, 0, 0, 0),
}
QUESTION_IDS = (11, 12, 13, 14)

CHOICES_A = [
    ChoiceRow(11, 1, "single", "¿Pregunta fácil?", 111, 1, "A1", True),
    ChoiceRow(11, 1, "single", "¿Pregunta fácil?", 112, 2, "B1", False),
    ChoiceRow(11, 1, "single", "¿Pregunta fácil?", 113, 3, "C1", False),
    ChoiceRow(12, 2, "single", "¿Pregunta difícil?", 121, 1, "A2", True),
    ChoiceRow(12, 2, "single", "¿Pregunta difícil?", 122, 2, "B2", False),
    ChoiceRow(12, 2, "single", "¿Pregunta difícil?", 123, 3, "C2", False),
    ChoiceRow(13, 3, "true_false", "¿Pregunta engañosa?", 131, 1, "Verdadero", False),
    ChoiceRow(13, 3, "true_false", "¿Pregunta engañosa?", 132, 2, "Falso", True),
    ChoiceRow(14, 4, "multiple", "¿Cuáles?", 141, 1, "A4", True),
    ChoiceRow(14, 4, "multiple", "¿Cuáles?", 142, 2, "B4", True),
    ChoiceRow(14, 4, "multiple", "¿Cuáles?", 143, 3, "C4", False),
]
PICKS_A = {
    11: {a: [111] for a in range(1, 11)},
    12: {1: [121], 2: [121], 3: [121], 4: [121], 5: [122], 6: [122], 7: [122], 8: [122], 9: [123], 10: [123]},
    13: {a: [132] if a in (1, 5, 7, 8, 9) else [131] for a in range(1, 11)},
    14: {
        1: [141, 142],
        2: [141, 142],
        3: [141, 142],
        4: [141, 142],
        5: [141, 142],
        6: [141, 142],
        7: [141],
        8: [141, 143],
        9: [143],
    },
}


def dataset_a():
    draws = [
        DrawRow(attempt, sum(row) >= 3, question_id, bool(right))
        for attempt, row in RIGHT.items()
        for question_id, right in zip(QUESTION_IDS, row, strict=True)
    ]
    picks = [
        PickRow(attempt, question_id, choice_id)
        for question_id, by_attempt in PICKS_A.items()
        for attempt, choice_ids in by_attempt.items()
        for choice_id in choice_ids
    ]
    # The rows arrive in no particular order from the database.
    return compute_revision_stats(
        revision_id=1,
        number=1,
        pass_mark=75,
        pool_size=None,
        choices=list(reversed(CHOICES_A)),
        draws=list(reversed(draws)),
        picks=picks,
    )


# --- A pool: each attempt draws 2 of 3 questions; pass mark 50 % --------------------------
#
#   attempt  P1 P2 P3   (– = not drawn)
#     101     1  1  –
#     102     1  –  0
#     103     –  0  1
#     104     0  0  –
#     105     1  1  –
#     106     –  1  1
# Passed (1 of 2 is enough): all but 104 → 5 of 6.
#
# P1 drawn by 101, 102, 104, 105 → 4 answers, 3 right (75 %); y is the other drawn question:
#    x = 1,1,0,1; y = 1,0,0,1: Σx=3, Σy=2, Σxy=2, Σy²=2
#    num = 4·2 − 3·2 = 2; 12 − 9 = 3; 8 − 4 = 4 → r = 2/√12 = 1/√3 ≈ 0.5774.
#    4 answers < 5 → no flag.
# P2 drawn by 101, 103, 104, 105, 106 → 5 answers, 3 right (60 %):
#    x = 1,0,0,1,1; y = 1,1,0,1,1: Σx=3, Σy=4, Σxy=3, Σy²=4
#    num = 15 − 12 = 3; 15 − 9 = 6; 20 − 16 = 4 → r = 3/√24 ≈ 0.6124. No flag.
# P3 drawn by 102, 103, 106 → 3 answers, 2 right (66 %):
#    x = 0,1,1; y = 1,0,1: Σx=2, Σy=2, Σxy=1, Σy²=2
#    num = 3 − 4 = −1; 6 − 4 = 2; 6 − 4 = 2 → r = −1/2; negative, but 3 answers < 5 → no flag.
# Mean share correct = (3/4 + 3/5 + 2/3)/3 = (45 + 36 + 40)/180 = 121/180 → 67 %.

DRAWN_B = {
    101: {21: 1, 22: 1},
    102: {21: 1, 23: 0},
    103: {22: 0, 23: 1},
    104: {21: 0, 22: 0},
    105: {21: 1, 22: 1},
    106: {22: 1, 23: 1},
}
CHOICES_B = [
    ChoiceRow(21, 1, "single", "P1", 211, 1, "Sí", True),
    ChoiceRow(21, 1, "single", "P1", 212, 2, "No", False),
    ChoiceRow(22, 2, "single", "P2", 221, 1, "Sí", True),
    ChoiceRow(22, 2, "single", "P2", 222, 2, "No", False),
    ChoiceRow(23, 3, "true_false", "P3", 231, 1, "Verdadero", False),
    ChoiceRow(23, 3, "true_false", "P3", 232, 2, "Falso", True),
]
CORRECT_B = {21: 211, 22: 221, 23: 232}
WRONG_B = {21: 212, 22: 222, 23: 231}


def dataset_b():
    draws = [
        DrawRow(attempt, sum(drawn.values()) >= 1, question_id, bool(right))
        for attempt, drawn in DRAWN_B.items()
        for question_id, right in drawn.items()
    ]
    picks = [
        PickRow(attempt, question_id, CORRECT_B[question_id] if right else WRONG_B[question_id])
        for attempt, drawn in DRAWN_B.items()
        for question_id, right in drawn.items()
    ]
    # A pick for a question the attempt did not draw cannot come from the app; it is ignored.
    picks.append(PickRow(101, 23, 231))
    return compute_revision_stats(
        revision_id=2,
        number=3,
        pass_mark=50,
        pool_size=2,
        choices=CHOICES_B,
        draws=draws,
        picks=picks,
    )


def by_position(stats):
    return {question.position: question for question in stats.questions}


def picked(question):
    return {choice.text: choice.picked for choice in question.choices}


# --- Pure tests ---------------------------------------------------------------------------


def test_hand_built_revision_counts_and_shares():
    stats = dataset_a()
    assert (stats.attempts, stats.passed, stats.percent_passed) == (10, 5, 50)
    assert stats.question_count == stats.questions_per_attempt == 4
    q = by_position(stats)
    assert [q[n].question_id for n in (1, 2, 3, 4)] == [11, 12, 13, 14]
    assert [(q[n].answered, q[n].correct) for n in (1, 2, 3, 4)] == [
        (10, 10),
        (10, 4),
        (10, 5),
        (10, 6),
    ]
    assert [q[n].share_correct for n in (1, 2, 3, 4)] == [1.0, 0.4, 0.5, 0.6]
    assert [q[n].percent_correct for n in (1, 2, 3, 4)] == [100, 40, 50, 60]
    assert picked(q[1]) == {"A1": 10, "B1": 0, "C1": 0}
    assert picked(q[2]) == {"A2": 4, "B2": 4, "C2": 2}
    assert picked(q[3]) == {"Verdadero": 5, "Falso": 5}
    assert picked(q[4]) == {"A4": 8, "B4": 6, "C4": 2}
    assert [choice.percent for choice in q[4].choices] == [80, 60, 20]
    assert [q[n].blank for n in (1, 2, 3, 4)] == [0, 0, 0, 1]
    assert [choice.position for choice in q[3].choices] == [1, 2]


def test_hand_built_revision_discrimination_and_flags():
    q = by_position(dataset_a())
    assert q[1].discrimination is None  # everybody right: no variance
    assert q[2].discrimination == pytest.approx(6 / math.sqrt(696))
    assert q[3].discrimination == pytest.approx(-1 / math.sqrt(5))
    assert q[4].discrimination == pytest.approx(6 / math.sqrt(696))
    assert q[1].flags == ("too_easy",)
    assert q[2].flags == ("too_hard",)
    assert q[3].flags == ("negative_discrimination",)  # 50 % is not "most get it wrong"
    assert q[4].flags == ()


def test_hand_built_revision_summary():
    stats = dataset_a()
    assert stats.mean_share_correct == 0.625
    assert stats.mean_percent_correct == 62
    assert stats.worst_question.position == 2
    wrong = stats.most_chosen_wrong
    assert (wrong.choice_text, wrong.question_prompt, wrong.question_position, wrong.count) == (
        "Verdadero",
        "¿Pregunta engañosa?",
        3,
        5,
    )
    assert wrong.percent == 50
    assert by_position(stats)[2].most_chosen_wrong.text == "B2"
    assert [question.position for question in stats.flagged_questions] == [1, 2, 3]


def test_pool_counts_only_the_attempts_that_drew_the_question():
    stats = dataset_b()
    assert (stats.attempts, stats.passed) == (6, 5)
    assert (stats.question_count, stats.questions_per_attempt) == (3, 2)
    q = by_position(stats)
    assert [(q[n].answered, q[n].correct) for n in (1, 2, 3)] == [(4, 3), (5, 3), (3, 2)]
    assert [q[n].percent_correct for n in (1, 2, 3)] == [75, 60, 66]
    assert q[1].discrimination == pytest.approx(1 / math.sqrt(3))
    assert q[2].discrimination == pytest.approx(3 / math.sqrt(24))
    assert q[3].discrimination == pytest.approx(-0.5)
    # P1 and P3 have fewer than 5 answers: no flag, not even P3's negative discrimination.
    assert [q[n].flags for n in (1, 2, 3)] == [(), (), ()]
    # The stray pick of 101 on P3, which it did not draw, is ignored.
    assert picked(q[3]) == {"Verdadero": 1, "Falso": 2}
    assert [choice.percent for choice in q[3].choices] == [33, 66]
    assert stats.mean_percent_correct == 67  # 121/180 = 0.672…
    assert stats.worst_question.position == 2


def test_discrimination_is_undefined_without_two_answers_or_variance():
    assert discrimination([]) is None
    assert discrimination([(1, 3)]) is None
    assert discrimination([(1, 2), (0, 2), (1, 2)]) is None  # same rest score for all
    assert discrimination([(0, 1), (0, 2)]) is None  # everybody wrong
    assert discrimination([(1, 1), (0, 0)]) == pytest.approx(1.0)
    assert discrimination([(1, 0), (0, 1)]) == pytest.approx(-1.0)


def one_question(results, kind="single"):
    """A one-question revision where attempt i got it right when results[i] is true."""
    choices = [
        ChoiceRow(1, 1, kind, "¿?", 10, 1, "Sí", True),
        ChoiceRow(1, 1, kind, "¿?", 11, 2, "No", False),
    ]
    draws = [DrawRow(i, right, 1, right) for i, right in enumerate(results)]
    picks = [PickRow(i, 1, 10 if right else 11) for i, right in enumerate(results)]
    stats = compute_revision_stats(
        revision_id=9,
        number=1,
        pass_mark=100,
        pool_size=None,
        choices=choices,
        draws=draws,
        picks=picks,
    )
    return stats.questions[0]


def test_flags_need_enough_answers():
    # "Too easy" needs 10 answers: 9 of 9 right is not enough, 19 of 20 (95 %) is.
    assert one_question([True] * 9).flags == ()
    assert one_question([True] * 10).flags == ("too_easy",)
    assert one_question([True] * 19 + [False]).flags == ("too_easy",)
    assert one_question([True] * 18 + [False]).flags == ()  # 18/19 = 94.7 %
    # "Most get it wrong" needs 5 answers: 0 of 4 is not flagged, 2 of 5 (40 %) is.
    assert one_question([False] * 4).flags == ()
    assert one_question([True, True, False, False, False]).flags == ("too_hard",)
    # A one-question quiz has no rest score to correlate with.
    assert one_question([True, False] * 5).discrimination is None


def test_ungraded_draws_are_left_out():
    choices = [ChoiceRow(1, 1, "single", "¿?", 10, 1, "Sí", True)]
    stats = compute_revision_stats(
        revision_id=9,
        number=1,
        pass_mark=100,
        pool_size=None,
        choices=choices,
        draws=[DrawRow(1, True, 1, True), DrawRow(2, None, 1, None)],
        picks=[PickRow(1, 1, 10)],
    )
    assert (stats.attempts, stats.questions[0].answered, stats.questions[0].correct) == (1, 1, 1)


def test_a_revision_without_attempts():
    stats = compute_revision_stats(
        revision_id=9, number=2, pass_mark=80, pool_size=None, choices=CHOICES_A, draws=[], picks=[]
    )
    assert (stats.attempts, stats.passed, stats.percent_passed) == (0, 0, None)
    assert stats.mean_share_correct is None and stats.mean_percent_correct is None
    assert stats.worst_question is None and stats.most_chosen_wrong is None
    assert all(q.answered == 0 and q.share_correct is None for q in stats.questions)
    assert all(q.flags == () and q.discrimination is None for q in stats.questions)
    assert all(choice.percent is None for q in stats.questions for choice in q.choices)


def rollups_for_render():
    empty = compute_revision_stats(
        revision_id=7, number=1, pass_mark=80, pool_size=None, choices=CHOICES_B, draws=[], picks=[]
    )
    modules = [
        (3, "sin-intentos", "Inclusión", empty),
        (2, "con-sorteo", "Transparencia", dataset_b()),
        (1, "sin-sorteo", "Compromiso", dataset_a()),
    ]
    return worst_first(
        module_rollup(module_id=module_id, slug=slug, title=title, position=position, stats=stats)
        for position, (module_id, slug, title, stats) in enumerate(modules, start=1)
    )


def test_modules_are_ordered_worst_understood_first():
    rollups = rollups_for_render()
    # Compromiso 5/8 = 0.625 < Transparencia 121/180 = 0.672; Inclusión has no attempts: last.
    assert [rollup.title for rollup in rollups] == ["Compromiso", "Transparencia", "Inclusión"]
    first = rollups[0]
    assert (first.attempts, first.mean_percent_correct, first.revision_number) == (10, 62, 1)
    assert first.worst_question.position == 2
    assert (first.most_chosen_wrong.choice_text, first.most_chosen_wrong.count) == ("Verdadero", 5)
    assert first.flagged_questions == 3
    assert rollups[2].mean_share_correct is None and rollups[2].worst_question is None
    # Equal means keep the order of the path.
    same = [
        module_rollup(module_id=i, slug=f"m{i}", title=f"M{i}", position=at, stats=dataset_a())
        for i, at in ((1, 5), (2, 2))
    ]
    assert [rollup.position for rollup in worst_first(same)] == [2, 5]


# --- Through the database -----------------------------------------------------------------

QUIZ = [
    {
        "kind": "single",
        "prompt": "¿Cuál es la primera alternativa?",
        "choices": [
            {"text": "Uno", "correct": True},
            {"text": "Dos", "correct": False},
            {"text": "Tres", "correct": False},
        ],
    },
    {
        "kind": "multiple",
        "prompt": "¿Cómo debemos actuar? Marque todas las que correspondan.",
        "choices": [
            {"text": "Con eficacia", "correct": True},
            {"text": "Con amabilidad", "correct": True},
            {"text": "Con rigidez", "correct": False},
            {"text": "Con reserva", "correct": False},
        ],
    },
    {
        "kind": "true_false",
        "prompt": "La urgencia permite omitir procedimientos.",
        "choices": [{"text": "Verdadero", "correct": False}, {"text": "Falso", "correct": True}],
    },
]
# Question position -> choice positions ticked, one dict per learner. Right/wrong per question:
#   L1 ✔✔✘  L2 ✔✔✔  L3 ✘✘✔  L4 ✔✘✔  L5 ✘✘✔ (question 2 blank)  L6 ✔✘✘
LEARNERS = [
    {1: [1], 2: [1, 2], 3: [1]},
    {1: [1], 2: [1, 2], 3: [2]},
    {1: [2], 2: [1, 3], 3: [2]},
    {1: [1], 2: [3], 3: [2]},
    {1: [3], 3: [2]},
    {1: [1], 2: [1, 3], 3: [1]},
]
# Totals 2,3,1,2,1,1; pass mark 60 % needs 2 of 3 → L1, L2, L4 pass (3 of 6).
# Q1: x = 1,1,0,1,0,1; y (the other two) = 1,2,1,1,1,0: Σx=4, Σy=6, Σxy=4, Σy²=8
#     num = 6·4 − 4·6 = 0 → r = 0 (defined: 6·4 − 16 = 8, 6·8 − 36 = 12); 4/6 → 66 %, no flag.
# Q2: x = 1,1,0,0,0,0; y = 1,2,1,2,1,1: Σx=2, Σy=8, Σxy=3, Σy²=12
#     num = 18 − 16 = 2; 12 − 4 = 8; 72 − 64 = 8 → r = 2/8 = 0.25; 2/6 → 33 % → too_hard.
# Q3: x = 0,1,1,1,1,0; y = 2,2,0,1,0,1: Σx=4, Σy=6, Σxy=3, Σy²=10
#     num = 18 − 24 = −6; 24 − 16 = 8; 60 − 36 = 24 → r = −6/√192 ≈ −0.4330 → negative.
# Mean = (4/6 + 2/6 + 4/6)/3 = 5/9 → 55 %. Most-chosen wrong: "Con rigidez", 3 of 6.


def module_and_quiz(slug):
    module = db.session.scalar(select(Module).where(Module.slug == slug))
    return module, module.quiz


def take_quiz(app, person, slug, picks=None, submit=True):
    """Start and (unless told otherwise) submit an attempt, ticking choices by position.

    `picks` maps question position -> choice positions; None answers every question right.
    """
    with app.app_context():
        _, quiz = module_and_quiz(slug)
        attempt_id = start_attempt(person.id, quiz.id).id
        db.session.commit()
        attempt = attempt_for_user(attempt_id, person.id)
        answers = {}
        for item in attempt.questions:
            question = item.question
            if picks is None:
                wanted = [choice.position for choice in question.choices if choice.correct]
            else:
                wanted = picks.get(question.position, [])
            if wanted:
                answers[question.id] = [c.id for c in question.choices if c.position in wanted]
        if submit:
            assert submit_attempt(attempt, answers) is not None
        db.session.commit()
        return attempt_id


def all_wrong(app, slug):
    """Picks getting every question of the newest revision wrong."""
    with app.app_context():
        _, quiz = module_and_quiz(slug)
        revision = quiz.revisions[-1]
        return {
            question.position: [next(c.position for c in question.choices if not c.correct)]
            for question in revision.questions
        }


def publish(app, slug, questions, pass_mark=60, pool_size=None):
    with app.app_context():
        _, quiz = module_and_quiz(slug)
        revision = publish_revision(quiz, pass_mark, questions, pool_size=pool_size)
        db.session.commit()
        return revision.id


@pytest.fixture
def learners(make_user):
    def build(count, start=0):
        return [
            make_user(
                full_name=f"Aurelia Inés Quintanilla {start + n}", email=f"aurelia.quintanilla{start + n}@muni.test"
            )
            for n in range(count)
        ]

    return build


def test_statistics_from_the_database_match_the_hand_computed_figures(app, learners):
    people = learners(8)
    # An attempt on the older revision, all wrong: not part of the new revision's figures.
    take_quiz(app, people[0], "transparencia", all_wrong(app, "transparencia"))
    revision_id = publish(app, "transparencia", QUIZ)
    for person, picks in zip(people, LEARNERS, strict=False):
        take_quiz(app, person, "transparencia", picks)
    # Started and never submitted: does not count.
    take_quiz(app, people[6], "transparencia", LEARNERS[1], submit=False)
    # Another module, answered all right once.
    take_quiz(app, people[7], "compromiso")

    with app.app_context():
        stats = revision_statistics(revision_id)
        rollups = module_rollups()
        assert revision_statistics(revision_id + 1000) is None

    assert (stats.number, stats.pass_mark, stats.attempts, stats.passed) == (2, 60, 6, 3)
    q = by_position(stats)
    assert [(q[n].answered, q[n].correct, q[n].blank) for n in (1, 2, 3)] == [
        (6, 4, 0),
        (6, 2, 1),
        (6, 4, 0),
    ]
    assert [q[n].percent_correct for n in (1, 2, 3)] == [66, 33, 66]
    assert q[1].discrimination == pytest.approx(0.0)
    assert q[2].discrimination == pytest.approx(0.25)
    assert q[3].discrimination == pytest.approx(-6 / math.sqrt(192))
    assert [q[n].flags for n in (1, 2, 3)] == [(), ("too_hard",), ("negative_discrimination",)]
    assert picked(q[1]) == {"Uno": 4, "Dos": 1, "Tres": 1}
    assert picked(q[2]) == {
        "Con eficacia": 4,
        "Con amabilidad": 2,
        "Con rigidez": 3,
        "Con reserva": 0,
    }
    assert picked(q[3]) == {"Verdadero": 2, "Falso": 4}
    assert stats.mean_percent_correct == 55
    wrong = stats.most_chosen_wrong
    assert (wrong.choice_text, wrong.question_position, wrong.count) == ("Con rigidez", 2, 3)

    # Newest revisions only, worst understood first, modules without attempts last in path order.
    assert [rollup.slug for rollup in rollups] == [
        "transparencia",
        "compromiso",
        "mision-y-vision",
        "inclusion",
        "respeto-y-solidaridad",
        "etica-y-probidad",
    ]
    transparencia, compromiso = rollups[0], rollups[1]
    assert (transparencia.revision_number, transparencia.attempts) == (2, 6)
    assert transparencia.mean_percent_correct == 55
    assert transparencia.worst_question.prompt == QUIZ[1]["prompt"]
    assert transparencia.most_chosen_wrong.choice_text == "Con rigidez"
    assert transparencia.flagged_questions == 2
    assert (compromiso.attempts, compromiso.mean_percent_correct) == (1, 100)
    assert compromiso.most_chosen_wrong is None
    assert all(rollup.attempts == 0 for rollup in rollups[2:])

    # No person in sight: not in the figures, not in the page.
    with app.test_request_context():
        html = render_template_string(
            '{% from "trainer/_statistics.html" import revision_statistics, module_rollup %}'
            "{{ revision_statistics(stats) }}{{ module_rollup(rollups) }}",
            stats=stats,
            rollups=rollups,
        )
    text = repr(stats) + repr(rollups) + html
    for person in people:
        details = (person.full_name, person.rut, format_rut(person.rut), person.email)
        for detail in (*details, "Quintanilla", "muni.test"):
            assert detail not in text
    assert "Con rigidez" in html


def test_results_have_no_field_about_people():
    classes = [
        statistics.ChoiceStats,
        statistics.QuestionStats,
        statistics.RevisionStats,
        statistics.WrongAnswer,
        statistics.ModuleRollup,
    ]
    names = {item.name for cls in classes for item in dataclasses.fields(cls)}
    personal = ("user", "name", "rut", "email", "attempt_id")
    assert not {name for name in names if any(word in name for word in personal)}


def test_pool_statistics_from_the_database(app, learners):
    revision_id = publish(app, "inclusion", QUIZ, pass_mark=50, pool_size=2)
    people = learners(6)
    for person, picks in zip(people, LEARNERS, strict=True):
        take_quiz(app, person, "inclusion", picks)
    with app.app_context():
        stats = revision_statistics(revision_id)
        drawn = dict(
            db.session.execute(
                select(AttemptQuestion.question_id, func.count())
                .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
                .where(Attempt.revision_id == revision_id)
                .group_by(AttemptQuestion.question_id)
            ).all()
        )
        right = dict(
            db.session.execute(
                select(AttemptQuestion.question_id, func.count())
                .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
                .where(Attempt.revision_id == revision_id, AttemptQuestion.is_correct.is_(True))
                .group_by(AttemptQuestion.question_id)
            ).all()
        )
    assert (stats.attempts, stats.question_count, stats.questions_per_attempt) == (6, 3, 2)
    assert sum(question.answered for question in stats.questions) == 12
    for question in stats.questions:
        assert question.answered == drawn.get(question.question_id, 0)
        assert question.correct == right.get(question.question_id, 0)
        # One choice per answered single-answer question, counted where it was drawn.
        if question.kind != "multiple":
            ticked = sum(choice.picked for choice in question.choices)
            assert ticked == question.answered - question.blank


def test_query_count_does_not_grow_with_attempts(app, learners):
    revision_id = publish(app, "transparencia", QUIZ)
    people = learners(9)
    for person, picks in zip(people[:3], LEARNERS, strict=False):
        take_quiz(app, person, "transparencia", picks)
    with counting_queries(app) as before_revision, app.app_context():
        assert revision_statistics(revision_id).attempts == 3
    with counting_queries(app) as before_rollup, app.app_context():
        assert module_rollups()[0].attempts == 3

    for person, picks in zip(people[3:], LEARNERS, strict=False):
        take_quiz(app, person, "transparencia", picks)
    take_quiz(app, people[0], "compromiso")
    take_quiz(app, people[1], "etica-y-probidad", all_wrong(app, "etica-y-probidad"))
    with counting_queries(app) as after_revision, app.app_context():
        assert revision_statistics(revision_id).attempts == 9
    with counting_queries(app) as after_rollup, app.app_context():
        assert sum(rollup.attempts for rollup in module_rollups()) == 11

    assert len(before_revision) == len(after_revision) == 3
    assert len(before_rollup) == len(after_rollup) == 4


# --- The partial --------------------------------------------------------------------------


def test_the_partial_renders_figures_flags_and_accessible_tables(app):
    stats = dataset_a()
    with app.test_request_context():
        html = render_template_string(
            '{% from "trainer/_statistics.html" import revision_statistics, module_rollup %}'
            "<h1>Estadísticas</h1>{{ revision_statistics(stats) }}"
            "{{ revision_statistics(pool) }}{{ module_rollup(rollups, endpoint='quizzes.quiz') }}",
            stats=stats,
            pool=dataset_b(),
            rollups=rollups_for_render(),
        )
    for label in (
        "Versión 1 del cuestionario",
        "Intentos enviados",
        "Aprobados",
        "Nota de aprobación",
        "Resumen por pregunta, versión 1",
        "Respondieron",
        "Correctas",
        "Discriminación",
        "Demasiado fácil",
        "La mayoría se equivoca",
        "Discriminación negativa",
        "Sin alertas",
        "Alternativas elegidas en la pregunta 2, versión 1",
        "Elegida por",
        "Cómo leer estas cifras",
        "3 preguntas tienen alertas.",
        "Respondieron 10 intentos.",
        "1 la dejó sin responder.",
        "Al menos 95 % la acierta, con 10 respuestas o más.",
        "Menos de 50 % la acierta.",
        "2 de 3, al azar",
        "Comprensión por módulo",
        "Módulos, del menos comprendido al más comprendido",
        "Pregunta menos comprendida",
        "Respuesta incorrecta más elegida",
        "Sin intentos enviados",
        "5 veces",
        "no suman 100 %.",
    ):
        assert label in html, label
    assert "62 %" in html and "40 %" in html  # mean share correct, question 2
    assert "−0,45" in html and "0,23" in html  # discrimination, es-CL decimals
    assert 'href="/modulos/sin-sorteo/quiz"' in html
    assert 'class="tag tag-correct">Correcta<' in html  # the key is written, not only coloured
    assert html.count("<caption") == html.count("<table") == (1 + 4) + (1 + 3) + 1
    assert html.count("<table") == html.count("</table>")
    assert 'scope="col"' in html and 'scope="row"' in html
    assert "%%" not in html and "None" not in html
    # Heading levels follow the page: sections h2, questions h3.
    assert "<h2 " in html and "<h3 " in html and "<h4" not in html
    ids = [part.split('"')[0] for part in html.split(' id="')[1:]]
    assert len(ids) == len(set(ids))


def test_the_partial_without_attempts(app):
    empty = compute_revision_stats(
        revision_id=7, number=4, pass_mark=80, pool_size=None, choices=CHOICES_A, draws=[], picks=[]
    )
    with app.test_request_context():
        html = render_template_string(
            '{% from "trainer/_statistics.html" import revision_statistics, module_rollup %}'
            "{{ revision_statistics(stats) }}{{ module_rollup([]) }}",
            stats=empty,
        )
    assert "Todavía no hay intentos enviados en esta versión." in html
    assert "Todavía no hay cuestionarios publicados." in html
    assert "<table" not in html and "None" not in html
