"""Administrators' pages: accounts and roles, departments and settings.

The audit log's page, its downloads and its check live in audit_views.py, on the same blueprint.
"""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal import settings as runtime_settings
from portal.admin import admin_only, bp, branding_bp
from portal.admin.forms import (
    ROLE_LABELS,
    AccountForm,
    AnonymiseForm,
    DepartmentForm,
    MergeForm,
    SearchForm,
    SettingsForm,
)
from portal.admin.logo import save_logo
from portal.auth.access import public
from portal.auth.forms import ButtonForm
from portal.extensions import db
from portal.models.user import Department, User
from portal.people import administration, teams, welcome
from portal.people import departments as department_rules
from portal.people.accounts import create_person, save_person
from portal.people.errors import AdminRuleError, PersonConflict
from portal.people.personal_data import anonymise as anonymise_person
from portal.people.personal_data import anonymise_refusal, is_anonymised
from portal.reports.forms import EMPLOYMENT_LABELS, person_form_data, person_values
from portal.security import CACHE_FOR_A_YEAR


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
    result = administration.search_accounts(text, request.args.get("pagina", 1, type=int))
    args = {"q": text} if text else {}
    return render_template("admin/accounts.html", form=form, result=result, args=args, role_labels=ROLE_LABELS)


def account_form(data: dict | None = None) -> AccountForm:
    form = AccountForm(data=data) if data is not None else AccountForm()
    form.set_departments(department_rules.departments_in_order())
    return form


def render_account_form(form: AccountForm, person: User | None, status: int = 200):
    departments_list = department_rules.departments_in_order()
    page = render_template("admin/account_form.html", form=form, person=person, departments=departments_list)
    return make_response(page, status)


@bp.route("/cuentas/nueva", methods=["GET", "POST"])
@admin_only
def new_account():
    """Create an account with its roles; shows (and mails) the one-time link to set the password."""
    form = account_form()
    if not form.validate_on_submit():
        return render_account_form(form, None, 422 if request.method == "POST" else 200)
    try:
        user = create_person(person_values(form), roles=form.roles.data, actor_id=current_user.id)
        teams.change_led_departments(user, form.led_departments.data, current_user.id)
    except (PersonConflict, AdminRuleError) as conflict:
        db.session.rollback()
        getattr(form, conflict.field or "roles").errors.append(str(conflict))
        return render_account_form(form, None, 422)
    token = welcome.issue_welcome_token(user)
    sent = welcome.queue_welcome(user, token)
    db.session.commit()
    # No flashed «Cuenta creada.»: the page's heading says it, and the mail's state takes focus.
    return render_template(
        "admin/account_created.html",
        person=user,
        link=sent.link,
        days=sent.days,
        mail=sent.mail,
    )


@bp.get("/cuentas/<int:user_id>")
@admin_only
def account(user_id: int):
    person = db.get_or_404(User, user_id)
    return render_template(
        "admin/account.html",
        person=person,
        anonymised=is_anonymised(person),
        role_labels=ROLE_LABELS,
        employment_labels=EMPLOYMENT_LABELS,
        button=ButtonForm(),
    )


@bp.route("/cuentas/<int:user_id>/editar", methods=["GET", "POST"])
@admin_only
def edit_account(user_id: int):
    """Change a person's data and roles."""
    person = db.get_or_404(User, user_id)
    if is_anonymised(person):
        flash(_("Una cuenta anonimizada no se puede editar."), "error")
        return redirect(url_for("admin.account", user_id=person.id))
    led = [department.id for department in person.led_departments]
    form = account_form({**person_form_data(person), "roles": sorted(person.roles), "led_departments": led})
    if not form.validate_on_submit():
        return render_account_form(form, person, 422 if request.method == "POST" else 200)
    try:
        # Roles first: a refused role change must not leave half-saved data behind.
        administration.change_roles(person, form.roles.data, current_user.id)
        teams.change_led_departments(person, form.led_departments.data, current_user.id)
        save_person(person, person_values(form), actor_id=current_user.id)
    except (PersonConflict, AdminRuleError) as conflict:
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
    person = db.get_or_404(User, user_id)
    active = request.form.get("active") == "1"
    try:
        administration.set_active(person, active, current_user.id)
    except AdminRuleError as refusal:
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
    person = db.get_or_404(User, user_id)
    account_url = url_for("admin.account", user_id=person.id)
    if not person.active or is_anonymised(person):
        return redirect(account_url)
    return render_template(
        "confirm.html",
        title=_("Desactivar la cuenta de %(name)s", name=person.full_name),
        crumbs=[(url_for("admin.accounts"), _("Cuentas y roles")), (account_url, person.full_name)],
        lead=_("Al desactivar la cuenta:"),
        consequences=[
            _("La persona no podrá ingresar al portal y se cierran las sesiones que tenga abiertas."),
            _("Deja de aparecer en el informe de Recursos Humanos y en los recordatorios."),
            _("Sus registros se conservan: avance, intentos, declaración de compromiso y certificados."),
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
    person = db.get_or_404(User, user_id)
    form = AnonymiseForm()
    problem = anonymise_refusal(person, current_user.id)
    if problem is None and form.validate_on_submit():
        try:
            anonymise_person(person, current_user.id)
        except AdminRuleError as refusal:
            db.session.rollback()
            problem = str(refusal)
        else:
            db.session.commit()
            flash(_("Los datos personales de la cuenta fueron eliminados; sus resultados se conservan."), "success")
            return redirect(url_for("admin.account", user_id=person.id))
    status = 422 if request.method == "POST" else 200
    return make_response(render_template("admin/anonymise.html", person=person, form=form, problem=problem), status)


# --- Departments -----------------------------------------------------------------------


@bp.route("/departamentos", methods=["GET", "POST"])
@admin_only
def departments():
    """Departments with how many people each has; add a new one."""
    form = DepartmentForm()
    if form.validate_on_submit():
        try:
            department_rules.create_department(form.name.data, current_user.id)
        except AdminRuleError as refusal:
            db.session.rollback()
            form.name.errors.append(str(refusal))
        else:
            db.session.commit()
            flash(_("Departamento creado."), "success")
            return redirect(url_for("admin.departments"))
    status = 422 if request.method == "POST" else 200
    return make_response(
        render_template("admin/departments.html", form=form, rows=department_rules.departments_with_counts()), status
    )


def render_department(department: Department, rename=None, merge=None, status=200):
    rename = rename or DepartmentForm(formdata=None, name=department.name)
    merge = merge or MergeForm(formdata=None)
    merge.into.choices = [("", _("Elija un departamento"))] + [
        (str(other.id), other.name) for other in department_rules.departments_in_order() if other.id != department.id
    ]
    count = db.session.scalar(db.select(db.func.count(User.id)).where(User.department_id == department.id))
    page = render_template("admin/department.html", department=department, rename=rename, merge=merge, count=count)
    return make_response(page, status)


@bp.get("/departamentos/<int:department_id>")
@admin_only
def department(department_id: int):
    return render_department(db.get_or_404(Department, department_id))


@bp.post("/departamentos/<int:department_id>/renombrar")
@admin_only
def rename_department(department_id: int):
    department = db.get_or_404(Department, department_id)
    form = DepartmentForm()
    if form.validate_on_submit():
        try:
            department_rules.rename_department(department, form.name.data, current_user.id)
        except AdminRuleError as refusal:
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
    department = db.get_or_404(Department, department_id)
    form = MergeForm()
    form.into.choices = [(str(other.id), other.name) for other in department_rules.departments_in_order()]
    if form.validate_on_submit():
        target = db.get_or_404(Department, int(form.into.data))
        try:
            moved = department_rules.merge_departments(department, target, current_user.id)
        except AdminRuleError as refusal:
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


@bp.route("/configuracion", methods=["GET", "POST"])
@admin_only
def settings():
    """Institution name, logo, onboarding days, reminder interval, activation codes' life, a completion's validity."""
    effective = runtime_settings.effective
    form = SettingsForm(
        institution_name=effective("INSTITUTION_NAME"),
        onboarding_days=effective("ONBOARDING_DAYS"),
        reminder_interval_days=effective("REMINDER_INTERVAL_DAYS"),
        activation_code_days=effective("ACTIVATION_CODE_DAYS"),
        renewal_months=effective("RENEWAL_MONTHS") or None,
        attachment_max_mb=effective("ATTACHMENT_MAX_MB"),
        video_max_mb=effective("VIDEO_MAX_MB"),
    )
    if form.validate_on_submit():
        values = {
            "INSTITUTION_NAME": " ".join(form.institution_name.data.split()),
            "ONBOARDING_DAYS": form.onboarding_days.data,
            "REMINDER_INTERVAL_DAYS": form.reminder_interval_days.data,
            # Empty: the configuration's value (PORTAL_ACTIVATION_CODE_DAYS, 14 by default) applies again.
            "ACTIVATION_CODE_DAYS": form.activation_code_days.data,
            # 0, not "unset", so that an empty field turns renewal off even if the configuration sets it.
            "RENEWAL_MONTHS": form.renewal_months.data or (0 if current_app.config.get("RENEWAL_MONTHS") else None),
            "ATTACHMENT_MAX_MB": form.attachment_max_mb.data,
            "VIDEO_MAX_MB": form.video_max_mb.data,
        }
        upload = form.logo.data
        try:
            if upload and getattr(upload, "filename", ""):
                values["LOGO"] = save_logo(upload)
            elif form.remove_logo.data:
                values["LOGO"] = None
        except AdminRuleError as refusal:
            form.logo.errors.append(str(refusal))
        else:
            changed = runtime_settings.store(values, actor_id=current_user.id)
            db.session.commit()
            flash(_("Configuración guardada.") if changed else _("No había cambios que guardar."), "success")
            return redirect(url_for("admin.settings"))
    status = 422 if request.method == "POST" else 200
    return make_response(render_template("admin/settings.html", form=form, logo=effective("LOGO")), status)


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
