"""Grading a quiz attempt from plain values; no Flask, no database."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

SINGLE_ANSWER_KINDS = frozenset({"single", "true_false"})


class InvalidAnswers(ValueError):
    """The submission names a question that is not in the attempt, or a choice not in its question."""


@dataclass(frozen=True)
class QuestionKey:
    """What grading needs of a question: its id, kind and which choice ids are right."""

    id: int
    kind: str
    choice_ids: frozenset[int]
    correct_ids: frozenset[int]


@dataclass(frozen=True)
class GradeResult:
    correct_count: int
    question_count: int
    #: Percentage of right answers, rounded down.
    score: int
    passed: bool
    #: question id -> answered right
    per_question: Mapping[int, bool] = field(default_factory=dict)


def check_answers(questions: Iterable[QuestionKey], answers: Mapping[int, Iterable[int]]) -> None:
    """Raise InvalidAnswers unless every answer belongs to the attempt's questions and choices."""
    by_id = {question.id: question for question in questions}
    for question_id, choice_ids in answers.items():
        question = by_id.get(question_id)
        if question is None:
            raise InvalidAnswers(f"question {question_id} is not part of this attempt")
        chosen = set(choice_ids)
        if not chosen <= question.choice_ids:
            raise InvalidAnswers(f"choice not in question {question_id}")
        if question.kind in SINGLE_ANSWER_KINDS and len(chosen) > 1:
            raise InvalidAnswers(f"question {question_id} takes a single answer")


def unanswered(questions: Iterable[QuestionKey], answers: Mapping[int, Iterable[int]]) -> list[int]:
    """Return the ids of questions with no choice picked, in the given order."""
    return [question.id for question in questions if not set(answers.get(question.id, ()))]


def grade(questions: Iterable[QuestionKey], answers: Mapping[int, Iterable[int]], pass_mark: int) -> GradeResult:
    """Grade all-or-nothing per question: right when exactly the right choices were picked.

    Passing needs correct/total >= pass_mark %, compared in integers so 4 of 5 passes at 80.
    Raises InvalidAnswers (see check_answers) and ValueError for a quiz without questions.
    """
    questions = list(questions)
    if not questions:
        raise ValueError("a quiz needs at least one question to be graded")
    check_answers(questions, answers)
    per_question = {
        question.id: set(answers.get(question.id, ())) == set(question.correct_ids) for question in questions
    }
    correct = sum(per_question.values())
    total = len(questions)
    return GradeResult(
        correct_count=correct,
        question_count=total,
        score=correct * 100 // total,
        passed=correct * 100 >= pass_mark * total,
        per_question=per_question,
    )
