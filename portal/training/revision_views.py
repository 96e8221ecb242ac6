"""The published revisions of a module's quiz: what changed between two, and how each question was answered."""

from __future__ import annotations

from flask import render_template, request

from portal.models.quiz import QuizRevision
from portal.quizzes import statistics as stats
from portal.training import bp, service
from portal.training.lookups import module_or_404, quiz_of, trainer_only


@bp.get("/modulos/<slug>/versiones")
@trainer_only
def revisions(slug: str):
    """The quiz's published revisions, and what changed between two of them (the latest two by default)."""
    module = module_or_404(slug)
    quiz = quiz_of(module)
    found = service.revisions_of(quiz)
    comparison = older = newer = None
    numbers = {revision.number: revision for revision in found}
    a, b = request.args.get("desde", type=int), request.args.get("hasta", type=int)
    if a is None and b is None and len(found) >= 2:
        a, b = found[1].number, found[0].number
    if a in numbers and b in numbers:
        older, newer = numbers[a], numbers[b]
        comparison = service.compare_revisions(older, newer)
    return render_template(
        "training/revisions.html", module=module, revisions=found, comparison=comparison, older=older, newer=newer
    )


@bp.get("/modulos/<slug>/estadisticas")
@trainer_only
def statistics(slug: str):
    """Aggregated answers per question of a published revision; no names."""
    module = module_or_404(slug)
    quiz = quiz_of(module)
    found = service.revisions_of(quiz)
    number = request.args.get("version", type=int)
    revision: QuizRevision | None = next((r for r in found if r.number == number), found[0] if found else None)
    return render_template(
        "training/statistics.html",
        module=module,
        revisions=found,
        revision=revision,
        stats=stats.revision_statistics(revision.id) if revision else None,
    )
