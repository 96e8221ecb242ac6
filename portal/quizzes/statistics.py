"""Question statistics for trainers: how each published question performs, in aggregate only.

Nothing here names a person. The inputs are attempt ids (never user ids) and the outputs
are counts and shares per question and choice, so a trainer can see which question or
lesson to improve without seeing who answered what.

Two layers:

* The pure part (`compute_revision_stats`, `module_rollup`, `worst_first`) takes plain
  rows and returns frozen dataclasses; no Flask, no database.
* The SQL part (`statistics_for_revisions`, `revision_statistics`, `module_rollups`) feeds
  it with a fixed number of queries, however many attempts, questions or modules there
  are: three for any set of revisions, four for the roll-up of every module.

Which attempts count: submitted ones only (`submitted_at IS NOT NULL`). Trainers' preview
attempts are never stored, so every stored submitted attempt is a real learner's. With a
question pool an attempt draws M of N questions, and a question's figures count only the
attempts that drew it.

Discrimination is the corrected item-total correlation: the Pearson correlation, over
the submitted attempts that drew the question, between

    x = 1 if the attempt got the question right, else 0
    y = how many of the attempt's OTHER drawn questions it got right ("rest score")

computed exactly from integer sums:

    num = n·Σxy − Σx·Σy
    r   = num / √((n·Σx² − (Σx)²) · (n·Σy² − (Σy)²))

Since x is 0/1 this is the point-biserial correlation r = (M₁ − M₀)/s_y · √(p·(1 − p)),
with M₁, M₀ the mean rest score of those who got the question right and wrong, p the share
right and s_y the (population) standard deviation of the rest score. Leaving the question
out of the total keeps it from correlating with itself, which matters with quizzes of six
questions. Within a revision every attempt draws the same number of questions, so the
rest count is a fixed multiple of the rest share and gives the same r. It is None when
undefined: fewer than two answers, everybody right or everybody wrong (no variance in x),
or every attempt with the same rest score (no variance in y, e.g. a one-question quiz).

Percentages shown to people are rounded down, like attempt scores, so a displayed "95 %"
or "49 %" always agrees with the flags below, which are decided in integers.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import NamedTuple

from sqlalchemy import func, select

from portal.extensions import db
from portal.models.curriculum import Module
from portal.models.quiz import (
    Attempt,
    AttemptAnswer,
    AttemptQuestion,
    Quiz,
    QuizRevision,
    RevisionChoice,
    RevisionQuestion,
)

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


# --- Pure computation -------------------------------------------------------------------


def discrimination(pairs: Sequence[tuple[int, int]]) -> float | None:
    """Pearson correlation of (x, y) integer pairs; None when fewer than 2 or a variance is 0.

    See the module docstring for why x is right/wrong on the question and y the rest score.
    """
    n = len(pairs)
    if n < 2:
        return None
    sum_x = sum(x for x, _ in pairs)
    sum_y = sum(y for _, y in pairs)
    sum_xy = sum(x * y for x, y in pairs)
    sum_xx = sum(x * x for x, _ in pairs)
    sum_yy = sum(y * y for _, y in pairs)
    numerator = n * sum_xy - sum_x * sum_y
    spread_x = n * sum_xx - sum_x * sum_x
    spread_y = n * sum_yy - sum_y * sum_y
    if spread_x == 0 or spread_y == 0:
        return None
    return numerator / math.sqrt(spread_x * spread_y)


def _flags(answered: int, correct: int, r: float | None, thresholds: FlagThresholds) -> dict[str, bool]:
    if answered < thresholds.min_answers:
        return {TOO_EASY: False, TOO_HARD: False, NEGATIVE_DISCRIMINATION: False}
    return {
        TOO_EASY: answered >= thresholds.too_easy_min_answers
        and correct * 100 >= thresholds.too_easy_percent * answered,
        TOO_HARD: correct * 100 < thresholds.too_hard_percent * answered,
        NEGATIVE_DISCRIMINATION: r is not None and r < NEGATIVE_DISCRIMINATION_BELOW,
    }


def compute_revision_stats(
    *,
    revision_id: int,
    number: int,
    pass_mark: int,
    pool_size: int | None,
    choices: Iterable[ChoiceRow],
    draws: Iterable[DrawRow],
    picks: Iterable[PickRow],
    thresholds: FlagThresholds = DEFAULT_THRESHOLDS,
) -> RevisionStats:
    """Statistics of one revision from plain rows (see ChoiceRow, DrawRow, PickRow).

    `draws` and `picks` must come from submitted attempts on this revision only. Draws not
    yet graded (`is_correct` None) carry no information and are left out. Picks of a
    question the attempt did not draw are ignored.
    """
    questions: dict[int, dict] = {}
    for row in sorted(choices, key=lambda r: (r.question_position, r.choice_position or 0)):
        question = questions.setdefault(
            row.question_id,
            {
                "position": row.question_position,
                "kind": row.kind,
                "prompt": row.prompt,
                "choices": [],
            },
        )
        if row.choice_id is not None:
            question["choices"].append(row)

    graded = [row for row in draws if row.is_correct is not None]
    passed_by_attempt: dict[int, bool] = {}
    right_by_attempt: dict[int, int] = defaultdict(int)
    draws_by_question: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for row in graded:
        passed_by_attempt[row.attempt_id] = bool(row.passed)
        right_by_attempt[row.attempt_id] += 1 if row.is_correct else 0
    for row in graded:
        x = 1 if row.is_correct else 0
        draws_by_question[row.question_id].append((row.attempt_id, x))

    drawn = {(attempt_id, question_id) for question_id, items in draws_by_question.items() for attempt_id, _ in items}
    picked: dict[int, int] = defaultdict(int)
    answered_something: dict[int, set[int]] = defaultdict(set)
    for row in picks:
        if (row.attempt_id, row.question_id) not in drawn:
            continue
        picked[row.choice_id] += 1
        answered_something[row.question_id].add(row.attempt_id)

    results = []
    for question_id, question in questions.items():
        items = draws_by_question.get(question_id, [])
        answered = len(items)
        correct = sum(x for _, x in items)
        r = discrimination([(x, right_by_attempt[attempt_id] - x) for attempt_id, x in items])
        flags = _flags(answered, correct, r, thresholds)
        results.append(
            QuestionStats(
                question_id=question_id,
                position=question["position"],
                kind=question["kind"],
                prompt=question["prompt"],
                answered=answered,
                correct=correct,
                blank=answered - len(answered_something.get(question_id, ())),
                discrimination=r,
                choices=tuple(
                    ChoiceStats(
                        choice_id=choice.choice_id,
                        position=choice.choice_position,
                        text=choice.text,
                        correct=bool(choice.correct),
                        picked=picked.get(choice.choice_id, 0),
                        answered=answered,
                    )
                    for choice in question["choices"]
                ),
                **flags,
            )
        )
    return RevisionStats(
        revision_id=revision_id,
        number=number,
        pass_mark=pass_mark,
        pool_size=pool_size,
        attempts=len(passed_by_attempt),
        passed=sum(passed_by_attempt.values()),
        questions=tuple(results),
        thresholds=thresholds,
    )


def module_rollup(*, module_id: int, slug: str, title: str, position: int, stats: RevisionStats) -> ModuleRollup:
    """Summarise a module from the statistics of its newest revision."""
    return ModuleRollup(
        module_id=module_id,
        slug=slug,
        title=title,
        position=position,
        revision_id=stats.revision_id,
        revision_number=stats.number,
        attempts=stats.attempts,
        mean_share_correct=stats.mean_share_correct,
        mean_percent_correct=stats.mean_percent_correct,
        worst_question=stats.worst_question,
        most_chosen_wrong=stats.most_chosen_wrong,
        flagged_questions=len(stats.flagged_questions),
        mean_share_correct_exact=stats.mean_share_correct_exact,
    )


def worst_first(rollups: Iterable[ModuleRollup]) -> list[ModuleRollup]:
    """Order modules from worst understood (lowest mean share correct) to best.

    Modules nobody has answered yet go last; ties keep the order of the path.
    """
    return sorted(
        rollups,
        key=lambda rollup: (
            rollup.mean_share_correct_exact is None,
            rollup.mean_share_correct_exact or 0,
            rollup.position,
            rollup.module_id,
        ),
    )


# --- Database ---------------------------------------------------------------------------


def _revision_rows(revision_ids: list[int]):
    """Query 1: the revisions with their questions and choices, in order."""
    return db.session.execute(
        select(
            QuizRevision.id,
            QuizRevision.number,
            QuizRevision.pass_mark,
            QuizRevision.pool_size,
            RevisionQuestion.id,
            RevisionQuestion.position,
            RevisionQuestion.kind,
            RevisionQuestion.prompt,
            RevisionChoice.id,
            RevisionChoice.position,
            RevisionChoice.text,
            RevisionChoice.correct,
        )
        .join(RevisionQuestion, RevisionQuestion.revision_id == QuizRevision.id)
        .outerjoin(RevisionChoice, RevisionChoice.question_id == RevisionQuestion.id)
        .where(QuizRevision.id.in_(revision_ids))
        .order_by(QuizRevision.id, RevisionQuestion.position, RevisionChoice.position)
    ).all()


def _draw_rows(revision_ids: list[int]):
    """Query 2: every question drawn by a submitted attempt on these revisions."""
    return db.session.execute(
        select(
            Attempt.revision_id,
            AttemptQuestion.attempt_id,
            Attempt.passed,
            AttemptQuestion.question_id,
            AttemptQuestion.is_correct,
        )
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .where(Attempt.revision_id.in_(revision_ids), Attempt.submitted_at.is_not(None))
    ).all()


def _pick_rows(revision_ids: list[int]):
    """Query 3: every choice ticked in a submitted attempt on these revisions."""
    return db.session.execute(
        select(
            Attempt.revision_id,
            AttemptAnswer.attempt_id,
            AttemptAnswer.question_id,
            AttemptAnswer.choice_id,
        )
        .join(Attempt, Attempt.id == AttemptAnswer.attempt_id)
        .where(Attempt.revision_id.in_(revision_ids), Attempt.submitted_at.is_not(None))
    ).all()


def statistics_for_revisions(
    revision_ids: Iterable[int], thresholds: FlagThresholds = DEFAULT_THRESHOLDS
) -> dict[int, RevisionStats]:
    """Statistics of each revision, keyed by id, in three queries whatever the numbers.

    Unknown ids are left out of the result. The rows fetched grow with attempts × drawn
    questions (a few tens of thousands for thousands of attempts); the queries do not.
    """
    ids = sorted(set(revision_ids))
    if not ids:
        return {}
    settings: dict[int, tuple[int, int, int | None]] = {}
    choices: dict[int, list[ChoiceRow]] = defaultdict(list)
    for row in _revision_rows(ids):
        (revision_id, number, pass_mark, pool_size, *choice) = row
        settings[revision_id] = (number, pass_mark, pool_size)
        choices[revision_id].append(ChoiceRow(*choice))
    draws: dict[int, list[DrawRow]] = defaultdict(list)
    for revision_id, *draw in _draw_rows(ids):
        draws[revision_id].append(DrawRow(*draw))
    picks: dict[int, list[PickRow]] = defaultdict(list)
    for revision_id, *pick in _pick_rows(ids):
        picks[revision_id].append(PickRow(*pick))
    return {
        revision_id: compute_revision_stats(
            revision_id=revision_id,
            number=number,
            pass_mark=pass_mark,
            pool_size=pool_size,
            choices=choices[revision_id],
            draws=draws[revision_id],
            picks=picks[revision_id],
            thresholds=thresholds,
        )
        for revision_id, (number, pass_mark, pool_size) in settings.items()
    }


def revision_statistics(revision_id: int, thresholds: FlagThresholds = DEFAULT_THRESHOLDS) -> RevisionStats | None:
    """Statistics of one published revision (three queries); None if it does not exist."""
    return statistics_for_revisions([revision_id], thresholds).get(revision_id)


def module_rollups(thresholds: FlagThresholds = DEFAULT_THRESHOLDS) -> list[ModuleRollup]:
    """Every module with a published quiz, from its NEWEST revision, worst understood first.

    Only the newest revision counts: it is what learners take now, and mixing revisions
    would mix questions a trainer has already changed. Modules hidden from the path are
    included (trainers may still want their figures). Four queries in all.
    """
    newest = (
        select(QuizRevision.quiz_id, func.max(QuizRevision.number).label("number"))
        .group_by(QuizRevision.quiz_id)
        .subquery()
    )
    modules = db.session.execute(
        select(Module.id, Module.slug, Module.title, Module.position, QuizRevision.id)
        .join(Quiz, Quiz.module_id == Module.id)
        .join(newest, newest.c.quiz_id == Quiz.id)
        .join(
            QuizRevision,
            (QuizRevision.quiz_id == Quiz.id) & (QuizRevision.number == newest.c.number),
        )
        .order_by(Module.position, Module.id)
    ).all()
    stats = statistics_for_revisions([row[4] for row in modules], thresholds)
    return worst_first(
        module_rollup(module_id=module_id, slug=slug, title=title, position=position, stats=stats[revision_id])
        for module_id, slug, title, position, revision_id in modules
        if revision_id in stats
    )
