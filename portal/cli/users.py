"""`flask users ...`: accounts created from the command line (for instance, the first administrator)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal import audit
from portal.auth.passwords import MIN_PASSWORD_LENGTH, password_problem
from portal.cli.types import EMAIL, RUT
from portal.extensions import db
from portal.people.accounts import PersonConflict, create_person
from portal.people.departments import find_or_create_department
from portal.people.errors import AdminRuleError
from portal.people.teams import change_led_departments
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
@click.option(
    "--leads", "led", multiple=True, help="With --role supervisor: a department the jefatura leads (repeatable)."
)
def create_user(rut, full_name, email, roles, password, department, led):
    """Create an account (for instance, the first administrator)."""
    if not full_name.strip():
        raise click.BadParameter("el nombre no puede estar vacío.", param_hint="--name")
    problem = password_problem(password, rut=rut, email=email, full_name=full_name)
    if problem:
        raise click.BadParameter(problem, param_hint="--password")
    data = {"rut": rut, "full_name": full_name, "email": email, "password": password}
    try:
        user = create_person(
            data,
            roles=roles,
            actor_id=None,
            department=find_or_create_department(department) if department else None,
            audited=False,
        )
        change_led_departments(user, [find_or_create_department(name).id for name in led], actor_id=None)
    except PersonConflict as conflict:
        message = str(conflict)  # a sentence for a form; after click's "Invalid value for --rut:" it goes on
        raise click.BadParameter(message[:1].lower() + message[1:], param_hint=f"--{conflict.field}") from None
    except AdminRuleError as refusal:
        message = str(refusal)
        raise click.BadParameter(message[:1].lower() + message[1:], param_hint="--leads") from None
    audit.record("accounts.created", user_id=user.id, roles=sorted(roles), via="cli")
    db.session.commit()
    click.echo(f"Cuenta creada: {user.full_name} ({rut}), roles: {', '.join(sorted(roles))}.")
