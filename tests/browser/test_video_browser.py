"""A lesson's video in a real browser: a trainer uploads it in place with its captions, and a learner's
Chromium plays it, knows its duration and seeks to the middle with a range request answered 206.

Debian's Chromium plays WebM (VP8) and may lack H.264, so the video is the committed WebM of
tests/data/media/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.extensions import db
from portal.models.curriculum import Lesson
from tests import documents
from tests.browser.test_learner_browser import assert_no_axe_violations, save_screenshots, sign_in
from tests.browser.test_trainer_browser import FIRST_MODULE, make_trainer

pytestmark = pytest.mark.browser

PARAGRAPH = "Antes de comenzar, vea este saludo de la alcaldesa."


def test_a_learner_plays_the_lessons_video_and_seeks_with_a_range_request(page: Page, browser, live_server, make_user):
    trainer = make_trainer(make_user)
    sign_in(page, live_server.url, trainer.email)
    page.goto(f"{live_server.url}/capacitacion/modulos/{FIRST_MODULE}/lecciones/nueva")
    page.get_by_label("Título de la lección").fill("Saludo de bienvenida")
    page.get_by_label("Contenido (Markdown)").fill(PARAGRAPH)
    # The video uploads in place and waits for the save; the captions travel with the save.
    page.get_by_label("Video (MP4 o WebM)").set_input_files(
        {"name": "saludo.webm", "mimeType": "video/webm", "buffer": documents.webm()}
    )
    expect(page.locator("[data-upload-status]")).to_contain_text("Video «saludo.webm» subido")
    expect(page.locator("[data-waiting-video]")).to_contain_text("se mostrará al guardar")
    # Saved without captions, the module being published: refused, and the summary at the top of
    # this long form leads to the captions' field, screens below.
    page.get_by_role("button", name="Guardar lección").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("la lección no se guardó: elija los subtítulos")
    expect(page.get_by_label("Título de la lección")).to_have_value("Saludo de bienvenida")
    summary.get_by_role("link").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Subtítulos del video (WebVTT, .vtt)")).to_be_focused()
    page.get_by_label("Subtítulos del video (WebVTT, .vtt)").set_input_files(
        {"name": "saludo.vtt", "mimeType": "text/vtt", "buffer": documents.vtt()}
    )
    expect(page.locator("[data-upload-status]")).to_contain_text("Subtítulos «saludo.vtt» elegidos")
    page.get_by_role("button", name="Guardar lección").click()
    expect(page.locator(".flash, [role=status]").first).to_contain_text("Lección agregada")
    with live_server.app.app_context():
        lesson = db.session.scalar(select(Lesson).where(Lesson.title == "Saludo de bienvenida"))
        number, video_id, lesson_id = lesson.position, lesson.video.id, lesson.id
    page.goto(f"{live_server.url}/capacitacion/modulos/{FIRST_MODULE}/lecciones/{lesson_id}")
    expect(page.get_by_text("subtítulos «saludo.vtt»")).to_be_visible()
    expect(page.get_by_label("Quitar el video y sus subtítulos")).not_to_be_checked()
    assert_no_axe_violations(page, "the lesson editor with a video")

    learner = make_user(full_name="Ana Rojas")
    context = browser.new_context()
    learner_page = context.new_page()
    answers = []
    learner_page.on(
        "response",
        lambda response: (
            answers.append((response.status, response.request.headers.get("range"), response.headers))
            if f"/videos/{video_id}" in response.url and not response.url.endswith(".vtt")
            else None
        ),
    )
    sign_in(learner_page, live_server.url, learner.email)
    learner_page.goto(f"{live_server.url}/modulos/{FIRST_MODULE}/lecciones/{number}")
    video = learner_page.locator("video")
    expect(video).to_be_visible()
    # The transcript is text under the video: the captions' cues without their timings.
    expect(learner_page.get_by_text("Nuestra misión es servir a la comunidad.")).to_be_visible()

    duration = video.evaluate(
        """video => new Promise((resolve, reject) => {
            if (video.readyState >= 1) { resolve(video.duration); return; }
            video.addEventListener("loadedmetadata", () => resolve(video.duration));
            video.addEventListener("error", () => reject(new Error("media error " + video.error.code)));
        })"""
    )
    assert duration == pytest.approx(4, abs=0.5)
    position = video.evaluate(
        """video => new Promise(resolve => {
            video.addEventListener("seeked", () => resolve(video.currentTime), { once: true });
            video.currentTime = video.duration / 2;
        })"""
    )
    assert position == pytest.approx(duration / 2, abs=0.5)
    assert video.evaluate("video => video.textTracks[0].mode") == "showing"  # captions on by default

    ranged = [(status, asked, headers) for status, asked, headers in answers if asked]
    assert ranged, f"the player never asked for a range: {answers}"
    assert all(status == 206 for status, _, _ in ranged), answers
    assert all(
        re.fullmatch(rf"bytes \d+-\d+/{len(documents.webm())}", headers["content-range"]) for _, _, headers in ranged
    )

    assert_no_axe_violations(learner_page, "lesson with a video, captions and transcript")
    save_screenshots(learner_page, "lesson-with-video")
    context.close()
