"""Trainers write a module, publish it, improve it; learners' results never move."""

import io
import json
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from portal.extensions import db
from portal.models.audit import AuditEvent
from portal.models.curriculum import Module
from portal.models.quiz import Attempt, QuizRevision
from portal.vocabulary import HR, STAFF, TRAINER
from tests.conftest import login
from tests.helpers import SLUGS, answers_for, start_quiz


def small_png() -> bytes:
    """A real 4 x 4 PNG: uploads are decoded, so a PNG signature alone is refused."""
    picture = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 90, 160)).save(picture, format="PNG")
    return picture.getvalue()


PNG = small_png()


def question_form(
    prompt, kind="single", choices=(("Sí", True), ("No", False)), explanation="Porque sí.", true_answer=None
):
    data = {"kind": kind, "prompt": prompt, "explanation": explanation}
    if true_answer is not None:
        data["true_answer"] = true_answer
    for index, (text, correct) in enumerate(choices):
        data[f"choices-{index}-text"] = text
        if correct:
            data[f"choices-{index}-correct"] = "y"
    return data


@pytest.fixture
def trainer(app, make_user):
    person = make_user(full_name="Rodrigo Soto", roles=(STAFF, TRAINER))
    browser = app.test_client()
    assert login(browser, person.email).status_code == 302
    return browser


def build_module(trainer, slug="buen-trato", questions=5):
    response = trainer.post(
        "/capacitacion/modulos/nuevo",
        data={"slug": slug, "title": "Buen trato", "summary": "Cómo tratamos a las personas.", "required": "y"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    for number in (1, 2):
        assert (
            trainer.post(
                f"/capacitacion/modulos/{slug}/lecciones/nueva",
                data={"title": f"Página {number}", "body_md": f"### Parte {number}\n\nTexto de la página {number}."},
            ).status_code
            == 302
        )
    for number in range(1, questions + 1):
        if number == 5:
            data = question_form(f"Afirmación {number}", kind="true_false", true_answer="true", choices=())
        elif number == 4:
            data = question_form(
                f"Pregunta {number}", kind="multiple", choices=(("A", True), ("B", True), ("C", False))
            )
        else:
            data = question_form(
                f"Pregunta {number}", choices=(("Correcta", True), ("Incorrecta", False), ("Otra", False))
            )
        response = trainer.post(f"/capacitacion/modulos/{slug}/cuestionario/preguntas/nueva", data=data)
        assert response.status_code == 302, response.get_data(as_text=True)
    assert trainer.post(f"/capacitacion/modulos/{slug}/cuestionario/publicar").status_code == 302
    assert trainer.post(f"/capacitacion/modulos/{slug}/publicacion", data={"published": "1"}).status_code == 302


def finish_default_path(client, app):
    from tests.helpers import complete_module

    for slug in SLUGS:
        complete_module(client, app, slug)


def test_trainer_builds_publishes_and_improves_a_module_without_moving_results(app, trainer, make_user):
    build_module(trainer)
    learner = make_user(full_name="Javiera Muñoz")
    client = app.test_client()
    login(client, learner.email)
    finish_default_path(client, app)

    dashboard = client.get("/").get_data(as_text=True)
    assert "Buen trato" in dashboard
    from tests.helpers import read_all_lessons

    read_all_lessons(client, app, "buen-trato")
    first = start_quiz(client, "buen-trato")
    client.post(f"/modulos/buen-trato/quiz/intentos/{first}", data=answers_for(app, first, wrong_questions=1))
    first_review = client.get(f"/modulos/buen-trato/quiz/intentos/{first}").get_data(as_text=True)
    assert "Puntaje: 80 %" in first_review and "Aprobado" in first_review and "Pregunta 1" in first_review

    # A second learner is in the middle of an attempt when the trainer republishes.
    midway = make_user(full_name="Tomás Araya")
    mid_client = app.test_client()
    login(mid_client, midway.email)
    finish_default_path(mid_client, app)
    read_all_lessons(mid_client, app, "buen-trato")
    open_attempt = start_quiz(mid_client, "buen-trato")

    edit = trainer.get("/capacitacion/modulos/buen-trato/cuestionario/preguntas/1").get_data(as_text=True)
    assert "Pregunta 1" in edit and 'value="Correcta"' in edit
    response = trainer.post(
        "/capacitacion/modulos/buen-trato/cuestionario/preguntas/1",
        data=question_form("¿Pregunta 1 reformulada?", choices=(("Nueva correcta", True), ("Nueva incorrecta", False))),
    )
    assert response.status_code == 302
    # Saved in the draft only: learners still get the published revision.
    assert "reformulada" not in client.get("/modulos/buen-trato/quiz").get_data(as_text=True)
    assert trainer.post("/capacitacion/modulos/buen-trato/cuestionario/publicar").status_code == 302

    again = client.get(f"/modulos/buen-trato/quiz/intentos/{first}").get_data(as_text=True)
    assert again.split("<h1>")[1] == first_review.split("<h1>")[1]
    assert "reformulada" not in again

    second = start_quiz(client, "buen-trato")
    assert "¿Pregunta 1 reformulada?" in client.get("/modulos/buen-trato/quiz").get_data(as_text=True)
    client.post(f"/modulos/buen-trato/quiz/intentos/{second}", data=answers_for(app, second))
    assert "Puntaje: 100 %" in client.get(f"/modulos/buen-trato/quiz/intentos/{second}").get_data(as_text=True)

    mid_page = mid_client.get("/modulos/buen-trato/quiz").get_data(as_text=True)
    assert "reformulada" not in mid_page and "Pregunta 1" in mid_page
    mid_client.post(f"/modulos/buen-trato/quiz/intentos/{open_attempt}", data=answers_for(app, open_attempt))
    with app.app_context():
        attempts = {
            a.id: a for a in db.session.scalars(select(Attempt).where(Attempt.id.in_([first, second, open_attempt])))
        }
        numbers = {a.id: db.session.get(QuizRevision, a.revision_id).number for a in attempts.values()}
        assert numbers == {first: 1, open_attempt: 1, second: 2}
        assert attempts[open_attempt].passed and attempts[first].score == 80
        actions = [event.action for event in db.session.scalars(select(AuditEvent))]
        assert actions.count("quiz.published") == 2 and "content.module_published" in actions


@pytest.mark.parametrize(
    "data,message",
    [
        (question_form("", choices=(("a", True), ("b", False))), "Escriba el enunciado"),
        (question_form("¿?", choices=(("a", False), ("b", False))), "Marque al menos una alternativa correcta"),
        (question_form("¿?", choices=(("a", True), ("b", True))), "exactamente una alternativa correcta"),
        (question_form("¿?", choices=(("solo una", True),)), "al menos dos alternativas"),
        (question_form("¿?", kind="true_false", choices=()), "verdadera o falsa"),
        (question_form("¿?", kind="multiple", choices=(("a", True), ("b", True))), "agregue al menos una incorrecta"),
    ],
)
def test_unusable_questions_are_refused_next_to_the_field(app, trainer, data, message):
    page = trainer.post(f"/capacitacion/modulos/{SLUGS[1]}/cuestionario/preguntas/nueva", data=data)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and message in html
    if data["prompt"]:
        assert data["prompt"] in html  # what was typed stays
    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == SLUGS[1]))
        assert module.quiz.draft is None


def test_settings_pool_and_attempts_limit(app, trainer, make_user):
    build_module(trainer, questions=5)
    response = trainer.post(
        "/capacitacion/modulos/buen-trato/cuestionario", data={"pass_mark": "60", "max_attempts": "2", "pool_size": "9"}
    )
    assert "no se pueden sacar 9" in response.get_data(as_text=True)
    trainer.post(
        "/capacitacion/modulos/buen-trato/cuestionario", data={"pass_mark": "60", "max_attempts": "2", "pool_size": "3"}
    )
    trainer.post("/capacitacion/modulos/buen-trato/cuestionario/publicar")

    learner = make_user()
    client = app.test_client()
    login(client, learner.email)
    finish_default_path(client, app)
    drawn = set()
    for _ in range(2):
        attempt_id = start_quiz(client, "buen-trato")
        with app.app_context():
            attempt = db.session.get(Attempt, attempt_id)
            assert len(attempt.questions) == 3
            drawn.add(tuple(item.question_id for item in attempt.questions))
        client.post(f"/modulos/buen-trato/quiz/intentos/{attempt_id}", data=answers_for(app, attempt_id, right=False))
    intro = client.get("/modulos/buen-trato/quiz").get_data(as_text=True)
    assert "Le quedan 0 intentos" in intro and "Comenzar" not in intro
    refused = client.post("/modulos/buen-trato/quiz/intentos", follow_redirects=True)
    assert "Ya usó todos los intentos" in refused.get_data(as_text=True)


def test_reorder_publish_and_unpublish_modules(app, trainer):
    build_module(trainer)
    index = trainer.get("/capacitacion/").get_data(as_text=True)
    assert index.index("Misión y Visión") < index.index("Buen trato")
    trainer.post("/capacitacion/modulos/buen-trato/mover", data={"direction": "up"})
    with app.app_context():
        order = [m.slug for m in db.session.scalars(select(Module).order_by(Module.position))]
    assert order[-2:] == ["buen-trato", "etica-y-probidad"]
    trainer.post(f"/capacitacion/modulos/{SLUGS[0]}/mover", data={"direction": "up"})  # already first
    trainer.post("/capacitacion/modulos/buen-trato/publicacion", data={"published": "0"})
    with app.app_context():
        assert db.session.scalar(select(Module).where(Module.slug == "buen-trato")).published is False


def test_lessons_can_be_reordered_and_deleted(app, trainer):
    build_module(trainer)
    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == "buen-trato"))
        first, second = [lesson.id for lesson in module.lessons]
    trainer.post(f"/capacitacion/modulos/buen-trato/lecciones/{second}/mover", data={"direction": "up"})
    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == "buen-trato"))
        assert [lesson.id for lesson in module.lessons] == [second, first]
    trainer.post(f"/capacitacion/modulos/buen-trato/lecciones/{second}/eliminar")
    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == "buen-trato"))
        assert [(lesson.id, lesson.position) for lesson in module.lessons] == [(first, 1)]
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "content.lesson_trashed"))


def test_module_needs_a_lesson_before_publishing(app, trainer):
    trainer.post("/capacitacion/modulos/nuevo", data={"slug": "vacio", "title": "Vacío", "summary": ""})
    page = trainer.post("/capacitacion/modulos/vacio/publicacion", data={"published": "1"}, follow_redirects=True)
    assert "Agregue al menos una lección" in page.get_data(as_text=True)
    taken = trainer.post("/capacitacion/modulos/nuevo", data={"slug": "vacio", "title": "Otro"})
    assert "Ya existe un módulo" in taken.get_data(as_text=True)
    bad = trainer.post("/capacitacion/modulos/nuevo", data={"slug": "Con Espacios", "title": "Otro"})
    assert "Use minúsculas" in bad.get_data(as_text=True) and 'value="Otro"' in bad.get_data(as_text=True)


def test_preview_records_nothing(app, trainer):
    build_module(trainer)
    trainer.post(
        "/capacitacion/modulos/buen-trato/cuestionario/preguntas/nueva",
        data=question_form("Pregunta del borrador", choices=(("Sí", True), ("No", False))),
    )
    page = trainer.get("/capacitacion/modulos/buen-trato/vista-previa/cuestionario").get_data(as_text=True)
    assert "Pregunta del borrador" in page
    lesson = trainer.get("/capacitacion/modulos/buen-trato/vista-previa/lecciones/1").get_data(as_text=True)
    assert "<h2>Parte 1</h2>" in lesson
    fields = sorted(set(re.findall(r'name="(q\d+)" value="(\d+)"', page)))
    answers = {}
    for name, value in fields:
        answers.setdefault(name, value)
    missing = trainer.post("/capacitacion/modulos/buen-trato/vista-previa/cuestionario", data={})
    assert "Faltan 6 preguntas por responder" in missing.get_data(as_text=True)
    result = trainer.post("/capacitacion/modulos/buen-trato/vista-previa/cuestionario", data=answers)
    html = result.get_data(as_text=True)
    assert "Puntaje:" in html and "Explicación:" in html
    with app.app_context():
        assert db.session.scalar(select(func.count(Attempt.id))) == 0


def test_revisions_list_and_comparison(app, trainer):
    build_module(trainer)
    trainer.post(
        "/capacitacion/modulos/buen-trato/cuestionario/preguntas/2",
        data=question_form("Pregunta 2 mejorada", choices=(("Correcta", True), ("Incorrecta", False))),
    )
    trainer.post("/capacitacion/modulos/buen-trato/cuestionario/preguntas/3/eliminar")
    trainer.post("/capacitacion/modulos/buen-trato/cuestionario", data={"pass_mark": "90"})
    trainer.post("/capacitacion/modulos/buen-trato/cuestionario/publicar")
    page = trainer.get("/capacitacion/modulos/buen-trato/versiones").get_data(as_text=True)
    assert "Cambios de la versión 1 a la 2" in page
    assert "Pregunta 2 mejorada" in page and "Modificada" in page and "Eliminada" in page
    assert "Nota de aprobación: 80 → 90" in page


def test_lesson_preview_is_sanitised_and_not_saved(app, trainer):
    build_module(trainer)
    with app.app_context():
        lesson_id = db.session.scalar(select(Module).where(Module.slug == "buen-trato")).lessons[0].id
    url = f"/capacitacion/modulos/buen-trato/lecciones/{lesson_id}"
    page = trainer.post(
        url, data={"title": "Página 1", "body_md": "**hola** <script>alert(1)</script>", "action": "preview"}
    )
    html = page.get_data(as_text=True)
    assert "<strong>hola</strong>" in html and "<script>alert(1)" not in html
    with app.app_context():
        assert "hola" not in db.session.scalar(select(Module).where(Module.slug == "buen-trato")).lessons[0].body_md


MALICIOUS_LESSON = "\n\n".join(
    [
        "<script>alert('x')</script>",
        '<img src="/medios/a.png" onerror="alert(1)">',
        "[clic](javascript:alert(1))",
        "[dato](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "<svg onload=alert(1)><circle r=1 /></svg>",
        '<iframe src="https://evil.example"></iframe>',
        '<p style="background:url(https://evil.example/x)">estilo</p>',
        "<style>body{display:none}</style>",
        '<a href="https://ok.example" onclick="steal()">enlace con evento</a>',
        "![remota](https://tracker.example/pixel.png)",
        "![propia](/medios/abc.png)",
        "### Título seguro\n\n- uno\n- dos\n\n> cita\n\n*énfasis* y **fuerte** y [enlace](https://www.leychile.cl)",
        "| a | b |\n|---|---|\n| 1 | 2 |",
    ]
)


def test_lessons_never_carry_active_content(app, trainer, make_user):
    build_module(trainer)
    with app.app_context():
        lesson_id = db.session.scalar(select(Module).where(Module.slug == "buen-trato")).lessons[0].id
    trainer.post(
        f"/capacitacion/modulos/buen-trato/lecciones/{lesson_id}",
        data={"title": "Página 1", "body_md": MALICIOUS_LESSON, "action": "save"},
    )
    learner = make_user()
    client = app.test_client()
    login(client, learner.email)
    finish_default_path(client, app)
    page = client.get("/modulos/buen-trato/lecciones/1").get_data(as_text=True)
    body = page.split('<div class="lesson-body">')[1].split("</article>")[0]
    tags = re.findall(r"<[a-zA-Z][^>]*>", body)  # real tags; escaped text shows as &lt;...
    for tag in tags:
        assert not re.search(r"\son\w+\s*=", tag), tag
        assert not re.search(r"(href|src)=\"(javascript|data):", tag), tag
        assert "style=" not in tag and "evil.example" not in tag and "tracker.example" not in tag, tag
        assert not tag.startswith(("<script", "<svg", "<iframe", "<style", "<object", "<embed")), tag
    for kept in (
        "<h2>Título seguro</h2>",
        "<li>uno</li>",
        "<blockquote>",
        "<em>énfasis</em>",
        "<strong>fuerte</strong>",
        'href="https://www.leychile.cl"',
        "<table>",
        'src="/medios/abc.png"',
    ):
        assert kept in body, kept


def test_image_upload_checks_content_not_name(app, trainer):
    bad = trainer.post(
        "/capacitacion/imagenes",
        data={"file": (io.BytesIO(b"<svg onload=alert(1)>"), "foto.png"), "back": "/capacitacion/"},
        follow_redirects=True,
    )
    assert "no es una imagen PNG, JPEG o WebP" in bad.get_data(as_text=True)
    big = trainer.post(
        "/capacitacion/imagenes",
        data={"file": (io.BytesIO(PNG + b"0" * 3 * 1024 * 1024), "x.png"), "back": "/capacitacion/"},
        follow_redirects=True,
    )
    assert "supera los 2 MB" in big.get_data(as_text=True) or big.status_code == 413
    good = trainer.post(
        "/capacitacion/imagenes",
        data={"file": (io.BytesIO(PNG), "../../evil.exe"), "back": "/capacitacion/"},
        follow_redirects=True,
    )
    match = re.search(r"\(/medios/([0-9a-f]{32}\.png)\)", good.get_data(as_text=True))
    assert match, good.get_data(as_text=True)[:2000]
    with trainer.get(f"/medios/{match.group(1)}") as served:
        assert served.status_code == 200 and served.data.startswith(b"\x89PNG")  # decoded and encoded again
        assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert app.test_client().get(f"/medios/{match.group(1)}").status_code == 302  # signed-in people only


def test_module_json_round_trip_from_the_browser(app, trainer):
    exported = trainer.get(f"/capacitacion/modulos/{SLUGS[2]}/exportar")
    data = json.loads(exported.data)
    data["slug"] = "transparencia-2"
    imported = trainer.post(
        "/capacitacion/importar", data={"file": (io.BytesIO(json.dumps(data, ensure_ascii=False).encode()), "m.json")}
    )
    assert imported.status_code == 302
    again = json.loads(trainer.get("/capacitacion/modulos/transparencia-2/exportar").data)
    assert again == data
    broken = trainer.post("/capacitacion/importar", data={"file": (io.BytesIO(b'{"slug": "x"}'), "m.json")})
    assert broken.status_code == 422 and "al menos una lección" in broken.get_data(as_text=True)


TRAINING_URLS = [
    ("GET", "/capacitacion/"),
    ("GET", "/capacitacion/modulos/nuevo"),
    ("POST", "/capacitacion/modulos/nuevo"),
    ("GET", f"/capacitacion/modulos/{SLUGS[0]}"),
    ("POST", f"/capacitacion/modulos/{SLUGS[0]}/mover"),
    ("POST", f"/capacitacion/modulos/{SLUGS[0]}/publicacion"),
    ("GET", f"/capacitacion/modulos/{SLUGS[0]}/retirar"),
    ("GET", f"/capacitacion/modulos/{SLUGS[0]}/lecciones/nueva"),
    ("GET", f"/capacitacion/modulos/{SLUGS[0]}/lecciones/1"),
    ("POST", f"/capacitacion/modulos/{SLUGS[0]}/lecciones/1/mover"),
    ("POST", f"/capacitacion/modulos/{SLUGS[0]}/lecciones/1/eliminar"),
    ("GET", f"/capacitacion/modulos/{SLUGS[0]}/lecciones/1/eliminar"),
    ("POST", "/capacitacion/imagenes"),
    ("POST", "/capacitacion/adjuntos"),
    ("POST", "/capacitacion/videos"),
    ("GET", f"/capacitacion/modulos/{SLUGS[0]}/lecciones/1/versiones"),
    ("GET", f"/capacitacion/modulos/{SLUGS[0]}/lecciones/1/versiones/1"),
    ("POST", f"/capacitacion/modulos/{SLUGS[0]}/lecciones/1/versiones/1/restaurar"),
    ("POST", "/capacitacion/vista-previa-markdown"),
    ("GET", f"/capacitacion/modulos/{SLUGS[0]}/cuestionario"),
    ("GET", f"/capacitacion/modulos/{SLUGS[0]}/cuestionario/preguntas/nueva"),
    ("GET", f"/capacitacion/modulos/{SLUGS[0]}/cuestionario/preguntas/1"),
    ("POST", f"/capacitacion/modulos/{SLUGS[0]}/cuestionario/preguntas/1/mover"),
    ("POST", f"/capacitacion/modulos/{SLUGS[0]}/cuestionario/preguntas/1/eliminar"),
    ("POST", f"/capacitacion/modulos/{SLUGS[0]}/cuestionario/descartar"),
    ("POST", f"/capacitacion/modulos/{SLUGS[0]}/cuestionario/publicar"),
    ("POST", f"/capacitacion/modulos/{SLUGS[0]}/cuestionario/gift"),
    ("GET", f"/capacitacion/modulos/{SLUGS[0]}/versiones"),
    ("GET", f"/capacitacion/modulos/{SLUGS[0]}/vista-previa"),
    ("GET", f"/capacitacion/modulos/{SLUGS[0]}/vista-previa/lecciones/1"),
    ("GET", f"/capacitacion/modulos/{SLUGS[0]}/vista-previa/cuestionario"),
    ("GET", f"/capacitacion/modulos/{SLUGS[0]}/exportar"),
    ("POST", "/capacitacion/importar"),
    ("POST", "/capacitacion/biblioteca/ley-karin"),
    ("GET", f"/capacitacion/modulos/{SLUGS[0]}/estadisticas"),
    ("GET", "/capacitacion/papelera"),
    ("POST", "/capacitacion/papelera/1/restaurar"),
]


def test_every_training_route_is_covered_by_the_role_checks(app):
    adapter = app.url_map.bind("localhost")
    covered = {adapter.match(url, method=method)[0] for method, url in TRAINING_URLS}
    every = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("training.")}
    assert covered == every


@pytest.mark.parametrize("roles", [(STAFF,), (STAFF, HR)], ids=["staff", "hr"])
def test_staff_and_hr_get_403_on_every_training_route(app, make_user, roles):
    person = make_user(roles=roles)
    client = app.test_client()
    login(client, person.email)
    for method, url in TRAINING_URLS:
        response = client.open(url, method=method)
        assert response.status_code == 403, (method, url, response.status_code)
    with app.app_context():
        assert db.session.scalar(select(func.count(QuizRevision.id))) == 6


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for method, url in TRAINING_URLS:
        response = client.open(url, method=method)
        assert response.status_code == 302 and "/login" in response.headers["Location"], (method, url)


def test_gift_upload_from_the_browser_adds_to_the_draft(app, trainer):
    gift = (
        "$CATEGORY: $course$/Inducción\n\n"
        "::Plazo:: La Ley 20.285 regula el acceso a la información pública. {T}\n\n"
        "::Regalo:: Un proveedor le ofrece un regalo. ¿Qué corresponde hacer? "
        "{=Rechazarlo con cortesía #Así se resguarda la probidad. ~Aceptarlo ~Aceptarlo si es barato}\n\n"
        "::Corta:: ¿Capital de Chile? {=Santiago}\n"
    )
    page = trainer.post(
        f"/capacitacion/modulos/{SLUGS[5]}/cuestionario/gift",
        data={"file": (io.BytesIO(gift.encode("utf-8-sig")), "banco.gift")},
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Se agregaron 2 preguntas al borrador" in html
    assert "Línea 7" in html  # the short-answer question is listed, not silently dropped
    quiz = trainer.get(f"/capacitacion/modulos/{SLUGS[5]}/cuestionario").get_data(as_text=True)
    assert "Rechazarlo con cortesía" in quiz and "cambios sin publicar" in quiz
    broken = trainer.post(
        f"/capacitacion/modulos/{SLUGS[5]}/cuestionario/gift",
        data={"file": (io.BytesIO(b"::Roto:: Pregunta {=a ~b\n"), "roto.gift")},
    )
    assert broken.status_code == 422 and "no se importó ninguna pregunta" in broken.get_data(as_text=True)
    assert "Línea 1" in broken.get_data(as_text=True)


def test_statistics_pages_show_aggregates_without_names(app, trainer, make_user):
    learner = make_user(full_name="Camila Valenzuela Tapia", email="camila.v@muni.test")
    client = app.test_client()
    login(client, learner.email)
    from tests.helpers import read_all_lessons

    read_all_lessons(client, app, SLUGS[0])
    attempt_id = start_quiz(client, SLUGS[0])
    client.post(f"/modulos/{SLUGS[0]}/quiz/intentos/{attempt_id}", data=answers_for(app, attempt_id, wrong_questions=2))
    page = trainer.get(f"/capacitacion/modulos/{SLUGS[0]}/estadisticas")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Correcta" in html and "Cómo leer estas cifras" in html
    index = trainer.get("/capacitacion/").get_data(as_text=True)
    assert "¿Qué valor se entiende peor?" in index and "Misión y Visión" in index
    for private in ("Camila", "Valenzuela", "camila.v@muni.test", learner.rut):
        assert private not in html and private not in index.split("Capacitación: módulos")[1]
