"""The figures of question statistics: the flags' thresholds, the plain input rows and the result classes.

See the package docstring (portal.quizzes.statistics) for what the figures mean.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import NamedTuple

#: No flag at all for a question answered fewer times than this: with 3 or 4 answers one
#: person decides the figure, and the flag would be noise.
MIN_ANSWERS_FOR_FLAGS = 5
#: "Too easy" needs more evidence: 5 of 5 right is common for a perfectly good question.
TOO_EASY_MIN_ANSWERS = 10
#: Too easy: at least this percentage got it right (correct·100 ≥ 95·answered).
TOO_EASY_PERCENT = 95
#: Too hard: "most people get it wrong", i.e. fewer than this percentage got it right
#: (correct·100 < 50·answered). 50 rather than 30 because the quizzes need 80 % to pass and
#: offer three or four choices: a question that most people miss already blocks them,
#: whereas 30 % is barely above guessing among three choices.
TOO_HARD_PERCENT = 50
#: Negative discrimination: r < 0, i.e. those who do well on the rest of the quiz get this
#: question wrong more often than those who do badly. No tolerance: the sign of r is the
#: sign of an integer, so the flag is exact.
NEGATIVE_DISCRIMINATION_BELOW = 0

TOO_EASY = "too_easy"
TOO_HARD = "too_hard"
NEGATIVE_DISCRIMINATION = "negative_discrimination"


# --- Input rows -------------------------------------------------------------------------


class ChoiceRow(NamedTuple):
    """One choice of a revision, with its question; questions come from these rows too."""

    question_id: int
    question_position: int
    kind: str
    prompt: str
    choice_id: int | None
    choice_position: int | None
    text: str | None
    correct: bool | None


class DrawRow(NamedTuple):
    """A question drawn by a submitted attempt, and whether the attempt got it right."""

    attempt_id: int
    passed: bool | None
    question_id: int
    is_correct: bool | None


class PickRow(NamedTuple):
    """A choice ticked in a submitted attempt."""

    attempt_id: int
    question_id: int
    choice_id: int


# --- Results ----------------------------------------------------------------------------


def _percent(part: int, whole: int) -> int | None:
    """part/whole as a percentage rounded down; None when whole is 0."""
    return part * 100 // whole if whole else None


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class FlagThresholds:
    """The thresholds behind the flags, carried along so pages can explain them."""

    min_answers: int = MIN_ANSWERS_FOR_FLAGS
    too_easy_min_answers: int = TOO_EASY_MIN_ANSWERS
    too_easy_percent: int = TOO_EASY_PERCENT
    too_hard_percent: int = TOO_HARD_PERCENT


DEFAULT_THRESHOLDS = FlagThresholds()


@dataclass(frozen=True)
class ChoiceStats:
    choice_id: int
    position: int
    text: str
    correct: bool
    #: Submitted attempts that drew the question and ticked this choice.
    picked: int
    #: The question's `answered`, the denominator of `share`.
    answered: int

    @property
    def share(self) -> float | None:
        return _share(self.picked, self.answered)

    @property
    def percent(self) -> int | None:
        return _percent(self.picked, self.answered)


@dataclass(frozen=True)
class QuestionStats:
    question_id: int
    position: int
    kind: str
    prompt: str
    #: Submitted attempts that drew the question (answering it or leaving it blank).
    answered: int
    #: Of those, how many got it right (exactly the right choices ticked).
    correct: int
    #: Of those, how many ticked nothing (graded as wrong).
    blank: int
    #: Corrected item-total correlation (see the module docstring); None when undefined.
    discrimination: float | None
    choices: tuple[ChoiceStats, ...]
    too_easy: bool = False
    too_hard: bool = False
    negative_discrimination: bool = False

    @property
    def share_correct(self) -> float | None:
        return _share(self.correct, self.answered)

    @property
    def percent_correct(self) -> int | None:
        return _percent(self.correct, self.answered)

    @property
    def flags(self) -> tuple[str, ...]:
        """The names of the flags raised, in a fixed order."""
        return tuple(
            name
            for name, raised in (
                (TOO_EASY, self.too_easy),
                (TOO_HARD, self.too_hard),
                (NEGATIVE_DISCRIMINATION, self.negative_discrimination),
            )
            if raised
        )

    @property
    def most_chosen_wrong(self) -> ChoiceStats | None:
        """The wrong choice ticked most often (first by position on a tie); None if none was."""
        wrong = [choice for choice in self.choices if not choice.correct and choice.picked]
        return min(wrong, key=lambda choice: (-choice.picked, choice.position), default=None)


@dataclass(frozen=True)
class WrongAnswer:
    """A wrong choice and how many submitted attempts ticked it."""

    choice_text: str
    question_prompt: str
    question_position: int
    count: int
    #: Attempts that drew the question, the denominator of `percent`.
    answered: int

    @property
    def percent(self) -> int | None:
        return _percent(self.count, self.answered)


@dataclass(frozen=True)
class RevisionStats:
    revision_id: int
    number: int
    pass_mark: int
    #: Questions each attempt draws; None means all of them.
    pool_size: int | None
    #: Submitted attempts on this revision.
    attempts: int
    #: Of those, how many passed.
    passed: int
    #: In the revision's order.
    questions: tuple[QuestionStats, ...]
    thresholds: FlagThresholds = field(default=DEFAULT_THRESHOLDS)

    @property
    def question_count(self) -> int:
        return len(self.questions)

    @property
    def questions_per_attempt(self) -> int:
        if self.pool_size and self.pool_size < len(self.questions):
            return self.pool_size
        return len(self.questions)

    @property
    def percent_passed(self) -> int | None:
        return _percent(self.passed, self.attempts)

    @property
    def mean_share_correct_exact(self) -> Fraction | None:
        """Mean of the questions' shares correct, over questions answered at least once."""
        shares = [Fraction(q.correct, q.answered) for q in self.questions if q.answered]
        return sum(shares, Fraction(0)) / len(shares) if shares else None

    @property
    def mean_share_correct(self) -> float | None:
        mean = self.mean_share_correct_exact
        return None if mean is None else float(mean)

    @property
    def mean_percent_correct(self) -> int | None:
        mean = self.mean_share_correct_exact
        return None if mean is None else math.floor(mean * 100)

    @property
    def worst_question(self) -> QuestionStats | None:
        """The question with the lowest share correct (first by position on a tie)."""
        answered = [q for q in self.questions if q.answered]
        return min(answered, key=lambda q: (Fraction(q.correct, q.answered), q.position), default=None)

    @property
    def most_chosen_wrong(self) -> WrongAnswer | None:
        """The wrong choice ticked most often in the whole revision.

        Ties go to the earlier question, then the earlier choice.
        """
        best: tuple[int, int, int] | None = None
        found: WrongAnswer | None = None
        for question in self.questions:
            choice = question.most_chosen_wrong
            if choice is None:
                continue
            key = (-choice.picked, question.position, choice.position)
            if best is None or key < best:
                best = key
                found = WrongAnswer(
                    choice_text=choice.text,
                    question_prompt=question.prompt,
                    question_position=question.position,
                    count=choice.picked,
                    answered=question.answered,
                )
        return found

    @property
    def flagged_questions(self) -> tuple[QuestionStats, ...]:
        return tuple(q for q in self.questions if q.flags)


@dataclass(frozen=True)
class ModuleRollup:
    """One module's quiz at a glance, from its newest revision."""

    module_id: int
    slug: str
    title: str
    #: The module's place in the path.
    position: int
    revision_id: int
    revision_number: int
    attempts: int
    #: Mean of the questions' shares correct (see RevisionStats); None without attempts.
    mean_share_correct: float | None
    mean_percent_correct: int | None
    worst_question: QuestionStats | None
    most_chosen_wrong: WrongAnswer | None
    flagged_questions: int
    #: Exact mean, for ordering without floating-point ties.
    mean_share_correct_exact: Fraction | None = field(default=None, repr=False, compare=False)


class ValueRow(NamedTuple):
    """One question of a newest revision, with its value tags and how its drawn, graded answers went."""

    module_id: int
    #: The value names the question is tagged with.
    values: tuple[str, ...]
    answered: int
    correct: int


@dataclass(frozen=True)
class ValueRollup:
    """One institutional value across modules: every answer to a question tagged with it, pooled.

    The share is Σ correct / Σ answered over those questions (each answer weighs the same, so a
    question drawn often counts more than one drawn rarely), rounded down like every percentage.
    A question tagged with two values counts for both.
    """

    value: str
    questions: int
    modules: int
    answered: int
    correct: int

    @property
    def share_exact(self) -> Fraction | None:
        return Fraction(self.correct, self.answered) if self.answered else None

    @property
    def percent_correct(self) -> int | None:
        return self.correct * 100 // self.answered if self.answered else None
