"""A failed attempt's result in a real browser: right or wrong and the value at stake, never the key."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.extensions import db
from portal.models.curriculum import Module
from portal.quizzes.revisions import publish_revision
from tests.browser.test_learner_browser import (
    DESKTOP,
    FIRST_MODULE,
    answer_by_clicking,
    answer_key,
    assert_no_axe_violations,
    module_yaml,
    questions_on_page,
    save_screenshots,
    sign_in,
)


def test_a_failed_result_shows_no_key_screenshots_and_axe(page: Page, live_server, make_user):
    base = live_server.url
    values = ["Compromiso", "Transparencia", "Inclusión", "Respeto y Solidaridad", "Ética y Probidad"]
    with live_server.app.app_context():
        # The shipped questions, each tagged with a value: the page quotes the value at stake.
        module = db.session.scalar(select(Module).where(Module.slug == FIRST_MODULE))
        questions = [
            {**question, "values": [values[index % len(values)]]}
            for index, question in enumerate(module_yaml(FIRST_MODULE)["quiz"]["questions"])
        ]
        publish_revision(module.quiz, 80, questions)
        db.session.commit()
    person = make_user(full_name="Javiera Paz Muñoz Contreras")
    key = answer_key(FIRST_MODULE)
    page.set_viewport_size(DESKTOP)
    sign_in(page, base, person.email)
    page.goto(f"{base}/modulos/{FIRST_MODULE}/quiz")
    page.get_by_role("button", name="Comenzar el cuestionario").click()
    shown = questions_on_page(page)
    # Everything wrong but the first question: a failure with one right answer on the page.
    answers = {
        question["prompt"]: key[question["prompt"]][0 if index == 0 else 1] for index, question in enumerate(shown)
    }
    answers = {prompt: {sorted(texts)[0]} if index else texts for index, (prompt, texts) in enumerate(answers.items())}
    answer_by_clicking(page, answers)
    page.get_by_role("button", name="Enviar respuestas").click()
    expect(page).to_have_url(re.compile(r"/quiz/intentos/\d+$"))
    expect(page.get_by_text("No aprobado")).to_be_visible()
    body = page.locator("main").inner_text()
    assert "Respuesta correcta" not in body and "Explicación" not in body
    assert "Valor en juego: " in body
    for prompt in (question["prompt"] for question in shown):
        for text in key[prompt][0]:
            assert text not in body or text in ("Verdadero", "Falso"), text
    saved = save_screenshots(page, "result-failed")
    assert_no_axe_violations(page, "a failed attempt's result")
    assert len(saved) == 2
