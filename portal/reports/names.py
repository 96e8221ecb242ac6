"""File names of what HR downloads, shared by the views and the jobs that make files."""

from __future__ import annotations

import re

from portal.learning import service as learning
from portal.learning.service import normalize_name
from portal.models.progress import Certificate
from portal.models.user import User


def certificate_file_name(person: User, certificate: Certificate) -> str:
    """ "certificado-ana-rojas-12345678-5-2026-03-02.pdf": ASCII, unique per person and day."""
    name = re.sub(r"[^a-z0-9]+", "-", normalize_name(person.full_name)).strip("-") or "persona"
    rut = re.sub(r"[^0-9A-Za-z-]+", "", person.rut)
    return f"certificado-{name}-{rut}-{learning.certificate_issued_on(certificate).isoformat()}.pdf"
