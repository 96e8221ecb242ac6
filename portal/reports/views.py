"""HR's pages: completion report, people, exports and reminders."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import get_timezone
from sqlalchemy import select

from portal.auth.access import roles_required
from portal.extensions import db
from portal.learning import service as learning
from portal.models.quiz import Attempt
from portal.models.user import HR, Department, User
from portal.reports import service
from portal.reports.forms import EMPLOYMENT_LABELS, STATUS_LABELS, ReportFilterForm

bp = Blueprint("reports", __name__)
hr_only = roles_required(HR)


def local_today():
    return datetime.now(get_timezone()).date()


def departments_in_order() -> list[Department]:
    return list(db.session.scalars(select(Department).order_by(Department.name)))


def filter_form() -> ReportFilterForm:
    form = ReportFilterForm(formdata=request.args)
    form.set_departments(departments_in_order())
    return form


@bp.get("/")
@hr_only
def report():
    """Totals by status, completion by department, and the filtered list of people."""
    form = filter_form()
    filters = form.to_filters(page=request.args.get("pagina", 1, type=int))
    result = service.completion_report(filters, local_today())
    args = {key: value for key, value in request.args.items() if key != "pagina" and value}
    return render_template(
        "reports/report.html",
        form=form,
        report=result,
        filters=filters,
        args=args,
        status_labels=STATUS_LABELS,
        employment_labels=EMPLOYMENT_LABELS,
        can_export="reports.export_csv" in current_app.view_functions,
    )


@bp.get("/personas/<int:user_id>")
@hr_only
def person(user_id: int):
    """One person's path: modules, attempts, commitment, certificate."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    path = learning.learner_path(user.id)
    attempts = list(
        db.session.scalars(
            select(Attempt)
            .where(Attempt.user_id == user.id, Attempt.submitted_at.is_not(None))
            .order_by(Attempt.submitted_at)
        )
    )
    by_quiz: dict[int, list[Attempt]] = {}
    for attempt in attempts:
        by_quiz.setdefault(attempt.quiz_id, []).append(attempt)
    return render_template(
        "reports/person.html",
        person=user,
        path=path,
        attempts=by_quiz,
        employment_labels=EMPLOYMENT_LABELS,
        group_code=learning.group_code,
    )
