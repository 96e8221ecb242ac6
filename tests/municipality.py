"""A municipality with something in every corner, and every GET page of the app addressed with it.

The page-weight and query-count tests walk the same pages as the same people. `Municipality.build`
signs in one person per persona of tests/test_access_rules.py, gives each a different place on the
path (so that pages show their different states: a quiz being taken, the commitment form, a signed
commitment with its certificate), and fills what the big pages list: people in the HR report,
events in the audit log, a long quiz with three revisions and its statistics, a logo, a lesson
image. `grow` adds more of everything without moving any persona to another state, so a page
whose query count changes after it is reading something per row.

PAGES says, for each GET endpoint, which addresses to visit with which real records; a GET route
missing from it fails `visits`, so a new page cannot slip past both tests.
"""

from __future__ import annotations

import copy
import random
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import count
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal import audit
from portal.attachments import attachment_folder
from portal.auth.tokens import SET_PASSWORD_LIFETIME, issue_token
from portal.content import load_curriculum
from portal.demo import DEPARTMENTS, EMPLOYMENT_MIX, FIRST_NAMES, SURNAMES, give_progress
from portal.extensions import db
from portal.jobs import JobFile, finish_job, new_result_path, start_job
from portal.models.curriculum import Lesson, LessonAttachment, LessonVideo, Module
from portal.models.progress import Certificate
from portal.models.quiz import MULTIPLE, Attempt, Quiz
from portal.models.staff import SET_PASSWORD
from portal.models.user import User
from portal.people.departments import find_or_create_department
from portal.people.teams import change_led_departments
from portal.quizzes import drafts
from portal.quizzes import service as quizzes
from portal.quizzes.exchange import import_module
from portal.rut import check_digit
from portal.settings import store
from portal.training import trash
from portal.training.versions import record_version
from portal.uploads import upload_folder
from portal.videos import video_folder
from portal.vocabulary import STAFF, SUPERVISOR, JobKind, JobStatus
from tests import documents
from tests.conftest import PASSWORD_HASH, login
from tests.test_access_rules import PERSONAS, access_rule_of_app

INSTITUTION = "Ilustre Municipalidad de Prueba"
#: Questions in the long module's quiz: twice the default modules' banks of ten.
LONG_QUIZ = 20
_rut_numbers = count(40_000_003, 7_919)
_serials = count(1)


def noise_png(width: int, height: int, seed: int) -> bytes:
    """A valid RGB PNG of random pixels: it does not compress, so its size is about w*h*3 bytes."""
    rng = random.Random(seed)
    rows = b"".join(b"\x00" + rng.randbytes(width * 3) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


#: A municipal crest as administrators upload it (about 14 KB) and a diagram in a lesson (about 26 KB).
LOGO_PNG = noise_png(68, 68, seed=1)
LESSON_PNG = noise_png(92, 92, seed=2)


def _answers(attempt: Attempt, right: bool) -> dict[int, list[int]]:
    answers = {}
    for item in attempt.questions:
        choices = item.question.choices
        correct = [choice.id for choice in choices if choice.correct]
        wrong = [choice.id for choice in choices if not choice.correct]
        if right or not wrong:
            answers[item.question_id] = correct
        else:
            answers[item.question_id] = wrong[:1] + (correct[:1] if item.question.kind == MULTIPLE else [])
    return answers


def take_quiz(user_id: int, quiz_id: int, passing: bool) -> int:
    """Start and submit an attempt (flushes); returns its id."""
    attempt = quizzes.start_attempt(user_id, quiz_id)
    attempt = quizzes.attempt_for_user(attempt.id, user_id)
    quizzes.submit_attempt(attempt, _answers(attempt, passing))
    return attempt.id


def add_lesson_document(app: Flask, lesson_id: int) -> int:
    """Attach a PDF to the lesson (in an app context, flushed): its id."""
    stored_name = "9a0364b9e99bb480dd25e1f0284c8555.pdf"
    content = documents.pdf()
    (attachment_folder(app.instance_path) / stored_name).write_bytes(content)
    document = LessonAttachment(
        lesson_id=lesson_id,
        file_name="Reglamento interno.pdf",
        stored_name=stored_name,
        kind="pdf",
        size=len(content),
    )
    db.session.add(document)
    db.session.flush()
    return document.id


def add_lesson_video(app: Flask, lesson_id: int) -> int:
    """Show a captioned WebM in the lesson (in an app context, flushed): its id."""
    stored_name = "0cc175b9c0f1b6a831c399e269772661.webm"
    content = documents.webm()
    (video_folder(app.instance_path) / stored_name).write_bytes(content)
    video = LessonVideo(
        lesson_id=lesson_id,
        file_name="Bienvenida.webm",
        stored_name=stored_name,
        kind="webm",
        size=len(content),
        captions=documents.vtt().decode(),
        captions_name="Bienvenida.vtt",
        transcript="",
    )
    db.session.add(video)
    db.session.flush()
    return video.id


def modules_in_path() -> list[Module]:
    return list(db.session.scalars(select(Module).where(Module.published.is_(True)).order_by(Module.position)))


def long_module(slug: str, title: str, lessons: int, questions: int, image: str | None = None) -> dict:
    """An exchange-format module made of the default curriculum's own lessons and questions."""
    curriculum = load_curriculum()
    all_lessons = [lesson for module in curriculum for lesson in module["lessons"]]
    all_questions = [question for module in curriculum for question in module["quiz"]["questions"]]
    chosen = copy.deepcopy(sorted(all_lessons, key=lambda lesson: -len(lesson["body_md"]))[:lessons])
    if image:
        chosen[0]["body_md"] += f"\n\n![Organigrama de la Municipalidad]({image})\n"
    return {
        "slug": slug,
        "title": title,
        "summary": "Repaso de la misión, la visión y los cinco valores institucionales antes del compromiso.",
        "lessons": chosen,
        "quiz": {"pass_mark": 80, "questions": copy.deepcopy(all_questions[:questions])},
    }


@dataclass
class Visit:
    url: str
    #: What the page answers for this persona in this state (a redirect where it sends them on).
    status: int = 200


@dataclass
class Municipality:
    app: Flask
    clients: dict[str, FlaskClient] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)
    #: Each persona's latest submitted attempt at the first module's quiz.
    attempt_ids: dict[str, int] = field(default_factory=dict)
    first_slug: str = ""
    #: Where the staff persona is: an attempt at this module's quiz is open.
    second_slug: str = ""
    #: The long module: 4 lessons, LONG_QUIZ questions, three revisions, a draft, statistics.
    long_slug: str = "repaso-general"
    long_lesson_id: int = 0
    #: A module a trainer has just created: no lessons, no quiz yet, not published.
    new_slug: str = "modulo-en-preparacion"
    #: A staff member with a long history, for HR's and the administrator's per-person pages.
    target_id: int = 0
    #: The target's certificate, which HR downloads from the person's page.
    target_certificate_id: int = 0
    department_id: int = 0
    #: A finished reminders job HR's persona asked for (its progress page).
    job_id: int = 0
    certificate_code: str = ""
    password_token: str = ""
    logo: str = ""
    image: str = ""
    #: A PDF attached to the long module's first lesson, and a saved version of that lesson.
    attachment_id: int = 0
    version_id: int = 0
    #: A captioned WebM shown in the same lesson.
    video_id: int = 0

    @classmethod
    def build(cls, app: Flask, people: int = 60, audit_events: int = 60) -> Municipality:
        town = cls(app=app)
        with app.app_context():
            store({"INSTITUTION_NAME": INSTITUTION})
            town._branding()
            import_module(long_module(town.long_slug, "Repaso general", 4, LONG_QUIZ, f"/medios/{town.image}"))
            town._revise_long_quiz()
            db.session.add(Module(slug=town.new_slug, title="Módulo en preparación", position=99, published=False))
            town.department_id = find_or_create_department(DEPARTMENTS[0]).id
            for name in DEPARTMENTS[1:]:
                find_or_create_department(name)
            db.session.commit()
        town._personas()
        with app.app_context():
            modules = modules_in_path()
            town.first_slug, town.second_slug = modules[0].slug, modules[1].slug
            town.long_lesson_id = next(m for m in modules if m.slug == town.long_slug).lessons[0].id
            town.attachment_id = town._attachment(town.long_lesson_id)
            town.version_id = town._older_version(town.long_lesson_id)
            town.video_id = town._video(town.long_lesson_id)
            town._trashed_lesson(town.long_slug)
            target = town._person("Marcela Alejandra Riquelme Fuenzalida", email=True, department_index=0)
            give_progress(target, modules, len(modules), random.Random(7), sign=True, institution_name=INSTITUTION)
            for module in modules:
                for _ in range(2):
                    take_quiz(target.id, module.quiz.id, passing=False)
            town.target_id = target.id
            town.target_certificate_id = db.session.scalar(
                select(Certificate.id).where(Certificate.user_id == target.id)
            )
            town.password_token = issue_token(target, SET_PASSWORD, SET_PASSWORD_LIFETIME)
            job = start_job(JobKind.CERTIFICATES_ZIP, town.user_ids["hr"], {"filters": {"status": "completed"}})
            job.status, job.done, job.total = JobStatus.DONE, 1, 1
            path = new_result_path("zip")
            with zipfile.ZipFile(path, "w") as archive:
                archive.writestr("certificado.pdf", b"%PDF-1.4\n")
            finish_job(job, JobStatus.DONE, JobFile("1 certificado en el archivo ZIP.", path.name, "certificados.zip"))
            town.job_id = job.id
            town.certificate_code = db.session.scalar(
                select(Certificate.code).where(Certificate.user_id == town.user_ids["trainer"])
            )
            db.session.commit()
        town.grow(people=people, modules=0, attempts=0, audit_events=audit_events)
        return town

    # --- Building blocks ------------------------------------------------------------------

    def _branding(self) -> None:
        branding = Path(self.app.instance_path) / "branding"
        branding.mkdir(parents=True, exist_ok=True)
        self.logo = "logo-3f9a1c2e4b5d6f70.png"
        (branding / self.logo).write_bytes(LOGO_PNG)
        store({"LOGO": self.logo})
        self.image = "5d41402abc4b2a76b9719d911017c592.png"
        (upload_folder(self.app.instance_path) / self.image).write_bytes(LESSON_PNG)

    def _attachment(self, lesson_id: int) -> int:
        return add_lesson_document(self.app, lesson_id)

    def _video(self, lesson_id: int) -> int:
        return add_lesson_video(self.app, lesson_id)

    def _older_version(self, lesson_id: int) -> int:
        """A version older than the lesson's text, so that its page offers to restore it."""
        lesson = db.session.get(Lesson, lesson_id)
        version = record_version(lesson, self.user_ids["trainer"])
        version.body_md = lesson.body_md.split("\n\n", 1)[0]
        db.session.flush()
        return version.id

    def _trashed_lesson(self, slug: str) -> None:
        """One more lesson of the module, deleted by the trainer: in the Papelera, seen nowhere else."""
        module = db.session.scalar(select(Module).where(Module.slug == slug))
        lesson = Lesson(
            module=module,
            position=len(module.lessons) + 1,
            title=f"Lección retirada de «{module.title}»",
            body_md="Texto que ya no se enseña.",
        )
        db.session.add(lesson)
        db.session.flush()
        trash.move_to_trash(lesson, self.user_ids["trainer"])

    def _revise_long_quiz(self) -> None:
        """Two more revisions (reworded, removed and added questions) and an unpublished draft."""
        module = db.session.scalar(select(Module).where(Module.slug == self.long_slug))
        quiz: Quiz = module.quiz
        spare = [q for m in load_curriculum() for q in m["quiz"]["questions"]][LONG_QUIZ:]
        for revision in range(2):
            draft = drafts.draft_of(quiz)
            draft["questions"][revision]["prompt"] += " (según el texto institucional)"
            del draft["questions"][5 + revision]
            draft["questions"].append(copy.deepcopy(spare[revision]))
            drafts.save_draft(quiz, draft)
            drafts.publish_draft(quiz, actor_id=None)
        draft = drafts.draft_of(quiz)
        draft["questions"].append(copy.deepcopy(spare[2]))
        drafts.save_draft(quiz, draft)

    def _person(self, name: str, email: bool, department_index: int, roles=(STAFF,), start: date | None = None):
        number = next(_rut_numbers)
        serial = next(_serials)
        start = start or date.today() - timedelta(days=20)
        user = User(
            rut=f"{number}-{check_digit(number)}",
            full_name=name,
            email=f"persona{serial}.{number}@muni.cl" if email else None,
            password_hash=PASSWORD_HASH,
            department=find_or_create_department(DEPARTMENTS[department_index % len(DEPARTMENTS)]),
            employment_type=EMPLOYMENT_MIX[serial % len(EMPLOYMENT_MIX)],
            start_date=start,
            due_date=start + timedelta(days=30),
        )
        user.set_roles(roles)
        db.session.add(user)
        db.session.flush()
        return user

    def _personas(self) -> None:
        """Sign in one account per persona, each at a different place on the path.

        staff: first module done, an attempt at the second module's quiz open (the quiz page shows
        the questions, the commitment is locked, no certificate); hr: every module done, commitment
        not signed (its form shows); trainer, admin and supervisor: done and signed, with a certificate.
        The supervisor leads the first two departments (the target's among them).
        """
        with self.app.app_context():
            modules = modules_in_path()
            for index, (persona, roles) in enumerate(PERSONAS.items()):
                if roles is None:
                    self.clients[persona] = self.app.test_client()
                    continue
                user = self._person(f"{FIRST_NAMES[index]} {SURNAMES[index]} {SURNAMES[index + 9]}", True, index, roles)
                rng = random.Random(index)
                if persona == "staff":
                    give_progress(user, modules, 1, rng, sign=False, institution_name=INSTITUTION)
                    quizzes.start_attempt(user.id, modules[1].quiz.id)  # the quiz page shows the questions
                else:
                    give_progress(user, modules, len(modules), rng, sign=persona != "hr", institution_name=INSTITUTION)
                if SUPERVISOR in roles:
                    # The jefatura leads the target's department and the next: their team has the target.
                    led = [find_or_create_department(name).id for name in DEPARTMENTS[:2]]
                    change_led_departments(user, led, actor_id=None)
                self.user_ids[persona] = user.id
                self.attempt_ids[persona] = db.session.scalar(
                    select(func.max(Attempt.id)).where(
                        Attempt.user_id == user.id,
                        Attempt.quiz_id == modules[0].quiz.id,
                        Attempt.submitted_at.is_not(None),
                    )
                )
                db.session.commit()
        for persona, user_id in self.user_ids.items():
            client = self.app.test_client()
            with self.app.app_context():
                email = db.session.get(User, user_id).email
            assert login(client, email).status_code == 302
            self.clients[persona] = client

    # --- Growing --------------------------------------------------------------------------

    def grow(self, people: int, modules: int, attempts: int, audit_events: int) -> None:
        """Add people with varied progress, modules, attempts and audit events.

        New modules are completed by every persona who had completed the path, so nobody's state
        changes; extra attempts are failed retries at quizzes already passed, for the same reason.
        """
        with self.app.app_context():
            for _ in range(modules):
                serial = next(_serials)
                import_module(long_module(f"extra-{serial}", f"Módulo complementario {serial}", 3, 8))
                self._trashed_lesson(f"extra-{serial}")
            path = modules_in_path()
            if modules:
                done = [self.target_id] + [self.user_ids[p] for p in ("hr", "trainer", "admin", "supervisor")]
                for user_id in done:
                    for module in path[-modules:]:
                        give_progress(db.session.get(User, user_id), [module], 1, random.Random(0), False, INSTITUTION)
            retakers = [self.target_id, *self.user_ids.values()]
            for user_id in retakers:
                for _ in range(attempts):
                    take_quiz(user_id, path[0].quiz.id, passing=False)
            rng = random.Random(people * 31 + len(path))
            for _ in range(people):
                serial = next(_serials)
                name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"
                start = date.today() - timedelta(days=rng.randint(0, 3 * 365))
                person = self._person(name, email=serial % 5 != 0, department_index=serial, start=start)
                done = rng.choice((0, 0, 1, 2, 3, 4, 5, len(path), len(path), len(path)))
                give_progress(person, path, done, rng, sign=rng.random() < 0.8, institution_name=INSTITUTION)
            # Whatever the draws above gave, someone without e-mail has yet to start: the reminders
            # page then offers its printed sheets (and the walk submits that form).
            self._person("Luis Alberto Soto Cárcamo", email=False, department_index=1, start=date.today())
            actor_ids = list(db.session.scalars(select(User.id).order_by(User.id).limit(20)))
            for number in range(audit_events):
                actor = actor_ids[number % len(actor_ids)]
                if number % 3 == 0:
                    audit.record("auth.login", actor_id=actor, address=f"10.20.{number % 250}.{number % 7 + 10}")
                elif number % 3 == 1:
                    audit.record(
                        "staff.updated",
                        actor_id=actor,
                        user_id=self.target_id,
                        changes={"due_date": {"before": "2026-03-02", "after": "2026-04-01"}},
                    )
                else:
                    audit.record(
                        "report.exported", actor_id=actor, format="csv", rows=people, filters={"estado": "overdue"}
                    )
            db.session.commit()

    # --- Walking ---------------------------------------------------------------------------

    def open_slugs(self, persona: str) -> list[str]:
        """Two modules the persona may open: the first, and the one being taken or the long one."""
        return [self.first_slug, self.second_slug if persona == "staff" else self.long_slug]

    def visits(self):
        """(persona, endpoint, Visit) for every GET page each persona is allowed to see."""
        missing = sorted(endpoint for endpoint in get_endpoints(self.app) if endpoint not in PAGES)
        assert not missing, f"add these GET endpoints to tests/municipality.py PAGES: {missing}"
        for persona, roles in PERSONAS.items():
            for endpoint in get_endpoints(self.app):
                if allowed(self.app, endpoint, roles):
                    for visit in PAGES[endpoint](self, persona):
                        yield persona, endpoint, visit


def get_endpoints(app: Flask) -> list[str]:
    return sorted(
        {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods and rule.endpoint != "static"}
    )


def allowed(app: Flask, endpoint: str, roles) -> bool:
    kind, required = access_rule_of_app(app, endpoint)
    if kind == "public":
        return True
    return roles is not None and (not required or bool(set(required) & set(roles)))


def _one(url: Callable[[Municipality], str], status: Callable[[str], int] | None = None):
    return lambda town, persona: [Visit(url(town), status(persona) if status else 200)]


def _locked_for_staff(persona: str) -> int:
    """The answer to a page of the long module: back to the dashboard for staff, whose path has not reached it."""
    return 302 if persona == "staff" else 200


_training = "/capacitacion/modulos/{}".format

PAGES: dict[str, Callable[[Municipality, str], list[Visit]]] = {
    # Public
    "auth.login": lambda town, persona: [Visit("/login", 200 if persona == "anonymous" else 302)],
    "auth.forgot_password": _one(lambda town: "/clave/olvido"),
    "auth.set_password": _one(lambda town: f"/clave/{town.password_token}"),
    "activation.activate": _one(lambda town: "/activar"),
    "health.healthz": _one(lambda town: "/healthz"),
    "branding.logo": _one(lambda town: f"/logo/{town.logo}"),
    "learning.verify": _one(lambda town: f"/verificar/{town.certificate_code}"),
    # Learners
    "learning.dashboard": _one(lambda town: "/"),
    "learning.module": lambda town, persona: [Visit(f"/modulos/{slug}") for slug in town.open_slugs(persona)],
    "learning.lesson": lambda town, persona: [
        Visit(f"/modulos/{slug}/lecciones/1") for slug in town.open_slugs(persona)
    ],
    "quizzes.quiz": lambda town, persona: [
        *(Visit(f"/modulos/{slug}/quiz") for slug in town.open_slugs(persona)),
        *([Visit(f"/modulos/{town.long_slug}/quiz", 302)] if persona == "staff" else []),  # still locked
    ],
    "quizzes.result": lambda town, persona: [
        Visit(f"/modulos/{town.first_slug}/quiz/intentos/{town.attempt_ids[persona]}")
    ],
    "learning.commitment": _one(lambda town: "/compromiso"),
    "learning.certificate": lambda town, persona: [
        Visit("/certificado", 200 if persona in ("trainer", "admin", "supervisor") else 302)
    ],
    "learning.my_data": _one(lambda town: "/mis-datos"),
    "auth.change_password_page": _one(lambda town: "/cuenta/clave"),
    "learning.media": _one(lambda town: f"/medios/{town.image}"),
    # The long module's lesson shows them: still locked for staff, who gets its lesson page's answer.
    "learning.attachment": _one(lambda town: f"/adjuntos/{town.attachment_id}", _locked_for_staff),
    "learning.video": _one(lambda town: f"/videos/{town.video_id}", _locked_for_staff),
    "learning.captions": _one(lambda town: f"/videos/{town.video_id}/subtitulos.vtt", _locked_for_staff),
    # Trainers: the long module, whose quiz has three revisions and a draft
    "training.index": _one(lambda town: "/capacitacion/"),
    "training.new_module": _one(lambda town: "/capacitacion/modulos/nuevo"),
    "training.module": lambda town, persona: [Visit(_training(slug)) for slug in (town.long_slug, town.new_slug)],
    "training.new_lesson": _one(lambda town: _training(town.long_slug) + "/lecciones/nueva"),
    "training.edit_lesson": _one(lambda town: _training(town.long_slug) + f"/lecciones/{town.long_lesson_id}"),
    "training.confirm_delete_lesson": _one(
        lambda town: _training(town.long_slug) + f"/lecciones/{town.long_lesson_id}/eliminar"
    ),
    "training.lesson_versions": _one(
        lambda town: _training(town.long_slug) + f"/lecciones/{town.long_lesson_id}/versiones"
    ),
    "training.lesson_version": _one(
        lambda town: _training(town.long_slug) + f"/lecciones/{town.long_lesson_id}/versiones/{town.version_id}"
    ),
    "training.confirm_unpublish_module": _one(lambda town: _training(town.long_slug) + "/retirar"),
    "training.trash_page": _one(lambda town: "/capacitacion/papelera"),
    "training.quiz": lambda town, persona: [
        Visit(_training(slug) + "/cuestionario") for slug in (town.long_slug, town.new_slug)
    ],
    "training.new_question": _one(lambda town: _training(town.long_slug) + "/cuestionario/preguntas/nueva"),
    "training.edit_question": _one(lambda town: _training(town.long_slug) + "/cuestionario/preguntas/1"),
    "training.revisions": lambda town, persona: [
        Visit(_training(slug) + "/versiones") for slug in (town.long_slug, town.new_slug)
    ],
    "training.preview": _one(lambda town: _training(town.long_slug) + "/vista-previa"),
    "training.preview_lesson": _one(lambda town: _training(town.long_slug) + "/vista-previa/lecciones/1"),
    "training.preview_quiz": lambda town, persona: [
        Visit(_training(slug) + "/vista-previa/cuestionario") for slug in (town.long_slug, town.new_slug)
    ],
    "training.statistics": lambda town, persona: [
        Visit(_training(slug) + "/estadisticas") for slug in (town.long_slug, town.new_slug)
    ],
    "training.export": _one(lambda town: _training(town.long_slug) + "/exportar"),
    # HR
    "reports.report": _one(lambda town: "/rrhh/"),
    "reports.person": _one(lambda town: f"/rrhh/personas/{town.target_id}"),
    "reports.edit_person": _one(lambda town: f"/rrhh/personas/{town.target_id}/editar"),
    "reports.confirm_deactivation": _one(lambda town: f"/rrhh/personas/{town.target_id}/desactivar"),
    "reports.new_person": _one(lambda town: "/rrhh/personas/nueva"),
    "reports.import_staff": _one(lambda town: "/rrhh/personas/importar"),
    "reports.reminders_page": _one(lambda town: "/rrhh/recordatorios"),
    "reports.shift_due_dates": _one(lambda town: "/rrhh/plazos"),
    "reports.export_csv": _one(lambda town: "/rrhh/exportar.csv"),
    "reports.export_xlsx": _one(lambda town: "/rrhh/exportar.xlsx"),
    "reports.person_certificate": _one(
        lambda town: f"/rrhh/personas/{town.target_id}/certificados/{town.target_certificate_id}.pdf"
    ),
    "reports.certificates_zip": _one(lambda town: "/rrhh/certificados.zip"),
    "reports.job": _one(lambda town: f"/rrhh/tareas/{town.job_id}"),
    "reports.job_state": _one(lambda town: f"/rrhh/tareas/{town.job_id}/estado"),
    "reports.job_result": _one(lambda town: f"/rrhh/tareas/{town.job_id}/resultado"),
    # Jefaturas
    "team.report": _one(lambda town: "/equipo/"),
    "team.person": _one(lambda town: f"/equipo/personas/{town.target_id}"),
    # Administrators
    "admin.index": lambda town, persona: [Visit("/admin/", 302)],
    "admin.accounts": _one(lambda town: "/admin/cuentas"),
    "admin.new_account": _one(lambda town: "/admin/cuentas/nueva"),
    # The supervisor's account shows and edits the departments they lead.
    "admin.account": lambda town, persona: [
        Visit(f"/admin/cuentas/{user_id}") for user_id in (town.target_id, town.user_ids["supervisor"])
    ],
    "admin.edit_account": lambda town, persona: [
        Visit(f"/admin/cuentas/{user_id}/editar") for user_id in (town.target_id, town.user_ids["supervisor"])
    ],
    "admin.anonymise": _one(lambda town: f"/admin/cuentas/{town.target_id}/anonimizar"),
    "admin.confirm_deactivation": _one(lambda town: f"/admin/cuentas/{town.target_id}/desactivar"),
    "admin.departments": _one(lambda town: "/admin/departamentos"),
    "admin.department": _one(lambda town: f"/admin/departamentos/{town.department_id}"),
    "admin.settings": _one(lambda town: "/admin/configuracion"),
    "admin.audit_log": _one(lambda town: "/admin/auditoria"),
    "admin.export_audit_csv": _one(lambda town: "/admin/auditoria/exportar.csv"),
    "admin.export_audit_xlsx": _one(lambda town: "/admin/auditoria/exportar.xlsx?accion=staff"),
    "admin.outbox": lambda town, persona: [Visit("/admin/correos"), Visit("/admin/correos?estado=failed")],
    "admin.daily_jobs": _one(lambda town: "/admin/tareas"),
}


def fetch(client: FlaskClient, url: str):
    """GET `url` and read the whole body, closing file responses (logo, images) right away."""
    with client.get(url) as response:
        response.get_data()
    return response
