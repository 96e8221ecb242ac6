"""The trainers' working copy of a quiz, and publishing it as a new revision."""

from __future__ import annotations

import copy
import json

from portal import audit
from portal.extensions import db
from portal.models.quiz import Quiz, QuizRevision
from portal.quizzes.exchange import exported_question, optional_settings
from portal.quizzes.revisions import latest_revision, publish_revision, question_problems, settings_problems
from portal.vocabulary import AnswerVisibility

#: A draft's settings, apart from its questions.
SETTINGS = ("pass_mark", "max_attempts", "shuffle", "shuffle_questions", "show_answers", "pool_size")
EMPTY_DRAFT = {
    "pass_mark": 80,
    "max_attempts": None,
    "shuffle": True,
    "shuffle_questions": True,
    "show_answers": str(AnswerVisibility.AFTER_PASS),
    "pool_size": None,
    "questions": [],
}


def revision_as_draft(revision: QuizRevision | None) -> dict:
    if revision is None:
        return copy.deepcopy(EMPTY_DRAFT)
    settings = {**EMPTY_DRAFT, **optional_settings(revision), "pass_mark": revision.pass_mark}
    return {
        **settings,
        "questions": [exported_question(question) for question in revision.questions],
    }


def draft_of(quiz: Quiz) -> dict:
    """The working copy: the saved draft, or else the newest revision's content."""
    if quiz.draft:
        return {**EMPTY_DRAFT, **json.loads(quiz.draft)}
    return revision_as_draft(latest_revision(quiz.id))


def save_draft(quiz: Quiz, draft: dict) -> None:
    """Store the working copy (flushes). Learners keep using the published revision."""
    quiz.draft = json.dumps(draft, ensure_ascii=False)
    db.session.flush()


def has_unpublished_changes(quiz: Quiz) -> bool:
    return quiz.draft is not None and draft_of(quiz) != revision_as_draft(latest_revision(quiz.id))


def append_questions(quiz: Quiz, questions: list[dict]) -> dict:
    """Add questions (exchange-format dicts) at the end of the draft; return the new draft."""
    draft = draft_of(quiz)
    draft["questions"].extend(copy.deepcopy(questions))
    save_draft(quiz, draft)
    return draft


def delete_question(quiz: Quiz, draft: dict, index: int, actor_id: int) -> None:
    """Remove question `index` from the draft (flushes, audits); a pool larger than what is left shrinks."""
    removed = draft["questions"].pop(index)
    if draft.get("pool_size") and draft["pool_size"] > len(draft["questions"]):
        draft["pool_size"] = len(draft["questions"]) or None
    save_draft(quiz, draft)
    audit.record("quiz.question_deleted", actor_id=actor_id, module=quiz.module.slug, prompt=removed["prompt"][:200])


def discard_draft(quiz: Quiz, actor_id: int) -> None:
    """Forget the draft: the quiz goes back to its latest published revision (flushes, audits)."""
    quiz.draft = None
    db.session.flush()
    audit.record("quiz.draft_discarded", actor_id=actor_id, module=quiz.module.slug)


def draft_problems(draft: dict) -> dict:
    """{"settings": {field: problem}, "questions": {index: [problems]}}; empty when publishable."""
    problems: dict = {}
    settings = settings_problems(
        draft.get("pass_mark"),
        draft.get("max_attempts"),
        draft.get("pool_size"),
        len(draft["questions"]),
        draft.get("show_answers", AnswerVisibility.AFTER_PASS),
    )
    if settings:
        problems["settings"] = settings
    questions = {
        index: found for index, question in enumerate(draft["questions"]) if (found := question_problems(question))
    }
    if questions:
        problems["questions"] = questions
    return problems


def publish_draft(quiz: Quiz, actor_id: int | None) -> QuizRevision:
    """Freeze the draft as the next revision and forget the draft (flushes, audits).

    People mid-attempt finish on the revision they started; new attempts get this one.
    Raises ValueError when the draft cannot be published.
    """
    draft = draft_of(quiz)
    previous = latest_revision(quiz.id)
    # The settings learners will notice; the first revision has nothing to compare with.
    changed = (
        audit.changes(
            {name: value for name, value in revision_as_draft(previous).items() if name in SETTINGS},
            {name: draft.get(name) for name in SETTINGS},
        )
        if previous is not None
        else {}
    )
    revision = publish_revision(
        quiz,
        draft["pass_mark"],
        draft["questions"],
        max_attempts=draft.get("max_attempts"),
        shuffle_choices=draft.get("shuffle", True),
        shuffle_questions=draft.get("shuffle_questions", True),
        show_answers=draft.get("show_answers", AnswerVisibility.AFTER_PASS),
        pool_size=draft.get("pool_size"),
        published_by_id=actor_id,
    )
    quiz.draft = None
    audit.record(
        "quiz.published",
        actor_id=actor_id,
        module=quiz.module.slug,
        revision=revision.number,
        questions=len(draft["questions"]),
        changes=changed,
    )
    db.session.flush()
    return revision
