"""The certificates of a whole filtered list as one ZIP, made by a job of the queue (portal/jobs).

The ZIP streamed by a request stops at CERTIFICATES_PER_ZIP people; this one has no limit, since no
request waits for it: the job writes it under instance/jobs/, reporting progress every few PDFs,
and only the person who asked downloads it, for a day (its download is audited like the other one).
"""

from __future__ import annotations

import gc
import time
import zipfile
from contextlib import contextmanager

from flask_babel import ngettext
from sqlalchemy import select

from portal.dates import local_today
from portal.extensions import db
from portal.jobs import JobFile, new_result_path
from portal.learning import certificate_documents as documents
from portal.models.progress import Certificate
from portal.models.user import User
from portal.reports import service
from portal.reports.names import certificate_file_name
from portal.reports.reminders import filters_from_details

#: Certificates read and drawn together (learning/certificate_documents.py): a few queries and one
#: document per batch; the batch's PDFs are in memory until written to the ZIP.
STEP = 250


@contextmanager
def _collecting_each_batch():
    """Make a garbage collection per batch cheap: everything alive before the job (the app, the
    consumer) is set aside while it runs, so that a collection looks at the job's own objects only
    (a full one took 0.2 s, more than drawing twenty certificates)."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def zip_certificates(params: dict, actor_id: int | None, progress) -> JobFile:
    """Write the newest certificate of each person on the filtered list into one ZIP file."""
    today = local_today()
    pairs = service.newest_certificates(filters_from_details(params["filters"]), today, 10**9)
    progress(0, len(pairs))
    path = new_result_path("zip")
    stamp = time.localtime()[:6]
    # Stored, not deflated: a certificate's streams are compressed already (deflating the files
    # again took 0.5 ms of CPU each, a tenth of the job's, for 11 % less).
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive, _collecting_each_batch():
        for start in range(0, len(pairs), STEP):
            ids = [certificate_id for _user_id, certificate_id in pairs[start : start + STEP]]
            found = {c.id: c for c in db.session.scalars(select(Certificate).where(Certificate.id.in_(ids)))}
            people = {
                person.id: person
                for person in db.session.scalars(select(User).where(User.id.in_({c.user_id for c in found.values()})))
            }
            batch = [(people[found[certificate_id].user_id], found[certificate_id]) for certificate_id in ids]
            for index, document in documents.certificate_documents(batch):
                person, certificate = batch[index]
                # One time stamp for all entries: the ZIP's directory stays in memory until the end.
                entry = zipfile.ZipInfo(certificate_file_name(person, certificate), date_time=stamp)
                entry.external_attr = 0o600 << 16  # as writestr gives a file named by a string
                archive.writestr(entry, document)
            progress(start + len(ids))
            # A batch's parsed fonts hold reference cycles: free them before the next batch parses its own.
            gc.collect()
    summary = ngettext("%(num)s certificado en el archivo ZIP.", "%(num)s certificados en el archivo ZIP.", len(pairs))
    return JobFile(summary, path.name, f"certificados-induccion-{today.isoformat()}.zip")
