"""The audit log's page, its check and its CSV/XLSX downloads, on the admin blueprint (/admin/auditoria).

Events are never changed or deleted here; a download is a disclosure of the log, so its own audit
event is committed before the file is sent, as HR's exports do.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import get_timezone
from flask_login import current_user

from portal import audit, downloads
from portal.admin import admin_only, audit_text, bp, service
from portal.admin.forms import AuditFilterForm
from portal.auth.forms import ButtonForm
from portal.database import write_transaction
from portal.dates import local_today
from portal.reports import exports


def audit_filters() -> tuple[AuditFilterForm, service.AuditFilters]:
    """The filters from the query string (page and downloads alike); a field with an error is ignored."""
    form = AuditFilterForm(formdata=request.args)
    form.accion.choices = audit_text.action_choices()
    form.validate()

    def clean(field):
        return field.data if field.data and not field.errors else None

    filters = service.AuditFilters(
        action=clean(form.accion) or "",
        actor=(clean(form.actor) or "").strip(),
        typed_login=(clean(form.ingreso) or "").strip(),
        start=clean(form.desde),
        end=clean(form.hasta),
    )
    return form, filters


@bp.get("/auditoria")
@admin_only
def audit_log():
    """The audit log, newest first, in Spanish, with filters and downloads of what they select."""
    form, filters = audit_filters()
    result = service.audit_events(filters, request.args.get("pagina", 1, type=int))
    args = {key: value for key, value in request.args.items() if key != "pagina" and value}
    subjects = service.account_names(event.subject_id for event, _name in result.items if event.subject_id)
    return render_template(
        "admin/audit.html",
        form=form,
        result=result,
        args=args,
        subjects=subjects,
        verify=ButtonForm(),
        action_label=audit_text.action_label,
        detail_lines=audit_text.detail_lines,
        value_limit=audit_text.PAGE_VALUE_LIMIT,
    )


@bp.get("/auditoria/exportar.csv")
@admin_only
def export_audit_csv():
    """The filtered log as CSV, read from the database a batch of events at a time while it is sent."""
    _form, filters = audit_filters()
    with write_transaction():
        audit.record("audit.exported", actor_id=current_user.id, format="csv", filters=filters.as_details())
    # audit_rows runs its queries as the response is iterated: keep the request (and session) alive.
    chunks = exports.csv_chunks(service.audit_rows(filters), get_timezone(), columns=audit_text.EXPORT_COLUMNS)
    return downloads.download(stream_with_context(chunks), "csv", local_today(), audit_text.EXPORT_FILE_STEM)


@bp.get("/auditoria/exportar.xlsx")
@admin_only
def export_audit_xlsx():
    """The filtered log as an Excel workbook, built in a temporary file and then streamed."""
    _form, filters = audit_filters()
    file, size, count = exports.xlsx_file(
        service.audit_rows(filters), get_timezone(), audit_text.EXPORT_COLUMNS, audit_text.EXPORT_SHEET_TITLE
    )
    try:
        with write_transaction():
            audit.record(
                "audit.exported", actor_id=current_user.id, format="xlsx", filters=filters.as_details(), rows=count
            )
    except BaseException:
        file.close()
        raise
    response = downloads.download(exports.file_chunks(file), "xlsx", local_today(), audit_text.EXPORT_FILE_STEM, size)
    response.call_on_close(file.close)  # also when the body is never read (HEAD, client gone early)
    return response


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
