"""HR's completion report: totals, filters, sorting, pagination, the chart and a person's page."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select

from portal.extensions import db
from portal.models.curriculum import Lesson, Module
from portal.models.progress import Commitment, LessonView
from portal.models.quiz import Attempt, Quiz, QuizRevision
from portal.models.types import utcnow
from portal.models.user import Department, User
from portal.rut import check_digit
from portal.vocabulary import HR, STAFF, TRAINER
from tests.conftest import login
from tests.helpers import counting_queries

TODAY = date.today()


def rut(number):
    return f"{number}-{check_digit(number)}"


def add_person(name, number, department=None, due=None, start=None, employment="contrata", active=True, email=True):
    user = User(
        rut=rut(number),
        full_name=name,
        email=f"p{number}@muni.test" if email else None,
        active=active,
        department=department,
        due_date=due,
        start_date=start or TODAY - timedelta(days=10),
        employment_type=employment,
    )
    user.set_roles([STAFF])
    db.session.add(user)
    db.session.flush()
    return user


def read_first_lesson(user):
    lesson = db.session.scalar(select(Lesson).join(Module).order_by(Module.position, Lesson.position).limit(1))
    db.session.add(LessonView(user_id=user.id, lesson_id=lesson.id, viewed_at=utcnow()))


def sign(user):
    db.session.add(Commitment(user_id=user.id, signed_name=user.full_name, text="t", text_sha256="0" * 64))


@pytest.fixture
def people(app):
    """A small, hand-built municipality whose figures are known."""
    with app.app_context():
        finanzas = Department(name="Finanzas")
        obras = Department(name="Obras")
        db.session.add_all([finanzas, obras])
        future, past = TODAY + timedelta(days=10), TODAY - timedelta(days=3)
        ana = add_person("Ana Pérez", 10_000_001, finanzas, future, TODAY - timedelta(days=40), "planta")
        sign(ana)
        bruno = add_person("Bruno Díaz", 10_000_002, finanzas, future, TODAY - timedelta(days=5))
        read_first_lesson(bruno)
        add_person("Carla Soto", 10_000_003, obras, past, TODAY - timedelta(days=60), "honorarios")
        add_person("Diego Rojas", 10_000_004, obras, future, TODAY - timedelta(days=1), email=False)
        elena = add_person("Elena Muñoz", 10_000_005, obras, past, TODAY - timedelta(days=50))
        read_first_lesson(elena)
        felipe = add_person("Felipe Araya", 10_000_006, None, past, TODAY - timedelta(days=90), "codigo_trabajo")
        sign(felipe)
        add_person("Gabriel Inactivo", 10_000_007, obras, past, active=False)
        db.session.commit()
        return {"finanzas": finanzas.id, "obras": obras.id, "ana": ana.id}


@pytest.fixture
def hr(app, make_user):
    person = make_user(full_name="Patricia Contreras", roles=(STAFF, HR), email="rrhh@muni.test")
    browser = app.test_client()
    login(browser, person.email)
    # HR herself is a person in the report too; she has not started.
    return browser


def names(html):
    return re.findall(r'<th scope="row"><a href="/rrhh/personas/\d+">([^<]+)</a>', html)


def total(html, label):
    match = re.search(rf'<span class="total-number">(\d+)</span>\s*<span class="total-label">{label}</span>', html)
    return int(match.group(1))


def test_totals_and_departments_match_the_hand_built_data(people, hr):
    html = hr.get("/rrhh/").get_data(as_text=True)
    assert total(html, "Completado") == 2
    assert total(html, "En curso") == 1
    assert total(html, "Atrasado") == 2
    assert total(html, "No iniciado") == 2  # Diego and HR's own account
    assert "Gabriel Inactivo" not in html
    table = html.split('id="tabla-departamentos"')[1].split("</table>")[0]
    rows = re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td><td>(\d+)</td><td>(\d+) %</td>', table)
    assert ("Finanzas", "2", "1", "50") in rows
    assert ("Obras", "3", "0", "0") in rows
    assert ("Sin departamento", "2", "1", "50") in rows
    # The chart draws the same numbers as its table.
    chart = html.split('<svg class="chart"')[1].split("</svg>")[0]
    assert re.findall(r'class="chart-value">(\d+) %', chart) == [row[3] for row in rows]
    assert sum(int(row[1]) for row in rows) == 7 and sum(int(row[2]) for row in rows) == 2


@pytest.mark.parametrize(
    "query,expected",
    [
        ("estado=completed", ["Ana Pérez", "Felipe Araya"]),
        ("estado=overdue", ["Carla Soto", "Elena Muñoz"]),
        ("estado=in_progress", ["Bruno Díaz"]),
        ("estado=not_started", ["Diego Rojas", "Patricia Contreras"]),
        ("calidad=honorarios", ["Carla Soto"]),
        ("q=muñoz", ["Elena Muñoz"]),
        ("q=10.000.003", ["Carla Soto"]),
        ("q=p10000006%40muni", ["Felipe Araya"]),
        (
            "desde=" + (TODAY - timedelta(days=45)).isoformat() + "&hasta=" + (TODAY - timedelta(days=4)).isoformat(),
            ["Ana Pérez", "Bruno Díaz"],
        ),
    ],
)
def test_each_filter(people, hr, query, expected):
    assert names(hr.get(f"/rrhh/?{query}").get_data(as_text=True)) == expected


def test_department_filter_and_totals_follow_it(people, hr):
    html = hr.get(f"/rrhh/?departamento={people['obras']}").get_data(as_text=True)
    assert names(html) == ["Carla Soto", "Diego Rojas", "Elena Muñoz"]
    assert total(html, "Atrasado") == 2 and total(html, "Completado") == 0


def department_rows(html):
    table = html.split('id="tabla-departamentos"')[1].split("</table>")[0]
    return re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td><td>(\d+)</td><td>(\d+) %</td>', table)


def scope(html):
    return " ".join(html.split('id="alcance-totales">')[1].split("</p>")[0].split())


def test_totals_and_chart_count_the_people_a_department_and_status_filter_leave(people, hr):
    html = hr.get(f"/rrhh/?departamento={people['obras']}&estado=overdue").get_data(as_text=True)
    listed = names(html)
    assert listed == ["Carla Soto", "Elena Muñoz"]
    # Every number on the page is of the two people listed...
    totals = {label: total(html, label) for label in ("No iniciado", "En curso", "Completado", "Atrasado")}
    assert totals == {"No iniciado": 0, "En curso": 0, "Completado": 0, "Atrasado": 2}
    assert department_rows(html) == [("Obras", "2", "0", "0")]
    chart = html.split('<svg class="chart"')[1].split("</svg>")[0]
    assert re.findall(r'class="chart-value">(\d+) %', chart) == ["0"]
    assert '<h2 id="personas">2 personas</h2>' in html
    # ...and the page says so, with everyone beside them.
    assert scope(html) == "Totales de las 2 personas que cumplen los filtros, de 7 en total."
    assert "Solo las personas que cumplen los filtros." in html


def test_a_status_filter_alone_narrows_the_totals_and_the_chart(people, hr):
    html = hr.get("/rrhh/?estado=completed").get_data(as_text=True)
    assert names(html) == ["Ana Pérez", "Felipe Araya"]
    assert total(html, "Completado") == 2 and total(html, "Atrasado") == 0 and total(html, "No iniciado") == 0
    assert department_rows(html) == [("Sin departamento", "1", "1", "100"), ("Finanzas", "1", "1", "100")]
    assert scope(html) == "Totales de las 2 personas que cumplen los filtros, de 7 en total."


def test_the_totals_say_whose_they_are(people, hr):
    everyone = hr.get("/rrhh/").get_data(as_text=True)
    assert scope(everyone) == "Totales de las 7 personas."
    assert "Solo las personas que cumplen los filtros." not in everyone
    one = hr.get("/rrhh/?q=muñoz").get_data(as_text=True)
    assert scope(one) == "Totales de la única persona que cumple los filtros, de 7 en total."
    assert total(one, "Atrasado") == 1 and department_rows(one) == [("Obras", "1", "0", "0")]
    nobody = hr.get("/rrhh/?q=nadie-se-llama-asi").get_data(as_text=True)
    assert scope(nobody) == "Nadie cumple los filtros; hay 7 personas en total."
    assert all(total(nobody, label) == 0 for label in ("No iniciado", "En curso", "Completado", "Atrasado"))


@pytest.mark.parametrize(
    "query,expected_first",
    [
        ("orden=nombre", "Ana Pérez"),
        ("orden=nombre&sentido=desc", "Patricia Contreras"),
        ("orden=ingreso", "Felipe Araya"),
        ("orden=avance&sentido=desc", "Ana Pérez"),
        ("orden=plazo", "Carla Soto"),
    ],
)
def test_sorting(people, hr, query, expected_first):
    assert names(hr.get(f"/rrhh/?{query}").get_data(as_text=True))[0] == expected_first


def test_bad_filter_values_are_ignored_with_a_message(people, hr):
    response = hr.get("/rrhh/?desde=31-31-2026&estado=nada&orden=x&pagina=-4")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "No es una fecha válida." in html and "Opción inválida." in html
    assert len(names(html)) == 7  # the invalid filters are not applied


def test_pagination_keeps_the_filters(app, hr):
    with app.app_context():
        db.session.execute(
            insert(User),
            [
                {
                    "rut": rut(11_000_000 + i),
                    "full_name": f"Persona {i:03d}",
                    "active": True,
                    "due_date": TODAY + timedelta(days=5),
                    "created_at": utcnow(),
                }
                for i in range(120)
            ],
        )
        db.session.commit()
    first = hr.get("/rrhh/?q=persona").get_data(as_text=True)
    assert "Página 1 de 3" in first and "120 personas" in first
    assert names(first)[0] == "Persona 000" and len(names(first)) == 50
    assert 'href="/rrhh/?q=persona&amp;pagina=2"' in first
    last = hr.get("/rrhh/?q=persona&pagina=3").get_data(as_text=True)
    assert names(last) == [f"Persona {i:03d}" for i in range(100, 120)]
    beyond = hr.get("/rrhh/?q=persona&pagina=99").get_data(as_text=True)
    assert "Página 3 de 3" in beyond


def bulk_people(app, count, offset):
    with app.app_context():
        db.session.execute(
            insert(User),
            [
                {
                    "rut": rut(12_000_000 + offset + i),
                    "full_name": f"Masivo {i}",
                    "active": True,
                    "due_date": TODAY - timedelta(days=i % 3),
                    "created_at": utcnow(),
                }
                for i in range(count)
            ],
        )
        db.session.commit()


@pytest.mark.parametrize("query", ["", "?estado=overdue", "?q=masivo&estado=overdue&orden=avance"])
def test_report_query_count_does_not_grow_with_people(app, hr, query):
    bulk_people(app, 10, 0)
    with counting_queries(app) as few:
        assert hr.get(f"/rrhh/{query}").status_code == 200
    bulk_people(app, 990, 10)
    with counting_queries(app) as many:
        assert hr.get(f"/rrhh/{query}").status_code == 200
    assert len(few) == len(many), (len(few), len(many))


def test_person_page_shows_the_path(app, people, hr):
    html = hr.get(f"/rrhh/personas/{people['ana']}").get_data(as_text=True)
    assert "Ana Pérez" in html and "10.000.001" in html
    assert re.search(r"Firmó la declaración de compromiso el \d\d-\d\d-\d{4} a las \d\d:\d\d como «", html)
    assert "Misión y Visión" in html
    assert hr.get("/rrhh/personas/999999").status_code == 404


def test_each_person_page_shows_the_status_the_report_gives(app, people, hr):
    """The page derives it in Python, the report in SQL: they must never disagree."""
    with app.app_context():
        # Opened the first quiz and left without answering: not a start on either side.
        hugo = add_person("Hugo Abierto", 10_000_008, None, TODAY + timedelta(days=5))
        quiz = db.session.scalar(select(Quiz).join(Module).order_by(Module.position).limit(1))
        revision = db.session.scalar(select(QuizRevision).where(QuizRevision.quiz_id == quiz.id).limit(1))
        db.session.add(Attempt(user_id=hugo.id, quiz_id=quiz.id, revision_id=revision.id, started_at=utcnow()))
        db.session.commit()
        hugo_id = hugo.id
    report = hr.get("/rrhh/").get_data(as_text=True)
    rows = re.findall(
        r'<a href="/rrhh/personas/(\d+)">[^<]+</a>.*?<span class="badge status-(\w+)">', report, flags=re.DOTALL
    )
    assert len(rows) == 8  # everyone active, HR included
    assert (str(hugo_id), "not_started") in rows
    for user_id, status in rows:
        page = hr.get(f"/rrhh/personas/{user_id}").get_data(as_text=True)
        assert f'<span class="badge status-{status}">' in page, (user_id, status)


@pytest.mark.parametrize("roles", [(STAFF,), (STAFF, TRAINER)], ids=["staff", "trainer"])
def test_staff_and_trainers_get_403_on_every_hr_route(app, make_user, people, roles):
    person = make_user(roles=roles)
    client = app.test_client()
    login(client, person.email)
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("reports."):
            continue
        url = re.sub(r"<int:\w+>", str(people["ana"]), rule.rule)
        url = re.sub(r"<[^>]+>", "x", url)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            assert adapter.match(url, method=method)[0] == rule.endpoint
            response = client.open(url, method=method)
            assert response.status_code == 403, (method, url, response.status_code)
