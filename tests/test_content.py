"""The shipped modules teach the municipality's own text, and their quizzes test judgement, not recall.

Every check runs over every module file (the default curriculum and the optional library), so a new
file is held to the same standard by itself.
"""

import re

import pytest
from sqlalchemy import select

from portal.content import institutional_text, load_curriculum, load_library
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
LIBRARY = load_library()
EVERY_MODULE = CURRICULUM + LIBRARY
by_slug = pytest.mark.parametrize("module", EVERY_MODULE, ids=lambda module: module["slug"])

#: Words that give a true/false statement away ("always", "never", "only"...).
ABSOLUTES = re.compile(
    r"\b(siempre|nunca|jamás|solo|sólo|solamente|únicamente|todos?|todas?|ningún|ninguno|ninguna|nadie|cualquier)\b",
    re.IGNORECASE,
)
#: The article numbers the curriculum may cite, each checked against the law's text by a person.
KNOWN_ARTICLES = {"art. 62 N°5"}
ACRONYMS = ("OIRS", "COSOC", "DIDECO")
#: Longest lesson sentence, in words, for readers with little schooling.
MAX_SENTENCE_WORDS = 25


def lessons_text(module) -> str:
    return "\n".join(lesson["body_md"] for lesson in module["lessons"])


def questions_text(module) -> str:
    return "\n".join(
        " ".join([q["prompt"], q["explanation"], *(c["text"] for c in q["choices"])])
        for q in module["quiz"]["questions"]
    )


def seed_paragraphs() -> set[str]:
    seed = institutional_text()
    return {seed.mission, seed.vision, *seed.values.values()}


# --- The municipality's own words ------------------------------------------------------------


def test_the_seed_has_mission_vision_and_five_values():
    seed = institutional_text()
    assert seed.mission.startswith("Entregar a la comunidad de forma cercana y amable")
    assert seed.vision.startswith("Ser un municipio que promueva la participación ciudadana")
    assert list(seed.values) == [title for _, title in EXPECTED_ORDER[1:]]


def test_six_modules_in_the_seeds_order():
    assert [(module["slug"], module["title"]) for module in CURRICULUM] == EXPECTED_ORDER


def test_four_optional_modules_with_their_own_slugs():
    assert len(LIBRARY) == 4
    slugs = [module["slug"] for module in EVERY_MODULE]
    assert len(set(slugs)) == len(slugs)


def test_mission_and_vision_are_quoted_verbatim():
    seed = institutional_text()
    lessons = lessons_text(CURRICULUM[0])
    assert seed.mission in lessons
    assert seed.vision in lessons


@pytest.mark.parametrize("module", CURRICULUM[1:], ids=lambda module: module["slug"])
def test_each_value_is_quoted_verbatim_in_its_module(module):
    definition = institutional_text().values[module["title"]]
    assert definition in lessons_text(module)
    others = [name for name in institutional_text().values if name != module["title"]]
    for other in others:  # no module carries another value's definition as if it were its own
        assert institutional_text().values[other] not in module["lessons"][0]["body_md"]


@by_slug
def test_every_quote_is_the_seeds_text_with_a_plain_gloss_under_it(module):
    """A blockquote is the municipality's wording, never a paraphrase, and is explained right after."""
    for lesson in module["lessons"]:
        lines = lesson["body_md"].splitlines()
        for number, line in enumerate(lines):
            if not line.startswith(">"):
                continue
            assert line.removeprefix(">").strip() in seed_paragraphs(), line[:80]
            following = next(text for text in lines[number + 1 :] if text.strip())
            assert following.startswith("**En palabras simples:**"), (lesson["title"], following[:80])


# --- Plain language ---------------------------------------------------------------------------


def sentences(markdown: str):
    for line in markdown.splitlines():
        if line.startswith(">") or line.startswith("#"):
            continue
        plain = re.sub(r"[*_`]", "", line).strip().lstrip("-0123456789. ")
        for sentence in re.split(r"(?<=[.!?:])\s+(?=[A-ZÁÉÍÓÚÑ¿¡«(])", plain):
            if sentence:
                yield sentence


@by_slug
def test_lesson_sentences_are_short(module):
    long_ones = [s for s in sentences(lessons_text(module)) if len(s.split()) > MAX_SENTENCE_WORDS]
    assert long_ones == []


@by_slug
def test_acronyms_are_spelled_out_the_first_time(module):
    text = lessons_text(module) + "\n" + questions_text(module)
    for acronym in ACRONYMS:
        first = text.find(acronym)
        if first >= 0:
            assert text[first - 1] == "(" and text[first + len(acronym)] == ")", (acronym, text[first - 80 : first])


@by_slug
def test_inclusive_wording(module):
    text = lessons_text(module) + "\n" + questions_text(module)
    assert not re.search(r"adult[oa]s? mayor", text, re.IGNORECASE), "se dice «persona mayor»"
    for match in re.finditer(r"\blos (funcionarios|vecinos)\b", text):
        before = text[max(0, match.start() - 30) : match.start()]
        after = text[match.end() : match.end() + 20]
        feminine = {"funcionarios": "funcionarias", "vecinos": "vecinas"}[match.group(1)]
        assert feminine in before or feminine in after, text[match.start() - 60 : match.end() + 20]


# --- Law facts --------------------------------------------------------------------------------


@by_slug
def test_no_invented_article_numbers(module):
    text = lessons_text(module) + "\n" + questions_text(module)
    cited = re.findall(r"\b(?:art\.|artículo)\s*\d+\w*(?:\s*N°\s*\d+)?", text, re.IGNORECASE)
    assert set(cited) <= KNOWN_ARTICLES, cited
    for match in re.finditer(r"art\. 62 N°5", text):
        assert "18.575" in text[max(0, match.start() - 40) : match.end() + 40]


@by_slug
def test_deadlines_and_dates_as_the_law_states_them(module):
    text = lessons_text(module) + "\n" + questions_text(module)
    for days in re.findall(r"(\d+) días hábiles", text):
        assert days in ("10", "20"), days  # Ley 20.285: 20 working days, extendable once by 10
    if "21.643" in text:
        assert "1 de agosto de 2024" in lessons_text(module)
    assert "19.653 incorporó" not in text.replace("\n", " ")  # probity lives in Ley 18.575, which 19.653 amended


# --- The question bank ------------------------------------------------------------------------


@by_slug
def test_module_shape_bank_and_pool(module):
    assert module_problems(module) == []
    assert 1 <= len(module["lessons"]) <= 3
    quiz = module["quiz"]
    assert quiz["pass_mark"] == 80
    questions = quiz["questions"]
    assert 10 <= len(questions) <= 12
    assert 6 <= quiz["pool_size"] <= 7
    assert {question["kind"] for question in questions} == {"single", "multiple", "true_false"}


@by_slug
def test_at_least_seventy_percent_situations(module):
    questions = module["quiz"]["questions"]
    assert all(isinstance(q.get("scenario"), bool) for q in questions)
    situations = [q for q in questions if q["scenario"]]
    assert len(situations) >= 0.7 * len(questions)
    for question in situations:  # a situation is set out first, then the question is asked
        assert re.search(r"[.»]\s+\S", question["prompt"].strip()), question["prompt"]


@by_slug
def test_every_question_is_tagged_with_a_value(module):
    """`values` names the institutional values a question assesses, as the seed spells them."""
    known = institutional_text().values
    for question in module["quiz"]["questions"]:
        values = question.get("values")
        assert isinstance(values, list) and values and set(values) <= set(known), question["prompt"][:60]
        if module["title"] in known:  # a value's own module assesses that value in every question
            assert module["title"] in values, question["prompt"][:60]


def length_tell(question) -> bool:
    """Whether picking the shortest (or the longest) options finds the key: within a question, the
    shortest right option must be at least half the longest wrong one, and the other way round."""
    right = [len(c["text"]) for c in question["choices"] if c["correct"]]
    wrong = [len(c["text"]) for c in question["choices"] if not c["correct"]]
    return min(right) * 2 < max(wrong) or min(wrong) * 2 < max(right)


def test_the_length_rule_catches_pick_the_short_ones():
    """The pattern of the old bank: every right option under 24 characters, every wrong one over 48."""
    short_right = {
        "kind": "multiple",
        "choices": [
            {"text": "Informado", "correct": True},
            {"text": "Distante con el público, para asegurar imparcialidad", "correct": False},
            {"text": "Creíble", "correct": True},
        ],
    }
    assert length_tell(short_right)
    long_right = {
        "kind": "single",
        "choices": [{"text": "Sí " * 30, "correct": True}, {"text": "No", "correct": False}],
    }
    assert length_tell(long_right)


@by_slug
def test_choices_and_explanations(module):
    for question in module["quiz"]["questions"]:
        right = [c for c in question["choices"] if c["correct"]]
        assert right and len(right) < len(question["choices"]), question["prompt"]
        if question["kind"] == "multiple":
            assert len(right) >= 2, question["prompt"]
        if question["kind"] == "true_false":
            assert [c["text"] for c in question["choices"]] == ["Verdadero", "Falso"]
        assert not length_tell(question), question["prompt"]
        # The explanation says why the right option is right and why the tempting one is wrong.
        assert len(re.findall(r"[.!?»](?:\s|$)", question["explanation"].strip())) >= 2, question["prompt"]


@by_slug
def test_true_false_balanced_and_without_absolutes(module):
    statements = [q for q in module["quiz"]["questions"] if q["kind"] == "true_false"]
    true_ones = sum(1 for q in statements if q["choices"][0]["correct"])
    assert len(statements) >= 2 and abs(2 * true_ones - len(statements)) <= 1
    for question in statements:
        assert not ABSOLUTES.search(question["prompt"]), question["prompt"]


# --- Loading ----------------------------------------------------------------------------------


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
            assert revision.pool_size == data["quiz"]["pool_size"]
            assert len(revision.questions) == len(data["quiz"]["questions"])
            for stored, source in zip(revision.questions, data["quiz"]["questions"], strict=True):
                assert [(c.text, c.correct) for c in stored.choices] == [
                    (c["text"], c["correct"]) for c in source["choices"]
                ]


PLACEHOLDER = re.compile(r"\[[A-ZÁÉÍÓÚÑ ]{6,}\]")


@by_slug
def test_what_the_municipality_fills_in_is_declared(module):
    """A library module's blanks (the reporting channel...) are listed in `fill_in`, and only lessons hold them."""
    assert set(PLACEHOLDER.findall(lessons_text(module))) == set(module.get("fill_in", []))
    assert not PLACEHOLDER.search(questions_text(module))
