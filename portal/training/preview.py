"""The trainers' preview: a module, its lessons and its draft quiz as a learner will see them; nothing is stored."""

from __future__ import annotations

from flask import abort, render_template, request

from portal.auth.forms import ButtonForm
from portal.extensions import db
from portal.learning import service as learning
from portal.markdown import render_markdown
from portal.quizzes import drafts
from portal.quizzes.grading import QuestionKey, grade
from portal.training import bp
from portal.training.lookups import module_or_404, quiz_of, trainer_only
from portal.videos import captioned_minutes


@bp.get("/modulos/<slug>/vista-previa")
@trainer_only
def preview(slug: str):
    """The module as a learner will see it, published or not."""
    module = module_or_404(slug)
    captions = learning.video_captions(module.id)
    return render_template(
        "training/preview_module.html", module=module, videos=len(captions), video_length=captioned_minutes(*captions)
    )


@bp.get("/modulos/<slug>/vista-previa/lecciones/<int:number>")
@trainer_only
def preview_lesson(slug: str, number: int):
    """One lesson as a learner will see it."""
    module = module_or_404(slug)
    if not 1 <= number <= len(module.lessons):
        abort(404)
    lesson = module.lessons[number - 1]
    return render_template(
        "training/preview_lesson.html",
        module=module,
        lesson=lesson,
        number=number,
        total=len(module.lessons),
        body=render_markdown(lesson.body_md),
    )


def preview_keys(draft: dict) -> list[QuestionKey]:
    """Stand-in ids for draft questions: question n is n, its choice k is n*100+k."""
    return [
        QuestionKey(
            id=number,
            kind=question["kind"],
            choice_ids=frozenset(number * 100 + k for k in range(1, len(question["choices"]) + 1)),
            correct_ids=frozenset(
                number * 100 + k for k, choice in enumerate(question["choices"], start=1) if choice["correct"]
            ),
        )
        for number, question in enumerate(draft["questions"], start=1)
    ]


@bp.route("/modulos/<slug>/vista-previa/cuestionario", methods=["GET", "POST"])
@trainer_only
def preview_quiz(slug: str):
    """Take the draft quiz and see the result; nothing is stored."""
    module = module_or_404(slug)
    quiz = quiz_of(module)
    draft = drafts.draft_of(quiz)
    db.session.rollback()  # a preview never writes, not even the quiz row
    keys = preview_keys(draft)
    answers: dict[int, list[int]] = {}
    for key in keys:
        # isdigit() alone let "²" through to int(), a 500: ASCII 0-9 only.
        picked = [int(value) for value in request.form.getlist(f"q{key.id}") if value.isascii() and value.isdigit()]
        if picked:
            answers[key.id] = [choice for choice in picked if choice in key.choice_ids]
    result = missing = None
    if request.method == "POST" and keys:
        missing = [key.id for key in keys if not answers.get(key.id)]
        if not missing:
            result = grade(keys, answers, draft["pass_mark"])
    return render_template(
        "training/preview_quiz.html",
        module=module,
        draft=draft,
        keys=keys,
        answers=answers,
        result=result,
        missing=missing,
        buttons=ButtonForm(),
    )
