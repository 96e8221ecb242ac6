"""What a learner sees after an attempt is a quiz setting: nobody can fail on purpose, read the key
and pass on the next try. Also: question order shuffled per attempt, and pools drawn per attempt."""

from __future__ import annotations

import html
import json
import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models.audit import AuditEvent
from portal.models.curriculum import Module
from portal.models.quiz import TRUE_FALSE, Attempt
from portal.quizzes.revisions import latest_revision, publish_revision
from portal.vocabulary import ADMIN, STAFF, AnswerVisibility
from tests.conftest import login
from tests.helpers import SLUGS, answers_for, start_quiz
from tests.test_quiz_editor import build_module, trainer  # noqa: F401 (a fixture)

SLUG = SLUGS[0]


def _question(number: int, values=("Transparencia",)) -> dict:
    # Long, distinctive texts: finding one on a page cannot be a coincidence.
    return {
        "kind": "single",
        "prompt": f"Situación número {number}: una vecina pide ver un acta en el mesón.",
        "explanation": f"Explicación {number}: la alternativa clave-correcta-{number} es la que corresponde.",
        "values": list(values),
        "choices": [
            {"text": f"Alternativa clave-correcta-{number} con el texto de la respuesta", "correct": True},
            {"text": f"Alternativa equivocada-a-{number} con un texto parecido", "correct": False},
            {"text": f"Alternativa equivocada-b-{number} con un texto parecido", "correct": False},
        ],
    }


def publish(app, count=5, **settings) -> None:
    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == SLUG))
        publish_revision(module.quiz, 80, [_question(number) for number in range(1, count + 1)], **settings)
        db.session.commit()


def page_text(response) -> str:
    """What a person reads: the page without its markup, entities decoded."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def submit(client, app, wrong_questions: int) -> tuple[int, str]:
    attempt_id = start_quiz(client, SLUG)
    url = f"/modulos/{SLUG}/quiz/intentos/{attempt_id}"
    client.post(url, data=answers_for(app, attempt_id, wrong_questions=wrong_questions))
    return attempt_id, page_text(client.get(url))


def correct_texts(app, attempt_id: int) -> list[str]:
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        return [
            choice.text
            for item in attempt.questions
            for choice in item.question.choices
            if choice.correct and item.question.kind != TRUE_FALSE
        ]


@pytest.mark.parametrize(
    ("count", "lead", "missing"),
    [(1, "1 pregunta.", "Falta responder 1 pregunta."), (3, "3 preguntas.", "Faltan 3 preguntas por responder.")],
)
def test_the_quiz_page_counts_its_questions_and_sent_empty_keeps_no_answers(
    app, client, login_as, count, lead, missing
):
    login_as()
    publish(app, count=count)
    attempt_id = start_quiz(client, SLUG)
    assert f"{lead} Para aprobar necesita al menos el 80 %" in page_text(client.get(f"/modulos/{SLUG}/quiz"))
    # Sent with nothing answered: there are no other answers to keep.
    empty = page_text(client.post(f"/modulos/{SLUG}/quiz/intentos/{attempt_id}", data={}))
    assert missing in empty and "Sus otras respuestas se mantienen" not in empty


def test_by_default_a_failed_attempt_never_shows_a_right_choice_and_a_pass_shows_them(app, client, login_as):
    login_as()
    publish(app)
    intro = page_text(client.get(f"/modulos/{SLUG}/quiz"))
    assert "las respuestas correctas se muestran una vez que apruebe" in intro
    # Two right answers of five: failed, and the page must not give away those two either.
    failed_id, failed = submit(client, app, wrong_questions=3)
    assert "No aprobado" in failed
    assert "clave-correcta" not in failed and "Explicación 1" not in failed
    assert "Respuesta correcta" not in failed
    assert failed.count("Incorrecta") == 3 and failed.count("Valor en juego: Transparencia") == 5
    # The value, in the seed's words, once.
    assert failed.count("Ejercemos la función pública con transparencia") == 1
    assert "una vez que apruebe el cuestionario" in failed

    passed_id, passed = submit(client, app, wrong_questions=0)
    assert "Aprobado" in passed
    for text in correct_texts(app, passed_id):
        assert text in passed
    assert "Explicación 1: " in passed
    # Once passed, reviewing the failed attempt shows its key as well.
    again = page_text(client.get(f"/modulos/{SLUG}/quiz/intentos/{failed_id}"))
    assert all(text in again for text in correct_texts(app, failed_id))


def test_always_shows_the_key_after_a_failure(app, client, login_as):
    login_as()
    publish(app, show_answers=AnswerVisibility.ALWAYS)
    attempt_id, failed = submit(client, app, wrong_questions=5)
    assert "No aprobado" in failed
    assert all(text in failed for text in correct_texts(app, attempt_id))
    assert "Explicación 3: " in failed and "Valor en juego" not in failed


def test_never_hides_the_key_even_after_passing(app, client, login_as):
    login_as()
    publish(app, show_answers=AnswerVisibility.NEVER)
    _failed_id, failed = submit(client, app, wrong_questions=5)
    _passed_id, passed = submit(client, app, wrong_questions=0)
    assert "Aprobado" in passed
    for page in (failed, passed):
        assert "clave-correcta" not in page and "Explicación" not in page and "Respuesta correcta" not in page
        assert "no muestra las respuestas correctas" in page


def test_the_newest_revisions_setting_governs_older_attempts(app, client, login_as):
    """Stopping the key must stop it on past attempts too, or old reviews would hand it out."""
    login_as()
    publish(app, show_answers=AnswerVisibility.ALWAYS)
    attempt_id, before = submit(client, app, wrong_questions=5)
    assert "clave-correcta-1" in before
    publish(app, show_answers=AnswerVisibility.AFTER_PASS)
    after = page_text(client.get(f"/modulos/{SLUG}/quiz/intentos/{attempt_id}"))
    assert "clave-correcta" not in after and "No aprobado" in after


def test_the_shipped_curriculum_hides_the_key_of_a_failed_attempt(app, client, login_as):
    """Whatever the default bank holds: half right is a failure, and no right choice shows."""
    login_as()
    with app.app_context():
        for slug in SLUGS:
            revision = latest_revision(db.session.scalar(select(Module).where(Module.slug == slug)).quiz.id)
            assert revision.show_answers == AnswerVisibility.AFTER_PASS and revision.shuffle_questions
    attempt_id = start_quiz(client, SLUG)
    with app.app_context():
        drawn = len(db.session.get(Attempt, attempt_id).questions)
    url = f"/modulos/{SLUG}/quiz/intentos/{attempt_id}"
    client.post(url, data=answers_for(app, attempt_id, wrong_questions=drawn - drawn // 2))
    page = page_text(client.get(url))
    assert "No aprobado" in page
    leaked = [text for text in correct_texts(app, attempt_id) if text in page]
    assert not leaked


@pytest.mark.parametrize("shuffle", [True, False])
def test_question_order_differs_across_attempts_when_shuffling(app, client, login_as, shuffle):
    login_as()
    publish(app, count=8, shuffle_questions=shuffle)
    orders = set()
    for _ in range(5):
        attempt_id, page = submit(client, app, wrong_questions=8)
        with app.app_context():
            attempt = db.session.get(Attempt, attempt_id)
            order = tuple(item.question.position for item in attempt.questions)
        orders.add(order)
        # The review lists the questions in the order the person saw them, as stored.
        shown = [int(number) for number in re.findall(r"Situación número (\d+)", page)]
        assert tuple(shown) == order
    if shuffle:
        assert len(orders) > 1  # five times the same order of 8 questions: 1 in 8!⁴
    else:
        assert orders == {tuple(range(1, 9))}


def test_a_pool_draws_n_questions_per_attempt(app, client, login_as):
    login_as()
    publish(app, count=10, pool_size=6)
    drawn = set()
    for _ in range(4):
        attempt_id, _page = submit(client, app, wrong_questions=6)
        with app.app_context():
            questions = db.session.get(Attempt, attempt_id).questions
            assert len(questions) == 6
            drawn.add(frozenset(item.question.position for item in questions))
    assert len(drawn) > 1


def test_trainers_choose_the_settings_and_tag_values_and_they_travel_in_the_exchange(app, trainer, make_user):  # noqa: F811
    build_module(trainer, questions=5)
    url = "/capacitacion/modulos/buen-trato/cuestionario"
    page = trainer.get(url).get_data(as_text=True)
    assert "Al aprobar el cuestionario" in page and 'selected value="after_pass"' in page
    refused = trainer.post(url, data={"pass_mark": "80", "show_answers": "a veces", "shuffle_questions": "y"})
    assert refused.status_code == 200 and "Revise los campos marcados" in refused.get_data(as_text=True)
    trainer.post(url, data={"pass_mark": "80", "show_answers": "never", "shuffle": "y"})
    tagged = {
        "kind": "single",
        "prompt": "Un proveedor ofrece un regalo durante una licitación.",
        "explanation": "No es una cortesía: hay una licitación en curso.",
        "values": ["Ética y Probidad", "Transparencia"],
        "choices-0-text": "Rechazarlo e informar a su jefatura",
        "choices-0-correct": "y",
        "choices-1-text": "Aceptarlo si es de poco valor",
    }
    assert trainer.post(f"{url}/preguntas/nueva", data=tagged).status_code == 302
    edit = trainer.get(f"{url}/preguntas/6").get_data(as_text=True)
    assert re.search(r'value="Transparencia" checked', edit)
    trainer.post(f"{url}/publicar")
    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == "buen-trato"))
        revision = latest_revision(module.quiz.id)
        assert revision.show_answers == AnswerVisibility.NEVER and not revision.shuffle_questions
        # In the seed's order, whatever order they were ticked in.
        assert revision.questions[-1].values == ["Transparencia", "Ética y Probidad"]
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "quiz.published").order_by(AuditEvent.id.desc())
        ).first()
        changed = json.loads(event.details)["changes"]
        assert changed["show_answers"] == {"before": "after_pass", "after": "never"}
        assert changed["shuffle_questions"] == {"before": True, "after": False}
    admin = app.test_client()
    login(admin, make_user(roles=(STAFF, ADMIN)).email)
    audit_page = page_text(admin.get("/admin/auditoria"))
    assert "Cuándo se muestran las respuestas correctas: Al aprobar el cuestionario → Nunca" in audit_page
    versions = page_text(trainer.get("/capacitacion/modulos/buen-trato/versiones"))
    assert "Respuestas correctas visibles: Al aprobar el cuestionario → Nunca" in versions
    assert "Preguntas en orden aleatorio: Sí → No" in versions
    exported = trainer.get("/capacitacion/modulos/buen-trato/exportar").get_json()
    assert exported["quiz"]["show_answers"] == "never" and exported["quiz"]["shuffle_questions"] is False
    assert exported["quiz"]["questions"][-1]["values"] == ["Transparencia", "Ética y Probidad"]
    assert "values" not in exported["quiz"]["questions"][0]


def test_the_exchange_refuses_unknown_values_and_settings(app):
    from portal.quizzes.exchange import module_problems

    data = {
        "slug": "prueba",
        "title": "Prueba",
        "lessons": [{"title": "Uno", "body_md": "Texto."}],
        "quiz": {
            "show_answers": "sometimes",
            "shuffle_questions": "yes",
            "questions": [{**_question(1), "values": ["Puntualidad"]}],
        },
    }
    with app.test_request_context():
        problems = " ".join(module_problems(data))
    assert "show_answers" in problems and "shuffle_questions" in problems and "Puntualidad" in problems


def test_gift_tags_naming_a_value_tag_the_question(app):
    from portal.quizzes.gift.parsing import parse_gift

    text = (
        "// [tag:Inclusión] [tag:otra-cosa]\n"
        "::rampa:: La oficina no tiene rampa. {=Atender en el primer piso ~Pedir que vuelva otro día}\n"
    )
    with app.test_request_context():
        report = parse_gift(text)
    assert report.questions[0]["values"] == ["Inclusión"]


def test_curriculum_files_set_the_pool_order_visibility_and_values(app):
    """The keys the shipped YAML may use (portal/content/modules/*.yaml, loaded by content.seed)."""
    from portal.quizzes.exchange import export_module, import_module

    data = {
        "slug": "con-sorteo",
        "title": "Con sorteo",
        "lessons": [{"title": "Uno", "body_md": "Texto."}],
        "quiz": {
            "pass_mark": 80,
            "pool_size": 6,
            "shuffle_questions": False,
            "show_answers": "always",
            "questions": [_question(number, values=("Inclusión",)) for number in range(1, 11)],
        },
    }
    with app.test_request_context():
        module = import_module(data)
        revision = latest_revision(module.quiz.id)
        assert (revision.pool_size, revision.shuffle_questions, revision.show_answers) == (6, False, "always")
        assert all(question.values == ["Inclusión"] for question in revision.questions)
        exported = export_module(module)["quiz"]
    assert {key: exported[key] for key in ("pool_size", "shuffle_questions", "show_answers")} == {
        "pool_size": 6,
        "shuffle_questions": False,
        "show_answers": "always",
    }
