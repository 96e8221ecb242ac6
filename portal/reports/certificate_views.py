"""HR's downloads of certificates: one person's (any cycle's) as a PDF, and the filtered list's as a ZIP.

Routes live on the reports blueprint (/rrhh); importing this module registers them. Like the exports,
each download discloses personal data, so its audit event is committed before the first byte is sent.
"""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal import audit, downloads
from portal.database import write_transaction
from portal.dates import local_today
from portal.extensions import db
from portal.learning import certificate_documents as documents
from portal.models.progress import Certificate
from portal.models.user import User
from portal.reports import bp, hr_only, service
from portal.reports.forms import filter_form
from portal.reports.names import certificate_file_name

#: Certificates drawn together while the streamed ZIP goes out.
STREAM_BATCH = 50


def _attachment(body, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/personas/<int:user_id>/certificados/<int:certificate_id>.pdf")
@hr_only
def person_certificate(user_id: int, certificate_id: int):
    """One of the person's certificates (current or of an earlier cycle) as its PDF."""
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or certificate.user_id != user_id:
        abort(404)
    person = certificate.user
    body = documents.certificate_document(person, certificate)
    with write_transaction():
        audit.record(
            "report.certificate_downloaded",
            actor_id=current_user.id,
            user_id=person.id,
            certificate_id=certificate.id,
            via="web",
        )
    return _attachment(body, "application/pdf", certificate_file_name(person, certificate))


@bp.get("/certificados.zip")
@hr_only
def certificates_zip():
    """The newest certificate of each person on the filtered list, as PDFs in one streamed ZIP."""
    filters = filter_form().to_filters()
    today = local_today()
    limit = current_app.config["CERTIFICATES_PER_ZIP"]
    pairs = service.newest_certificates(filters, today, limit + 1)
    back = redirect(url_for("reports.report", **request.args))
    if not pairs:
        flash(_("Nadie en la lista filtrada tiene certificado: no hay nada que descargar."), "info")
        return back
    if len(pairs) > limit:
        flash(
            _(
                "La lista filtrada tiene más de %(limit)s personas con certificado, el máximo por archivo ZIP. "
                "Acote los filtros (por ejemplo, por departamento o fecha de ingreso) y vuelva a descargar.",
                limit=limit,
            ),
            "error",
        )
        return back
    with write_transaction():
        audit.record(
            "report.certificates_downloaded",
            actor_id=current_user.id,
            filters=filters.as_details(),
            certificates=len(pairs),
            via="web",
        )
    certificate_ids = [certificate_id for _user_id, certificate_id in pairs]

    def entries():
        # One query for the people and certificates; the PDFs are built as the ZIP goes.
        found = {
            certificate.id: certificate
            for certificate in db.session.scalars(select(Certificate).where(Certificate.id.in_(certificate_ids)))
        }
        owners = {certificate.user_id for certificate in found.values()}
        people = {person.id: person for person in db.session.scalars(select(User).where(User.id.in_(owners)))}
        owned = [(people[found[certificate_id].user_id], found[certificate_id]) for certificate_id in certificate_ids]
        # Drawn a batch at a time (learning/certificate_documents.py), so the first bytes leave early.
        for start in range(0, len(owned), STREAM_BATCH):
            batch = owned[start : start + STREAM_BATCH]
            for index, document in documents.certificate_documents(batch):
                person, certificate = batch[index]
                yield certificate_file_name(person, certificate), document

    filename = f"certificados-induccion-{today.isoformat()}.zip"
    return _attachment(stream_with_context(downloads.zip_chunks(entries())), "application/zip", filename)
