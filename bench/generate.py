"""Build the benchmark database: the default curriculum plus N people with realistic progress.

Usage: python -m bench.generate [--people 10000] [--database-url URL] [--seed N] [--regenerate]

The schema comes from the project's migrations and the six modules from `seed_content()`, exactly
as in production; the people and their facts (lessons read, quiz attempts with questions and answers,
signed commitments, certificates) are generated in Python and written in bulk, a chunk of people at a
time, in one transaction: `insert()` executemany on SQLite, COPY on PostgreSQL (where executemany runs
one INSERT per row and takes about twice as long). Only one chunk is held in memory, so 150,000 people
need no more memory than 10,000; 10,000 take seconds, not the minutes the HTTP app would need.

The people: 40 departments of very different sizes (health centres and schools are the big ones), the
four employment types, start dates spread evenly over the last three years and due dates at start +
ONBOARDING_DAYS. Mix of progress: no activity; lessons read only; quiz attempts (passed and failed)
without finishing; completed (every lesson and quiz, commitment signed, certificate issued). How far a
person got depends on how long ago their deadline passed (see PROFILES): most people hired years ago
are done, some never finished. About one attempt in four fails. At 10,000 people the report shows
about 2 % not started or in progress, 82 % completed and 16 % overdue.

Everything is drawn from one generator seeded with --seed, so a seed and a day always build the same
data. Dates are relative to the day of generation, so a database reused on a later day drifts towards
"overdue": rebuild it (--regenerate). Person 1 is the HR account the benchmarks sign in with; everyone
else has the password LEARNER_PASSWORD.

Safety: the benchmark only (re)builds databases whose name (PostgreSQL) or file name (SQLite) contains
"bench", only on this machine (loopback addresses or a local socket), and never touches any other
database on the server. A missing PostgreSQL database is created through an AUTOCOMMIT connection to
the server's maintenance database.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import ipaddress
import itertools
import json
import random
import sys
import tempfile
import time
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import create_engine, func, insert, inspect, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.security import generate_password_hash

from portal import create_app
from portal.audit import record
from portal.cli import migrations
from portal.content.seed import seed_content
from portal.demo import FIRST_NAMES, SURNAMES
from portal.extensions import db
from portal.learning.service import commitment_text
from portal.models.curriculum import Module
from portal.quizzes.revisions import latest_revision
from portal.rut import check_digit
from portal.vocabulary import EMPLOYMENT_TYPES

BENCH_DIR = Path(__file__).resolve().parent
DATA_DIR = BENCH_DIR / "data"

#: Bump when the data this module writes changes, so older benchmark databases are rebuilt.
GENERATOR_VERSION = 2
DEFAULT_SEED = 20_250_101
MARKER_ACTION = "bench.generated"

HR_EMAIL = "rrhh.bench@muni.cl"
HR_PASSWORD = "clave-benchmark-rrhh"  # a throwaway database on this machine only
LEARNER_PASSWORD = "clave-benchmark-persona"
#: The learners' hash is a fast PBKDF2 instead of the portal's scrypt (about 0.2 s of CPU per check),
#: so that bench.pages signs in hundreds of learners in seconds. Signing in is not a page it measures;
#: the HR account keeps the portal's own hashing.
LEARNER_HASH_METHOD = "pbkdf2:sha256:1000"

#: (name, relative size). A municipality's health centres and schools employ most of its people.
DEPARTMENTS = (
    ("Alcaldía", 1),
    ("Administración Municipal", 1),
    ("Secretaría Municipal", 1),
    ("Secretaría Comunal de Planificación", 2),
    ("Dirección de Control", 1),
    ("Dirección Jurídica", 1),
    ("Dirección de Administración y Finanzas", 2),
    ("Departamento de Rentas y Patentes", 2),
    ("Tesorería Municipal", 1),
    ("Departamento de Contabilidad y Presupuesto", 1),
    ("Departamento de Personal", 1),
    ("Departamento de Remuneraciones", 1),
    ("Departamento de Adquisiciones", 1),
    ("Departamento de Informática", 1),
    ("Oficina de Partes y Archivo", 1),
    ("Dirección de Desarrollo Comunitario", 3),
    ("Departamento Social", 3),
    ("Oficina de Vivienda", 1),
    ("Oficina de Protección de Derechos de la Infancia", 1),
    ("Oficina Municipal de Intermediación Laboral", 1),
    ("Oficina del Adulto Mayor", 1),
    ("Oficina de la Juventud", 1),
    ("Oficina de la Mujer", 1),
    ("Oficina de Deportes y Recreación", 2),
    ("Departamento de Cultura", 2),
    ("Dirección de Obras Municipales", 3),
    ("Dirección de Tránsito y Transporte Público", 2),
    ("Departamento de Licencias de Conducir", 1),
    ("Dirección de Medio Ambiente, Aseo y Ornato", 2),
    ("Departamento de Áreas Verdes", 4),
    ("Departamento de Aseo", 5),
    ("Dirección de Seguridad Pública", 3),
    ("Departamento de Inspección Municipal", 2),
    ("Oficina de Gestión de Riesgo y Emergencias", 1),
    ("Juzgado de Policía Local", 1),
    ("Departamento de Salud", 4),
    ("Centro de Salud Familiar Norte", 9),
    ("Centro de Salud Familiar Sur", 9),
    ("Departamento de Educación", 4),
    ("Establecimientos Educacionales", 18),
)
#: Relative share of each of EMPLOYMENT_TYPES (planta, contrata, Código del Trabajo, honorarios).
EMPLOYMENT_WEIGHTS = (30, 40, 20, 10)
PROFILE_NAMES = ("none", "reading", "quizzing", "completed")
#: Weights of PROFILE_NAMES by how the person stands against their due date: still within it, past it
#: by up to RECENTLY_DUE_DAYS, or past it for longer (those who never finished by then mostly never do).
PROFILES = {"on_time": (30, 30, 30, 10), "recently_due": (10, 15, 20, 55), "long_due": (3, 5, 7, 85)}
RECENTLY_DUE_DAYS = 60
HISTORY_DAYS = 3 * 365
PEOPLE_PER_CHUNK = 2_000
#: Large builds take minutes: say how far they got every this many people.
PROGRESS_EVERY = 20_000
ROWS_PER_EXECUTE = 10_000


class BenchError(RuntimeError):
    """A problem the benchmark explains in one line instead of a traceback."""


# --- Where the database lives -----------------------------------------------------------------


def default_url(people: int) -> str:
    return f"sqlite:///{DATA_DIR / f'bench-{people}.sqlite3'}"


def describe(url: str | URL) -> str:
    """The URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def check_target(url: str) -> URL:
    """Refuse anything but a local SQLite file or a local PostgreSQL database named *bench*."""
    try:
        parsed = make_url(url)
    except Exception as error:  # sqlalchemy raises ArgumentError, but any parse error is the same to us
        raise BenchError(f"not a database URL: {url!r} ({error})") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise BenchError("SQLite needs a file: sqlite:///path/to/bench-10000.sqlite3")
        name = Path(parsed.database).name
    elif backend == "postgresql":
        host = parsed.host or parsed.query.get("host") or ""
        if isinstance(host, tuple):
            host = host[0]
        if not _is_local(host):
            raise BenchError(f"refusing {describe(parsed)}: the benchmark only uses databases on this machine")
        name = parsed.database or ""
    else:
        raise BenchError(f"unsupported database {backend!r}: use sqlite:///... or postgresql+psycopg://...")
    if "bench" not in name.lower():
        raise BenchError(
            f"refusing {describe(parsed)}: the benchmark wipes its database, so its name must contain "
            "'bench' (for example portal_bench)"
        )
    return parsed


def _is_local(host: str) -> bool:
    if not host or host.startswith("/") or host == "localhost":
        return True  # no host or a directory means a Unix socket
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _engine(url: URL, **options):
    if url.get_backend_name() == "postgresql":
        options.setdefault("connect_args", {"connect_timeout": 5})
    return create_engine(url, **options)


def ensure_database(url: str) -> None:
    """Make sure the database can be opened, creating it (PostgreSQL) or its folder (SQLite)."""
    parsed = check_target(url)
    if parsed.get_backend_name() == "sqlite":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        return
    engine = _engine(parsed)
    try:
        with engine.connect():
            return
    except SQLAlchemyError as error:
        first_error = first_line(error)
    finally:
        engine.dispose()
    if f'database "{parsed.database}" does not exist' not in first_error:
        raise BenchError(f"cannot connect to {describe(parsed)}: {first_error}")
    last_problem = first_error
    for maintenance in ("postgres", "template1"):
        admin = _engine(parsed.set(database=maintenance), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
            print(f"Created PostgreSQL database {parsed.database!r}.")
            return
        except SQLAlchemyError as error:
            last_problem = first_line(error)
        finally:
            admin.dispose()
    raise BenchError(f"cannot create {describe(parsed)}: {last_problem}")


def first_line(error: Exception) -> str:
    message = str(getattr(error, "orig", None) or error).strip()
    return message.splitlines()[0] if message else type(error).__name__


def exit_status(action) -> int:
    """Run a benchmark's `action()`: 0 when it ran, 2 with the reason on stderr when it could not."""
    try:
        action()
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    except SQLAlchemyError as error:
        print(f"bench: database error: {first_line(error)}", file=sys.stderr)
        return 2
    return 0


def migration_heads() -> set[str]:
    # Imported here: bench.jobs measures a job's memory in a process that must not carry Alembic.
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory(str(migrations.MIGRATIONS_DIR)).get_heads())


def existing_dataset(url: str) -> dict | None:
    """What a previous run recorded in this database, if it is complete and on the current schema."""
    parsed = check_target(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database).exists():
        return None
    engine = _engine(parsed)
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            if not {"alembic_version", "audit_event", "user_account"} <= tables:
                return None
            versions = set(connection.scalars(text("SELECT version_num FROM alembic_version")))
            if versions != migration_heads():
                return None
            details = connection.scalar(
                text("SELECT details FROM audit_event WHERE action = :action ORDER BY id DESC LIMIT 1"),
                {"action": MARKER_ACTION},
            )
            people = connection.scalar(text("SELECT count(*) FROM user_account"))
    except SQLAlchemyError as error:
        raise BenchError(f"cannot read {describe(parsed)}: {first_line(error)}") from None
    finally:
        engine.dispose()
    if not details:
        return None
    recorded = json.loads(details)
    if recorded.get("generator_version") != GENERATOR_VERSION or recorded.get("people") != people:
        return None
    return recorded


def warn_if_stale(found: dict) -> None:
    if found["generated_on"] != date.today().isoformat():
        print(
            f"Note: built on {found['generated_on']}; dates are relative to that day, so more people are "
            "overdue now than in a fresh build. Rebuild for figures comparable with other runs."
        )


def reset_database(url: str) -> None:
    """Start from nothing: delete the SQLite file, or drop and recreate PostgreSQL's public schema."""
    parsed = check_target(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(parsed.database + suffix).unlink(missing_ok=True)
        return
    engine = _engine(parsed, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    except SQLAlchemyError as error:
        raise BenchError(f"cannot reset {describe(parsed)}: {first_line(error)}") from None
    finally:
        engine.dispose()


# --- The curriculum as plain values -----------------------------------------------------------


@dataclass(frozen=True)
class QuestionInfo:
    id: int
    kind: str
    choice_ids: tuple[int, ...]
    correct_ids: tuple[int, ...]


@dataclass(frozen=True)
class QuizInfo:
    id: int
    revision_id: int
    pass_mark: int
    max_attempts: int | None
    pool_size: int | None
    shuffle: bool
    questions: tuple[QuestionInfo, ...]


@dataclass(frozen=True)
class ModuleInfo:
    id: int
    lesson_ids: tuple[int, ...]
    quiz: QuizInfo | None


def load_curriculum() -> list[ModuleInfo]:
    """The published modules in path order, with the newest revision of each quiz (app context)."""
    modules = []
    for module in db.session.scalars(select(Module).where(Module.published.is_(True)).order_by(Module.position)):
        quiz = None
        revision = latest_revision(module.quiz.id) if module.quiz is not None else None
        if revision is not None:
            quiz = QuizInfo(
                id=module.quiz.id,
                revision_id=revision.id,
                pass_mark=revision.pass_mark,
                max_attempts=revision.max_attempts,
                pool_size=revision.pool_size,
                shuffle=revision.shuffle_choices,
                questions=tuple(
                    QuestionInfo(
                        id=question.id,
                        kind=question.kind,
                        choice_ids=tuple(choice.id for choice in question.choices),
                        correct_ids=tuple(choice.id for choice in question.choices if choice.correct),
                    )
                    for question in revision.questions
                ),
            )
        modules.append(ModuleInfo(id=module.id, lesson_ids=tuple(lesson.id for lesson in module.lessons), quiz=quiz))
    return modules


# --- People and their facts -------------------------------------------------------------------


@dataclass
class Rows:
    """Rows waiting to be inserted, by table, in foreign-key order."""

    user_account: list[dict] = field(default_factory=list)
    user_role: list[dict] = field(default_factory=list)
    lesson_view: list[dict] = field(default_factory=list)
    attempt: list[dict] = field(default_factory=list)
    attempt_question: list[dict] = field(default_factory=list)
    attempt_answer: list[dict] = field(default_factory=list)
    commitment: list[dict] = field(default_factory=list)
    certificate: list[dict] = field(default_factory=list)

    def tables(self) -> dict[str, list[dict]]:
        return dict(self.__dict__)


class PeopleFactory:
    """Turns a person number into rows, deterministically from one seeded generator."""

    def __init__(
        self,
        modules: list[ModuleInfo],
        today: date,
        onboarding_days: int,
        institution: str,
        password_hashes: tuple[str, str],
        seed: int = DEFAULT_SEED,
    ):
        assert len(EMPLOYMENT_TYPES) == len(EMPLOYMENT_WEIGHTS), "update EMPLOYMENT_WEIGHTS"

        self.rng = random.Random(seed)
        self.modules = modules
        self.today = today
        self.onboarding_days = onboarding_days
        self.institution = institution
        self.hr_hash, self.learner_hash = password_hashes
        # Cumulative weights once, not on every draw.
        self.department_weights = list(itertools.accumulate(weight for _name, weight in DEPARTMENTS))
        self.employment_weights = list(itertools.accumulate(EMPLOYMENT_WEIGHTS))
        self.next_attempt_id = 1
        self.next_commitment_id = 1
        self.next_rut = 7_000_000

    # Identity

    def _rut(self) -> str:
        while True:
            self.next_rut += 1_531
            digits = str(self.next_rut)
            if len(set(digits)) > 1:  # skip placeholders such as 11111111
                return f"{self.next_rut}-{check_digit(self.next_rut)}"

    def _moment(self, day: date, after: datetime | None = None) -> datetime:
        """A daytime instant on `day` (UTC, roughly Chilean office hours), not before `after`."""
        moment = datetime.combine(day, clock(12, 0), tzinfo=UTC) + timedelta(minutes=self.rng.randint(0, 540))
        if after is not None and moment <= after:
            moment = after + timedelta(minutes=self.rng.randint(2, 40))
        return moment

    def person(self, user_id: int, department_ids: list[int], rows: Rows) -> None:
        rng = self.rng
        first = rng.choice(FIRST_NAMES)
        surname_a, surname_b = rng.choice(SURNAMES), rng.choice(SURNAMES)
        full_name = f"{first} {surname_a} {surname_b}"
        is_hr = user_id == 1
        if is_hr:
            email = HR_EMAIL
        elif rng.random() < 0.8:  # field staff often have no institutional address
            email = f"{_ascii(first)}.{_ascii(surname_a)}.{user_id}@muni.cl"
        else:
            email = None
        start = self.today - timedelta(days=rng.randint(0, HISTORY_DAYS))
        rows.user_account.append(
            {
                "id": user_id,
                "rut": self._rut(),
                "full_name": full_name,
                "email": email,
                "department_id": rng.choices(department_ids, cum_weights=self.department_weights)[0],
                "employment_type": rng.choices(EMPLOYMENT_TYPES, cum_weights=self.employment_weights)[0],
                "start_date": start,
                "due_date": start + timedelta(days=self.onboarding_days),
                "active": True,
                # Some people never set a password (they were sent a link and have not used it yet).
                "password_hash": self.hr_hash if is_hr else (self.learner_hash if rng.random() < 0.85 else None),
                "created_at": self._moment(start - timedelta(days=rng.randint(1, 10))),
            }
        )
        rows.user_role.append({"user_id": user_id, "role": "staff"})
        if is_hr:
            rows.user_role.append({"user_id": user_id, "role": "hr"})
        due = rows.user_account[-1]["due_date"]
        if due >= self.today:
            weights = PROFILES["on_time"]
        elif (self.today - due).days <= RECENTLY_DUE_DAYS:
            weights = PROFILES["recently_due"]
        else:
            weights = PROFILES["long_due"]
        profile = rng.choices(PROFILE_NAMES, weights=weights)[0]
        self._progress(user_id, full_name, rows.user_account[-1]["rut"], start, profile, rows)

    # Progress

    def _progress(self, user_id: int, full_name: str, rut: str, start: date, profile: str, rows: Rows) -> None:
        if profile == "none":
            return
        rng = self.rng
        modules = self.modules
        last_day = min(self.today, start + timedelta(days=self.onboarding_days + 15))
        span = max(0, (last_day - start).days)
        if profile == "completed":
            modules_done = len(modules)
        else:
            modules_done = rng.randint(0, len(modules) - 1)
        now = self._moment(start + timedelta(days=rng.randint(0, min(span, 5))))
        step = max(1, span // (len(modules) + 1))
        for index, module in enumerate(modules):
            if index > modules_done:
                break
            finished = index < modules_done
            lessons = module.lesson_ids if finished else module.lesson_ids[: rng.randint(1, len(module.lesson_ids))]
            for lesson_id in lessons:
                now = self._next(now, step, last_day)
                rows.lesson_view.append(
                    {"user_id": user_id, "lesson_id": lesson_id, "viewed_at": now, "last_viewed_at": now}
                )
            if module.quiz is None or profile == "reading":
                continue
            if finished:
                failures = 1 if rng.random() < 0.3 else 0
                if module.quiz.max_attempts is not None:
                    failures = min(failures, module.quiz.max_attempts - 1)
                for _ in range(failures):
                    now = self._attempt(user_id, module.quiz, "fail", now, step, last_day, rows)
                now = self._attempt(user_id, module.quiz, "pass", now, step, last_day, rows)
            elif len(lessons) == len(module.lesson_ids):
                chance = rng.random()
                if chance < 0.6:
                    for _ in range(rng.randint(1, 2)):
                        now = self._attempt(user_id, module.quiz, "fail", now, step, last_day, rows)
                elif chance < 0.7:
                    now = self._attempt(user_id, module.quiz, "open", now, step, last_day, rows)
        if profile == "completed":
            self._sign(user_id, full_name, rut, self._next(now, step, last_day), rows)

    def _next(self, now: datetime, step: int, last_day: date) -> datetime:
        day = min(last_day, now.date() + timedelta(days=self.rng.randint(0, step)))
        return self._moment(day, after=now)

    def _attempt(self, user_id, quiz: QuizInfo, outcome: str, now, step, last_day, rows: Rows) -> datetime:
        rng = self.rng
        attempt_id = self.next_attempt_id
        self.next_attempt_id += 1
        questions = list(quiz.questions)
        if quiz.pool_size and quiz.pool_size < len(questions):
            drawn = set(rng.sample(range(len(questions)), quiz.pool_size))
            questions = [question for index, question in enumerate(questions) if index in drawn]
        started = self._next(now, step, last_day)
        total = len(questions)
        # Wrong answers that keep (pass) or drop (fail) the score against the pass mark.
        most_wrong_to_pass = max(w for w in range(total + 1) if (total - w) * 100 >= quiz.pass_mark * total)
        if outcome == "pass":
            wrong = 0 if rng.random() < 0.6 else rng.randint(0, most_wrong_to_pass)
        else:
            fewest = most_wrong_to_pass + 1
            wrong = rng.randint(fewest, min(total, fewest + 2))
        wrong_positions = set(rng.sample(range(total), wrong)) if outcome != "open" else set()
        submitted = outcome != "open"
        for position, question in enumerate(questions, start=1):
            order = list(question.choice_ids)
            if quiz.shuffle and question.kind != "true_false":
                rng.shuffle(order)
            right = (position - 1) not in wrong_positions
            rows.attempt_question.append(
                {
                    "attempt_id": attempt_id,
                    "question_id": question.id,
                    "position": position,
                    "choice_order": ",".join(map(str, order)),
                    "is_correct": right if submitted else None,
                }
            )
            if submitted:
                for choice_id in self._answer(question, right):
                    rows.attempt_answer.append(
                        {"attempt_id": attempt_id, "choice_id": choice_id, "question_id": question.id}
                    )
        correct = total - wrong
        finished = started + timedelta(minutes=rng.randint(3, 25))
        rows.attempt.append(
            {
                "id": attempt_id,
                "user_id": user_id,
                "quiz_id": quiz.id,
                "revision_id": quiz.revision_id,
                "started_at": started,
                "submitted_at": finished if submitted else None,
                "correct_count": correct if submitted else None,
                "question_count": total if submitted else None,
                "score": correct * 100 // total if submitted else None,
                "passed": (correct * 100 >= quiz.pass_mark * total) if submitted else None,
            }
        )
        return finished

    def _answer(self, question: QuestionInfo, right: bool) -> list[int]:
        return answer(question, right, self.rng)

    def _sign(self, user_id: int, full_name: str, rut: str, moment: datetime, rows: Rows) -> None:
        body = commitment_text(SimpleNamespace(full_name=full_name, rut=rut), self.institution)
        commitment_id = self.next_commitment_id
        self.next_commitment_id += 1
        rows.commitment.append(
            {
                "id": commitment_id,
                "user_id": user_id,
                "signed_at": moment,
                "signed_name": full_name,
                "text": body,
                "text_sha256": hashlib.sha256(body.encode("utf-8")).hexdigest(),
            }
        )
        rows.certificate.append(
            {
                "id": commitment_id,
                "user_id": user_id,
                "commitment_id": commitment_id,
                "code": base64.b32encode(self.rng.randbytes(20)).decode("ascii"),
                "issued_at": moment,
            }
        )


def answer(question: QuestionInfo, right: bool, rng: random.Random) -> list[int]:
    """The choice ids a person ticks: the right set, or a plausible mistake."""
    correct = list(question.correct_ids)
    wrong = [choice for choice in question.choice_ids if choice not in question.correct_ids]
    if right or not wrong:
        return correct
    if question.kind == "multiple":
        return correct[:-1] if len(correct) > 1 and rng.random() < 0.5 else correct + wrong[:1]
    return [rng.choice(wrong)]


def _ascii(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lower()


# --- Building ---------------------------------------------------------------------------------


def write_rows(connection, table, values: list[dict]) -> None:
    """Insert the rows: executemany on SQLite, COPY on PostgreSQL (row-by-row INSERTs are ~5x slower)."""
    if not values:
        return
    if connection.dialect.name != "postgresql":
        for offset in range(0, len(values), ROWS_PER_EXECUTE):
            connection.execute(insert(table), values[offset : offset + ROWS_PER_EXECUTE])
        return
    names = list(values[0])
    columns = ", ".join(f'"{name}"' for name in names)
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
        for row in values:
            copy.write_row([row[name] for name in names])


@contextmanager
def bulk_load(connection):
    """On PostgreSQL, load without per-row upkeep: secondary indexes are dropped and rebuilt after, and
    foreign-key triggers are off for this transaction (superuser only; skipped otherwise).

    COPY itself is fast; checking three foreign keys and updating two indexes per answer row is what
    made a 150,000-person build take minutes. The rows are consistent by construction, which the
    SQLite build (foreign keys enforced) checks in the test suite. The indexes are rebuilt from their
    own definitions, so the schema stays exactly what the migrations made.
    """
    if connection.dialect.name != "postgresql":
        yield
        return
    indexes = connection.execute(
        text(
            "SELECT indexname, indexdef FROM pg_indexes i WHERE schemaname = current_schema() "
            "AND tablename = ANY(:tables) AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "WHERE c.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass)"
        ),
        {"tables": list(Rows().tables())},
    ).all()
    for name, _definition in indexes:
        connection.execute(text(f'DROP INDEX "{name}"'))
    try:
        with connection.begin_nested():
            connection.execute(text("SET LOCAL session_replication_role = replica"))
    except SQLAlchemyError:
        pass  # not a superuser: foreign keys are checked row by row, which is only slower
    yield
    connection.execute(text("SET LOCAL session_replication_role = DEFAULT"))
    for _name, definition in indexes:
        connection.execute(text(definition))


def bench_config(url: str) -> dict:
    """Settings for every app the benchmark builds (generator and measurements alike)."""
    return {
        "SECRET_KEY": "bench-only-secret-key",
        "WTF_CSRF_ENABLED": False,
        "DATABASE_URL": url,
        "INSTITUTION_NAME": "Municipalidad de Referencia",
    }


def generate(url: str, people: int, seed: int = DEFAULT_SEED) -> dict:
    """Rebuild the database at `url` with `people` people; return what was done (and record it)."""
    if people < 1:
        raise BenchError("--people must be at least 1")
    timings = {}
    started = time.perf_counter()
    ensure_database(url)
    reset_database(url)
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as instance:
        app = create_app(bench_config(url), instance_path=instance)
        with app.app_context():
            try:
                phase = time.perf_counter()
                migrations.upgrade()
                seed_content()
                db.session.commit()
                modules = load_curriculum()
                db.session.commit()  # release SQLite's write lock before the bulk load's own connection
                timings["schema_and_content_s"] = round(time.perf_counter() - phase, 2)

                phase = time.perf_counter()
                today = date.today()
                factory = PeopleFactory(
                    modules,
                    today,
                    app.config["ONBOARDING_DAYS"],
                    app.config["INSTITUTION_NAME"],
                    (
                        generate_password_hash(HR_PASSWORD),
                        generate_password_hash(LEARNER_PASSWORD, method=LEARNER_HASH_METHOD),
                    ),
                    seed,
                )
                counts = dict.fromkeys(Rows().tables(), 0)
                tables = db.metadata.tables
                with db.engine.begin() as connection:
                    connection.execute(
                        insert(tables["department"]),
                        [{"id": index, "name": name} for index, (name, _weight) in enumerate(DEPARTMENTS, 1)],
                    )
                    department_ids = list(range(1, len(DEPARTMENTS) + 1))
                    with bulk_load(connection):
                        for first in range(1, people + 1, PEOPLE_PER_CHUNK):
                            rows = Rows()
                            for user_id in range(first, min(first + PEOPLE_PER_CHUNK, people + 1)):
                                factory.person(user_id, department_ids, rows)
                            for name, values in rows.tables().items():
                                write_rows(connection, tables[name], values)
                                counts[name] += len(values)
                            written = min(first + PEOPLE_PER_CHUNK - 1, people)
                            if people >= PROGRESS_EVERY and written % PROGRESS_EVERY < PEOPLE_PER_CHUNK:
                                print(f"  {written} people ({time.perf_counter() - phase:.0f} s)", flush=True)
                    if connection.dialect.name == "postgresql":
                        # Ids were given explicitly: move the sequences past them.
                        for name in ("department", "user_account", "attempt", "commitment", "certificate"):
                            connection.execute(
                                text(
                                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                    f"(SELECT coalesce(max(id), 0) + 1 FROM {name}), false)"
                                )
                            )
                timings["people_s"] = round(time.perf_counter() - phase, 2)

                if db.engine.dialect.name == "postgresql":
                    # What autovacuum would do within a minute of such a load in production.
                    phase = time.perf_counter()
                    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                        connection.execute(text("VACUUM ANALYZE"))
                    timings["vacuum_analyze_s"] = round(time.perf_counter() - phase, 2)

                timings["total_s"] = round(time.perf_counter() - started, 2)
                summary = {
                    "generator_version": GENERATOR_VERSION,
                    "people": people,
                    "seed": seed,
                    "generated_on": today.isoformat(),
                    "seconds": timings,
                    "rows": counts,
                }
                record(MARKER_ACTION, **summary)
                db.session.commit()
                assert db.session.scalar(select(func.count()).select_from(tables["user_account"])) == people
                return summary
            except SQLAlchemyError as error:
                db.session.rollback()
                raise BenchError(f"building {describe(url)} failed: {first_line(error)}") from error
            finally:
                db.session.remove()
                db.engine.dispose()


def add_dataset_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every benchmark shares to choose (and if needed build) its database."""
    parser.add_argument("--people", type=int, default=10_000, help="accounts in the database (default 10000)")
    parser.add_argument(
        "--database-url",
        help="default: sqlite:///bench/data/bench-<people>.sqlite3; PostgreSQL: "
        "postgresql+psycopg://postgres@127.0.0.1:5432/portal_bench (the name must contain 'bench')",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--regenerate", "--force", action="store_true", help="rebuild the database even if it matches")


def prepare(url: str, people: int, seed: int = DEFAULT_SEED, regenerate: bool = False) -> dict:
    """Reuse the database at `url` when it holds this dataset, else build it; the dataset's record.

    The record is what generate() returned, plus "reused".
    """
    check_target(url)
    ensure_database(url)
    found = None if regenerate else existing_dataset(url)
    if found and found["people"] == people and found.get("seed") == seed:
        print(f"Reusing {describe(url)} ({people} people, seed {seed}, built {found['generated_on']}).")
        warn_if_stale(found)
        return {**found, "reused": True}
    print(f"Building {describe(url)} with {people} people (seed {seed})...", flush=True)
    summary = generate(url, people, seed)
    print(f"Built in {summary['seconds']['total_s']} s: {json.dumps(summary['seconds'])}")
    print("Rows: " + ", ".join(f"{name} {count}" for name, count in summary["rows"].items()))
    return {**summary, "reused": False}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.splitlines()[0])
    add_dataset_arguments(parser)
    args = parser.parse_args(argv)
    if args.people < 1:
        parser.error("--people must be at least 1")
    try:
        prepare(args.database_url or default_url(args.people), args.people, args.seed, args.regenerate)
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
