"""The default curriculum teaches exactly the municipality's own text."""

import pytest
from sqlalchemy import select

from portal.content import institutional_text, load_curriculum
from portal.extensions import db
from portal.models.curriculum import Module
from portal.quizzes.exchange import module_problems
from portal.quizzes.revisions import latest_revision

EXPECTED_ORDER = [
    ("mision-y-vision", "Misión y Visión"),
    ("compromiso", "Compromiso"),
    ("transparencia", "Transparencia"),
    ("inclusion", "Inclusión"),
    ("respeto-y-solidaridad", "Respeto y Solidaridad"),
    ("etica-y-probidad", "Ética y Probidad"),
]
CURRICULUM = load_curriculum()


def test_the_seed_has_mission_vision_and_five_values():
    seed = institutional_text()
    assert seed.mission.startswith("Entregar a la comunidad de forma cercana y amable")
    assert seed.vision.startswith("Ser un municipio que promueva la participación ciudadana")
    assert list(seed.values) == [title for _, title in EXPECTED_ORDER[1:]]


def test_six_modules_in_the_seeds_order():
    assert [(module["slug"], module["title"]) for module in CURRICULUM] == EXPECTED_ORDER


def test_mission_and_vision_are_quoted_verbatim():
    seed = institutional_text()
    lessons = "\n".join(lesson["body_md"] for lesson in CURRICULUM[0]["lessons"])
    assert seed.mission in lessons
    assert seed.vision in lessons


@pytest.mark.parametrize("module", CURRICULUM[1:], ids=lambda module: module["slug"])
def test_each_value_is_quoted_verbatim_in_its_module(module):
    definition = institutional_text().values[module["title"]]
    assert definition in "\n".join(lesson["body_md"] for lesson in module["lessons"])
    others = [name for name in institutional_text().values if name != module["title"]]
    for other in others:  # no module carries another value's definition as if it were its own
        assert institutional_text().values[other] not in module["lessons"][0]["body_md"]


@pytest.mark.parametrize("module", CURRICULUM, ids=lambda module: module["slug"])
def test_module_shape_lessons_and_quiz(module):
    assert module_problems(module) == []
    assert 1 <= len(module["lessons"]) <= 3
    quiz = module["quiz"]
    assert quiz["pass_mark"] == 80
    questions = quiz["questions"]
    assert len(questions) >= 6
    assert {question["kind"] for question in questions} == {"single", "multiple", "true_false"}
    for question in questions:
        assert question["explanation"].strip(), question["prompt"]
        right = [choice for choice in question["choices"] if choice["correct"]]
        wrong = [choice for choice in question["choices"] if not choice["correct"]]
        if question["kind"] == "multiple":
            assert len(right) >= 2 and wrong, question["prompt"]
        else:
            assert len(right) == 1 and wrong, question["prompt"]
        if question["kind"] == "true_false":
            assert [choice["text"] for choice in question["choices"]] == ["Verdadero", "Falso"]
    # A scenario sets out a situation, then asks: "Un vecino llega ... . ¿Qué corresponde hacer?"
    scenarios = [q for q in questions if ". ¿" in q["prompt"]]
    assert len(scenarios) >= 2, [q["prompt"][:60] for q in questions]


def test_no_invented_article_numbers():
    for module in CURRICULUM:
        text = "\n".join(lesson["body_md"] for lesson in module["lessons"]) + str(module["quiz"])
        assert "artículo" not in text.lower() and "art." not in text.lower(), module["slug"]


@pytest.mark.bare_database
def test_seed_content_loads_once_and_is_idempotent(app, runner):
    first = runner.invoke(args=["seed-content"])
    assert first.exit_code == 0 and "Módulos creados" in first.output
    second = runner.invoke(args=["seed-content"])
    assert second.exit_code == 0 and "ya estaba cargado" in second.output
    with app.app_context():
        modules = list(db.session.scalars(select(Module).order_by(Module.position)))
        assert [(module.slug, module.title) for module in modules] == EXPECTED_ORDER
        for module, data in zip(modules, CURRICULUM, strict=True):
            assert [lesson.body_md for lesson in module.lessons] == [lesson["body_md"] for lesson in data["lessons"]]
            revision = latest_revision(module.quiz.id)
            assert revision.number == 1 and revision.pass_mark == 80
            assert len(revision.questions) == len(data["quiz"]["questions"])
            for stored, source in zip(revision.questions, data["quiz"]["questions"], strict=True):
                assert [(c.text, c.correct) for c in stored.choices] == [
                    (c["text"], c["correct"]) for c in source["choices"]
                ]
