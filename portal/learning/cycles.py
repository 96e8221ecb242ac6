"""Cycles: with renewal on, a completion stays valid for some months, and the refresher that follows counts
only its own facts. Expiry is computed in UTC, month-end clamped (dates.add_months)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from portal.dates import add_months
from portal.extensions import db
from portal.models.progress import Certificate, Commitment
from portal.settings import effective


def renewal_months() -> int | None:
    """Months a completion stays valid, or None when completions never expire (the default)."""
    months = effective("RENEWAL_MONTHS")
    return months if months and months > 0 else None


@dataclass(frozen=True)
class Cycle:
    """The span whose facts count towards completion.

    The first cycle has no start. When a completion's validity runs out, the refresher's cycle
    starts at that moment, so what the person did before (pages read, quizzes passed, the signed
    commitment) stays on record without counting again.
    """

    starts_at: datetime | None = None
    ends_at: datetime | None = None

    def bound(self, query, column):
        if self.starts_at is not None:
            query = query.where(column >= self.starts_at)
        if self.ends_at is not None:
            query = query.where(column <= self.ends_at)
        return query

    def contains(self, moment: datetime | None) -> bool:
        """Whether `bound` keeps a row with this moment (for facts already read)."""
        if self.starts_at is not None and (moment is None or moment < self.starts_at):
            return False
        return self.ends_at is None or (moment is not None and moment <= self.ends_at)

    @property
    def is_refresher(self) -> bool:
        return self.starts_at is not None


def completion_expiry(signed_at: datetime | None) -> datetime | None:
    """When a completion signed at `signed_at` stops being valid; None if it never does."""
    months = renewal_months()
    return add_months(signed_at, months) if months and signed_at is not None else None


def current_cycle(latest: datetime | None, previous: datetime | None, now: datetime, months: int | None) -> Cycle:
    """The refresher after an expired completion; after a renewal, the refresher that renewed it.

    `latest` and `previous` are when the person's two newest commitments were signed, `months`
    is renewal_months() (read once by callers that work out many people's cycles).
    """
    if not months or latest is None:
        return Cycle()
    valid_until = add_months(latest, months)
    if valid_until <= now:
        return Cycle(starts_at=valid_until)
    if previous is not None and add_months(previous, months) <= latest:
        return Cycle(starts_at=add_months(previous, months))
    return Cycle()


def certificate_cycle(certificate: Certificate) -> Cycle:
    """The cycle a certificate closed: from the expiry of the completion before it to its issue (any
    certificate-like row: a Certificate or a path's IssuedCertificate)."""
    previous = db.session.scalar(
        select(func.max(Commitment.signed_at)).where(
            Commitment.user_id == certificate.user_id, Commitment.id < certificate.commitment_id
        )
    )
    return closed_cycle(previous, certificate.issued_at)


def closed_cycle(previous_signed_at: datetime | None, issued_at: datetime) -> Cycle:
    """The cycle closed by a certificate issued at `issued_at`, the commitment before it signed at
    `previous_signed_at`: from that completion's expiry to the issue."""
    return Cycle(starts_at=completion_expiry(previous_signed_at), ends_at=issued_at)
