"""`flask users ...`: accounts created from the command line (for instance, the first administrator)."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from portal import audit
from portal.auth.passwords import MIN_PASSWORD_LENGTH, password_problem
from portal.auth.service import hash_password
from portal.cli.types import EMAIL, RUT
from portal.extensions import db
from portal.models.user import User
from portal.reports.people import find_or_create_department
from portal.vocabulary import Role

users = AppGroup("users", help="Manage accounts.")


@users.command("create")
@click.option("--rut", required=True, type=RUT, help="RUT, with or without dots and dash.")
@click.option("--name", "full_name", required=True, help="Full name.")
@click.option("--email", default=None, type=EMAIL, help="Email address (optional).")
# The values ("admin"), not the enum's names: click.Choice would offer "ADMIN" for a StrEnum.
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice([role.value for role in Role]))
@click.option("--password", required=True, help=f"At least {MIN_PASSWORD_LENGTH} characters.")
@click.option("--department", default=None, help="Department name; created if new.")
def create_user(rut, full_name, email, roles, password, department):
    """Create an account (for instance, the first administrator)."""
    if db.session.scalar(select(User.id).where(User.rut == rut)):
        raise click.BadParameter(f"ya existe una cuenta con el RUT {rut}.", param_hint="--rut")
    if not full_name.strip():
        raise click.BadParameter("el nombre no puede estar vacío.", param_hint="--name")
    if email and db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise click.BadParameter(f"el correo {email} ya pertenece a otra cuenta.", param_hint="--email")
    problem = password_problem(password, rut=rut, email=email, full_name=full_name)
    if problem:
        raise click.BadParameter(problem, param_hint="--password")
    user = User(
        rut=rut, full_name=" ".join(full_name.split()), email=email or None, password_hash=hash_password(password)
    )
    user.set_roles(roles)
    if department:
        user.department = find_or_create_department(department)
    db.session.add(user)
    db.session.flush()
    audit.record("accounts.created", user_id=user.id, roles=sorted(roles), via="cli")
    db.session.commit()
    click.echo(f"Cuenta creada: {user.full_name} ({rut}), roles: {', '.join(sorted(roles))}.")
