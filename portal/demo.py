"""Demo data: departments, the five demo accounts (one per role) and fictional staff with varied progress."""

from __future__ import annotations

import random
import zlib
from datetime import date, timedelta

from sqlalchemy import select

from portal.auth.service import hash_password
from portal.content.seed import seed_content
from portal.extensions import db
from portal.learning import service as learning
from portal.models.curriculum import Module
from portal.models.quiz import MULTIPLE
from portal.models.user import User
from portal.people.departments import find_or_create_department
from portal.quizzes import service as quizzes
from portal.rut import check_digit
from portal.vocabulary import ADMIN, HR, STAFF, SUPERVISOR, TRAINER, EmploymentType

DEMO_ACCOUNTS = (
    ("funcionario@demo.cl", "Camila Fuentes Rojas", (STAFF,), 15_234_567),
    ("capacitador@demo.cl", "Rodrigo Soto Muñoz", (STAFF, TRAINER), 13_456_789),
    ("rrhh@demo.cl", "Patricia Contreras Díaz", (STAFF, HR), 12_987_654),
    ("admin@demo.cl", "Andrés Morales Vega", (STAFF, ADMIN), 11_765_432),
    ("jefatura@demo.cl", "Carolina Vergara Pino", (STAFF, SUPERVISOR), 14_321_987),
)
#: The departments the demo jefatura leads (indexes into DEPARTMENTS): Obras and Aseo y Ornato,
#: where most people without an email work.
DEMO_LED_DEPARTMENTS = (1, 6)

DEPARTMENTS = (
    "Dirección de Desarrollo Comunitario",
    "Dirección de Obras Municipales",
    "Dirección de Tránsito",
    "Secretaría Municipal",
    "Dirección de Administración y Finanzas",
    "Departamento de Salud",
    "Dirección de Medio Ambiente, Aseo y Ornato",
)

FIRST_NAMES = (
    "Javiera",
    "Matías",
    "Constanza",
    "Benjamín",
    "Francisca",
    "Vicente",
    "Valentina",
    "Joaquín",
    "Catalina",
    "Tomás",
    "Fernanda",
    "Sebastián",
    "Daniela",
    "Cristóbal",
    "Antonia",
    "Ignacio",
    "Josefa",
    "Felipe",
    "Macarena",
    "Diego",
    "Carolina",
    "Nicolás",
    "Paula",
    "Héctor",
    "Marcela",
    "Luis",
    "Ximena",
    "Raúl",
    "Ñusta",
    "Gonzalo",
)
SURNAMES = (
    "González",
    "Muñoz",
    "Rojas",
    "Díaz",
    "Pérez",
    "Soto",
    "Contreras",
    "Silva",
    "Martínez",
    "Sepúlveda",
    "Morales",
    "Rodríguez",
    "López",
    "Fuentes",
    "Hernández",
    "Torres",
    "Araya",
    "Flores",
    "Espinoza",
    "Valenzuela",
    "Castillo",
    "Tapia",
    "Reyes",
    "Gutiérrez",
    "Castro",
    "Pizarro",
    "Álvarez",
    "Vásquez",
    "Sánchez",
    "Núñez",
)
EMPLOYMENT_MIX = (
    EmploymentType.PLANTA,
    EmploymentType.CONTRATA,
    EmploymentType.CONTRATA,
    EmploymentType.CODIGO_TRABAJO,
    EmploymentType.HONORARIOS,
)


class DemoRefused(RuntimeError):
    """Demo data is refused in production."""


def demo_rut(number: int) -> str:
    return f"{number}-{check_digit(number)}"


def _difficulty(prompt: str) -> float:
    """A question's made-up difficulty, 0 to 0.45, the same on every run: statistics need easy and hard ones."""
    return zlib.crc32(prompt.encode()) % 10 / 20


def _answers(attempt, passing: bool, rng: random.Random) -> dict[int, list[int]]:
    """Answers that pass (or fail) the attempt, right or wrong question by question as real people are.

    Each question is answered right with a chance that falls with its difficulty; then the fewest
    answers are turned so that the attempt passes or fails as asked.
    """
    right = {
        item.question_id: rng.random() < (0.97 if passing else 0.7) - _difficulty(item.question.prompt)
        for item in attempt.questions
    }
    needed = -(-attempt.revision.pass_mark * len(right) // 100)
    order = list(right)
    rng.shuffle(order)
    for question_id in order:
        if passing and sum(right.values()) < needed:
            right[question_id] = True
        elif not passing and sum(right.values()) >= needed:
            right[question_id] = False
    answers = {}
    for item in attempt.questions:
        question = item.question
        correct = [choice.id for choice in question.choices if choice.correct]
        wrong = [choice.id for choice in question.choices if not choice.correct]
        if right[question.id] or not wrong:
            answers[question.id] = correct
        else:
            picked = rng.choice(wrong)
            answers[question.id] = [picked] if question.kind != MULTIPLE else [picked, *correct[:1]]
    return answers


def _take_quiz(user_id: int, quiz_id: int, passing: bool, rng: random.Random) -> None:
    attempt = quizzes.start_attempt(user_id, quiz_id, shuffler=rng)
    attempt = quizzes.attempt_for_user(attempt.id, user_id)
    quizzes.submit_attempt(attempt, _answers(attempt, passing, rng))


def give_progress(
    user: User, modules: list[Module], modules_done: int, rng: random.Random, sign: bool, institution_name: str
) -> None:
    """Walk `user` through the first `modules_done` modules (and partly into the next)."""
    for index, module in enumerate(modules):
        if index > modules_done:
            break
        lessons = module.lessons if index < modules_done else module.lessons[:1]
        for lesson in lessons:
            learning.mark_lesson_read(user.id, lesson)
        if module.quiz is None:
            continue
        if index < modules_done:
            if rng.random() < 0.3:
                _take_quiz(user.id, module.quiz.id, passing=False, rng=rng)
            _take_quiz(user.id, module.quiz.id, passing=True, rng=rng)
        elif rng.random() < 0.5:
            _take_quiz(user.id, module.quiz.id, passing=False, rng=rng)
    if sign and modules_done >= len(modules):
        path = learning.learner_path(user.id)
        text = learning.commitment_text(user, institution_name)
        learning.sign_commitment(user, path, user.full_name, text)


def _add_demo_accounts(departments, password_hash: str, today: date, onboarding_days: int) -> None:
    """The accounts people sign in with to try the portal, one per role."""
    for email, name, roles, number in DEMO_ACCOUNTS:
        home = 3 if ADMIN in roles else DEMO_LED_DEPARTMENTS[0] if SUPERVISOR in roles else 0
        user = User(
            rut=demo_rut(number),
            full_name=name,
            email=email,
            password_hash=password_hash,
            department=departments[home],
            employment_type=EmploymentType.PLANTA,
            start_date=today,
            due_date=today + timedelta(days=onboarding_days),
        )
        user.set_roles(roles)
        if SUPERVISOR in roles:
            user.led_departments = [departments[index] for index in DEMO_LED_DEPARTMENTS]
        db.session.add(user)
    db.session.flush()


def _fictional_person(index: int, departments, password_hash: str, start: date, onboarding_days: int) -> User:
    """Staff member number `index`: a Chilean name, an address for three in four, varied employment."""
    first = FIRST_NAMES[index]
    surname_a, surname_b = SURNAMES[index], SURNAMES[(index * 7 + 3) % len(SURNAMES)]
    has_email = index % 4 != 3  # field staff often have no institutional address
    slug_name = f"{first}.{surname_a}".lower()
    for plain, accented in (("a", "á"), ("e", "é"), ("i", "í"), ("o", "ó"), ("u", "ú"), ("n", "ñ")):
        slug_name = slug_name.replace(accented, plain)
    user = User(
        rut=demo_rut(16_000_000 + index * 104_729),
        full_name=f"{first} {surname_a} {surname_b}",
        email=f"{slug_name}@demo.cl" if has_email else None,
        password_hash=password_hash,
        department=departments[index % len(departments)],
        employment_type=EMPLOYMENT_MIX[index % len(EMPLOYMENT_MIX)],
        start_date=start,
        due_date=start + timedelta(days=onboarding_days),
    )
    user.set_roles([STAFF])
    return user


def seed_demo(config) -> str:
    """Create the demo data (flushes); refused when PORTAL_ENV=production."""
    if config["ENV"] == "production":
        raise DemoRefused("Los datos de demostración no se pueden crear con PORTAL_ENV=production.")
    if db.session.scalar(select(User.id).where(User.email == DEMO_ACCOUNTS[0][0])):
        return "Los datos de demostración ya estaban cargados."
    seed_content()
    rng = random.Random(2026)
    password_hash = hash_password(config["DEMO_PASSWORD"])
    departments = [find_or_create_department(name) for name in DEPARTMENTS]
    today = date.today()
    _add_demo_accounts(departments, password_hash, today, config["ONBOARDING_DAYS"])

    modules = list(db.session.scalars(select(Module).where(Module.published.is_(True)).order_by(Module.position)))
    staff_count = 30
    for index in range(staff_count):
        start = today - timedelta(days=rng.randint(0, 75))
        user = _fictional_person(index, departments, password_hash, start, config["ONBOARDING_DAYS"])
        db.session.add(user)
        db.session.flush()
        modules_done = rng.choice((0, 0, 1, 2, 3, 4, 5, len(modules), len(modules), len(modules)))
        give_progress(
            user, modules, modules_done, rng, sign=rng.random() < 0.8, institution_name=config["INSTITUTION_NAME"]
        )
    db.session.flush()
    return (
        f"Datos de demostración creados: {len(DEPARTMENTS)} departamentos, "
        f"{len(DEMO_ACCOUNTS)} cuentas de demostración y {staff_count} funcionarios ficticios."
    )
