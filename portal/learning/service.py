"""A learner's path read from the database, and the steps that record progress.

Cycles (renewal) live in cycles.py; Cycle, renewal_months, completion_expiry and current_cycle are
imported here too, so `portal.learning.service` still offers them to the reports. The statements the
path and the lesson page run live in path_reads.py; published_modules and lesson_to_read are offered
here too."""

from __future__ import annotations

import base64
import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import get_timezone
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import audit
from portal.content import institutional_text
from portal.database import upsert
from portal.extensions import db
from portal.institution import with_article
from portal.learning.cycles import (
    Cycle,
    certificate_cycle,
    completion_expiry,
    current_cycle,
    renewal_months,
)
from portal.learning.path_reads import (  # noqa: F401
    COMMITMENT_COLUMNS,
    IssuedCertificate,
    ModuleHead,
    SignedCommitment,
    lesson_to_read,
    path_facts,
    published_modules,
    signatures,
    signed_commitment,
)
from portal.learning.progress import ModuleFacts, PathProgress, path_progress
from portal.models.curriculum import LESSON_IN_USE, Lesson, LessonVideo
from portal.models.progress import Certificate, Commitment, LessonView
from portal.models.types import utcnow
from portal.models.user import User
from portal.rut import format_rut
from portal.vocabulary import DONE, LOCKED


@dataclass(frozen=True)
class ModuleProgressRow:
    module: ModuleHead
    state: str
    lesson_count: int
    lessons_read: int
    quiz_id: int | None
    attempts: int
    best_score: int | None
    passed: bool


@dataclass(frozen=True)
class LearnerPath:
    rows: list[ModuleProgressRow]
    progress: PathProgress
    #: The commitment signed in this cycle, if any.
    commitment: SignedCommitment | None
    #: The newest certificate, even one whose validity ran out: it stays the person's record.
    certificate: IssuedCertificate | None
    cycle: Cycle
    #: When the newest completion stops (or stopped) being valid; None without renewal.
    valid_until: datetime | None = None

    @property
    def renewal_due(self) -> bool:
        """An earlier completion expired and the refresher is not complete yet."""
        return self.cycle.is_refresher and not self.progress.completed

    def row_for(self, slug: str) -> ModuleProgressRow | None:
        return next((row for row in self.rows if row.module.slug == slug), None)

    def next_row(self, row: ModuleProgressRow) -> ModuleProgressRow | None:
        index = self.rows.index(row)
        return self.rows[index + 1] if index + 1 < len(self.rows) else None

    def blocking_row(self, row: ModuleProgressRow) -> ModuleProgressRow | None:
        """The first earlier required module not done yet: what keeps `row` locked (progress.path_progress)."""
        for earlier in self.rows[: self.rows.index(row)]:
            if earlier.module.required and earlier.state != DONE:
                return earlier
        return None

    @property
    def current_row(self) -> ModuleProgressRow | None:
        """Where to continue: the first open required module not done yet; once none is left, the first
        open optional one (which never stands before signing the commitment)."""
        open_rows = [row for row in self.rows if row.state not in (DONE, LOCKED)]
        return next((row for row in open_rows if row.module.required), open_rows[0] if open_rows else None)


def learner_path(user_id: int, *, now: datetime | None = None, cycle: Cycle | None = None) -> LearnerPath:
    """Return the published path with this person's state in each module.

    Facts count within `cycle`, by default the current one (see Cycle). Two statements whatever the
    number of modules, lessons or attempts (three for a closed cycle, see _cycle_commitment).
    """
    signed = signatures(user_id)
    latest_commitment, certificate = signed[0] if signed else (None, None)
    previous_commitment = signed[1][0] if len(signed) > 1 else None
    valid_until = completion_expiry(latest_commitment.signed_at) if latest_commitment else None
    if cycle is None:
        cycle = current_cycle(
            latest_commitment.signed_at if latest_commitment else None,
            previous_commitment.signed_at if previous_commitment else None,
            now or utcnow(),
            renewal_months(),
        )
    commitment = _cycle_commitment(user_id, cycle, latest_commitment)
    rows, progress = _progress_rows(path_facts(user_id, cycle), commitment_signed=commitment is not None)
    return LearnerPath(
        rows=rows,
        progress=progress,
        commitment=commitment,
        certificate=certificate,
        cycle=cycle,
        valid_until=valid_until,
    )


def _cycle_commitment(
    user_id: int, cycle: Cycle, latest_commitment: SignedCommitment | None
) -> SignedCommitment | None:
    """The commitment signed within the cycle, if any."""
    if cycle.ends_at is None:
        # The newest commitment belongs to this cycle unless the cycle began after it.
        in_cycle = latest_commitment is not None and signed_within(cycle, latest_commitment.signed_at)
        return latest_commitment if in_cycle else None
    return signed_commitment(
        cycle.bound(select(*COMMITMENT_COLUMNS).where(Commitment.user_id == user_id), Commitment.signed_at)
        .order_by(Commitment.id.desc())
        .limit(1)
    )


def signed_within(cycle: Cycle, signed_at: datetime) -> bool:
    """Whether the newest commitment, signed at `signed_at`, is the one of a current (open) cycle."""
    return cycle.starts_at is None or signed_at >= cycle.starts_at


def _progress_rows(facts_read: list, *, commitment_signed: bool) -> tuple[list[ModuleProgressRow], PathProgress]:
    """Each module's row and the path's progress, from the facts read (progress.path_progress decides)."""
    facts = [
        ModuleFacts(
            module_id=module.id,
            required=module.required,
            lesson_count=lesson_count,
            lessons_read=lessons_read,
            has_quiz=quiz_id is not None,
            attempted=attempts > 0,
            quiz_passed=bool(passed),
        )
        for module, lesson_count, quiz_id, lessons_read, attempts, _best, passed in facts_read
    ]
    progress = path_progress(facts, commitment_signed=commitment_signed)
    states = progress.states
    rows = [
        ModuleProgressRow(
            module=module,
            state=states[module.id],
            lesson_count=lesson_count,
            lessons_read=lessons_read,
            quiz_id=quiz_id,
            attempts=attempts,
            best_score=best,
            passed=bool(passed),
        )
        for module, lesson_count, quiz_id, lessons_read, attempts, best, passed in facts_read
    ]
    return rows, progress


def module_lessons(module_id: int) -> list[Lesson]:
    """The module's lessons in use, in the order learners read them (that of Module.lessons)."""
    return list(
        db.session.scalars(select(Lesson).where(Lesson.module_id == module_id, LESSON_IN_USE).order_by(Lesson.position))
    )


def video_captions(module_id: int) -> list[str]:
    """The captions of each captioned video the module's lessons in use show, in lesson order: the
    videos whose length is known (a lesson page says nothing of a video without captions either)."""
    return list(
        db.session.scalars(
            select(LessonVideo.captions)
            .join(Lesson, Lesson.id == LessonVideo.lesson_id)
            # != "" is never true of NULL either: no captions, or empty ones, tell no length.
            .where(Lesson.module_id == module_id, LESSON_IN_USE, LessonVideo.captions != "")
            .order_by(Lesson.position)
        )
    )


def read_lesson_ids(user_id: int, module_id: int, cycle: Cycle) -> set[int]:
    return set(
        db.session.scalars(
            cycle.bound(
                select(LessonView.lesson_id)
                .join(Lesson, Lesson.id == LessonView.lesson_id)
                .where(LessonView.user_id == user_id, Lesson.module_id == module_id, LESSON_IN_USE),
                LessonView.last_viewed_at,
            )
        )
    )


def mark_lesson_read(user_id: int, lesson: Lesson) -> None:
    """Record that the person read the lesson: the first time, and the latest (for refreshers)."""
    now = utcnow()
    upsert(
        LessonView,
        key={"user_id": user_id, "lesson_id": lesson.id},
        insert={"viewed_at": now, "last_viewed_at": now},
        update={"last_viewed_at": now},
    )


def days_left(due_date: date | None, today: date) -> int | None:
    return (due_date - today).days if due_date else None


# --- Commitment and certificate -------------------------------------------------------


class CommitmentRefused(ValueError):
    """The commitment cannot be signed; the message says why, in Spanish."""


def commitment_text(user: User, institution_name: str) -> str:
    """The declaration a person signs, built from the municipality's own values."""
    seed = institutional_text()
    values = "\n".join(f"• {name}: {definition}" for name, definition in seed.values.items())
    return _(
        "Yo, %(name)s, RUT %(rut)s, declaro que conozco la misión, la visión y los valores "
        "institucionales %(of_institution)s, y me comprometo a ejercer mi función pública "
        "conforme a ellos:\n\n%(values)s\n\n"
        "Entiendo que estos valores orientan mi trabajo diario al servicio de la comunidad.",
        name=user.full_name,
        rut=format_rut(user.rut),
        of_institution=with_article(institution_name, "de"),
        values=values,
    )


def normalize_name(name: str) -> str:
    """Casefolded, without accents and with single spaces: how typed names are compared."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    without_marks = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(without_marks.casefold().split())


def new_certificate_code() -> str:
    """160 random bits as 32 base32 characters (A-Z, 2-7)."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii")


def group_code(code: str) -> str:
    """ "ABCD-EFGH-..." for reading aloud and typing."""
    return "-".join(code[index : index + 4] for index in range(0, len(code), 4))


def normalize_code(text: str) -> str:
    return "".join(char for char in (text or "").upper() if char.isalnum())


def sign_commitment(user: User, path: LearnerPath, typed_name: str, text: str) -> tuple[Commitment, Certificate]:
    """Store the signed declaration and issue the certificate (flushes, audits both).

    Raises CommitmentRefused when modules are pending, it was already signed, or the
    typed name is not the person's name.
    """
    if not path.progress.modules_done:
        raise CommitmentRefused(_("Primero debe completar todos los módulos obligatorios."))
    if path.commitment is not None:
        raise CommitmentRefused(_("Usted ya firmó la declaración de compromiso."))
    if normalize_name(typed_name) != normalize_name(user.full_name):
        raise CommitmentRefused(
            _("El nombre escrito no coincide con su nombre registrado: %(name)s.", name=user.full_name)
        )
    commitment = Commitment(
        user_id=user.id,
        signed_name=typed_name.strip(),
        text=text,
        text_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )
    db.session.add(commitment)
    db.session.flush()
    certificate = Certificate(user_id=user.id, commitment_id=commitment.id, code=new_certificate_code())
    db.session.add(certificate)
    db.session.flush()
    audit.record(
        "learning.commitment_signed", actor_id=user.id, commitment_id=commitment.id, text_sha256=commitment.text_sha256
    )
    audit.record("learning.certificate_issued", actor_id=user.id, certificate_id=certificate.id)
    return commitment, certificate


def certificate_valid_until(certificate: Certificate) -> datetime | None:
    """When the completion this certificate attests stops (or stopped) being valid; None if never.
    `certificate` is a Certificate with its commitment (certificates_of, certificate_by_code), not a path's
    IssuedCertificate."""
    return completion_expiry(certificate.commitment.signed_at)


def certificate_path(
    user: User, certificate: Certificate | IssuedCertificate, current: LearnerPath | None = None
) -> LearnerPath:
    """The path whose scores a certificate prints: the current cycle's when the certificate belongs
    to it (pass `current` when already read), else the cycle the certificate closed."""
    path = current or learner_path(user.id)
    if path.commitment is not None and path.commitment.id == certificate.commitment_id:
        return path
    return learner_path(user.id, cycle=certificate_cycle(certificate))


def certificate_issued_on(certificate: Certificate | IssuedCertificate) -> date:
    """The local (Chilean) calendar day the certificate was issued."""
    return certificate.issued_at.astimezone(get_timezone()).date()


def certificates_of(user_id: int) -> list[Certificate]:
    """Every certificate the person received, newest first, with its commitment."""
    return list(
        db.session.scalars(
            select(Certificate)
            .options(selectinload(Certificate.commitment))
            .where(Certificate.user_id == user_id)
            .order_by(Certificate.id.desc())
        )
    )


def certificate_by_code(text: str) -> Certificate | None:
    code = normalize_code(text)
    if not code:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))
