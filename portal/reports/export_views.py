"""HR's downloads of the completion list (CSV and XLSX), with the report page's filters and order.

Routes live on the reports blueprint (/rrhh); importing this module registers them. Each download is
a disclosure of personal data, so the audit event is committed before the first byte is sent.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, request, stream_with_context, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user

from portal import audit, downloads
from portal.database import write_transaction
from portal.dates import local_today
from portal.reports import bp, exports, hr_only, service
from portal.reports.forms import filter_form


@bp.get("/exportar.csv")
@hr_only
def export_csv():
    """The filtered list as CSV, streamed from the database a few rows at a time."""
    filters = filter_form().to_filters()
    today = local_today()
    # The rows' queries run when the response is iterated: keep the request (and session) alive.
    rows, columns = exports.people_and_columns(filters, today)
    with write_transaction():
        audit.record("report.exported", actor_id=current_user.id, format="csv", filters=filters.as_details(), via="web")
    return downloads.download(
        stream_with_context(exports.csv_chunks(rows, get_timezone(), columns=columns)), "csv", today
    )


@bp.get("/exportar.xlsx")
@hr_only
def export_xlsx():
    """The filtered list as an Excel workbook, built in a temporary file and then streamed.

    A list longer than EXPORT_JOB_ROWS is left to a job (the report page offers its button instead of
    this link); a GET writes nothing, so it only sends the person back to that button.
    """
    filters = filter_form().to_filters()
    today = local_today()
    limit = current_app.config["EXPORT_JOB_ROWS"]
    if service.count_people(filters, today) > limit:
        flash(
            _(
                "La lista filtrada tiene más de %(limit)s personas: use «Preparar Excel de toda la lista» "
                "y descárguelo cuando esté listo.",
                limit=limit,
            ),
            "info",
        )
        return redirect(url_for("reports.report", **request.args))
    rows, columns = exports.people_and_columns(filters, today)
    file, size, count = exports.xlsx_file(rows, get_timezone(), columns)
    try:
        with write_transaction():
            audit.record(
                "report.exported",
                actor_id=current_user.id,
                format="xlsx",
                filters=filters.as_details(),
                rows=count,
                via="web",
            )
    except BaseException:
        file.close()
        raise
    response = downloads.download(exports.file_chunks(file), "xlsx", today, size=size)
    response.call_on_close(file.close)  # also when the body is never read (HEAD, client gone early)
    return response
