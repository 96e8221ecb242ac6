"""HR imports staff from a CSV or XLSX file: upload, review the preview, confirm.

Nothing is written until HR confirms. The preview page carries the file's recognised columns
back in a signed, compressed hidden field (see staff_import.pack_ticket), so any worker on any
host can handle the confirmation; it re-reads and re-validates the rows against the database
and applies them in one transaction.
"""

from __future__ import annotations

from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.jobs import start_job
from portal.people import staff_import as importer
from portal.reports import bp, hr_only
from portal.reports.forms import EMPLOYMENT_LABELS, ConfirmImportForm, StaffFileForm
from portal.vocabulary import JobKind


def render_upload(form: StaffFileForm, problems=(), status: int = 200):
    return make_response(render_template("reports/import_upload.html", form=form, problems=list(problems)), status)


def in_background(preview: importer.Preview) -> bool:
    """Whether confirming hands the import to a job of the queue (a long file) instead of applying it at once."""
    return preview.valid_count > current_app.config["IMPORT_JOB_ROWS"]


def render_preview(
    preview: importer.Preview,
    ticket: str,
    file_name: str,
    *,
    changed: bool = False,
    undecided: bool = False,
    status=200,
):
    confirm = ConfirmImportForm(formdata=None)
    confirm.ticket.data = ticket
    confirm.fingerprint.data = preview.fingerprint
    confirm.skip_invalid.data = "1" if preview.invalid else ""
    page = render_template(
        "reports/import_preview.html",
        preview=preview,
        file_name=file_name,
        confirm=confirm,
        changed=changed,
        undecided=undecided,
        create=importer.CREATE,
        department_line=importer.department_line,
        describe=importer.describe_value,
        employment_labels=EMPLOYMENT_LABELS,
        in_background=in_background(preview),
    )
    return make_response(page, status)


@bp.route("/personas/importar", methods=["GET", "POST"])
@hr_only
def import_staff():
    """Upload a file and see what importing it would do; nothing is stored."""
    form = StaffFileForm()
    if request.method == "GET":
        return render_upload(form)
    if not form.validate_on_submit():
        return render_upload(form, status=422)
    upload = form.file.data
    file_name = importer.safe_file_name(upload.filename)
    data = upload.read(importer.MAX_FILE_BYTES + 1)
    try:
        table = importer.load_table(data, file_name)
        preview = importer.build_preview(table)
        ticket = importer.pack_ticket(table, preview.columns, user_id=current_user.id, file_name=file_name)
    except importer.ImportFileError as error:
        return render_upload(form, error.problems, status=422)
    return render_preview(preview, ticket, file_name)


def start_import_job(form: ConfirmImportForm, choices: dict, preview: importer.Preview, skip_invalid: bool):
    """Hand a long file to a job, which validates and applies the same reviewed rows in one transaction."""
    params = {
        "ticket": form.ticket.data,
        "choices": choices,
        "fingerprint": preview.fingerprint,
        "skip_invalid": skip_invalid,
    }
    job = start_job(JobKind.STAFF_IMPORT, current_user.id, params)
    db.session.commit()
    return redirect(url_for("reports.job", job_id=job.id))


@bp.post("/personas/importar/confirmar")
@hr_only
def confirm_staff_import():
    """Re-read the reviewed file, re-validate it and apply it in one transaction."""
    form = ConfirmImportForm()
    try:
        if not form.validate_on_submit():
            raise importer.InvalidTicket("form did not validate")
        table, file_name = importer.unpack_ticket(form.ticket.data, user_id=current_user.id)
        # HR's department choices (one select per department of the file) are checked again here.
        choices = {
            name: value for name, value in request.form.items() if name.startswith(importer.DEPARTMENT_FIELD_PREFIX)
        }
        preview = importer.build_preview(table, department_choices=choices)
    except (importer.InvalidTicket, importer.ImportFileError):
        flash(_("La revisión del archivo venció o no es válida. Súbalo otra vez."), "error")
        return redirect(url_for("reports.import_staff"))
    skip_invalid = form.skip_invalid.data == "1"
    if preview.fingerprint != form.fingerprint.data or (preview.invalid and not skip_invalid):
        # HR's choices that still hold are kept; the others go back to the new proposals.
        kept = {
            choice.field_name: choices[choice.field_name]
            for choice in preview.department_choices
            if choice.field_name in choices and not choice.error
        }
        preview = importer.build_preview(table, department_choices=kept)
        return render_preview(preview, form.ticket.data, file_name, changed=True, status=409)
    if preview.undecided_departments:
        return render_preview(preview, form.ticket.data, file_name, undecided=True, status=422)
    if not preview.has_work:
        flash(_("No había cambios que importar; no se guardó nada."), "info")
        return redirect(url_for("reports.import_staff"))
    if in_background(preview):
        return start_import_job(form, choices, preview, skip_invalid)
    try:
        result = importer.apply_import(
            preview, actor_id=current_user.id, via="web", file_name=file_name, skip_invalid=skip_invalid
        )
        people = [(person, importer.set_password_link(person.token)) for person in result.created]
        delivery = importer.welcome_new_people(result)
        db.session.commit()
    except IntegrityError:
        # Someone created or changed one of these accounts at the same moment: show the new state.
        db.session.rollback()
        preview = importer.build_preview(table, department_choices=choices)
        return render_preview(preview, form.ticket.data, file_name, changed=True, status=409)
    return render_template(
        "reports/import_done.html",
        result=result,
        file_name=file_name,
        without_email=[(person, link) for person, link in people if not person.has_email],
        with_email=[(person, link) for person, link in people if person.has_email],
        link_days=importer.LINK_DAYS,
        delivery=delivery,
    )
