"""Question statistics computed from plain rows: no Flask, no database (see portal.quizzes.statistics)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from portal.quizzes.statistics.figures import (
    DEFAULT_THRESHOLDS,
    NEGATIVE_DISCRIMINATION,
    NEGATIVE_DISCRIMINATION_BELOW,
    TOO_EASY,
    TOO_HARD,
    ChoiceRow,
    ChoiceStats,
    DrawRow,
    FlagThresholds,
    ModuleRollup,
    PickRow,
    QuestionStats,
    RevisionStats,
    ValueRollup,
    ValueRow,
)


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
    graded = _GradedDraws.of(draws)
    picked, answered_something = _picks_of_drawn(picks, graded.by_question)
    results = [
        _question_stats(question_id, question, graded, picked, answered_something, thresholds)
        for question_id, question in _questions(choices).items()
    ]
    return RevisionStats(
        revision_id=revision_id,
        number=number,
        pass_mark=pass_mark,
        pool_size=pool_size,
        attempts=len(graded.passed_by_attempt),
        passed=sum(graded.passed_by_attempt.values()),
        questions=tuple(results),
        thresholds=thresholds,
    )


def _questions(choices: Iterable[ChoiceRow]) -> dict[int, dict]:
    """The revision's questions in order, each with its position, kind, prompt and choice rows."""
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
    return questions


@dataclass
class _GradedDraws:
    """The graded draws of a revision's submitted attempts, counted per attempt and per question."""

    passed_by_attempt: dict[int, bool]
    #: How many drawn questions each attempt got right.
    right_by_attempt: dict[int, int]
    #: question id -> (attempt id, 1 if right else 0) for each attempt that drew it.
    by_question: dict[int, list[tuple[int, int]]]

    @classmethod
    def of(cls, draws: Iterable[DrawRow]) -> _GradedDraws:
        graded = [row for row in draws if row.is_correct is not None]
        passed_by_attempt: dict[int, bool] = {}
        right_by_attempt: dict[int, int] = defaultdict(int)
        by_question: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for row in graded:
            passed_by_attempt[row.attempt_id] = bool(row.passed)
            right_by_attempt[row.attempt_id] += 1 if row.is_correct else 0
        for row in graded:
            x = 1 if row.is_correct else 0
            by_question[row.question_id].append((row.attempt_id, x))
        return cls(passed_by_attempt, right_by_attempt, by_question)


def _picks_of_drawn(
    picks: Iterable[PickRow], by_question: dict[int, list[tuple[int, int]]]
) -> tuple[dict[int, int], dict[int, set[int]]]:
    """How often each choice was ticked, and which attempts ticked something per question,
    counting only questions the attempt drew."""
    drawn = {(attempt_id, question_id) for question_id, items in by_question.items() for attempt_id, _ in items}
    picked: dict[int, int] = defaultdict(int)
    answered_something: dict[int, set[int]] = defaultdict(set)
    for row in picks:
        if (row.attempt_id, row.question_id) not in drawn:
            continue
        picked[row.choice_id] += 1
        answered_something[row.question_id].add(row.attempt_id)
    return picked, answered_something


def _question_stats(
    question_id: int,
    question: dict,
    graded: _GradedDraws,
    picked: dict[int, int],
    answered_something: dict[int, set[int]],
    thresholds: FlagThresholds,
) -> QuestionStats:
    """One question's figures from the attempts that drew it."""
    items = graded.by_question.get(question_id, [])
    answered = len(items)
    correct = sum(x for _, x in items)
    r = discrimination([(x, graded.right_by_attempt[attempt_id] - x) for attempt_id, x in items])
    return QuestionStats(
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
        **_flags(answered, correct, r, thresholds),
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


def value_rollups_of(rows: Iterable[ValueRow], values: Sequence[str]) -> list[ValueRollup]:
    """Each of `values` (the seed's value names, in its order) across modules, worst understood first.

    Values no question is tagged with are left out; tagged but unanswered ones go last. Tags not in
    `values` are ignored. Ties keep the seed's order.
    """
    questions: dict[str, int] = defaultdict(int)
    modules: dict[str, set[int]] = defaultdict(set)
    answered: dict[str, int] = defaultdict(int)
    correct: dict[str, int] = defaultdict(int)
    for row in rows:
        for name in set(row.values) & set(values):
            questions[name] += 1
            modules[name].add(row.module_id)
            answered[name] += row.answered
            correct[name] += row.correct
    rollups = [
        ValueRollup(
            value=name,
            questions=questions[name],
            modules=len(modules[name]),
            answered=answered[name],
            correct=correct[name],
        )
        for name in values
        if questions[name]
    ]
    order = {name: index for index, name in enumerate(values)}
    return sorted(
        rollups,
        key=lambda rollup: (rollup.share_exact is None, rollup.share_exact or 0, order[rollup.value]),
    )
