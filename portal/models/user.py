"""People: departments, accounts, their roles and their signed-in sessions."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Date, ForeignKey, Index, String, UniqueConstraint, false, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow
from portal.vocabulary import ROLES


class Department(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)

    def __repr__(self) -> str:
        return f"<Department {self.name!r}>"


class User(UserMixin, db.Model):
    # "user" is a reserved word in PostgreSQL.
    __tablename__ = "user_account"
    #: HR's list in name order, first page without sorting everyone.
    __table_args__ = (
        Index("ix_user_account_name_order", func.lower("full_name"), "id"),
        # Covers the report's totals and chart (reports.service.completion_report): every column
        # quick_status and the grouping read, so counting everyone never visits the table (migration 0017).
        # `active` last: first, SQLite (no statistics) chose it for the page's `active IS 1` too and
        # sorted everyone by name instead of reading ix_user_account_name_order in order.
        Index("ix_user_account_status", "department_id", "last_signed_at", "due_date", "started", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Normalised as digits, dash, check digit: "12345678-5".
    rut: Mapped[str] = mapped_column(String(12), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    #: Optional: many field staff have no institutional address. Stored lower-case.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    employment_type: Mapped[str | None] = mapped_column(String(20))
    start_date: Mapped[date | None] = mapped_column(Date)
    #: Date by which onboarding should be complete.
    due_date: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: None until the person sets a password; such an account cannot sign in.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the newest commitment was signed. Kept by the database's triggers (migration 0015) on every
    #: write to commitment, never written by the portal: the report's status reads it for everyone.
    last_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Whether the person submitted an attempt or read a lesson; kept by triggers like last_signed_at.
    started: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    department: Mapped[Department | None] = relationship(lazy="joined")
    #: The departments a jefatura (Role.SUPERVISOR) leads: whose people they follow. Loaded when asked
    #: for, never with the account on every request.
    led_departments: Mapped[list[Department]] = relationship(
        secondary="led_department", order_by="Department.name", lazy="select"
    )
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", back_populates="user"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts through this
        return self.active

    @property
    def roles(self) -> set[str]:
        return {row.role for row in self.role_rows}

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def set_roles(self, roles) -> None:
        wanted = set(roles)
        unknown = wanted - set(ROLES)
        if unknown:
            raise ValueError(f"unknown roles: {', '.join(sorted(unknown))}")
        self.role_rows = [row for row in self.role_rows if row.role in wanted]
        for role in sorted(wanted - self.roles):
            self.role_rows.append(UserRole(role=role))

    @property
    def first_name(self) -> str:
        return self.full_name.split()[0] if self.full_name else ""

    def __repr__(self) -> str:
        return f"<User {self.rut}>"


class UserRole(db.Model):
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class LedDepartment(db.Model):
    """A department a jefatura leads; one person may lead several and a department have several jefaturas."""

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    department_id: Mapped[int] = mapped_column(
        ForeignKey("department.id", ondelete="CASCADE"), primary_key=True, index=True
    )


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class AuthSession(db.Model):
    """A signed-in browser. Deleting the row ends that sign-in even if its cookie is replayed."""

    __table_args__ = (UniqueConstraint("token"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Random value kept in the signed session cookie; never derived from the user.
    token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Last request seen from this browser, updated at most once a minute; drives the idle timeout.
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
