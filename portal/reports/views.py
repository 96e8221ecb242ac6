"""HR's pages: completion report, people, exports and reminders."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_timezone, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.admin.service import is_anonymised
from portal.auth.access import roles_required
from portal.auth.authority import may_manage, out_of_authority_message
from portal.auth.tokens import SET_PASSWORD_LIFETIME, issue_token
from portal.dates import DateOutOfRange
from portal.extensions import db
from portal.learning import service as learning
from portal.learning.progress import COMPLETED, onboarding_status
from portal.models.quiz import Attempt
from portal.models.staff import SET_PASSWORD
from portal.models.types import utcnow
from portal.models.user import HR, Department, User
from portal.reports import people, service
from portal.reports.forms import (
    EMPLOYMENT_LABELS,
    STATUS_LABELS,
    DueDateShiftForm,
    PersonForm,
    ReportFilterForm,
    person_form_data,
    status_labels_in_use,
)
from portal.reports.welcome import send_welcome_links
from portal.settings import effective
from portal.urls import public_url

bp = Blueprint("reports", __name__)
hr_only = roles_required(HR)


def local_today():
    return datetime.now(get_timezone()).date()


def departments_in_order() -> list[Department]:
    return list(db.session.scalars(select(Department).order_by(Department.name)))


def filter_form() -> ReportFilterForm:
    form = ReportFilterForm(formdata=request.args)
    form.set_statuses()
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
        status_labels=status_labels_in_use(),
        employment_labels=EMPLOYMENT_LABELS,
        extra_links=[
            ("reports.import_staff", _("Importar personal")),
            ("reports.reminders_page", _("Enviar recordatorios")),
        ],
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
        certificates=learning.certificates_of(user.id),
        manageable=may_manage(current_user.roles, user.roles),
        out_of_authority=out_of_authority_message(),
        status=onboarding_status(path.progress, user.due_date, local_today(), renewal_due=path.renewal_due),
        status_labels=STATUS_LABELS,
        employment_labels=EMPLOYMENT_LABELS,
        group_code=learning.group_code,
        certificate_valid_until=learning.certificate_valid_until,
        now_utc=utcnow(),
    )


def person_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def changeable_person_or_redirect(user_id: int):
    """The person, or a redirect when they were anonymised (their record can no longer change).

    403 when the account holds a role outside the signed-in person's authority (HR manages staff).
    """
    user = person_or_404(user_id)
    if not may_manage(current_user.roles, user.roles):
        abort(403)
    if is_anonymised(user):
        flash(_("Esta persona fue anonimizada: su ficha ya no se puede modificar."), "error")
        return redirect(url_for("reports.person", user_id=user.id))
    return user


def render_person_form(form: PersonForm, person: User | None, link: str | None = None):
    return render_template(
        "reports/person_form.html", form=form, person=person, departments=departments_in_order(), link=link
    )


def save_from_form(form: PersonForm, person: User | None):
    """Save the person; on a RUT or email conflict, put the message next to the field."""
    data = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
    try:
        return people.save_person(person, data, onboarding_days=effective("ONBOARDING_DAYS"), actor_id=current_user.id)
    except people.PersonConflict as conflict:
        db.session.rollback()
        getattr(form, conflict.field).errors.append(str(conflict))
        return None


@bp.route("/personas/nueva", methods=["GET", "POST"])
@hr_only
def new_person():
    """Add one person; shows the one-time link to set their password."""
    form = PersonForm()
    if form.validate_on_submit():
        user = save_from_form(form, None)
        if user is not None:
            raw = issue_token(user, SET_PASSWORD, SET_PASSWORD_LIFETIME)
            db.session.commit()
            link = public_url("auth.set_password", token=raw)
            mail_problem = None
            if user.email:
                mail_problem = send_welcome_links([(user.email, user.full_name, link)], SET_PASSWORD_LIFETIME.days)[
                    user.email
                ]
            flash(_("Persona agregada."), "success")
            return render_template(
                "reports/person_created.html",
                person=user,
                link=link,
                days=SET_PASSWORD_LIFETIME.days,
                mailed=user.email and not mail_problem,
                mail_problem=mail_problem,
            )
    return render_person_form(form, None)


@bp.route("/personas/<int:user_id>/editar", methods=["GET", "POST"])
@hr_only
def edit_person(user_id: int):
    person = changeable_person_or_redirect(user_id)
    if not isinstance(person, User):
        return person
    form = PersonForm(data=person_form_data(person))
    if form.validate_on_submit() and save_from_form(form, person) is not None:
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
    person = changeable_person_or_redirect(user_id)
    if not isinstance(person, User):
        return person
    people.set_active(person, active, current_user.id)
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
    person = person_or_404(user_id)
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
            _("Su avance, sus intentos, su compromiso y sus certificados se conservan."),
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
    person = changeable_person_or_redirect(user_id)
    if not isinstance(person, User):
        return person
    raw = people.issue_password_link(person, current_user.id)
    db.session.commit()
    return render_template(
        "reports/person_created.html",
        person=person,
        link=public_url("auth.set_password", token=raw),
        days=SET_PASSWORD_LIFETIME.days,
        reissued=True,
    )


@bp.route("/plazos", methods=["GET", "POST"])
@hr_only
def shift_due_dates():
    """Move the due dates of everyone matching the report's filters who has not finished."""
    filters_form = filter_form()
    filters = filters_form.to_filters()
    matching = [
        row for row in service.report_rows(filters, local_today(), service.steps_total()) if row.status != COMPLETED
    ]
    form = DueDateShiftForm()
    if form.validate_on_submit():
        try:
            moved = people.shift_due_dates([row.id for row in matching], form.days.data, current_user.id)
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
