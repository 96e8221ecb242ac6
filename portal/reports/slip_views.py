"""HR prints activation slips (PDF): for one person, for the people of an import, for the filtered list.

Routes live on the reports blueprint (/rrhh); importing this module registers them. Printing issues new
codes (the earlier ones stop working), so it is a POST; portal.activation.slips audits it.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal.activation import slips
from portal.auth.authority import may_issue_activation
from portal.dates import local_today
from portal.downloads import download
from portal.extensions import db
from portal.models.user import User
from portal.reports import bp, hr_only, service
from portal.reports.forms import filter_form
from portal.urls import ids_from

#: Where each origin's "back" leads when nothing could be printed.
ORIGINS = (slips.FROM_PERSON, slips.FROM_IMPORT, slips.FROM_REPORT)


def not_yet_activated(user_ids: list[int], actor: User) -> list[User]:
    """Of these people, the active ones without a password whom `actor` may act on, in this order."""
    found = {
        user.id: user
        for user in db.session.scalars(
            select(User).where(User.id.in_(user_ids), User.active.is_(True), User.password_hash.is_(None))
        )
    }
    return [found[user_id] for user_id in user_ids if user_id in found and may_issue_activation(actor, found[user_id])]


@bp.post("/hojas-de-activacion")
@hr_only
def print_slips():
    """Activation slips for the posted people, or for whoever on the filtered list has not activated their account."""
    origin = request.form.get("origen")
    if origin not in ORIGINS:
        abort(400)
    today = local_today()
    if origin == slips.FROM_REPORT:
        back = url_for("reports.report", **request.args)
        rows = service.report_rows(filter_form().to_filters(), today, service.steps_total())
        people = not_yet_activated([row.id for row in rows], current_user)
        if not people:
            flash(slips.nobody_message(), "info")
            return redirect(back)
    else:
        ids = ids_from(request.form.getlist("persona")[: slips.MAX_SLIPS + 1])
        found = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(ids)))}
        people = [found[user_id] for user_id in dict.fromkeys(ids) if user_id in found]
        one = len(people) == 1 and origin == slips.FROM_PERSON
        back = url_for("reports.person", user_id=people[0].id) if one else url_for("reports.report")
    try:
        body = slips.print_slips(people, current_user.id, origin)
    except slips.SlipRefusal as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
        return redirect(back)
    db.session.commit()
    return download(body, "pdf", today, stem="hojas-de-activacion")
