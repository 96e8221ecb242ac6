"""The administrators' view of the background work: the outbox (/admin/correos) and the daily jobs
(/admin/tareas). Read-only pages: the queue itself retries and runs them."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template, request
from sqlalchemy import func, select

from portal.admin import admin_only, bp
from portal.extensions import db
from portal.models.outbox import OutboxMail
from portal.models.types import utcnow
from portal.pagination import paginate
from portal.queue.periodic import job_states
from portal.vocabulary import MailStatus

PAGE_SIZE = 50
#: Mail due this long ago and still pending means no consumer is delivering (or the server is down).
LATE_AFTER = timedelta(minutes=5)


@bp.get("/correos")
@admin_only
def outbox():
    """Every e-mail the portal wrote, newest first, with its state; filtered by state."""
    state = request.args.get("estado", "")
    chosen = state if state in {status.value for status in MailStatus} else ""
    query = select(OutboxMail).order_by(OutboxMail.id.desc())
    count = select(func.count(OutboxMail.id))
    if chosen:
        query, count = query.where(OutboxMail.status == chosen), count.where(OutboxMail.status == chosen)
    result = paginate(query, count, request.args.get("pagina", 1, type=int), PAGE_SIZE)
    totals = {
        status: number
        for status, number in db.session.execute(
            select(OutboxMail.status, func.count(OutboxMail.id)).group_by(OutboxMail.status)
        )
    }
    late = db.session.scalar(
        select(func.count(OutboxMail.id)).where(
            OutboxMail.status == MailStatus.PENDING, OutboxMail.next_attempt_at < utcnow() - LATE_AFTER
        )
    )
    return render_template(
        "admin/outbox.html",
        late=late,
        result=result,
        chosen=chosen,
        totals=totals,
        args={"estado": chosen} if chosen else {},
    )


@bp.get("/tareas")
@admin_only
def daily_jobs():
    """Each daily job: its hour, last run and result, and next run."""
    return render_template("admin/jobs.html", states=job_states())
