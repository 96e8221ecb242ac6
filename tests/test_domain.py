"""Pure domain rules, tested without an application: RUT, grading, progress, safe redirects."""

from datetime import date

import pytest

from portal.auth.service import safe_next_path
from portal.learning.progress import ModuleFacts, onboarding_status, path_progress
from portal.learning.service import group_code, normalize_code, normalize_name
from portal.markdown import render_markdown
from portal.quizzes.grading import InvalidAnswers, QuestionKey, grade, unanswered
from portal.rut import InvalidRut, check_digit, format_rut, normalize_rut
from portal.vocabulary import (
    AVAILABLE,
    COMPLETED,
    DONE,
    IN_PROGRESS,
    LOCKED,
    NOT_STARTED,
    OVERDUE,
    RENEWAL_DUE,
    STATUS_IN_PROGRESS,
)


@pytest.mark.parametrize(
    "typed", ["12.345.678-5", "12345678-5", "123456785", " 12 345 678 5 ", "12.345.678-5\n", "12.345.678\u20105"]
)
def test_rut_spellings_normalise_to_one_form(typed):
    assert normalize_rut(typed) == "12345678-5"


def test_rut_check_digit_k_and_zero():
    assert check_digit(6) == "K"
    assert normalize_rut("10.000.013-k") == "10000013-K"
    assert check_digit(11_111_111) == "1"
    assert check_digit(7_654_321) == "6"
    assert check_digit(1_000_013) == "0"


@pytest.mark.parametrize(
    "typed,reason",
    [
        ("12.345.678-4", "check_digit"),
        ("12345678", "check_digit"),
        ("abc", "shape"),
        ("", "shape"),
        ("0-0", "check_digit"),
        ("1234567890-1", "shape"),
        # Digits of other scripts: int() reads them, so "1١111111-1" passed as 11111111-1.
        ("1\u0661111111-1", "shape"),
        ("\uff11\uff12.\uff13\uff14\uff15.\uff16\uff17\uff18-\uff15", "shape"),
        ("12.345.67\u09ee-5", "shape"),
        ("12.345.678-\u0665", "shape"),
    ],
)
def test_bad_ruts_are_refused_with_a_reason(typed, reason):
    with pytest.raises(InvalidRut) as caught:
        normalize_rut(typed)
    assert caught.value.reason == reason


def test_rut_display_form():
    assert format_rut("12345678-5") == "12.345.678-5"
    assert format_rut("10000013-K") == "10.000.013-K"


def question(qid, kind, right, wrong):
    return QuestionKey(id=qid, kind=kind, choice_ids=frozenset(right + wrong), correct_ids=frozenset(right))


QUIZ = [
    question(1, "single", [11], [12, 13]),
    question(2, "multiple", [21, 22], [23]),
    question(3, "true_false", [31], [32]),
    question(4, "single", [41], [42]),
    question(5, "single", [51], [52]),
]


def test_grading_all_right_passes_with_100():
    result = grade(QUIZ, {1: [11], 2: [21, 22], 3: [31], 4: [41], 5: [51]}, pass_mark=80)
    assert (result.correct_count, result.question_count, result.score, result.passed) == (5, 5, 100, True)


def test_four_of_five_passes_at_80_exactly():
    result = grade(QUIZ, {1: [11], 2: [21, 22], 3: [31], 4: [41], 5: [52]}, pass_mark=80)
    assert result.score == 80 and result.passed
    assert result.per_question[5] is False


def test_multiple_choice_needs_exactly_the_right_set():
    partial = grade(QUIZ, {1: [11], 2: [21], 3: [31], 4: [41], 5: [51]}, pass_mark=80)
    extra = grade(QUIZ, {1: [11], 2: [21, 22, 23], 3: [31], 4: [41], 5: [51]}, pass_mark=80)
    assert partial.per_question[2] is False and extra.per_question[2] is False


def test_five_of_six_is_83_and_three_of_five_fails():
    six = QUIZ + [question(6, "single", [61], [62])]
    answers = {1: [11], 2: [21, 22], 3: [31], 4: [41], 5: [51], 6: [62]}
    assert grade(six, answers, 80).score == 83
    assert not grade(QUIZ, {1: [11], 2: [21, 22], 3: [31]}, 80).passed


def test_answers_foreign_to_the_attempt_are_rejected():
    with pytest.raises(InvalidAnswers):
        grade(QUIZ, {99: [11]}, 80)
    with pytest.raises(InvalidAnswers):
        grade(QUIZ, {1: [21]}, 80)  # a choice of another question
    with pytest.raises(InvalidAnswers):
        grade(QUIZ, {1: [11, 12]}, 80)  # two answers to a single-answer question


def test_unanswered_lists_questions_in_order():
    assert unanswered(QUIZ, {2: [21], 4: []}) == [1, 3, 4, 5]


def facts(module_id, lessons=2, read=0, attempted=False, passed=False, required=True, has_quiz=True):
    return ModuleFacts(module_id, required, lessons, read, has_quiz, attempted, passed)


def test_modules_open_one_after_another():
    progress = path_progress([facts(1, read=2, attempted=True, passed=True), facts(2, read=1), facts(3)], False)
    assert progress.states == {1: DONE, 2: IN_PROGRESS, 3: LOCKED}


def test_read_lessons_without_a_passed_quiz_is_not_done():
    progress = path_progress([facts(1, read=2, attempted=True), facts(2)], False)
    assert progress.states == {1: IN_PROGRESS, 2: LOCKED}


def test_optional_modules_do_not_block_or_count():
    progress = path_progress([facts(1, required=False), facts(2)], False)
    assert progress.states == {1: AVAILABLE, 2: AVAILABLE}
    assert progress.steps_total == 3 + 1


def test_progress_percent_and_completion():
    modules = [facts(1, read=2, attempted=True, passed=True), facts(2, read=2, attempted=True, passed=True)]
    unsigned = path_progress(modules, commitment_signed=False)
    assert unsigned.modules_done and not unsigned.completed
    assert unsigned.percent == 6 * 100 // 7
    signed = path_progress(modules, commitment_signed=True)
    assert signed.completed and signed.percent == 100
    # A required module published after the signature is pending work, not a lost completion.
    later = path_progress([*modules, facts(3)], commitment_signed=True)
    assert later.completed and not later.modules_done and later.percent < 100
    assert later.states[3] == AVAILABLE


def test_status_of_a_person_due_for_renewal():
    today = date(2026, 11, 23)
    refresher = path_progress([facts(1, read=1)], False)
    assert onboarding_status(refresher, None, today, renewal_due=True) == RENEWAL_DUE
    assert onboarding_status(refresher, date(2020, 1, 1), today, renewal_due=True) == RENEWAL_DUE
    renewed = path_progress([facts(1, read=2, attempted=True, passed=True)], True)
    assert onboarding_status(renewed, None, today, renewal_due=True) == COMPLETED


def test_status_of_a_person():
    today = date(2026, 11, 23)
    nothing = path_progress([facts(1)], False)
    some = path_progress([facts(1, read=1)], False)
    everything = path_progress([facts(1, read=2, attempted=True, passed=True)], True)
    assert onboarding_status(nothing, date(2026, 12, 1), today) == NOT_STARTED
    assert onboarding_status(some, date(2026, 12, 1), today) == STATUS_IN_PROGRESS
    assert onboarding_status(some, date(2026, 11, 22), today) == OVERDUE
    assert onboarding_status(nothing, None, today) == NOT_STARTED
    assert onboarding_status(everything, date(2026, 11, 1), today) == COMPLETED


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "https://evil.example/",
        "http:/evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\n/evil.example",
        " //evil.example",
        "evil.example",
        "//portal@evil.example",
        "https://portal.cl@evil.example",
        "@evil.example",
        "/%09/evil.example\x00",
    ],
)
def test_next_refuses_anything_but_a_local_path(target):
    assert safe_next_path(target) is None


@pytest.mark.parametrize("target", ["/", "/modulos/compromiso", "/modulos/compromiso/quiz?x=1#y"])
def test_next_keeps_local_paths(target):
    assert safe_next_path(target) == target


def test_names_compare_without_case_accents_or_extra_spaces():
    assert normalize_name("  maria  JOSÉ pérez ") == normalize_name("María José Pérez")
    assert normalize_name("María José") != normalize_name("María Josefa")


def test_certificate_codes_group_and_normalise():
    code = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    assert group_code(code) == "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-4567"
    assert normalize_code("abcd-efgh ijkl") == "ABCDEFGHIJKL"


def test_lesson_headings_start_below_the_page_title():
    html = str(render_markdown("### Parte\n\ntexto\n\n#### Detalle"))
    assert "<h2>Parte</h2>" in html and "<h3>Detalle</h3>" in html


def test_lesson_markdown_is_sanitised():
    html = str(
        render_markdown(
            "# Título\n\n[clic](javascript:alert(1)) <script>alert(1)</script>\n\n"
            "![x](https://tracker.example/p.png) ![y](/medios/ok.png)\n\n> cita"
        )
    )
    assert "<h2>Título</h2>" in html and "<h1>" not in html
    assert "<script>" not in html and "javascript:" not in html.replace("[clic](javascript:", "")
    assert 'href="javascript' not in html
    assert "tracker.example" not in html
    assert 'src="/medios/ok.png"' in html
    assert "<blockquote>" in html
