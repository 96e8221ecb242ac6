"""Question statistics for trainers: how each published question performs, in aggregate only.

Nothing here names a person. The inputs are attempt ids (never user ids) and the outputs
are counts and shares per question and choice, so a trainer can see which question or
lesson to improve without seeing who answered what.

Two layers:

* The pure part (`compute_revision_stats`, `module_rollup`, `worst_first`) takes plain
  rows and returns frozen dataclasses; no Flask, no database.
* Per institutional value (`value_rollups`): every graded answer to a question tagged with the
  value, pooled across the modules' newest revisions, so "which value is understood worst" has
  an answer even when a trainer mixes values in one module (one query; `value_rollups_of` is the
  pure part).
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

The package: figures.py (thresholds, input rows, result classes), compute.py (the pure part) and
queries.py (the SQL part); everything is imported from here.
"""

from __future__ import annotations

from portal.quizzes.statistics.compute import (
    compute_revision_stats,
    discrimination,
    module_rollup,
    value_rollups_of,
    worst_first,
)
from portal.quizzes.statistics.figures import (
    DEFAULT_THRESHOLDS,
    MIN_ANSWERS_FOR_FLAGS,
    NEGATIVE_DISCRIMINATION,
    NEGATIVE_DISCRIMINATION_BELOW,
    TOO_EASY,
    TOO_EASY_MIN_ANSWERS,
    TOO_EASY_PERCENT,
    TOO_HARD,
    TOO_HARD_PERCENT,
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
    WrongAnswer,
)
from portal.quizzes.statistics.queries import (
    module_rollups,
    revision_statistics,
    statistics_for_revisions,
    value_rollups,
)

__all__ = [
    "DEFAULT_THRESHOLDS",
    "MIN_ANSWERS_FOR_FLAGS",
    "NEGATIVE_DISCRIMINATION",
    "NEGATIVE_DISCRIMINATION_BELOW",
    "TOO_EASY",
    "TOO_EASY_MIN_ANSWERS",
    "TOO_EASY_PERCENT",
    "TOO_HARD",
    "TOO_HARD_PERCENT",
    "ChoiceRow",
    "ChoiceStats",
    "DrawRow",
    "FlagThresholds",
    "ModuleRollup",
    "PickRow",
    "QuestionStats",
    "RevisionStats",
    "ValueRollup",
    "ValueRow",
    "WrongAnswer",
    "compute_revision_stats",
    "discrimination",
    "module_rollup",
    "module_rollups",
    "revision_statistics",
    "statistics_for_revisions",
    "value_rollups",
    "value_rollups_of",
    "worst_first",
]
