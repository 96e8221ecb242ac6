"""Command-line tools: `flask --app portal <command>`."""

from __future__ import annotations

import json
from pathlib import Path

import click
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal import audit
from portal.auth.service import hash_password
from portal.content import load_curriculum
from portal.extensions import db
from portal.messages import rut_error_message
from portal.models.curriculum import Module
from portal.models.user import ROLES, User
from portal.quizzes.exchange import ModuleFormatError, export_module, import_module, load_module_json
from portal.quizzes.gift import (
    GiftDecodeError,
    GiftImportError,
    decode_gift,
    import_gift,
    summary_lines,
)
from portal.reports.people import find_or_create_department
from portal.reports.welcome import send_welcome_links
from portal.rut import InvalidRut, normalize_rut

MIN_PASSWORD_LENGTH = 12


def seed_content() -> list[str]:
    """Create the default modules that do not exist yet; return the slugs created (flushes)."""
    created = []
    existing = set(db.session.scalars(select(Module.slug)))
    for data in load_curriculum():
        if data["slug"] not in existing:
            import_module(data)
            created.append(data["slug"])
    return created


def register_commands(app) -> None:
    @app.cli.command("seed-content")
    def seed_content_command():
        """Load the default curriculum (the six modules); safe to run again."""
        try:
            created = seed_content()
        except ModuleFormatError as error:
            db.session.rollback()
            raise click.ClickException("El contenido por defecto no es válido: " + "; ".join(error.problems)) from None
        if created:
            audit.record("content.seeded", modules=created)
        db.session.commit()
        click.echo(f"Módulos creados: {', '.join(created)}." if created else "El contenido ya estaba cargado.")

    @app.cli.command("seed-demo")
    @click.option("--only-if-empty", is_flag=True, help="Do nothing when any account exists.")
    def seed_demo_command(only_if_empty: bool):
        """Create demo departments, the four demo accounts and about 30 fictional staff."""
        from portal.demo import DemoRefused, seed_demo

        if only_if_empty and db.session.scalar(select(func.count(User.id))):
            click.echo("Ya hay cuentas en la base de datos; no se agregan datos de demostración.")
            return
        try:
            summary = seed_demo(current_app.config)
        except DemoRefused as refusal:
            db.session.rollback()
            raise click.ClickException(str(refusal)) from None
        db.session.commit()
        click.echo(summary)

    users = AppGroup("users", help="Manage accounts.")

    @users.command("create")
    @click.option("--rut", required=True, help="RUT, with or without dots and dash.")
    @click.option("--name", "full_name", required=True, help="Full name.")
    @click.option("--email", default=None, help="Email address (optional).")
    @click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES))
    @click.option("--password", required=True, help=f"At least {MIN_PASSWORD_LENGTH} characters.")
    @click.option("--department", default=None, help="Department name; created if new.")
    def create_user(rut, full_name, email, roles, password, department):
        """Create an account (for instance, the first administrator)."""
        try:
            rut = normalize_rut(rut)
        except InvalidRut as error:
            raise click.BadParameter(f"RUT no válido: {rut_error_message(error)}.", param_hint="--rut") from None
        if db.session.scalar(select(User.id).where(User.rut == rut)):
            raise click.BadParameter(f"ya existe una cuenta con el RUT {rut}.", param_hint="--rut")
        if not full_name.strip():
            raise click.BadParameter("el nombre no puede estar vacío.", param_hint="--name")
        if email:
            try:
                email = validate_email(email, check_deliverability=False).normalized.lower()
            except EmailNotValidError as error:
                raise click.BadParameter(f"correo no válido: {error}", param_hint="--email") from None
            if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
                raise click.BadParameter(f"el correo {email} ya pertenece a otra cuenta.", param_hint="--email")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise click.BadParameter(
                f"la contraseña debe tener al menos {MIN_PASSWORD_LENGTH} caracteres.", param_hint="--password"
            )
        from portal.auth.passwords import password_problem

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

    app.cli.add_command(users)

    modules = AppGroup("modules", help="Export and import modules (JSON exchange format).")

    @modules.command("export")
    @click.argument("slug")
    @click.option("--output", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path))
    def export_command(slug, output: Path):
        """Write a module, its lessons and its current quiz to a JSON file."""
        module = db.session.scalar(select(Module).where(Module.slug == slug))
        if module is None:
            raise click.ClickException(f"No existe un módulo con el identificador «{slug}».")
        output.write_text(json.dumps(export_module(module), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        click.echo(f"Módulo «{module.title}» exportado a {output}.")

    @modules.command("import")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def import_command(file: Path):
        """Create a module from a JSON file in the exchange format."""
        try:
            text = file.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise click.ClickException(f"{file} no es un JSON válido: {error}") from None
        try:
            module = import_module(load_module_json(text), published=False)
        except ModuleFormatError as error:
            db.session.rollback()
            raise click.ClickException("No se importó nada:\n- " + "\n- ".join(error.problems)) from None
        audit.record("content.module_imported", module=module.slug, via="cli")
        db.session.commit()
        click.echo(f"Módulo «{module.title}» importado como borrador (no publicado).")

    app.cli.add_command(modules)

    quizzes = AppGroup("quizzes", help="Add questions to a module's quiz.")

    @quizzes.command("import-gift")
    @click.argument("file", type=click.Path(path_type=Path))
    @click.option("--module", "slug", required=True, help="Slug of the receiving module.")
    @click.option("--dry-run", is_flag=True, help="Only check the file; store nothing.")
    def import_gift_command(file: Path, slug: str, dry_run: bool):
        """Append the questions of a Moodle GIFT file to a module's draft quiz (not published)."""
        module = db.session.scalar(select(Module).where(Module.slug == slug))
        if module is None:
            raise click.ClickException(_("No existe un módulo con el identificador «%(slug)s».", slug=slug))
        try:
            text = decode_gift(file.read_bytes())
        except FileNotFoundError:
            raise click.ClickException(_("No existe el archivo %(file)s.", file=file)) from None
        except IsADirectoryError:
            raise click.ClickException(_("%(file)s es una carpeta, no un archivo.", file=file)) from None
        except PermissionError:
            raise click.ClickException(_("No hay permiso para leer %(file)s.", file=file)) from None
        except OSError as error:
            raise click.ClickException(_("No se pudo leer %(file)s: %(reason)s", file=file, reason=error)) from None
        except GiftDecodeError as error:
            raise click.ClickException(f"{file}: {error}") from None
        try:
            report = import_gift(module, text, actor_id=None, via="cli", dry_run=dry_run)
        except GiftImportError as error:
            db.session.rollback()
            lines = [_("El archivo tiene errores; no se importó nada:")]
            lines += [_("línea %(line)d: %(text)s", line=number, text=text) for number, text in error.report.errors]
            raise click.ClickException("\n".join(lines)) from None
        if not dry_run:
            db.session.commit()
        click.echo(_("Módulo «%(title)s».", title=module.title))
        click.echo("\n".join(summary_lines(report, dry_run=dry_run)))

    app.cli.add_command(quizzes)

    report_cli = AppGroup("report", help="Export the completion report.")

    @report_cli.command("export")
    @click.option("--format", "file_format", required=True, help="csv or xlsx.")
    @click.option("--output", required=True, type=click.Path(path_type=Path), help="File to write (overwritten).")
    @click.option("--department", default=None, help="Only people of this department (its name).")
    @click.option("--status", default=None, help="not_started, in_progress, completed, overdue or renewal_due.")
    @click.option("--employment-type", default=None, help="planta, contrata, codigo_trabajo or honorarios.")
    @click.option("--search", default="", help="Text to find in the name, RUT or e-mail.")
    def export_report_command(file_format, output: Path, department, status, employment_type, search):
        """Write the completion list (the report's columns, ordered by name) to a CSV or XLSX file."""
        from flask_babel import get_timezone, ngettext

        from portal.models.user import Department
        from portal.reports import exports, service
        from portal.reports.forms import EMPLOYMENT_LABELS
        from portal.reports.views import local_today

        file_format = file_format.strip().lower()
        if file_format not in exports.FORMATS:
            raise click.ClickException(_("Formato no válido: «%(value)s». Use csv o xlsx.", value=file_format))
        department_id = None
        if department is not None:
            name = " ".join(department.split())
            # Compared in Python: SQLite's lower() leaves "Ñ" and accented capitals alone.
            departments = db.session.execute(select(Department.name, Department.id).order_by(Department.name)).all()
            matches = [id_ for name_, id_ in departments if " ".join(name_.split()).casefold() == name.casefold()]
            department_id = matches[0] if matches else None
            if department_id is None:
                known = ", ".join(name_ for name_, _id in departments) or "-"
                raise click.ClickException(
                    _("No existe el departamento «%(name)s». Departamentos: %(known)s.", name=name, known=known)
                )
        if status is not None and status.strip().lower() not in service.STATUSES:
            raise click.ClickException(
                _(
                    "Estado no válido: «%(value)s». Use uno de: %(valid)s.",
                    value=status,
                    valid=", ".join(service.STATUSES),
                )
            )
        if employment_type is not None and employment_type.strip().lower() not in EMPLOYMENT_LABELS:
            raise click.ClickException(
                _(
                    "Calidad jurídica no válida: «%(value)s». Use una de: %(valid)s.",
                    value=employment_type,
                    valid=", ".join(EMPLOYMENT_LABELS),
                )
            )
        filters = service.ReportFilters(
            department_id=department_id,
            employment_type=employment_type.strip().lower() if employment_type else None,
            status=status.strip().lower() if status else None,
            text=(search or "").strip(),
        )
        try:
            handle = output.open("wb")
        except IsADirectoryError:
            raise click.ClickException(_("%(file)s es una carpeta, no un archivo.", file=output)) from None
        except FileNotFoundError:
            raise click.ClickException(_("No existe la carpeta donde guardar %(file)s.", file=output)) from None
        except PermissionError:
            raise click.ClickException(_("No hay permiso para escribir %(file)s.", file=output)) from None
        except OSError as error:
            raise click.ClickException(
                _("No se pudo escribir %(file)s: %(reason)s", file=output, reason=error)
            ) from None
        rows, columns = exports.people_and_columns(filters, local_today())
        write = exports.write_csv if file_format == "csv" else exports.write_xlsx
        try:
            with handle:
                count = write(rows, handle, get_timezone(), columns)
            audit.record(
                "report.exported",
                format=file_format,
                filters=filters.as_details(),
                rows=count,
                via="cli",
                file=str(output),
            )
            db.session.commit()
        except OSError as error:
            db.session.rollback()
            output.unlink(missing_ok=True)
            raise click.ClickException(
                _("No se pudo escribir %(file)s: %(reason)s", file=output, reason=error)
            ) from None
        except BaseException:
            # No half-written file and no file without its audit record.
            db.session.rollback()
            output.unlink(missing_ok=True)
            raise
        click.echo(
            ngettext(
                "Se exportó %(num)s persona a %(file)s.",
                "Se exportaron %(num)s personas a %(file)s.",
                count,
                file=output,
            )
        )

    app.cli.add_command(report_cli)

    reminders_cli = AppGroup("reminders", help="E-mail reminders to people whose onboarding is not complete.")

    @reminders_cli.command("send")
    @click.option("--dry-run", is_flag=True, help="List who would be reminded; send and record nothing.")
    def send_reminders_command(dry_run: bool):
        """Daily job: remind the not completed whose due date is past or within 3 days, and those due for renewal."""
        from flask_babel import ngettext

        from portal.learning.progress import RENEWAL_DUE
        from portal.reports import reminders
        from portal.reports.views import local_today

        if not current_app.config.get("BASE_URL"):
            # Development only: production refuses to start without PORTAL_BASE_URL (config.py).
            warning = _("Aviso: PORTAL_BASE_URL no está configurada; los correos enlazan a %(url)s.")
            click.echo(warning % {"url": reminders.portal_url()}, err=True)
        today = local_today()
        candidates = reminders.daily_candidates(today)
        remindable = [candidate for candidate in candidates if candidate.remindable]

        def describe(person) -> str:
            if person.status == RENEWAL_DUE:
                situation = _("por renovar")
            else:
                situation = _("plazo %(due)s", due=person.due_date.strftime("%d-%m-%Y"))
            return _(
                "%(name)s <%(email)s>, %(situation)s, avance %(percent)s %%",
                name=person.full_name,
                email=person.email or "-",
                situation=situation,
                percent=person.percent,
            )

        def why(candidate) -> str:
            return f"{candidate.person.full_name} ({reminders.reason_text(candidate)})"

        if dry_run:
            db.session.rollback()
            for candidate in candidates:
                if candidate.remindable:
                    click.echo(_("Se recordaría a: %(person)s.", person=describe(candidate.person)))
                else:
                    click.echo(_("Se omite: %(person)s.", person=why(candidate)))
            click.echo(
                _(
                    "Simulación: se recordaría a %(count)s persona(s) y se omitiría(n) %(skipped)s. "
                    "No se envió ni registró nada.",
                    count=len(remindable),
                    skipped=len(candidates) - len(remindable),
                )
            )
            return
        if not remindable:
            db.session.rollback()
            click.echo(_("No hay a quién recordar hoy; %(skipped)s persona(s) omitida(s).", skipped=len(candidates)))
            return
        result = reminders.send_reminders(
            candidates,
            today=today,
            link=reminders.portal_url(),
            actor_id=None,
            via="cli",
            filters={"rule": f"due_within_{reminders.DAILY_WINDOW_DAYS}_days_or_overdue"},
        )
        for outcome in result.sent:
            click.echo(_("Enviado: %(person)s.", person=describe(outcome.person)))
        for candidate in result.skipped:
            click.echo(_("Omitido: %(person)s.", person=why(candidate)))
        for outcome in result.failed:
            error = outcome.error
            click.echo(_("No enviado: %(person)s: %(error)s", person=describe(outcome.person), error=error), err=True)
        click.echo(
            _(
                "Recordatorios: %(sent)s enviado(s), %(failed)s no enviado(s), %(skipped)s omitido(s).",
                sent=len(result.sent),
                failed=len(result.failed),
                skipped=len(result.skipped),
            )
        )
        if result.failed:
            raise click.ClickException(
                ngettext(
                    "%(num)s recordatorio no se pudo enviar.",
                    "%(num)s recordatorios no se pudieron enviar.",
                    len(result.failed),
                )
            )

    app.cli.add_command(reminders_cli)

    staff = AppGroup("staff", help="Import staff from HR's files.")

    @staff.command("import")
    @click.argument("file", type=click.Path(path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Only check the file and show the preview; store nothing.")
    @click.option("--skip-invalid", is_flag=True, help="Import the valid rows and leave the invalid ones out.")
    @click.option(
        "--create-departments",
        is_flag=True,
        help="Create the departments the portal does not have yet. Without it such a file is refused. "
        "Departments written another way (accents, case, spacing, DIDECO, DOM, SECPLAN...) always go "
        "to the existing one.",
    )
    def import_staff_command(file: Path, dry_run: bool, skip_invalid: bool, create_departments: bool):
        """Create or update accounts from a CSV or XLSX file (columns rut, nombre, correo, departamento...).

        A department written like an existing one but for accents, case, spacing or a known
        abbreviation (DIDECO, DOM, SECPLAN, DAF, DIMAO, DAEM, DESAM, DT) goes to the existing one;
        an unknown one stops the import unless --create-departments is given.
        """
        from sqlalchemy.exc import IntegrityError

        from portal.reports import staff_import as importer
        from portal.rut import format_rut

        try:
            with file.open("rb") as handle:
                data = handle.read(importer.MAX_FILE_BYTES + 1)
        except FileNotFoundError:
            raise click.ClickException(_("No existe el archivo %(file)s.", file=file)) from None
        except IsADirectoryError:
            raise click.ClickException(_("%(file)s es una carpeta, no un archivo.", file=file)) from None
        except PermissionError:
            raise click.ClickException(_("No hay permiso para leer %(file)s.", file=file)) from None
        except OSError as error:
            raise click.ClickException(_("No se pudo leer %(file)s: %(reason)s", file=file, reason=error)) from None
        try:
            table = importer.load_table(data, file.name)
            preview = importer.build_preview(table, create_departments=create_departments)
        except importer.ImportFileError as error:
            raise click.ClickException(f"{file}: " + " ".join(error.problems)) from None
        click.echo("\n".join(importer.summary_lines(preview)))
        if preview.invalid and not skip_invalid:
            lines = [_("El archivo tiene filas con errores; no se importó nada:")]
            lines += importer.invalid_lines(preview)
            lines.append(_("Corríjalas, o use --skip-invalid para importar solo las filas válidas."))
            raise click.ClickException("\n".join(lines))
        if preview.undecided_departments:
            lines = [_("Estos departamentos no existen en el portal; no se importó nada:")]
            lines += ["  " + importer.department_line(choice) for choice in preview.undecided_departments]
            lines.append(
                _(
                    "Corrija el nombre en el archivo (o créelo desde la administración), o use --create-departments "
                    "para crearlos."
                )
            )
            raise click.ClickException("\n".join(lines))
        if preview.invalid:
            click.echo(_("Se omiten estas filas con errores:"))
            click.echo("\n".join("  " + line for line in importer.invalid_lines(preview)))
        if dry_run:
            click.echo(_("Prueba (--dry-run): no se guardó nada."))
            return
        if not preview.has_work:
            click.echo(_("No hay cambios que importar."))
            return
        try:
            result = importer.apply_import(
                preview, actor_id=None, via="cli", file_name=file.name, skip_invalid=skip_invalid
            )
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            raise click.ClickException(
                _("Alguien modificó las mismas cuentas mientras se importaba; no se guardó nada. Repita el comando.")
            ) from None
        click.echo(
            _(
                "Importación lista. Personas nuevas: %(created)d; cuentas actualizadas: %(updated)d; "
                "filas omitidas: %(skipped)d.",
                created=len(result.created),
                updated=result.updated,
                skipped=result.skipped,
            )
        )
        without_email = [person for person in result.created if not person.has_email]
        if without_email:
            click.echo(_("Personas sin correo: entrégueles en persona su enlace para crear la contraseña:"))
            for person in without_email:
                link = importer.set_password_link(person.token)
                click.echo(f"  {person.full_name} ({format_rut(person.rut)}): {link}")
        with_email = [
            (person, importer.set_password_link(person.token)) for person in result.created if person.has_email
        ]
        if with_email:
            delivery = send_welcome_links(
                ((person.email, person.full_name, link) for person, link in with_email), importer.LINK_DAYS
            )
            failed = [(person, link) for person, link in with_email if delivery[person.email]]
            click.echo(
                _(
                    "Correos de bienvenida enviados: %(sent)d de %(total)d.",
                    sent=len(with_email) - len(failed),
                    total=len(with_email),
                )
            )
            for person, link in failed:
                click.echo(
                    _(
                        "  No enviado a %(name)s (%(reason)s); entréguele este enlace: %(link)s",
                        name=person.full_name,
                        reason=delivery[person.email],
                        link=link,
                    )
                )
        if result.created:
            click.echo(_("Cada enlace sirve una sola vez y vence en %(days)d días.", days=importer.LINK_DAYS))
            if not current_app.config.get("BASE_URL"):
                click.echo(_("Defina PORTAL_BASE_URL para que los enlaces muestren la dirección completa del portal."))

    app.cli.add_command(staff)

    @app.cli.command("backup")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    def backup_command(file: Path):
        """Copy the SQLite database consistently, even while the portal is serving."""
        from portal.backup import BackupError, backup

        try:
            backup(current_app.config["SQLALCHEMY_DATABASE_URI"], file)
        except BackupError as error:
            raise click.ClickException(str(error)) from None
        click.echo(_("Copia guardada y verificada en %(file)s.", file=file))

    @app.cli.command("restore")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    def restore_command(file: Path, yes: bool):
        """Put a backup back after checking it (stop the portal first)."""
        from portal.backup import BackupError, restore

        if not yes:
            click.confirm(
                _("Esto reemplaza todos los datos actuales por los de %(file)s. ¿Continuar?", file=file), abort=True
            )
        db.session.remove()
        db.engine.dispose()
        try:
            restore(current_app.config["SQLALCHEMY_DATABASE_URI"], file)
        except BackupError as error:
            raise click.ClickException(str(error)) from None
        click.echo(_("Base de datos restaurada desde %(file)s.", file=file))

    audit_cli = AppGroup("audit", help="The audit log.")

    @audit_cli.command("verify")
    @click.option(
        "--checkpoints",
        "checkpoints",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Checkpoint file to compare with (default: PORTAL_AUDIT_CHECKPOINT_FILE), e.g. a copy kept elsewhere.",
    )
    def audit_verify_command(checkpoints: Path | None):
        """Recompute the keyed hash chain, compare it with every checkpoint, and name what was altered."""
        verify_audit_chain(checkpoints)

    @audit_cli.command("checkpoint")
    def audit_checkpoint_command():
        """Append the signed head of the chain to the checkpoint file and mail it (daily, from cron)."""
        entry = audit.make_checkpoint()
        if entry is None:
            click.echo(_("El registro de auditoría está vacío: no hay nada que anotar."))
            return
        path = audit.append_checkpoint(entry)
        click.echo(
            _(
                "Punto de control anotado en %(path)s: evento N° %(id)s, %(count)s eventos.",
                path=path,
                id=entry["event_id"],
                count=entry["count"],
            )
        )
        address = current_app.config.get("AUDIT_CHECKPOINT_MAIL")
        if not address:
            return
        from portal.mail import MailError, send_mail

        try:
            send_mail(address, *audit.checkpoint_mail(entry))
        except MailError as error:
            raise click.ClickException(
                _(
                    "El punto de control se anotó en %(path)s, pero no se pudo enviar a %(address)s: %(error)s",
                    path=path,
                    address=address,
                    error=error,
                )
            ) from None
        click.echo(_("Copia enviada a %(address)s.", address=address))

    app.cli.add_command(audit_cli)


def verify_audit_chain(checkpoints: Path | None = None) -> None:
    """Print what verification found; exit non-zero (ClickException) on any problem."""
    result = audit.verify(checkpoints)
    lines = audit.summary_lines(result, limit=50)
    if not result.intact:
        raise click.ClickException("\n".join(lines))
    click.echo("\n".join(lines))
