"""A long staff import, applied by a job of the queue instead of a waiting request.

The confirmation page hands the job what it would have applied itself: the signed ticket of the
reviewed file, HR's department choices and the preview's fingerprint. The job reads and validates the
rows again, refuses if they no longer match what HR reviewed, and applies them exactly as the
confirmation does, in one transaction that commits together with the job's end: a consumer killed in
the middle leaves nothing applied, and the queue's sweep runs the job again.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError

from portal.jobs import JobRefused
from portal.people import staff_import as importer


def import_staff_file(params: dict, actor_id: int | None, progress) -> str:
    """Apply the reviewed file; the sentence HR reads on the job's page."""
    try:
        table, file_name = importer.unpack_ticket(params["ticket"], user_id=actor_id)
    except importer.InvalidTicket:
        raise JobRefused(_("La revisión del archivo venció antes de que la tarea empezara. Súbalo otra vez.")) from None
    progress(0, len(table.rows))
    preview = importer.build_preview(table, department_choices=params["choices"])
    changed = preview.fingerprint != params["fingerprint"]
    if changed or preview.undecided_departments or (preview.invalid and not params["skip_invalid"]):
        raise JobRefused(
            _("Los datos cambiaron desde que revisó el archivo; no se importó nada. Súbalo otra vez y revíselo.")
        )
    try:
        result = importer.apply_import(
            preview, actor_id=actor_id, via="job", file_name=file_name, skip_invalid=params["skip_invalid"]
        )
    except IntegrityError:
        raise JobRefused(
            _("Alguien modificó las mismas cuentas mientras se importaba; no se guardó nada. Súbalo otra vez.")
        ) from None
    welcomed = len(importer.welcome_new_people(result))
    without_email = len(result.created) - welcomed
    sentences = [
        _(
            "Se importó «%(name)s». Personas nuevas: %(created)d; cuentas actualizadas: %(updated)d; "
            "sin cambios: %(unchanged)d; filas omitidas por errores: %(skipped)d.",
            name=file_name,
            created=len(result.created),
            updated=result.updated,
            unchanged=result.unchanged,
            skipped=result.skipped,
        )
    ]
    if welcomed:
        sentences.append(
            ngettext(
                "Se envía %(num)d correo de bienvenida con su enlace para crear la contraseña.",
                "Se envían %(num)d correos de bienvenida con su enlace para crear la contraseña.",
                welcomed,
            )
        )
    if without_email:
        sentences.append(
            ngettext(
                "%(num)d persona nueva no tiene correo: imprima su hoja de activación desde el avance de la inducción.",
                "%(num)d personas nuevas no tienen correo: imprima sus hojas de activación desde el avance de la "
                "inducción.",
                without_email,
            )
        )
    return " ".join(sentences)
