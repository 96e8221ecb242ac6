"""Taking a module's quiz and reviewing the result."""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth.access import signed_in
from portal.auth.forms import ButtonForm
from portal.content import institutional_text
from portal.database import reads_before_writing, write_transaction
from portal.extensions import db
from portal.learning.lookups import open_row
from portal.learning.service import LearnerPath, ModuleProgressRow
from portal.quizzes import bp, service
from portal.quizzes.forms import answers_from, field_name, question_inputs, quiz_form_for
from portal.quizzes.grading import InvalidAnswers
from portal.quizzes.revisions import latest_revision

_QUESTION_FIELD = re.compile(r"^q\d+$")


def quiz_row(slug: str) -> tuple[LearnerPath, ModuleProgressRow]:
    """The person's path and the row of an open module with a quiz (see learning.lookups.open_row)."""
    path, row = open_row(slug)
    if row.quiz_id is None:
        abort(404)
    return path, row


@bp.get("/<slug>/quiz")
@signed_in
def quiz(slug: str):
    """The open attempt's questions, or the quiz's introduction and past attempts."""
    path, row = quiz_row(slug)
    attempt = service.open_attempt_to_take(current_user.id, row.quiz_id)
    if attempt is None:
        revision = latest_revision(row.quiz_id)
        return render_template(
            "quizzes/intro.html",
            row=row,
            revision=revision,
            attempts_left=service.attempts_left(current_user.id, revision, path.cycle.starts_at),
            attempts=service.submitted_attempts(current_user.id, row.quiz_id),
            form=ButtonForm(),
        )
    return render_template("quizzes/take.html", row=row, attempt=attempt, questions=question_inputs(attempt))


@bp.post("/<slug>/quiz/intentos")
@signed_in
def start(slug: str):
    """Start an attempt (or go back to the open one)."""
    path, row = quiz_row(slug)
    try:
        service.start_attempt(current_user.id, row.quiz_id, path.cycle.starts_at)
    except service.NoAttemptsLeft:
        flash(_("Ya usó todos los intentos que permite este cuestionario. Consulte a capacitación."), "error")
        return redirect(url_for("quizzes.quiz", slug=slug))
    db.session.commit()
    return redirect(url_for("quizzes.quiz", slug=slug))


@bp.post("/<slug>/quiz/intentos/<int:attempt_id>")
@signed_in
@reads_before_writing
def submit(slug: str, attempt_id: int):
    """Grade the attempt once; with unanswered questions, show the form again as it was."""
    path, row = quiz_row(slug)
    attempt = service.attempt_to_take(attempt_id, current_user.id)
    if attempt is None or attempt.quiz_id != row.quiz_id:
        abort(404)
    if attempt.is_submitted:
        return redirect(url_for("quizzes.result", slug=slug, attempt_id=attempt.id))
    expected = {field_name(item.question_id) for item in attempt.questions}
    foreign = {key for key in request.form if _QUESTION_FIELD.match(key)} - expected
    if foreign:
        abort(400)
    form = quiz_form_for(attempt)
    if not form.validate_on_submit():
        questions = question_inputs(attempt, form)
        missing = sum(1 for question in questions if question.error)
        return render_template("quizzes/take.html", row=row, attempt=attempt, questions=questions, missing=missing), 422
    answers = answers_from(form, attempt)
    try:
        result = service.grade_attempt(attempt, answers)
    except InvalidAnswers:
        abort(400)
    # Everything above only read (deferred, without SQLite's write lock); the lock is held for the
    # conditional UPDATE and the inserts alone, which settle a race with another submission.
    with write_transaction():
        recorded = service.record_submission(attempt_id, result, answers)
    if recorded and result.passed:
        flash(_("¡Aprobó el cuestionario!"), "success")
    # attempt_id, not attempt.id: the commit expired the attempt, and reading it back would reload it.
    return redirect(url_for("quizzes.result", slug=slug, attempt_id=attempt_id))


@bp.get("/<slug>/quiz/intentos/<int:attempt_id>")
@signed_in
def result(slug: str, attempt_id: int):
    """Score, pass or fail, and for each question right or wrong; the right choices and why only when
    the quiz's setting allows it (by default once the person has passed), else the value at stake."""
    path, row = quiz_row(slug)
    attempt = service.attempt_for_user(attempt_id, current_user.id)
    if attempt is None or attempt.quiz_id != row.quiz_id:
        abort(404)
    if not attempt.is_submitted:
        return redirect(url_for("quizzes.quiz", slug=slug))
    newest = latest_revision(row.quiz_id)
    value_texts = institutional_text().values
    tagged = {name for item in attempt.questions for name in item.question.values}
    return render_template(
        "quizzes/result.html",
        path=path,
        row=row,
        next_row=path.next_row(row),
        attempt=attempt,
        chosen=service.chosen_choice_ids(attempt.id),
        show_key=service.answers_visible(newest, row.passed),
        setting=newest.show_answers,
        value_texts=value_texts,
        # The seed's values this attempt's questions assess, in the seed's order.
        values_at_stake=[name for name in value_texts if name in tagged],
        form=ButtonForm(),
    )
