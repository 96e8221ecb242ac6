"""Administrators' pages: accounts and roles, departments, settings and the audit log's check.

The audit log's page and its downloads live in audit_views.py, on this blueprint.
"""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from portal import audit
from portal import settings as runtime_settings
from portal.admin import service
from portal.admin.forms import (
    ROLE_LABELS,
    AccountForm,
    AnonymiseForm,
    DepartmentForm,
    MergeForm,
    SearchForm,
    SettingsForm,
)
from portal.auth.access import public, roles_required
from portal.auth.forms import ButtonForm
from portal.auth.tokens import SET_PASSWORD_LIFETIME, issue_token
from portal.extensions import db
from portal.models.staff import SET_PASSWORD
from portal.models.user import ADMIN, Department, User
from portal.reports import people
from portal.reports.forms import EMPLOYMENT_LABELS, person_form_data
from portal.reports.welcome import send_welcome_links
from portal.security import CACHE_FOR_A_YEAR
from portal.uploads import normalized_logo, sniff_image_type
from portal.urls import public_url

bp = Blueprint("admin", __name__)
#: Routes outside /admin that belong to this area (the public logo).
branding_bp = Blueprint("branding", __name__)
admin_only = roles_required(ADMIN)

MAX_LOGO_BYTES = 512 * 1024


def person_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def department_or_404(department_id: int) -> Department:
    department = db.session.get(Department, department_id)
    if department is None:
        abort(404)
    return department


def departments_in_order() -> list[Department]:
    return list(db.session.scalars(select(Department).order_by(Department.name)))


@bp.get("/")
@admin_only
def index():
    return redirect(url_for("admin.accounts"))


# --- Accounts --------------------------------------------------------------------------


@bp.get("/cuentas")
@admin_only
def accounts():
    """Everyone with an account, searchable by name, RUT or email."""
    form = SearchForm(formdata=request.args)
    form.validate()
    text = form.q.data if form.q.data and not form.q.errors else ""
    result = service.search_accounts(text, request.args.get("pagina", 1, type=int))
    args = {"q": text} if text else {}
    return render_template("admin/accounts.html", form=form, result=result, args=args, role_labels=ROLE_LABELS)


def render_account_form(form: AccountForm, person: User | None, status: int = 200):
    return (
        render_template("admin/account_form.html", form=form, person=person, departments=departments_in_order()),
        status,
    )


def form_data(form: AccountForm) -> dict:
    return {name: field.data for name, field in form._fields.items() if name not in ("csrf_token", "roles")}


@bp.route("/cuentas/nueva", methods=["GET", "POST"])
@admin_only
def new_account():
    """Create an account with its roles; shows (and mails) the one-time link to set the password."""
    form = AccountForm()
    if not form.validate_on_submit():
        return render_account_form(form, None, 422 if request.method == "POST" else 200)
    try:
        user = people.save_person(
            None,
            form_data(form),
            onboarding_days=runtime_settings.effective("ONBOARDING_DAYS"),
            actor_id=current_user.id,
        )
        service.change_roles(user, form.roles.data, current_user.id)
    except (people.PersonConflict, service.AdminRuleError) as conflict:
        db.session.rollback()
        getattr(form, conflict.field or "roles").errors.append(str(conflict))
        return render_account_form(form, None, 422)
    raw = issue_token(user, SET_PASSWORD, SET_PASSWORD_LIFETIME)
    db.session.commit()
    link = public_url("auth.set_password", token=raw)
    mail_problem = None
    if user.email:
        mail_problem = send_welcome_links([(user.email, user.full_name, link)], SET_PASSWORD_LIFETIME.days)[user.email]
    flash(_("Cuenta creada."), "success")
    return render_template(
        "admin/account_created.html",
        person=user,
        link=link,
        days=SET_PASSWORD_LIFETIME.days,
        mailed=bool(user.email) and not mail_problem,
        mail_problem=mail_problem,
    )


@bp.get("/cuentas/<int:user_id>")
@admin_only
def account(user_id: int):
    person = person_or_404(user_id)
    return render_template(
        "admin/account.html",
        person=person,
        anonymised=service.is_anonymised(person),
        role_labels=ROLE_LABELS,
        employment_labels=EMPLOYMENT_LABELS,
        button=ButtonForm(),
    )


@bp.route("/cuentas/<int:user_id>/editar", methods=["GET", "POST"])
@admin_only
def edit_account(user_id: int):
    """Change a person's data and roles."""
    person = person_or_404(user_id)
    if service.is_anonymised(person):
        flash(_("Una cuenta anonimizada no se puede editar."), "error")
        return redirect(url_for("admin.account", user_id=person.id))
    form = AccountForm(data={**person_form_data(person), "roles": sorted(person.roles)})
    if not form.validate_on_submit():
        return render_account_form(form, person, 422 if request.method == "POST" else 200)
    try:
        # Roles first: a refused role change must not leave half-saved data behind.
        service.change_roles(person, form.roles.data, current_user.id)
        people.save_person(
            person,
            form_data(form),
            onboarding_days=runtime_settings.effective("ONBOARDING_DAYS"),
            actor_id=current_user.id,
        )
    except (people.PersonConflict, service.AdminRuleError) as conflict:
        db.session.rollback()
        getattr(form, conflict.field or "roles").errors.append(str(conflict))
        return render_account_form(form, person, 422)
    db.session.commit()
    flash(_("Datos guardados."), "success")
    return redirect(url_for("admin.account", user_id=person.id))


@bp.post("/cuentas/<int:user_id>/activacion")
@admin_only
def set_active(user_id: int):
    """Deactivate (sessions end, records stay) or reactivate an account."""
    person = person_or_404(user_id)
    active = request.form.get("active") == "1"
    try:
        service.set_active(person, active, current_user.id)
    except service.AdminRuleError as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
        return redirect(url_for("admin.account", user_id=person.id))
    db.session.commit()
    flash(_("Cuenta reactivada.") if active else _("Cuenta desactivada: la persona ya no puede ingresar."), "success")
    return redirect(url_for("admin.account", user_id=person.id))


@bp.get("/cuentas/<int:user_id>/desactivar")
@admin_only
def confirm_deactivation(user_id: int):
    """Ask before deactivating an account; the form posts to set_active."""
    person = person_or_404(user_id)
    account_url = url_for("admin.account", user_id=person.id)
    if not person.active or service.is_anonymised(person):
        return redirect(account_url)
    return render_template(
        "confirm.html",
        title=_("Desactivar la cuenta de %(name)s", name=person.full_name),
        crumbs=[(url_for("admin.accounts"), _("Cuentas y roles")), (account_url, person.full_name)],
        lead=_("Al desactivar la cuenta:"),
        consequences=[
            _("La persona no podrá ingresar al portal y se cierran las sesiones que tenga abiertas."),
            _("Deja de aparecer en el informe de Recursos Humanos y en los recordatorios."),
            _("Sus registros se conservan: avance, intentos, compromiso y certificados."),
            _("Puede reactivarla después. Si dejó la institución, luego podrá anonimizar sus datos personales."),
        ],
        action=url_for("admin.set_active", user_id=person.id),
        fields={"active": "0"},
        confirm_label=_("Desactivar la cuenta"),
        cancel_url=account_url,
    )


@bp.route("/cuentas/<int:user_id>/anonimizar", methods=["GET", "POST"])
@admin_only
def anonymise(user_id: int):
    """Remove the personal data of someone who left (Ley 21.719), keeping anonymous results."""
    person = person_or_404(user_id)
    form = AnonymiseForm()
    problem = None
    if person.id == current_user.id:
        problem = _("No puede anonimizar su propia cuenta.")
    elif service.is_anonymised(person):
        problem = _("Esta cuenta ya fue anonimizada.")
    elif person.active:
        problem = _("La cuenta está activa: desactívela primero y luego anonimícela.")
    if problem is None and form.validate_on_submit():
        try:
            service.anonymise(person, current_user.id)
        except service.AdminRuleError as refusal:
            db.session.rollback()
            problem = str(refusal)
        else:
            db.session.commit()
            flash(_("Los datos personales de la cuenta fueron eliminados; sus resultados se conservan."), "success")
            return redirect(url_for("admin.account", user_id=person.id))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/anonymise.html", person=person, form=form, problem=problem), status


# --- Departments -----------------------------------------------------------------------


@bp.route("/departamentos", methods=["GET", "POST"])
@admin_only
def departments():
    """Departments with how many people each has; add a new one."""
    form = DepartmentForm()
    if form.validate_on_submit():
        try:
            service.create_department(form.name.data, current_user.id)
        except service.AdminRuleError as refusal:
            db.session.rollback()
            form.name.errors.append(str(refusal))
        else:
            db.session.commit()
            flash(_("Departamento creado."), "success")
            return redirect(url_for("admin.departments"))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/departments.html", form=form, rows=service.departments_with_counts()), status


def render_department(department: Department, rename=None, merge=None, status=200):
    rename = rename or DepartmentForm(formdata=None, name=department.name)
    merge = merge or MergeForm(formdata=None)
    merge.into.choices = [("", _("Elija un departamento"))] + [
        (str(other.id), other.name) for other in departments_in_order() if other.id != department.id
    ]
    count = db.session.scalar(select(db.func.count(User.id)).where(User.department_id == department.id))
    return (
        render_template("admin/department.html", department=department, rename=rename, merge=merge, count=count),
        status,
    )


@bp.get("/departamentos/<int:department_id>")
@admin_only
def department(department_id: int):
    return render_department(department_or_404(department_id))


@bp.post("/departamentos/<int:department_id>/renombrar")
@admin_only
def rename_department(department_id: int):
    department = department_or_404(department_id)
    form = DepartmentForm()
    if form.validate_on_submit():
        try:
            service.rename_department(department, form.name.data, current_user.id)
        except service.AdminRuleError as refusal:
            db.session.rollback()
            form.name.errors.append(str(refusal))
        else:
            db.session.commit()
            flash(_("Departamento renombrado."), "success")
            return redirect(url_for("admin.departments"))
    return render_department(department, rename=form, status=422)


@bp.post("/departamentos/<int:department_id>/fusionar")
@admin_only
def merge_department(department_id: int):
    """Move everyone to another department and delete this one, in one transaction."""
    department = department_or_404(department_id)
    form = MergeForm()
    form.into.choices = [(str(other.id), other.name) for other in departments_in_order()]
    if form.validate_on_submit():
        target = department_or_404(int(form.into.data))
        try:
            moved = service.merge_departments(department, target, current_user.id)
        except service.AdminRuleError as refusal:
            db.session.rollback()
            form.into.errors.append(str(refusal))
        else:
            db.session.commit()
            flash(
                ngettext(
                    "Departamentos fusionados: se trasladó %(num)s persona.",
                    "Departamentos fusionados: se trasladaron %(num)s personas.",
                    moved,
                ),
                "success",
            )
            return redirect(url_for("admin.departments"))
    return render_department(department, merge=form, status=422)


# --- Settings --------------------------------------------------------------------------


def save_logo(upload) -> str:
    """Store the uploaded logo under instance/branding/ and return its new name. Raises AdminRuleError.

    The image is decoded and written again, at most LOGO_BOX pixels: the logo is in every page's
    header and in certificates, so a 500 KB photograph must not weigh on every page, and nothing
    but pixels (no metadata, no trailing payload) comes out of what was uploaded.
    """
    data = upload.stream.read(MAX_LOGO_BYTES + 1)
    if len(data) > MAX_LOGO_BYTES:
        raise service.AdminRuleError(_("El logo supera los 512 KB."), "logo")
    if sniff_image_type(data[:16]) is None:
        raise service.AdminRuleError(_("El archivo no es una imagen PNG, JPEG o WebP."), "logo")
    try:
        logo, kind = normalized_logo(data)
    except ValueError:
        raise service.AdminRuleError(
            _("No se pudo leer la imagen: el archivo está dañado o incompleto."), "logo"
        ) from None
    name = f"logo-{secrets.token_hex(8)}.{kind}"
    (runtime_settings.branding_folder() / name).write_bytes(logo)
    return name


@bp.route("/configuracion", methods=["GET", "POST"])
@admin_only
def settings():
    """Institution name, logo, onboarding days, reminder interval and how long a completion stays valid."""
    effective = runtime_settings.effective
    form = SettingsForm(
        institution_name=effective("INSTITUTION_NAME"),
        onboarding_days=effective("ONBOARDING_DAYS"),
        reminder_interval_days=effective("REMINDER_INTERVAL_DAYS"),
        renewal_months=effective("RENEWAL_MONTHS") or None,
    )
    if form.validate_on_submit():
        values = {
            "INSTITUTION_NAME": " ".join(form.institution_name.data.split()),
            "ONBOARDING_DAYS": form.onboarding_days.data,
            "REMINDER_INTERVAL_DAYS": form.reminder_interval_days.data,
            # 0, not "unset", so that an empty field turns renewal off even if the configuration sets it.
            "RENEWAL_MONTHS": form.renewal_months.data or (0 if current_app.config.get("RENEWAL_MONTHS") else None),
        }
        upload = form.logo.data
        try:
            if upload and getattr(upload, "filename", ""):
                values["LOGO"] = save_logo(upload)
            elif form.remove_logo.data:
                values["LOGO"] = None
        except service.AdminRuleError as refusal:
            form.logo.errors.append(str(refusal))
        else:
            changed = runtime_settings.store(values, actor_id=current_user.id)
            db.session.commit()
            flash(_("Configuración guardada.") if changed else _("No había cambios que guardar."), "success")
            return redirect(url_for("admin.settings"))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/settings.html", form=form, logo=effective("LOGO")), status


@branding_bp.get("/logo/<name>")
@public
def logo(name: str):
    """The institution's logo, shown in every page's header (also before signing in)."""
    if name != runtime_settings.effective("LOGO"):
        abort(404)
    response = send_from_directory(runtime_settings.branding_folder(), name)
    # Every upload gets a new random name and a stored logo is never rewritten, so the name
    # stands for these bytes. Public: anyone may see the logo, even before signing in.
    response.headers["Cache-Control"] = f"public, {CACHE_FOR_A_YEAR}"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


# --- Audit log -------------------------------------------------------------------------


@bp.post("/auditoria/verificar")
@admin_only
def verify_audit():
    """Recompute the keyed hash chain, compare it with the checkpoints, and say what was found."""
    form = ButtonForm()
    if not form.validate_on_submit():
        abort(400)
    result = audit.verify()
    # Flashed messages travel in the session cookie: a truncated log may miss hundreds of checkpoints.
    for line in audit.summary_lines(result, limit=3):
        flash(line, "success" if result.intact else "error")
    return redirect(url_for("admin.audit_log"))
