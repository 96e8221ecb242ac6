"""Module states and onboarding status, derived from facts; no Flask, no database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

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


@dataclass(frozen=True)
class ModuleFacts:
    """What a person has done in one module."""

    module_id: int
    required: bool
    lesson_count: int
    lessons_read: int
    has_quiz: bool
    attempted: bool
    quiz_passed: bool

    @property
    def done(self) -> bool:
        lessons_done = self.lessons_read >= self.lesson_count
        return lessons_done and (self.quiz_passed or not self.has_quiz)

    @property
    def started(self) -> bool:
        return self.lessons_read > 0 or self.attempted


@dataclass(frozen=True)
class PathProgress:
    #: module id -> LOCKED, AVAILABLE, IN_PROGRESS or DONE
    states: dict[int, str]
    steps_done: int
    steps_total: int
    modules_done: bool
    commitment_signed: bool
    #: Any lesson read or quiz attempt submitted, in any module (a failed attempt counts).
    started: bool = False

    @property
    def percent(self) -> int:
        return self.steps_done * 100 // self.steps_total if self.steps_total else 0

    @property
    def completed(self) -> bool:
        """Signing the commitment completes onboarding, and it stays complete: a required module
        published afterwards shows up as pending work, but does not take the completion back
        (the report counts completions the same way)."""
        return self.commitment_signed


def path_progress(modules: Sequence[ModuleFacts], commitment_signed: bool) -> PathProgress:
    """Return each module's state and the overall progress of a path given in order.

    A module is locked while any earlier required module is not done. Progress counts
    steps of required modules (each lesson, each quiz) plus the commitment as one step.
    """
    states: dict[int, str] = {}
    blocked = False
    steps_done = steps_total = 0
    for facts in modules:
        if facts.done:
            states[facts.module_id] = DONE
        elif blocked:
            states[facts.module_id] = LOCKED
        elif facts.started:
            states[facts.module_id] = IN_PROGRESS
        else:
            states[facts.module_id] = AVAILABLE
        if facts.required:
            blocked = blocked or not facts.done
            steps_total += facts.lesson_count + (1 if facts.has_quiz else 0)
            steps_done += min(facts.lessons_read, facts.lesson_count)
            steps_done += 1 if facts.has_quiz and facts.quiz_passed else 0
    modules_done = all(facts.done for facts in modules if facts.required)
    steps_total += 1
    steps_done += 1 if commitment_signed else 0
    started = commitment_signed or any(facts.started for facts in modules)
    return PathProgress(states, steps_done, steps_total, modules_done, commitment_signed, started)


def onboarding_status(progress: PathProgress, due_date: date | None, today: date, *, renewal_due: bool = False) -> str:
    """Return NOT_STARTED, STATUS_IN_PROGRESS, COMPLETED, RENEWAL_DUE or OVERDUE (past due, not completed).

    `progress` covers the current cycle only: after an expired completion, the refresher.
    """
    if progress.completed:
        return COMPLETED
    if renewal_due:
        return RENEWAL_DUE
    if due_date is not None and today > due_date:
        return OVERDUE
    return STATUS_IN_PROGRESS if progress.started else NOT_STARTED
