"""The certificate's PDF as it is downloaded: what it prints (the person, the code, the required modules
and their best scores in the certificate's cycle), read from the database for one person or, in a few
queries, for a batch of people (HR's ZIPs)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.institution import with_article
from portal.learning.certificate import CertificateData, certificate_pdf, certificate_pdfs
from portal.learning.cycles import Cycle, closed_cycle, current_cycle, renewal_months
from portal.learning.service import (
    IssuedCertificate,
    LearnerPath,
    certificate_issued_on,
    certificate_path,
    group_code,
    published_modules,
    signed_within,
)
from portal.models.progress import Certificate, Commitment
from portal.models.quiz import Attempt
from portal.models.types import utcnow
from portal.models.user import User
from portal.rut import display_rut
from portal.settings import effective, logo_path
from portal.urls import public_url


def certificate_document(
    user: User, certificate: Certificate | IssuedCertificate, current: LearnerPath | None = None
) -> bytes:
    """The certificate's PDF, as the person downloads it and as HR downloads it for them.

    Runs the queries of one or two `learner_path` calls (see `certificate_path`).
    """
    path = certificate_path(user, certificate, current)
    modules = certificate_modules((row.module, row.best_score) for row in path.rows)
    return certificate_pdf(_certificate_data(user, certificate, modules, _certificate_common()))


def certificate_documents(
    pairs: list[tuple[User, Certificate]], now: datetime | None = None
) -> Iterator[tuple[int, bytes]]:
    """certificate_document for many people at once, made quickly for the ZIPs of a whole list: yields
    (index of the pair, the same PDF as certificate_document's), one file at a time (certificate_pdfs).

    Three queries whatever the number of people (published modules, signatures, attempts), and one
    document drawn for all of them (certificate_pdfs). Pass batches of a few hundred at most.
    """
    if not pairs:
        return iter(())
    now = now or utcnow()
    months = renewal_months()
    user_ids = list({user.id for user, _certificate in pairs})
    signatures: dict[int, list[tuple[int, datetime]]] = {user_id: [] for user_id in user_ids}
    for user_id, commitment_id, signed_at in db.session.execute(
        select(Commitment.user_id, Commitment.id, Commitment.signed_at)
        .where(Commitment.user_id.in_(user_ids))
        .order_by(Commitment.user_id, Commitment.id.desc())
    ):
        signatures[user_id].append((commitment_id, signed_at))
    scored = db.session.execute(
        select(Attempt.user_id, Attempt.quiz_id, Attempt.submitted_at, Attempt.score).where(
            Attempt.user_id.in_(user_ids), Attempt.score.is_not(None)
        )
    ).all()
    attempts: dict[int, list] = {user_id: [] for user_id in user_ids}
    for user_id, quiz_id, submitted_at, score in scored:
        attempts[user_id].append((quiz_id, submitted_at, score))
    published = published_modules()
    common = _certificate_common()
    data = []
    for user, certificate in pairs:
        cycle = _printed_cycle(certificate, signatures[user.id], now, months)
        best: dict[int, int] = {}
        for quiz_id, submitted_at, score in attempts[user.id]:
            if cycle.contains(submitted_at) and score > best.get(quiz_id, -1):
                best[quiz_id] = score
        modules = certificate_modules((module, best.get(quiz_id)) for module, _lessons, quiz_id in published)
        data.append(_certificate_data(user, certificate, modules, common))
    return certificate_pdfs(data)


def _printed_cycle(certificate: Certificate, signatures: list[tuple[int, datetime]], now: datetime, months) -> Cycle:
    """The cycle whose scores `certificate_path` prints, worked out from the person's signatures
    ((commitment id, signed at), newest first) instead of queries: the current cycle when the
    certificate's commitment is the one signed in it, else the cycle the certificate closed."""
    latest = signatures[0] if signatures else None
    previous = signatures[1] if len(signatures) > 1 else None
    current = current_cycle(latest and latest[1], previous and previous[1], now, months)
    if latest is not None and latest[0] == certificate.commitment_id and signed_within(current, latest[1]):
        return current
    earlier = [signed_at for commitment_id, signed_at in signatures if commitment_id < certificate.commitment_id]
    return closed_cycle(max(earlier, default=None), certificate.issued_at)


def certificate_modules(rows) -> list[tuple[str, int | None]]:
    """What a certificate lists from (module, best score in the cycle) in path order: the required modules."""
    return [(module.title, best_score) for module, best_score in rows if module.required]


def _certificate_common() -> dict:
    """What every certificate of the institution prints alike: its name, logo and the texts' labels."""
    institution = effective("INSTITUTION_NAME")
    return {
        "institution": institution,
        "logo": logo_path(),
        "labels": {
            "title": _("Certificado de Inducción"),
            "certifies": _("Se certifica que"),
            "rut": _("RUT"),
            "body": _(
                "completó el programa de inducción institucional sobre la misión, la visión y "
                "los valores %(of_institution)s, y firmó la declaración de compromiso con esos valores.",
                of_institution=with_article(institution, "de"),
            ),
            "module": _("Módulo"),
            "score": _("Puntaje"),
            "date": _("Fecha"),
            "code": _("Código de verificación"),
            "verify": _("Verifique en"),
        },
    }


def _certificate_data(
    user: User, certificate: Certificate | IssuedCertificate, modules: list[tuple[str, int | None]], common: dict
) -> CertificateData:
    grouped = group_code(certificate.code)
    return CertificateData(
        full_name=user.full_name,
        rut=display_rut(user.rut),
        completed_on=format_date(certificate_issued_on(certificate), "long"),
        modules=modules,
        code=grouped,
        verify_url=public_url("learning.verify", code=grouped),
        **common,
    )
