"""Portal de Inducción: the application factory."""

from __future__ import annotations

import functools
import os

from flask import Flask, render_template
from flask_babel import format_date
from flask_babel import gettext as _

from portal import vocabulary
from portal.config import load_settings
from portal.extensions import TranslatedEnvironment, babel, csrf, db, limiter, login_manager


def create_app(test_config: dict | None = None, instance_path: str | None = None) -> Flask:
    """Build the application; test_config overrides every other source of settings."""
    # static/ is served by portal.assets under content-hashed names, not by Flask's own route.
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path, static_folder=None)
    app.jinja_environment = TranslatedEnvironment
    load_settings(app, test_config)
    os.makedirs(app.instance_path, exist_ok=True)

    from portal.uploads import UploadRequest

    app.request_class = UploadRequest  # files spool to disk, cut off at their route's limit

    from portal.assets import init_static_files
    from portal.security import init_request_security
    from portal.urls import register_converters

    register_converters(app)
    init_request_security(app)
    init_static_files(app)
    register_extensions(app)
    register_blueprints(app)
    register_template_helpers(app)
    register_error_handlers(app)
    register_cli(app)
    return app


def register_extensions(app: Flask) -> None:
    from portal.database import configure_sqlite

    engine_options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        engine_options.setdefault("pool_pre_ping", True)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # PostgreSQL's JIT compiles the report's totals query on every run (its EXISTS subplans
        # look costly to the planner): 273 of 536 ms at 150,000 people. The portal's queries are
        # short; JIT only slows them down.
        connect_args = dict(engine_options.get("connect_args") or {})
        connect_args["options"] = " ".join(filter(None, [connect_args.get("options"), "-c jit=off"]))
        engine_options["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT"])
    csrf.init_app(app)
    limiter.init_app(app)
    # One locale per application, never chosen per request: extensions.OneLocaleDomain relies on it.
    babel.init_app(app, locale_selector=lambda: app.config["BABEL_DEFAULT_LOCALE"])

    from portal.auth.sessions import init_login_manager
    from portal.queue import init_app as init_queue

    init_queue(app)

    init_login_manager(app, login_manager)


def register_blueprints(app: Flask) -> None:
    """Each area's package defines its blueprint and registers it with its route modules (register())."""
    from portal import activation, admin, auth, learning, quizzes, reports, training
    from portal.auth.access import enforce_declared_access
    from portal.health import bp as health_bp
    from portal.security import add_security_headers, refuse_nul_bytes

    app.register_blueprint(health_bp)
    for area in (auth, activation, learning, quizzes, training, reports, admin):
        area.register(app)
    app.before_request(refuse_nul_bytes)
    app.before_request(enforce_declared_access)
    app.after_request(add_security_headers)


def register_template_helpers(app: Flask) -> None:
    from portal.attachments import KINDS, human_size
    from portal.dates import day_month_year, day_month_year_time, hour_minute
    from portal.flashes import opening_message, page_opens_with_message
    from portal.institution import with_article
    from portal.markdown import reading_minutes
    from portal.rut import display_rut
    from portal.settings import effective
    from portal.videos import MIMETYPES, captioned_minutes, transcript_paragraphs

    app.jinja_env.filters["date_cl"] = day_month_year
    app.jinja_env.filters["date_long"] = lambda value: format_date(value, "long") if value else ""
    app.jinja_env.filters["datetime_cl"] = day_month_year_time
    app.jinja_env.filters["time_cl"] = hour_minute
    app.jinja_env.filters["rut"] = display_rut
    app.jinja_env.filters["with_article"] = with_article
    app.jinja_env.filters["file_size"] = human_size
    app.jinja_env.filters["document_kind"] = lambda kind: KINDS[kind].label
    # A dashboard shows one per module: each badge is built once per app (its one locale).
    app.jinja_env.filters["state_badge"] = functools.cache(vocabulary.state_badge)
    app.jinja_env.globals["reading_minutes"] = reading_minutes
    app.jinja_env.globals["opening_message"] = opening_message
    app.jinja_env.globals["page_opens_with_message"] = page_opens_with_message
    app.jinja_env.globals["video_mimetype"] = lambda video: MIMETYPES[video.kind]
    app.jinja_env.globals["video_transcript"] = lambda video: transcript_paragraphs(video.captions, video.transcript)
    app.jinja_env.globals["video_minutes"] = lambda video: captioned_minutes(video.captions)
    app.jinja_env.globals.update(vocabulary.for_templates())

    @app.context_processor
    def institution():
        # Settings an administrator changed win over the configuration (one query per request).
        return {"institution_name": effective("INSTITUTION_NAME"), "institution_logo": effective("LOGO")}


def register_error_handlers(app: Flask) -> None:
    # Lambdas: the text is translated when the error happens, inside a request.
    messages = {
        400: (
            lambda: _("Solicitud no válida"),
            lambda: _("No pudimos procesar lo que se envió. Vuelva atrás e intente de nuevo."),
        ),
        403: (lambda: _("Acceso denegado"), lambda: _("No tiene permiso para ver esta página.")),
        404: (lambda: _("Página no encontrada"), lambda: _("La página que busca no existe o fue movida.")),
        405: (lambda: _("Acción no permitida"), lambda: _("Esta dirección no acepta esa acción.")),
        413: (lambda: _("Archivo demasiado grande"), lambda: _("Lo que envió supera el tamaño permitido.")),
        500: (
            lambda: _("Error del servidor"),
            lambda: _("Ocurrió un error inesperado. Ya quedó registrado; intente de nuevo en unos minutos."),
        ),
    }

    def render_error(error):
        code = getattr(error, "code", 500) or 500
        if code == 500:
            # A failed request must not leave a half-done transaction for the next one.
            db.session.rollback()
        title, detail = messages.get(code, messages[500])
        return render_template("errors/error.html", code=code, title=title(), detail=detail()), code

    for code in messages:
        app.register_error_handler(code, render_error)


def register_cli(app: Flask) -> None:
    from portal.cli import (
        audit,
        backup,
        lessons,
        migrations,
        modules,
        quizzes,
        reminders,
        report,
        seed,
        staff,
        users,
        worker,
    )

    app.cli.add_command(migrations.migration_commands)
    app.cli.add_command(seed.seed_content_command)
    app.cli.add_command(seed.seed_demo_command)
    app.cli.add_command(users.users)
    app.cli.add_command(modules.modules)
    app.cli.add_command(lessons.lessons)
    app.cli.add_command(quizzes.quizzes)
    app.cli.add_command(report.report)
    app.cli.add_command(reminders.reminders)
    app.cli.add_command(staff.staff)
    app.cli.add_command(backup.backup_command)
    app.cli.add_command(worker.worker_command)
    app.cli.add_command(backup.restore_command)
    app.cli.add_command(audit.audit)
