"""The optional library: a trainer adds a shipped module in one click; learners take it once published."""

import json

import pytest
from sqlalchemy import func, select

from portal.content import load_library
from portal.extensions import db
from portal.models.audit import AuditEvent
from portal.models.curriculum import Module
from portal.quizzes.revisions import latest_revision
from portal.vocabulary import STAFF, TRAINER
from tests.conftest import login
from tests.helpers import SLUGS, complete_module

LIBRARY = load_library()


@pytest.fixture
def trainer(app, make_user):
    person = make_user(full_name="Rodrigo Soto", roles=(STAFF, TRAINER))
    browser = app.test_client()
    assert login(browser, person.email).status_code == 302
    return browser


def module_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Module.id)))


def test_the_trainers_index_offers_each_library_module_once(app, trainer):
    page = trainer.get("/capacitacion/").get_data(as_text=True)
    for entry in LIBRARY:
        assert entry["title"] in page
        assert f'action="/capacitacion/biblioteca/{entry["slug"]}"' in page

    trainer.post(f"/capacitacion/biblioteca/{LIBRARY[0]['slug']}")
    page = trainer.get("/capacitacion/").get_data(as_text=True)
    assert f'action="/capacitacion/biblioteca/{LIBRARY[0]["slug"]}"' not in page
    assert f'action="/capacitacion/biblioteca/{LIBRARY[1]["slug"]}"' in page


@pytest.mark.parametrize("entry", LIBRARY, ids=lambda entry: entry["slug"])
def test_one_click_adds_the_module_unpublished_as_shipped(app, trainer, entry):
    before = module_count(app)
    response = trainer.post(f"/capacitacion/biblioteca/{entry['slug']}", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"Módulo «{entry['title']}» agregado sin publicar" in page
    for blank in entry.get("fill_in", []):  # the trainer is told what the municipality must fill in
        assert blank in page.split("agregado sin publicar")[1]
    assert module_count(app) == before + 1
    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == entry["slug"]))
        assert not module.published
        assert [lesson.body_md for lesson in module.lessons] == [lesson["body_md"] for lesson in entry["lessons"]]
        revision = latest_revision(module.quiz.id)
        assert revision.pool_size == entry["quiz"]["pool_size"]
        assert [q.prompt for q in revision.questions] == [q["prompt"] for q in entry["quiz"]["questions"]]
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert event.action == "content.module_imported"
        assert json.loads(event.details)["via"] == "library"


def test_a_second_click_adds_nothing_and_says_why(app, trainer):
    slug = LIBRARY[0]["slug"]
    trainer.post(f"/capacitacion/biblioteca/{slug}")
    before = module_count(app)
    page = trainer.post(f"/capacitacion/biblioteca/{slug}", follow_redirects=True).get_data(as_text=True)
    assert f"Ya existe un módulo con el identificador «{slug}»" in page
    assert module_count(app) == before


def test_unknown_modules_and_learners_are_refused(app, trainer, make_user):
    before = module_count(app)
    assert trainer.post("/capacitacion/biblioteca/no-existe").status_code == 404
    learner = app.test_client()
    login(learner, make_user().email)
    assert learner.post(f"/capacitacion/biblioteca/{LIBRARY[0]['slug']}").status_code == 403
    assert module_count(app) == before


@pytest.mark.parametrize("entry", LIBRARY, ids=lambda entry: entry["slug"])
def test_a_learner_takes_a_library_module_once_published(app, trainer, make_user, entry):
    slug = entry["slug"]
    trainer.post(f"/capacitacion/biblioteca/{slug}")
    learner = app.test_client()
    login(learner, make_user().email)
    assert learner.get(f"/modulos/{slug}").status_code == 404  # unpublished: not there for learners

    if entry.get("fill_in"):  # a blank left in a lesson keeps the module from learners
        publish = {"published": "1"}
        refused = trainer.post(f"/capacitacion/modulos/{slug}/publicacion", data=publish, follow_redirects=True)
        assert f"Complete {entry['fill_in'][0]} en la lección" in refused.get_data(as_text=True)
        assert learner.get(f"/modulos/{slug}").status_code == 404
        fill_in_blanks(app, slug, entry["fill_in"])
    assert trainer.post(f"/capacitacion/modulos/{slug}/publicacion", data={"published": "1"}).status_code == 302
    for default in SLUGS:
        complete_module(learner, app, default)
    complete_module(learner, app, slug)
    page = learner.get(f"/modulos/{slug}").get_data(as_text=True)
    assert entry["title"] in page and "Su mejor puntaje es 100 %" in page


def fill_in_blanks(app, slug: str, blanks: list[str]) -> None:
    """What the municipality writes in place of the library's blanks (its own reporting channel)."""
    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == slug))
        for lesson in module.lessons:
            for blank in blanks:
                lesson.body_md = lesson.body_md.replace(blank, "la Oficina de Personas, correo denuncias@muni.cl")
        db.session.commit()
