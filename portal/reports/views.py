"""HR's pages: the completion report, one person's path, and adding, editing and deactivating people.

The report and the person's page render through render_report and render_person, which the
jefaturas' read-only team view (team_views) calls with its own Area and scope."""

from __future__ import annotations

from dataclasses import dataclass, replace

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from portal.auth.authority import may_issue_activation, may_manage, out_of_authority_message
from portal.dates import DateOutOfRange, local_today
from portal.extensions import db
from portal.jobs import recent_jobs
from portal.learning import service as learning
from portal.learning.progress import onboarding_status
from portal.models.quiz import Attempt
from portal.models.types import utcnow
from portal.models.user import User
from portal.outbox import mail_for_person
from portal.people import accounts, welcome
from portal.people.departments import departments_in_order
from portal.people.errors import PersonConflict
from portal.people.personal_data import is_anonymised
from portal.reports import bp, hr_only, service
from portal.reports.forms import (
    EMPLOYMENT_LABELS,
    STATUS_LABELS,
    DueDateShiftForm,
    PersonForm,
    filter_form,
    person_form_data,
    person_values,
    status_labels_in_use,
)
from portal.vocabulary import COMPLETED


@dataclass(frozen=True)
class Area:
    """Whose report and person pages these are: HR's, or a jefatura's read-only view (team_views)."""

    report_endpoint: str
    person_endpoint: str
    #: The area's name, in page titles ("Recursos Humanos", "Mi equipo").
    name: str
    #: The report's heading, also the person page's way back.
    report_title: str
    #: HR's tools (add, import, remind, move due dates, export, edit): never in a jefatura's view.
    hr_tools: bool
    #: A jefatura's printing for their team: activation slips and reminder sheets (team_views).
    team_paper: bool = False


HR_AREA = Area("reports.report", "reports.person", _l("Recursos Humanos"), _l("Avance de la inducción"), hr_tools=True)


@bp.get("/")
@hr_only
def report():
    """Totals by status, completion by department, and the filtered list of people."""
    return render_report(HR_AREA, filter_form(), scope_departments=None)


def render_report(area: Area, form, scope_departments: frozenset[int] | None, **context):
    """The completion report of the people within `scope_departments` (None: everyone)."""
    filters = replace(
        form.to_filters(page=request.args.get("pagina", 1, type=int)), scope_departments=scope_departments
    )
    result = service.completion_report(filters, local_today())
    args = {key: value for key, value in request.args.items() if key != "pagina" and value}
    return render_template(
        "reports/report.html",
        area=area,
        form=form,
        report=result,
        filters=filters,
        args=args,
        # Translated once here: each row shows up to three labels, and a lazy one is translated again
        # at every use.
        status_labels={status: str(label) for status, label in status_labels_in_use().items()},
        employment_labels={kind: str(label) for kind, label in EMPLOYMENT_LABELS.items()},
        jobs=recent_jobs(current_user.id),
        export_job_rows=current_app.config["EXPORT_JOB_ROWS"],
        extra_links=[
            ("reports.import_staff", _("Importar personal")),
            ("reports.reminders_page", _("Enviar recordatorios")),
        ],
        **context,
    )


@bp.get("/personas/<int:user_id>")
@hr_only
def person(user_id: int):
    """One person's path: modules, attempts, commitment, certificate."""
    return render_person(HR_AREA, db.get_or_404(User, user_id))


def render_person(area: Area, user: User):
    """One person's page; in an area without HR's tools it is read-only (no actions, no downloads)."""
    path = learning.learner_path(user.id)
    attempts = db.session.scalars(
        select(Attempt)
        .where(Attempt.user_id == user.id, Attempt.submitted_at.is_not(None))
        .order_by(Attempt.submitted_at)
    )
    by_quiz: dict[int, list[Attempt]] = {}
    for attempt in attempts:
        by_quiz.setdefault(attempt.quiz_id, []).append(attempt)
    return render_template(
        "reports/person.html",
        area=area,
        person=user,
        path=path,
        attempts=by_quiz,
        certificates=learning.certificates_of(user.id),
        mails=mail_for_person(user.id),
        manageable=area.hr_tools and may_manage(current_user.roles, user.roles),
        slip_printable=area.team_paper and may_issue_activation(current_user, user),
        out_of_authority=out_of_authority_message(),
        status=onboarding_status(path.progress, user.due_date, local_today(), renewal_due=path.renewal_due),
        status_labels=STATUS_LABELS,
        employment_labels=EMPLOYMENT_LABELS,
        group_code=learning.group_code,
        certificate_valid_until=learning.certificate_valid_until,
        now_utc=utcnow(),
    )


def changeable_person(user_id: int) -> User:
    """The person, when HR may change their record.

    404 when there is none; 403 when the account holds a role outside the signed-in person's
    authority (HR manages staff); back to their page when they were anonymised.
    """
    user = db.get_or_404(User, user_id)
    if not may_manage(current_user.roles, user.roles):
        abort(403)
    if is_anonymised(user):
        flash(_("Esta persona fue anonimizada: su ficha ya no se puede modificar."), "error")
        abort(redirect(url_for("reports.person", user_id=user.id)))
    return user


def render_person_form(form: PersonForm, person: User | None):
    return render_template("reports/person_form.html", form=form, person=person, departments=departments_in_order())


@bp.route("/personas/nueva", methods=["GET", "POST"])
@hr_only
def new_person():
    """Add one person; shows the one-time link to set their password (and mails it when they have an email)."""
    form = PersonForm()
    if not form.validate_on_submit():
        return render_person_form(form, None)
    try:
        user = accounts.create_person(person_values(form), actor_id=current_user.id)
    except PersonConflict as conflict:
        db.session.rollback()
        getattr(form, conflict.field).errors.append(str(conflict))
        return render_person_form(form, None)
    token = welcome.issue_welcome_token(user)
    sent = welcome.queue_welcome(user, token)
    db.session.commit()
    # No flashed «Persona agregada.»: the page's heading says it, and the mail's state takes focus.
    return render_template(
        "reports/person_created.html",
        person=user,
        link=sent.link,
        days=sent.days,
        mail=sent.mail,
    )


@bp.route("/personas/<int:user_id>/editar", methods=["GET", "POST"])
@hr_only
def edit_person(user_id: int):
    person = changeable_person(user_id)
    form = PersonForm(data=person_form_data(person))
    if form.validate_on_submit():
        try:
            accounts.save_person(person, person_values(form), actor_id=current_user.id)
        except PersonConflict as conflict:
            db.session.rollback()
            getattr(form, conflict.field).errors.append(str(conflict))
        else:
            db.session.commit()
            flash(_("Datos guardados."), "success")
            return redirect(url_for("reports.person", user_id=person.id))
    return render_person_form(form, person)


@bp.post("/personas/<int:user_id>/activacion")
@hr_only
def set_active(user_id: int):
    """Deactivate someone who left (their records stay) or reactivate them."""
    active = request.form.get("active") == "1"
    if not active and user_id == current_user.id:
        flash(_("No puede desactivar su propia cuenta."), "error")
        return redirect(url_for("reports.person", user_id=user_id))
    person = changeable_person(user_id)
    accounts.set_active(person, active, current_user.id)
    db.session.commit()
    flash(_("Cuenta reactivada.") if active else _("Cuenta desactivada: la persona ya no puede ingresar."), "success")
    return redirect(url_for("reports.person", user_id=person.id))


@bp.get("/personas/<int:user_id>/desactivar")
@hr_only
def confirm_deactivation(user_id: int):
    """Ask before deactivating someone; the form posts to set_active.

    A read-only page: when there is nothing HR may confirm (someone outside HR's authority, HR's own
    account, an anonymised or already deactivated person), it goes back to the person's page.
    """
    person = db.get_or_404(User, user_id)
    person_url = url_for("reports.person", user_id=person.id)
    if not may_manage(current_user.roles, person.roles):
        flash(out_of_authority_message(), "error")
        return redirect(person_url)
    if person.id == current_user.id:
        flash(_("No puede desactivar su propia cuenta."), "error")
        return redirect(person_url)
    if not person.active or is_anonymised(person):
        return redirect(person_url)
    return render_template(
        "confirm.html",
        title=_("Desactivar la cuenta de %(name)s", name=person.full_name),
        crumbs=[(url_for("reports.report"), _("Avance de la inducción")), (person_url, person.full_name)],
        lead=_("Para una persona que dejó la institución. Al desactivar su cuenta:"),
        consequences=[
            _("No podrá ingresar al portal y se cierran las sesiones que tenga abiertas."),
            _("Deja de aparecer en el informe y en los recordatorios."),
            _("Su avance, sus intentos, su declaración de compromiso y sus certificados se conservan."),
            _("Puede reactivar la cuenta después desde su ficha."),
        ],
        action=url_for("reports.set_active", user_id=person.id),
        fields={"active": "0"},
        confirm_label=_("Desactivar la cuenta"),
        cancel_url=person_url,
    )


@bp.post("/personas/<int:user_id>/enlace")
@hr_only
def password_link(user_id: int):
    """A new one-time link to set the password, for HR to hand over in person."""
    person = changeable_person(user_id)
    raw = accounts.issue_password_link(person, current_user.id)
    db.session.commit()
    return render_template(
        "reports/person_created.html",
        person=person,
        link=welcome.set_password_link(raw),
        days=welcome.LINK_DAYS,
        reissued=True,
    )


@bp.route("/plazos", methods=["GET", "POST"])
@hr_only
def shift_due_dates():
    """Move the due dates of everyone matching the report's filters who has not finished."""
    filters = filter_form().to_filters()
    matching = [
        row for row in service.report_rows(filters, local_today(), service.steps_total()) if row.status != COMPLETED
    ]
    form = DueDateShiftForm()
    if form.validate_on_submit():
        try:
            moved = accounts.shift_due_dates([row.id for row in matching], form.days.data, current_user.id)
        except DateOutOfRange as refusal:
            form.days.errors.append(str(refusal))
        else:
            db.session.commit()
            flash(
                ngettext("Se movió el plazo de %(num)s persona.", "Se movió el plazo de %(num)s personas.", moved),
                "success",
            )
            return redirect(url_for("reports.report", **request.args))
    return render_template("reports/due_dates.html", form=form, people=matching, args=request.args)
