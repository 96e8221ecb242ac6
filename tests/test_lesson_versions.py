"""Every save of a lesson is a version with its author and time; a trainer restores an old one, audited."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from portal.extensions import db
from portal.models.audit import AuditEvent
from portal.models.curriculum import Lesson, LessonVersion
from tests.test_lesson_media import NEW_LESSON, SLUG, lesson_form, lesson_titled, trainer  # noqa: F401


def test_a_trainer_restores_an_old_version_and_the_restore_is_audited(app, trainer):  # noqa: F811
    trainer.post(NEW_LESSON, data=lesson_form(title="Vacaciones", body="Primera redacción."))
    lesson = lesson_titled(app, "Vacaciones")
    edit = f"/capacitacion/modulos/{SLUG}/lecciones/{lesson.id}"
    trainer.post(edit, data=lesson_form(title="Vacaciones", body="Segunda redacción, con un error."))
    trainer.post(edit, data=lesson_form(title="Vacaciones", body="Segunda redacción, con un error."))  # untouched

    listing = trainer.get(edit + "/versiones").get_data(as_text=True)
    links = re.findall(rf'href="({re.escape(edit)}/versiones/\d+)"', listing)
    assert len(links) == 2 and "Rodrigo Soto" in listing  # the untouched save made no version
    first = trainer.get(links[-1]).get_data(as_text=True)
    assert "Primera redacción." in first and "Restaurar esta versión" in first
    assert "Restaurar esta versión" not in trainer.get(links[0]).get_data(as_text=True)  # the current one

    restored = trainer.post(links[-1] + "/restaurar", follow_redirects=True)
    assert "Versión restaurada." in restored.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Lesson, lesson.id).body_md == "Primera redacción."
        versions = db.session.scalars(select(LessonVersion.body_md).where(LessonVersion.lesson_id == lesson.id))
        assert list(versions) == ["Primera redacción.", "Segunda redacción, con un error.", "Primera redacción."]
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "content.lesson_restored")).one()
        assert json.loads(event.details)["lesson"] == lesson.id
    again = trainer.post(links[-1] + "/restaurar", follow_redirects=True)
    assert "La lección ya tenía ese texto." in again.get_data(as_text=True)
    assert trainer.get(f"/capacitacion/modulos/{SLUG}/lecciones/{lesson.id}/versiones/999999").status_code == 404
