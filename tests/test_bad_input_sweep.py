"""Hostile values in every field of every state-changing form: never a 500, never live markup, and a
message answering the form is the one element focused on load.

Each POST route of the app has an entry in SPECS naming its fields; a route without one fails
`test_every_post_route_is_in_the_sweep`, and a field that a page's form sends but SPECS does not
list fails `test_every_field_on_the_pages_is_in_the_sweep`. The sweep signs in as someone holding
every role, sends each hostile value in each field (the other fields valid), and afterwards reads
the pages that show stored values to check that everything stored renders as text.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from itertools import count
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import IntegerConverter

from portal.auth.tokens import SET_PASSWORD_LIFETIME, issue_token
from portal.dates import EARLIEST, LATEST
from portal.extensions import db, limiter
from portal.models.curriculum import Lesson, Module
from portal.models.staff import SET_PASSWORD
from portal.models.user import Department, User
from portal.rut import check_digit, format_rut
from portal.training import trash
from portal.training.versions import record_version
from portal.urls import LARGEST_ID
from portal.vocabulary import ADMIN, HR, STAFF, SUPERVISOR, TRAINER
from tests import documents
from tests.conftest import PASSWORD, login

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "' OR 1=1 --",
    "'; DROP TABLE user_account; --",
    "A" * 10_000,
    "antes\x00después",
    "\u202eabc",
    "cero\u200bancho",
    "👩🏽‍💼",
    '=HYPERLINK("http://x")',
    "+1",
    "-2",
    "@SUM(A1)",
    "   \t  ",
    "9" * 400,
    str(2**31),  # one past the largest id: PostgreSQL's integer columns refused it with a 500
    "²",  # str.isdigit() says yes, int() says no: the quiz preview answered 500
    "\u0661\u0662",  # Arabic-Indic 12: int() reads it, a regex's \d matches it
]
HOSTILE_FILE_NAME = '"><img src=x onerror=alert(1)>.csv'
SLUG = "mision-y-vision"
ALL_ROLES = (STAFF, TRAINER, SUPERVISOR, HR, ADMIN)
_numbers = count(1)
_rut_numbers = count(31_000_000, 7907)


def fresh_rut() -> str:
    number = next(_rut_numbers)
    return format_rut(f"{number}-{check_digit(number)}")


@dataclass
class Context:
    """What the sweep needs to address real records: the app, the signed-in client and ids."""

    app: object
    client: object
    me: User | None = None
    lesson_id: int = 0
    version_id: int = 0
    person_id: int = 0
    attempt_url: str = ""
    quiz_fields: list[str] = field(default_factory=list)
    ticket: dict = field(default_factory=dict)
    department_ids: list[int] = field(default_factory=list)

    def token_for(self, user_id: int) -> str:
        with self.app.app_context():
            raw = issue_token(db.session.get(User, user_id), SET_PASSWORD, SET_PASSWORD_LIFETIME)
            db.session.commit()
            return raw


LESSON_FIELDS = (
    "title", "body_md", "action", "adjunto_pendiente", "quitar_adjunto", "transcript", "video_pendiente", "quitar_video"
)  # fmt: skip
LESSON_FILES = ("image", "video_file", "captions")


@dataclass
class Spec:
    #: The address to POST to; called for every submission (fresh tokens, unique records).
    url: Callable[[Context], str]
    #: Valid values for every field; called for every submission.
    valid: Callable[[Context], dict] = lambda ctx: {}
    #: Fields the hostile values go into; "?name" puts the value in the query string instead.
    fields: tuple[str, ...] = ()
    #: Fields the pages' forms send that are not worth fuzzing (buttons with fixed values).
    fixed: tuple[str, ...] = ()
    #: The file field of an upload form and the (valid) bytes to send in it.
    upload: tuple[str, Callable[[Context], bytes]] | None = None
    #: Sent by someone who is not signed in.
    anonymous: bool = False
    #: Answers the editor's script, not a page: JSON or an HTML fragment, checked for inertness only.
    fragment: bool = False
    #: Prepares the context before the sweep of this route.
    setup: Callable[[Context], None] | None = None


def person_form(ctx: Context) -> dict:
    n = next(_numbers)
    return {
        "rut": fresh_rut(),
        "full_name": f"Persona de Prueba {n}",
        "email": f"prueba{n}@muni.cl",
        "department": "Finanzas",
        "new_department": "y",
        "employment_type": "planta",
        "start_date": date.today().isoformat(),
        "due_date": (date.today() + timedelta(days=30)).isoformat(),
    }


PERSON_FIELDS = (
    "rut",
    "full_name",
    "email",
    "department",
    "new_department",
    "employment_type",
    "start_date",
    "due_date",
)
CHOICE_FIELDS = tuple(f"choices-{i}-{part}" for i in range(6) for part in ("text", "correct"))
#: Choice rows are alike: the sweep fills the first two and the last.
SWEPT_CHOICE_FIELDS = tuple(name for name in CHOICE_FIELDS if name.split("-")[1] in {"0", "1", "5"})


def question_form(ctx: Context) -> dict:
    return {
        "kind": "single",
        "prompt": "¿Cuál es la misión?",
        "explanation": "Porque sí.",
        "true_answer": "true",
        "choices-0-text": "Servir",
        "choices-0-correct": "y",
        "choices-1-text": "Otra cosa",
    }


def module_url(suffix: str = "") -> Callable[[Context], str]:
    return lambda ctx: f"/capacitacion/modulos/{SLUG}{suffix}"


def gift_file(ctx: Context) -> bytes:
    return "::<script>alert(1)</script>:: <img src=x onerror=alert(1)> ¿Sí? {=javascript:alert(1) ~no}\n".encode()


def staff_file(ctx: Context) -> bytes:
    rows = [["RUT", "Nombre completo", "Correo", "Departamento"]]
    for value in HOSTILE[:4] + HOSTILE[10:14]:
        rows.append([fresh_rut(), value, "", value])
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def module_json(ctx: Context) -> bytes:
    data = json.loads(ctx.client.get(f"/capacitacion/modulos/{SLUG}/exportar").get_data(as_text=True))
    data["slug"] = f"importado-{next(_numbers)}"
    data["title"] = "<script>alert(1)</script> importado"
    data["summary"] = '"><img src=x onerror=alert(1)>'
    return json.dumps(data).encode()


TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


def setup_quiz_attempt(ctx: Context) -> None:
    """Read the first module's lessons, start its quiz and note the attempt's fields."""
    with ctx.app.app_context():
        lessons = db.session.scalar(select(Module).where(Module.slug == SLUG)).lessons
        total = len(lessons)
    for number in range(1, total + 1):
        assert ctx.client.post(f"/modulos/{SLUG}/lecciones/{number}/leida").status_code == 302
    response = ctx.client.post(f"/modulos/{SLUG}/quiz/intentos")
    assert response.status_code == 302, response.get_data(as_text=True)
    ctx.attempt_url = urlsplit(response.headers["Location"]).path
    page = ctx.client.get(ctx.attempt_url).get_data(as_text=True)
    ctx.quiz_fields = sorted(set(re.findall(r'name="(q\d+)"', page)))
    assert ctx.quiz_fields, page


def setup_commitment(ctx: Context) -> None:
    """Make every module optional, so the commitment form is open to the signed-in person."""
    with ctx.app.app_context():
        db.session.execute(update(Module).values(required=False))
        db.session.commit()


def setup_staff_ticket(ctx: Context) -> None:
    page = ctx.client.post(
        "/rrhh/personas/importar",
        data={"file": FileStorage(io.BytesIO(staff_file(ctx)), "personas.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    ctx.ticket = {
        name: value for name, value in re.findall(r'name="(ticket|fingerprint|skip_invalid)"[^>]*value="([^"]*)"', page)
    }
    assert set(ctx.ticket) >= {"ticket", "fingerprint"}, page
    # HR chooses to create the file's (hostile) departments, so that they get stored and shown.
    ctx.ticket |= {name: "nuevo" for name in re.findall(r'<select id="[^"]*" name="(departamento-[0-9a-f]+)"', page)}
    assert any(name.startswith("departamento-") for name in ctx.ticket), page


def setup_everyone_with_email(ctx: Context) -> None:
    """Nobody is left without an address, so no reminder sheet prints (a printed one is a PDF)."""
    with ctx.app.app_context():
        for user in db.session.scalars(select(User).where(User.email.is_(None))):
            user.email = f"sin-correo-{user.id}@muni.cl"
        db.session.commit()


def setup_anonymous(ctx: Context) -> None:
    ctx.client.post("/logout")


SPECS: dict[str, Spec] = {
    # --- Sign-in ---
    "auth.login": Spec(
        url=lambda ctx: "/login",
        valid=lambda ctx: {"login": ctx.me.email, "password": PASSWORD, "next": "/"},
        fields=("login", "password", "next"),
        anonymous=True,
    ),
    "auth.logout": Spec(url=lambda ctx: "/logout"),
    "auth.forgot_password": Spec(
        url=lambda ctx: "/clave/olvido",
        valid=lambda ctx: {"login": ctx.me.email},
        fields=("login",),
        anonymous=True,
    ),
    "auth.set_password": Spec(
        url=lambda ctx: f"/clave/{ctx.token_for(ctx.person_id)}",
        valid=lambda ctx: {"password": PASSWORD, "confirm": PASSWORD},
        fields=("password", "confirm"),
        anonymous=True,
    ),
    "activation.activate": Spec(
        url=lambda ctx: "/activar",
        valid=lambda ctx: {"rut": fresh_rut(), "codigo": "K7QM-P4RX-2T", "password": PASSWORD, "confirm": PASSWORD},
        fields=("rut", "codigo", "password", "confirm"),
        anonymous=True,
    ),
    "auth.change_password_page": Spec(
        url=lambda ctx: "/cuenta/clave",
        valid=lambda ctx: {"current_password": PASSWORD, "password": PASSWORD, "confirm": PASSWORD},
        fields=("current_password", "password", "confirm"),
    ),
    # --- Learner ---
    "learning.mark_read": Spec(url=lambda ctx: f"/modulos/{SLUG}/lecciones/1/leida"),
    "learning.commitment": Spec(
        url=lambda ctx: "/compromiso",
        valid=lambda ctx: {"accept": "y", "full_name": ctx.me.full_name},
        fields=("accept", "full_name"),
        setup=setup_commitment,
    ),
    "quizzes.start": Spec(url=lambda ctx: f"/modulos/{SLUG}/quiz/intentos", setup=setup_quiz_attempt),
    "quizzes.submit": Spec(
        url=lambda ctx: ctx.attempt_url,
        # Valid answers are unknown here (the order is the attempt's); any hostile value makes
        # the submission invalid, which keeps the attempt open for the next one.
        valid=lambda ctx: {},
        fields=("q*",),
        setup=setup_quiz_attempt,
    ),
    # --- Trainer ---
    "training.new_module": Spec(
        url=lambda ctx: "/capacitacion/modulos/nuevo",
        valid=lambda ctx: {
            "slug": f"modulo-{next(_numbers)}",
            "title": "Módulo de prueba",
            "summary": "Resumen",
            "required": "y",
        },
        fields=("slug", "title", "summary", "required"),
    ),
    "training.module": Spec(
        url=module_url(),
        valid=lambda ctx: {"title": "Misión y visión", "summary": "Resumen", "required": "y"},
        fields=("title", "summary", "required"),
    ),
    "training.move_module": Spec(
        url=module_url("/mover"), valid=lambda ctx: {"direction": "down"}, fields=("direction",)
    ),
    "training.publish_module": Spec(
        url=module_url("/publicacion"), valid=lambda ctx: {"published": "1"}, fields=("published", "back")
    ),
    "training.new_lesson": Spec(
        url=module_url("/lecciones/nueva"),
        valid=lambda ctx: {"title": "Lección", "body_md": "Texto de **prueba**.", "action": "save"},
        fields=LESSON_FIELDS,
        fixed=LESSON_FILES,
        upload=("document", lambda ctx: documents.pdf()),
    ),
    "training.edit_lesson": Spec(
        url=lambda ctx: f"/capacitacion/modulos/{SLUG}/lecciones/{ctx.lesson_id}",
        valid=lambda ctx: {"title": "Lección", "body_md": "Texto de **prueba**.", "action": "save"},
        fields=LESSON_FIELDS,
        fixed=LESSON_FILES,
        upload=("document", lambda ctx: documents.pdf()),
    ),
    "training.move_lesson": Spec(
        url=lambda ctx: f"/capacitacion/modulos/{SLUG}/lecciones/{ctx.lesson_id}/mover",
        valid=lambda ctx: {"direction": "up"},
        fields=("direction",),
    ),
    "training.restore_lesson_version": Spec(
        url=lambda ctx: f"/capacitacion/modulos/{SLUG}/lecciones/{ctx.lesson_id}/versiones/{ctx.version_id}/restaurar",
        setup=lambda ctx: setup_lesson_version(ctx),
    ),
    "training.delete_lesson": Spec(url=lambda ctx: f"/capacitacion/modulos/{SLUG}/lecciones/{ctx.lesson_id}/eliminar"),
    "training.restore_lesson": Spec(url=lambda ctx: trashed_lesson_url(ctx)),
    "training.upload_image": Spec(
        url=lambda ctx: "/capacitacion/imagenes",
        valid=lambda ctx: {"back": f"/capacitacion/modulos/{SLUG}"},
        fields=("back",),
        upload=("file", lambda ctx: TINY_PNG),
    ),
    "training.upload_document": Spec(
        url=lambda ctx: "/capacitacion/adjuntos", upload=("file", lambda ctx: documents.pdf()), fragment=True
    ),
    "training.upload_video": Spec(
        url=lambda ctx: "/capacitacion/videos", upload=("file", lambda ctx: documents.webm()), fragment=True
    ),
    "training.render_preview": Spec(
        url=lambda ctx: "/capacitacion/vista-previa-markdown", fields=("body_md",), fragment=True
    ),
    "training.quiz": Spec(
        url=module_url("/cuestionario"),
        valid=lambda ctx: {
            "pass_mark": "80",
            "max_attempts": "3",
            "shuffle": "y",
            "shuffle_questions": "y",
            "show_answers": "after_pass",
            "pool_size": "1",
        },
        fields=("pass_mark", "max_attempts", "shuffle", "shuffle_questions", "show_answers", "pool_size"),
    ),
    "training.new_question": Spec(
        url=module_url("/cuestionario/preguntas/nueva"),
        valid=question_form,
        fields=("kind", "prompt", "explanation", "true_answer", "values", *SWEPT_CHOICE_FIELDS),
        fixed=CHOICE_FIELDS,
    ),
    "training.edit_question": Spec(
        url=module_url("/cuestionario/preguntas/1"),
        valid=question_form,
        fields=("kind", "prompt", "explanation", "true_answer", "values", *SWEPT_CHOICE_FIELDS),
        fixed=CHOICE_FIELDS,
    ),
    "training.move_question": Spec(
        url=module_url("/cuestionario/preguntas/1/mover"),
        valid=lambda ctx: {"direction": "down"},
        fields=("direction",),
    ),
    "training.delete_question": Spec(url=module_url("/cuestionario/preguntas/1/eliminar")),
    "training.discard_draft": Spec(url=module_url("/cuestionario/descartar")),
    "training.publish_quiz": Spec(url=module_url("/cuestionario/publicar")),
    "training.import_gift": Spec(url=module_url("/cuestionario/gift"), upload=("file", gift_file)),
    "training.preview_quiz": Spec(url=module_url("/vista-previa/cuestionario"), fields=("q1", "q2", "q3")),
    "training.import_json": Spec(url=lambda ctx: "/capacitacion/importar", upload=("file", module_json)),
    "training.add_from_library": Spec(url=lambda ctx: "/capacitacion/biblioteca/ley-karin"),
    # --- Administration ---
    "admin.new_account": Spec(
        url=lambda ctx: "/admin/cuentas/nueva",
        valid=lambda ctx: {**person_form(ctx), "roles": "staff"},
        fields=(*PERSON_FIELDS, "roles"),
    ),
    "admin.edit_account": Spec(
        url=lambda ctx: f"/admin/cuentas/{ctx.person_id}/editar",
        valid=lambda ctx: {**person_form(ctx), "roles": "staff"},
        fields=(*PERSON_FIELDS, "roles"),
    ),
    "admin.set_active": Spec(
        url=lambda ctx: f"/admin/cuentas/{ctx.person_id}/activacion",
        valid=lambda ctx: {"active": "1"},
        fields=("active",),
    ),
    "admin.anonymise": Spec(
        url=lambda ctx: f"/admin/cuentas/{ctx.person_id}/anonimizar",
        valid=lambda ctx: {"confirmation": "ANONIMIZAR"},
        fields=("confirmation",),
    ),
    "admin.departments": Spec(
        url=lambda ctx: "/admin/departamentos",
        valid=lambda ctx: {"name": f"Departamento {next(_numbers)}"},
        fields=("name",),
    ),
    "admin.rename_department": Spec(
        url=lambda ctx: f"/admin/departamentos/{ctx.department_ids[0]}/renombrar",
        valid=lambda ctx: {"name": f"Departamento {next(_numbers)}"},
        fields=("name",),
    ),
    "admin.merge_department": Spec(
        url=lambda ctx: f"/admin/departamentos/{ctx.department_ids[0]}/fusionar",
        valid=lambda ctx: {"into": str(ctx.department_ids[1])},
        fields=("into",),
    ),
    "admin.settings": Spec(
        url=lambda ctx: "/admin/configuracion",
        valid=lambda ctx: {
            "institution_name": "Municipalidad de Prueba",
            "onboarding_days": "30",
            "reminder_interval_days": "7",
            "activation_code_days": "14",
            "renewal_months": "24",
        },
        fields=(
            "institution_name",
            "onboarding_days",
            "reminder_interval_days",
            "activation_code_days",
            "renewal_months",
            "attachment_max_mb",
            "video_max_mb",
            "remove_logo",
        ),
        upload=("logo", lambda ctx: TINY_PNG),
    ),
    "admin.verify_audit": Spec(url=lambda ctx: "/admin/auditoria/verificar"),
    # --- HR ---
    "reports.new_person": Spec(url=lambda ctx: "/rrhh/personas/nueva", valid=person_form, fields=PERSON_FIELDS),
    "reports.edit_person": Spec(
        url=lambda ctx: f"/rrhh/personas/{ctx.person_id}/editar", valid=person_form, fields=PERSON_FIELDS
    ),
    "reports.set_active": Spec(
        url=lambda ctx: f"/rrhh/personas/{ctx.person_id}/activacion",
        valid=lambda ctx: {"active": "1"},
        fields=("active",),
    ),
    "reports.password_link": Spec(url=lambda ctx: f"/rrhh/personas/{ctx.person_id}/enlace"),
    "reports.shift_due_dates": Spec(
        url=lambda ctx: "/rrhh/plazos", valid=lambda ctx: {"days": "7"}, fields=("days", "?q", "?desde", "?orden")
    ),
    "reports.send_reminders": Spec(
        url=lambda ctx: "/rrhh/recordatorios",
        valid=lambda ctx: {"persona": str(ctx.person_id)},
        fields=("persona", "alcance", "?q", "?estado", "?departamento"),
    ),
    # A print that succeeds answers with a PDF (tests/test_activation_slips.py and test_reminder_sheets.py read
    # them back); here the hostile values go where they would be read, on lists that print nothing.
    "reports.print_slips": Spec(
        url=lambda ctx: "/rrhh/hojas-de-activacion",
        valid=lambda ctx: {"origen": "person"},
        fields=("persona", "origen"),
    ),
    "reports.print_reminder_sheets": Spec(
        url=lambda ctx: "/rrhh/recordatorios/hojas",
        fields=("cartas", "?q", "?estado", "?departamento"),
        setup=setup_everyone_with_email,
    ),
    # --- Jefaturas (tests/test_team_printing.py reads the PDFs back; here the team is empty: nothing prints) ---
    "team.print_slips": Spec(url=lambda ctx: "/equipo/hojas-de-activacion", fields=("?q", "?estado", "?departamento")),
    "team.print_person_slip": Spec(url=lambda ctx: f"/equipo/personas/{ctx.person_id}/hoja-de-activacion"),
    "team.print_reminder_sheets": Spec(
        url=lambda ctx: "/equipo/hojas-de-recordatorio",
        fields=("cartas", "?q", "?estado", "?departamento"),
        setup=setup_everyone_with_email,
    ),
    "reports.prepare_certificates": Spec(
        url=lambda ctx: "/rrhh/certificados/preparar",
        fields=("?q", "?estado", "?departamento", "?desde"),
    ),
    "reports.prepare_export": Spec(
        url=lambda ctx: "/rrhh/exportar/preparar",
        fields=("?q", "?estado", "?departamento", "?desde"),
    ),
    "reports.import_staff": Spec(url=lambda ctx: "/rrhh/personas/importar", upload=("file", staff_file)),
    "reports.confirm_staff_import": Spec(
        url=lambda ctx: "/rrhh/personas/importar/confirmar",
        valid=lambda ctx: dict(ctx.ticket),
        fields=("ticket", "fingerprint", "skip_invalid"),
        setup=setup_staff_ticket,
    ),
}


def post_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}


def test_every_post_route_is_in_the_sweep(app):
    assert post_endpoints(app) - set(SPECS) == set(), "add the new POST route to SPECS in this file"
    assert set(SPECS) - post_endpoints(app) == set(), "SPECS names a route that no longer exists"


# --- Reading pages ---------------------------------------------------------------------------------


class PageParser(HTMLParser):
    """Start tags with their attributes, inline script text, and the fields of each POST form."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.inline_script = ""
        self.forms: list[tuple[str, set[str]]] = []
        self._in_script = False
        self._form: tuple[str, set[str]] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "script":
            self._in_script = True
        elif tag == "form" and (attributes.get("method") or "get").lower() == "post":
            self._form = (attributes.get("action") or "", set())
            self.forms.append(self._form)
        elif tag in {"input", "textarea", "select", "button"} and self._form is not None and attributes.get("name"):
            self._form[1].add(attributes["name"])

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False
        elif tag == "form":
            self._form = None

    def handle_data(self, data):
        if self._in_script:
            self.inline_script += data


_SAFE_SCHEMES = {"http", "https", "mailto"}


def assert_inert(html: str, where) -> None:
    """No element or attribute that a browser would run, whatever text the page holds."""
    parser = PageParser()
    parser.feed(html)
    parser.close()
    assert not parser.inline_script.strip(), (where, parser.inline_script[:200])
    for tag, attributes in parser.tags:
        assert tag not in {
            "iframe",
            "object",
            "embed",
            "frame",
            "base",
            "meta" if "http-equiv" in attributes else "",
        }, (
            where,
            tag,
        )
        if tag == "script":
            assert (attributes.get("src") or "").startswith("/static/"), (where, attributes)
        for name, value in attributes.items():
            assert not name.startswith("on"), (where, tag, name, value)
            if tag == "link" and name == "href" and value == "data:,":
                continue  # the empty favicon of base.html
            if name in {"href", "src", "action", "formaction"} and value:
                scheme = re.match(r"^\s*([a-zA-Z][a-zA-Z0-9+.\-]*):", re.sub(r"[\t\n\r]", "", value))
                assert scheme is None or scheme.group(1).lower() in _SAFE_SCHEMES, (where, tag, name, value)
            if tag == "img" and name == "src":
                # The app's own images only: a remote or relative src would be hostile input.
                assert re.match(r"^/[^/\\]", value) or value.startswith("data:image/"), (where, value)


def fields_on(html: str) -> list[tuple[str, set[str]]]:
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser.forms


# --- The sweep -------------------------------------------------------------------------------------


def setup_lesson_version(ctx: Context) -> None:
    """An older version of the lesson, so that restoring it changes the text."""
    with ctx.app.app_context():
        lesson = db.session.get(Lesson, ctx.lesson_id)
        ctx.version_id = record_version(lesson, ctx.me.id).id
        lesson.body_md += "\n\nUn párrafo más."
        db.session.commit()


def trashed_lesson_url(ctx: Context) -> str:
    """The restore address of a lesson just sent to the Papelera (each submission restores one)."""
    with ctx.app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == SLUG))
        lesson = module.lessons[0]
        trash.move_to_trash(lesson, ctx.me.id)
        db.session.commit()
        return f"/capacitacion/papelera/{lesson.id}/restaurar"


def signed_in_context(app, make_user) -> Context:
    client = app.test_client()
    person = make_user(full_name="Ana Todas Las Funciones", roles=ALL_ROLES)
    other = make_user(full_name="Pedro Sin Clave", roles=(STAFF,), with_password=False)
    assert login(client, person.email).status_code == 302
    with app.app_context():
        departments = [Department(name="Finanzas"), Department(name="Salud")]
        db.session.add_all(departments)
        db.session.commit()
        department_ids = [department.id for department in departments]
        me = db.session.get(User, person.id)
        db.session.expunge(me)
        lesson_id = db.session.scalar(
            select(Lesson.id).join(Module).where(Module.slug == SLUG).order_by(Lesson.position).limit(1)
        )
    return Context(
        app=app, client=client, me=me, lesson_id=lesson_id, person_id=other.id, department_ids=department_ids
    )


SEEDED_SLUGS = {"mision-y-vision", "compromiso", "transparencia", "inclusion", "respeto-y-solidaridad"}
SEEDED_SLUGS |= {"etica-y-probidad"}


def pages_showing_stored_values(ctx: Context) -> list[str]:
    """The pages that show what the sweep may have stored: the first module, modules the sweep
    created, the two fixed people and (at most ten of) the people the sweep created."""
    with ctx.app.app_context():
        slugs = [slug for slug in db.session.scalars(select(Module.slug)) if slug == SLUG or slug not in SEEDED_SLUGS]
        people = sorted({ctx.me.id, ctx.person_id, *db.session.scalars(select(User.id).where(User.id > ctx.person_id))})
        departments = list(db.session.scalars(select(Department.id)))
    people = people[:12]
    pages = ["/", "/capacitacion/", "/capacitacion/papelera", "/rrhh/", "/rrhh/recordatorios", "/rrhh/plazos"]
    pages += ["/compromiso"]
    for slug in slugs[:6]:
        base = f"/capacitacion/modulos/{slug}"
        pages += [base, base + "/cuestionario", base + "/vista-previa", base + "/vista-previa/cuestionario"]
        pages += [base + "/vista-previa/lecciones/1", base + "/versiones", base + "/estadisticas"]
        pages += [f"/modulos/{slug}", f"/modulos/{slug}/lecciones/1"]
    pages += [f"/rrhh/personas/{user_id}" for user_id in people]
    pages += [f"/rrhh/personas/{user_id}/editar" for user_id in people[:3]]
    endpoints = {rule.endpoint for rule in ctx.app.url_map.iter_rules()}
    if "admin.index" in endpoints:
        pages += ["/admin/", "/admin/cuentas", "/admin/departamentos", "/admin/auditoria", "/admin/configuracion"]
        pages += [f"/admin/cuentas/{user_id}" for user_id in people]
        pages += [f"/admin/departamentos/{department_id}" for department_id in departments[:6]]
    return pages


def is_spanish_page(response) -> bool:
    text = response.get_data(as_text=True)
    return 'lang="es' in text


def submit(ctx: Context, spec: Spec, name: str | None, value: str | None, file_name: str = "archivo.csv"):
    data = spec.valid(ctx)
    url = spec.url(ctx)
    query = {}
    if name is not None:
        if name.startswith("?"):
            query[name[1:]] = value
        else:
            data[name] = value
    content_type = None
    if spec.upload is not None:
        field_name, content = spec.upload
        data[field_name] = FileStorage(io.BytesIO(content(ctx)), file_name)
        content_type = "multipart/form-data"
    try:
        return ctx.client.post(url, data=data, query_string=query, content_type=content_type)
    except Exception as error:  # TESTING propagates exceptions: report which input caused it
        raise AssertionError(f"{url} {name}={value[:40] if value else value!r} raised {error!r}") from error


def check_answer(response, where, fragment: bool = False) -> None:
    status = response.status_code
    assert status < 500, where
    assert status in range(200, 500), where
    if 300 <= status < 400:
        return
    if fragment:
        assert response.mimetype in ("application/json", "text/html"), (where, response.mimetype)
        assert_inert(response.get_data(as_text=True), where)
        return
    assert response.mimetype == "text/html", (where, response.mimetype)
    assert is_spanish_page(response), where
    assert_inert(response.get_data(as_text=True), where)


#: An element that speaks of what just happened: an error summary, a status the page writes itself.
#: Empty ones (a script's live region waiting for its text) are not messages yet.
_MESSAGE = re.compile(r'<[a-z]+[^>]*\brole="(?:alert|status)"[^>]*>\s*(?!\s*</)')
_FOCUSED_ON_LOAD = 'tabindex="-1" autofocus data-announce'


def check_opening_message(response, where) -> None:
    """A page that answers a form with a message (or flashed messages) makes exactly one element take
    focus on load, so a screen reader reads it (portal.flashes.opening_message)."""
    if not 200 <= response.status_code < 300 and response.status_code not in (400, 404, 409, 413, 422):
        return
    if response.mimetype != "text/html":
        return
    html = response.get_data(as_text=True)
    if _MESSAGE.search(html) or '<div class="flashes"' in html:
        assert html.count(_FOCUSED_ON_LOAD) == 1, (where, _MESSAGE.findall(html)[:3])


#: Bugs found by the sweep in code this file's authors may not change; remove an entry once fixed
#: (strict: the test fails as soon as the bug is gone, so the entry cannot outlive it).
KNOWN_BUGS: dict[str, str] = {}


@pytest.mark.parametrize(
    "endpoint",
    [
        pytest.param(name, marks=pytest.mark.xfail(reason=KNOWN_BUGS[name], raises=AssertionError, strict=True))
        if name in KNOWN_BUGS
        else name
        for name in sorted(SPECS)
    ],
)
def test_hostile_values_in_every_field_are_refused_or_stored_inert(app, make_user, endpoint):
    spec = SPECS[endpoint]
    ctx = signed_in_context(app, make_user)
    if spec.setup is not None:
        spec.setup(ctx)
    if spec.anonymous:
        setup_anonymous(ctx)
    fields = ctx.quiz_fields if spec.fields == ("q*",) else list(spec.fields)
    answers = []
    if not fields:
        answers.append((submit(ctx, spec, "inesperado", HOSTILE[0]), (endpoint, "no fields")))
    for name in fields:
        for value in HOSTILE:
            answers.append((submit(ctx, spec, name, value), (endpoint, name, value[:40])))
    if spec.upload is not None:
        answers.append((submit(ctx, spec, None, None, file_name=HOSTILE_FILE_NAME), (endpoint, "file name")))
        answers.append((submit(ctx, spec, None, None), (endpoint, "valid upload")))
    for answer, where in answers:
        check_answer(answer, where, spec.fragment)
        if not spec.fragment:
            check_opening_message(answer, where)

    # Whatever was stored renders as text on every page that shows it.
    with ctx.app.app_context():
        limiter.reset()  # the sweep of the sign-in forms used up the attempts allowed
    assert login(ctx.client, ctx.me.email).status_code == 302
    for page in pages_showing_stored_values(ctx):
        response = ctx.client.get(page)
        check_answer(response, (endpoint, "GET", page))
    export = ctx.client.get("/rrhh/exportar.csv")
    assert export.status_code == 200
    for row in csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"):
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
            assert not (cell.startswith("-") and not re.fullmatch(r"-\d+(?:[.,]\d+)?", cell)), cell


def test_every_field_on_the_pages_is_in_the_sweep(app, make_user):
    """The forms the pages actually show send no field that SPECS forgot."""
    ctx = signed_in_context(app, make_user)
    setup_quiz_attempt(ctx)
    setup_staff_ticket(ctx)
    adapter = app.url_map.bind("localhost")
    pages = pages_showing_stored_values(ctx) + [
        "/capacitacion/modulos/nuevo",
        f"/capacitacion/modulos/{SLUG}/lecciones/nueva",
        f"/capacitacion/modulos/{SLUG}/lecciones/{ctx.lesson_id}",
        f"/capacitacion/modulos/{SLUG}/cuestionario/preguntas/nueva",
        f"/capacitacion/modulos/{SLUG}/cuestionario/preguntas/1",
        "/rrhh/personas/nueva",
        "/rrhh/personas/importar",
        "/equipo/",
        f"/modulos/{SLUG}/quiz",
        ctx.attempt_url,
    ]
    seen = set()
    for page in pages:
        response = ctx.client.get(page)
        assert response.status_code < 500, page
        for action, names in fields_on(response.get_data(as_text=True)):
            path = urlsplit(action).path or page
            try:
                endpoint, _args = adapter.match(path, method="POST")
            except (NotFound, MethodNotAllowed):
                pytest.fail(f"{page} has a form posting to {action!r}, which takes no POST")
            seen.add(endpoint)
            spec = SPECS[endpoint]
            known = set(spec.fields) | set(spec.fixed) | {"csrf_token"}
            if spec.upload:
                known.add(spec.upload[0])
            if spec.fields == ("q*",) or endpoint == "training.preview_quiz":
                names = {name for name in names if not re.fullmatch(r"q\d+", name)}
            assert names <= known, (page, endpoint, names - known)
    # The forms reached from these pages cover most of the POST routes.
    assert len(seen) >= len(SPECS) // 2, sorted(seen)


# --- Classes of input that crashed: huge ids, extreme dates, digits of other scripts -------------

#: The largest id (ids are 32-bit integers on PostgreSQL), one more, past SQLite's 64 bits (OverflowError),
#: and past Python's int() limit of 4,300 digits.
HUGE_NUMBERS = [str(LARGEST_ID), str(LARGEST_ID + 1), str(2**63), "9" * 40, "9" * 5000]
#: Query parameters that pages read as numbers (page, version, example person, ...).
NUMERIC_QUERY = ("pagina", "version", "desde", "hasta", "ejemplo", "persona", "departamento")
_RULE_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def int_arguments(rule) -> list[str]:
    return [name for name, converter in rule._converters.items() if isinstance(converter, IntegerConverter)]


def test_huge_ids_on_every_int_route_are_never_a_server_error(app, make_user):
    """Every `<int:>` route of the URL map, every method, as someone with every role: 4xx or a redirect."""
    ctx = signed_in_context(app, make_user)
    setup_quiz_attempt(ctx)
    rules = [rule for rule in app.url_map.iter_rules() if int_arguments(rule)]
    assert len(rules) >= 20, [rule.rule for rule in rules]
    for rule in rules:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for huge in HUGE_NUMBERS:
                numbers = int_arguments(rule)
                path = _RULE_ARGUMENT.sub(
                    lambda m, huge=huge, numbers=numbers: huge if m[1] in numbers else SLUG, rule.rule
                )
                response = ctx.client.open(path, method=method, data={"confirmation": "ANONIMIZAR"})
                assert response.status_code < 500, (method, rule.rule, huge[:30])
                if huge != str(LARGEST_ID):
                    assert response.status_code in {404, 405}, (method, rule.rule, huge[:30])


def test_huge_numbers_in_query_strings_are_never_a_server_error(app, make_user):
    """Every GET page without path arguments, and every `<int:>` page, with huge numeric parameters."""
    ctx = signed_in_context(app, make_user)
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or (rule.arguments and not int_arguments(rule)):
            continue
        if rule.endpoint in {"auth.logout"}:
            continue
        path = _RULE_ARGUMENT.sub(lambda m: str(ctx.person_id) if "id" in m.group(1) else "1", rule.rule)
        path = path.replace("/modulos/1", f"/modulos/{SLUG}")
        for huge in HUGE_NUMBERS:
            try:
                response = ctx.client.get(path, query_string={name: huge for name in NUMERIC_QUERY})
                response.get_data()  # a streamed export runs to its end
                response.close()
            except Exception as error:  # TESTING propagates exceptions: say which page raised
                raise AssertionError(f"{path} ?{huge[:30]} raised {error!r}") from error
            assert response.status_code < 500, (rule.rule, huge[:30])


def person_form_pages(ctx: Context) -> list[str]:
    return ["/rrhh/personas/nueva", "/admin/cuentas/nueva", f"/admin/cuentas/{ctx.person_id}/editar"]


EXTREME_DATES = ["9999-12-31", "0001-01-01", "1899-12-31", "2200-01-01"]
#: The last accepted date: start + onboarding days, or a due date moved, passes the edge.
EDGE_DATES = [LATEST.isoformat(), EARLIEST.isoformat()]
OUT_OF_RANGE = "La fecha debe estar entre el 01-01-1900 y el 31-12-2199."


class DateInputs(HTMLParser):
    """The date inputs of each form on a page: (method, action, {date input names})."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, str, set[str]]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append(((attributes.get("method") or "get").lower(), attributes.get("action") or "", set()))
        elif tag == "input" and attributes.get("type") == "date" and self.forms:
            self.forms[-1][2].add(attributes["name"])


def date_forms(ctx: Context) -> list[tuple[str, str, str, set[str]]]:
    """(page, method, path, date fields) of every form with a date input on the pages the sweep reads."""
    pages = pages_showing_stored_values(ctx) + person_form_pages(ctx)
    found = []
    for page in pages:
        parser = DateInputs()
        parser.feed(ctx.client.get(page).get_data(as_text=True))
        for method, action, names in parser.forms:
            if names:
                found.append((page, method, urlsplit(action).path or page, names))
    return found


def test_every_date_field_of_every_form_is_bounded():
    """A DateField that is not a BoundedDateField would take 31-12-9999 and crash on arithmetic."""
    from flask_wtf import FlaskForm
    from wtforms import DateField, DateTimeField

    import portal.admin.forms
    import portal.auth.forms
    import portal.learning.forms
    import portal.quizzes.forms
    import portal.reports.forms
    import portal.training.forms  # noqa: F401
    from portal.fields import BoundedDateField

    forms, pending = [], [FlaskForm]
    while pending:
        forms += (subclasses := pending.pop().__subclasses__())
        pending += subclasses
    date_fields = [
        (form.__name__, name, unbound.field_class)
        for form in forms
        for name, unbound in vars(form).items()
        if getattr(unbound, "field_class", None) and issubclass(unbound.field_class, (DateField, DateTimeField))
    ]
    assert len(date_fields) >= 6, date_fields
    assert [field for field in date_fields if field[2] is not BoundedDateField] == []


def test_extreme_dates_in_every_date_input_get_a_message_not_a_500(app, make_user):
    """Every date input of the pages' forms (people, filters, audit log) with years 1 and 9999."""
    ctx = signed_in_context(app, make_user)
    forms = date_forms(ctx)
    endpoints = {app.url_map.bind("localhost").match(path, method=method.upper())[0] for _, method, path, _ in forms}
    assert {"reports.new_person", "reports.edit_person", "reports.report", "admin.audit_log"} <= endpoints, endpoints
    for page, method, path, names in forms:
        for name in sorted(names):
            for value in EXTREME_DATES + EDGE_DATES:
                where = (page, method, path, name, value)
                if method == "post":
                    endpoint = app.url_map.bind("localhost").match(path, method="POST")[0]
                    spec = SPECS[endpoint]
                    data = {**spec.valid(ctx), name: value}
                    if name == "start_date":
                        data.pop("due_date", None)  # the due date is computed: start + onboarding days
                    response = ctx.client.post(path, data=data)
                else:
                    response = ctx.client.get(path, query_string={name: value})
                check_answer(response, where)
                if value in EXTREME_DATES:
                    assert response.status_code in {200, 422}, where
                    assert OUT_OF_RANGE in response.get_data(as_text=True), where


def test_a_due_date_moved_past_the_last_date_is_refused_whole(app, make_user):
    """A stored due date near the edge (from before the bound) must not crash the move or half-move it."""
    ctx = signed_in_context(app, make_user)
    near = make_user(full_name="Rita Al Borde", due_date=date(9999, 12, 25))
    other = make_user(full_name="Otro Cualquiera", due_date=date(2030, 1, 1))
    response = ctx.client.post("/rrhh/plazos", data={"days": "7"})
    check_answer(response, "/rrhh/plazos")
    page = response.get_data(as_text=True)
    assert response.status_code in {200, 422} and "El nuevo plazo de Rita Al Borde quedaría fuera" in page
    with app.app_context():
        assert db.session.get(User, near.id).due_date == date(9999, 12, 25)
        assert db.session.get(User, other.id).due_date == date(2030, 1, 1)


@pytest.mark.parametrize("typed", ["31-12-9999", "01-01-0001", "9999-12-31", "٠١-٠١-٢٠٢٤"])
def test_staff_import_refuses_dates_out_of_range_row_by_row(app, make_user, typed):
    ctx = signed_in_context(app, make_user)
    rut = fresh_rut()
    content = f"RUT;Nombre completo;Fecha de ingreso\n{rut};Nora Fechas Raras;{typed}\n".encode()
    response = ctx.client.post(
        "/rrhh/personas/importar",
        data={"file": FileStorage(io.BytesIO(content), "personas.csv")},
        content_type="multipart/form-data",
    )
    check_answer(response, typed)
    page = response.get_data(as_text=True)
    assert "Nora Fechas Raras" in page
    assert "fuera" in page or OUT_OF_RANGE in page or "no reconocida" in page, page
    assert ("no reconocida" in page) == (not typed.isascii())


#: RUTs written with digits of other scripts; int() reads each as an ASCII RUT (the last two are valid
#: 12345678-5, the first a placeholder that got past the check as 11111111-1).
FOREIGN_DIGIT_RUTS = [
    "1\u0661111111-1",  # an Arabic-Indic one among ASCII ones
    "\uff11\uff12.\uff13\uff14\uff15.\uff16\uff17\uff18-\uff15",  # full-width
    "\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668-\u0665",  # Arabic-Indic
]
READ_AS = {"11111111-1", "12345678-5"}


def rut_forms(ctx: Context) -> list[tuple[str, str]]:
    """(page, action path) of every POST form with a field named `rut` on the pages the sweep reads."""
    pages = pages_showing_stored_values(ctx) + person_form_pages(ctx)
    found = set()
    for page in pages:
        for action, names in fields_on(ctx.client.get(page).get_data(as_text=True)):
            if "rut" in names:
                found.add((page, urlsplit(action).path or page))
    return sorted(found)


def stored_ruts(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(User.rut)))


def test_ruts_with_digits_of_other_scripts_are_refused_on_every_rut_field(app, make_user):
    ctx = signed_in_context(app, make_user)
    forms = rut_forms(ctx)
    endpoints = {app.url_map.bind("localhost").match(path, method="POST")[0] for _, path in forms}
    assert {"reports.new_person", "reports.edit_person", "admin.new_account", "admin.edit_account"} <= endpoints
    for page, path in forms:
        spec = SPECS[app.url_map.bind("localhost").match(path, method="POST")[0]]
        for typed in FOREIGN_DIGIT_RUTS:
            response = ctx.client.post(path, data={**spec.valid(ctx), "rut": typed})
            check_answer(response, (page, typed))
            assert response.status_code in {200, 422}, (page, typed)
            assert "RUT" in response.get_data(as_text=True)
            assert not READ_AS & stored_ruts(app), (page, typed)


def test_ruts_with_digits_of_other_scripts_do_not_sign_in_import_or_create(app, make_user):
    ctx = signed_in_context(app, make_user)
    with app.app_context():
        db.session.get(User, ctx.me.id).rut = "12345678-5"
        db.session.commit()
    ctx.client.post("/logout")
    for typed in FOREIGN_DIGIT_RUTS[1:]:
        assert login(ctx.client, typed).status_code == 200, typed  # refused, as any unknown login
    assert login(ctx.client, "12.345.678-5").status_code == 302  # the same RUT in ASCII signs in

    with app.app_context():
        db.session.get(User, ctx.me.id).rut = fresh_rut().replace(".", "")
        db.session.commit()
    rows = "".join(f"{typed};Persona {n}\n" for n, typed in enumerate(FOREIGN_DIGIT_RUTS))
    response = ctx.client.post(
        "/rrhh/personas/importar",
        data={"file": FileStorage(io.BytesIO(f"RUT;Nombre completo\n{rows}".encode()), "personas.csv")},
        content_type="multipart/form-data",
    )
    check_answer(response, "import")
    page = response.get_data(as_text=True)
    assert page.count("RUT «") == len(FOREIGN_DIGIT_RUTS), page

    for typed in FOREIGN_DIGIT_RUTS:
        result = app.test_cli_runner().invoke(
            args=["users", "create", "--rut", typed, "--name", "Ana Cli", "--role", "staff", "--password", PASSWORD * 2]
        )
        assert result.exit_code != 0 and "RUT no válido" in result.output, (typed, result.output)
    assert not READ_AS & stored_ruts(app)


def valid_module() -> dict:
    return {
        "slug": "modulo-importado",
        "title": "Módulo importado",
        "summary": "Resumen",
        "lessons": [{"title": "Lección", "body_md": "Texto."}],
        "quiz": {
            "pass_mark": 80,
            "questions": [
                {
                    "kind": "single",
                    "prompt": "¿Sí?",
                    "explanation": "",
                    "choices": [{"text": "Sí", "correct": True}, {"text": "No", "correct": False}],
                }
            ],
        },
    }


def module_with(**changes) -> str:
    data = valid_module()
    for path, value in changes.items():
        target = data
        *parents, last = path.split("__")
        for key in parents:
            target = target[int(key) if key.isdigit() else key]
        target[int(last) if last.isdigit() else last] = value
    return json.dumps(data)


#: Module files that crashed the import (or would have stored nonsense), and the message each must get.
BAD_MODULE_FILES = {
    "deep nesting": ('{"slug": ' + "[" * 100_000 + "]" * 100_000 + "}", "demasiada profundidad"),
    "nesting inside a lesson": (module_with(lessons__0__body_md=json.loads("[" * 500 + "]" * 500)), "Lección 1"),
    "numeric title": (module_with(title=5), "El campo «title» debe ser texto"),
    "body_md as a list": (module_with(lessons__0__body_md=["a", "b"]), "Lección 1: El campo «body_md» debe ser texto"),
    "numeric lesson title": (module_with(lessons__0__title=7), "Lección 1: El campo «title» debe ser texto"),
    "summary as an object": (module_with(summary={"a": 1}), "El campo «summary» debe ser texto"),
    "slug with spaces": (module_with(slug="mi modulo"), "El campo «slug» admite minúsculas"),
    "slug with slashes": (module_with(slug="../../admin"), "El campo «slug» admite minúsculas"),
    "slug of 5,000 characters": (module_with(slug="a" * 5000), "El campo «slug» supera los 80 caracteres"),
    "prompt as a list": (module_with(quiz__questions__0__prompt=["¿?"]), "Pregunta 1: La pregunta no tiene enunciado"),
    "choices as text": (module_with(quiz__questions__0__choices="Sí, No"), "Pregunta 1: Las alternativas deben ser"),
    "choice text as a number": (
        module_with(quiz__questions__0__choices__0__text=1),
        "Pregunta 1: Hay una alternativa sin texto",
    ),
    "kind as a list": (module_with(quiz__questions__0__kind=["single"]), "Tipo de pregunta desconocido"),
}


@pytest.mark.parametrize("case", sorted(BAD_MODULE_FILES))
def test_bad_module_files_are_refused_with_the_problem_named_on_the_web_and_the_cli(app, make_user, tmp_path, case):
    content, message = BAD_MODULE_FILES[case]
    ctx = signed_in_context(app, make_user)
    response = ctx.client.post(
        "/capacitacion/importar",
        data={"file": FileStorage(io.BytesIO(content.encode()), "modulo.json")},
        content_type="multipart/form-data",
    )
    check_answer(response, case)
    assert response.status_code == 422 and message in response.get_data(as_text=True), case

    path = tmp_path / "modulo.json"
    path.write_text(content, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["modules", "import", str(path)])
    assert result.exit_code == 1 and "No se importó nada" in result.output and message in result.output, result.output
    with app.app_context():
        assert set(db.session.scalars(select(Module.slug))) == SEEDED_SLUGS


def test_a_valid_module_file_still_imports(app, make_user):
    ctx = signed_in_context(app, make_user)
    response = ctx.client.post(
        "/capacitacion/importar",
        data={"file": FileStorage(io.BytesIO(module_with().encode()), "modulo.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/modulos/modulo-importado")
