"""A deleted lesson waits 30 days in the Papelera: restorable, invisible everywhere else, then purged.

Issue 17: "deleting a lesson can be undone from a Papelera for 30 days"; must show "delete and undo,
each audited".
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.dates import local_today
from portal.extensions import db
from portal.learning.service import learner_path
from portal.models.audit import AuditEvent
from portal.models.curriculum import Lesson, LessonAttachment, LessonVersion, LessonVideo, Module
from portal.models.progress import LessonView
from portal.models.types import utcnow
from portal.queue import periodic
from portal.reports.service import ReportFilters, report_rows, steps_total
from portal.training import trash
from portal.training.versions import record_version
from portal.vocabulary import ADMIN, HR, NOT_STARTED, STAFF, TRAINER
from tests.conftest import login
from tests.helpers import SLUGS
from tests.test_confirmations import PostForms, signed_in

SLUG = SLUGS[0]
PAPELERA = "/capacitacion/papelera"


def lessons_of(app, slug: str = SLUG) -> list[tuple[int, int, str]]:
    """(id, position, title) of the module's lessons in use, in order."""
    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == slug))
        return [(lesson.id, lesson.position, lesson.title) for lesson in module.lessons]


def events(app, action: str) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
        return [json.loads(row.details) | {"actor_id": row.actor_id} for row in rows]


def client_of(app, make_user, *roles, **kwargs):
    person = make_user(roles=roles, **kwargs)
    client = app.test_client()
    assert login(client, person.email).status_code == 302
    return client, person


def trash_directly(app, lesson_id: int, days_ago: float, actor_id: int | None = None) -> None:
    """Send a lesson to the Papelera as the service does, then date its deletion `days_ago` back."""
    with app.app_context():
        lesson = db.session.get(Lesson, lesson_id)
        trash.move_to_trash(lesson, actor_id)
        lesson.deleted_at = utcnow() - timedelta(days=days_ago)
        db.session.commit()


def test_a_trainer_deletes_a_lesson_and_undoes_it_from_the_message_each_step_audited(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    trainer, person = signed_in(app, make_user, (STAFF, TRAINER), full_name="Rodrigo Soto")
    learner, _ = signed_in(app, make_user, (STAFF,))
    before = lessons_of(app)
    first_id, _, first_title = before[0]
    assert first_title in learner.get(f"/modulos/{SLUG}").get_data(as_text=True)

    url = f"/capacitacion/modulos/{SLUG}/lecciones/{first_id}/eliminar"
    confirm = PostForms(trainer.get(url).get_data(as_text=True))
    [fields] = [fields for action, fields in confirm.forms if action == url]
    page = trainer.post(url, data=fields, follow_redirects=True).get_data(as_text=True)
    assert f"La lección «{first_title}» se movió a la Papelera" in page

    # The gap closes: the others move up one place; learners no longer see it.
    assert lessons_of(app) == [(lesson_id, number, title) for number, (lesson_id, _, title) in enumerate(before[1:], 1)]
    assert first_title not in learner.get(f"/modulos/{SLUG}").get_data(as_text=True)
    assert learner.get(f"/modulos/{SLUG}/lecciones/{len(before)}").status_code == 404
    assert events(app, "content.lesson_trashed") == [
        {"module": SLUG, "lesson": first_id, "title": first_title, "actor_id": person.id}
    ]

    # The Papelera lists it: module, who, when, the days left.
    listing = trainer.get(PAPELERA).get_data(as_text=True)
    assert first_title in listing and "Misión y Visión" in listing and "Rodrigo Soto" in listing
    assert "Quedan 30 días" in listing

    # "Deshacer" in the message posts to the restore address, CSRF token included.
    undo = f"/capacitacion/papelera/{first_id}/restaurar"
    [undo_fields] = [fields for action, fields in PostForms(page).forms if action == undo]
    assert undo_fields.get("csrf_token") and ">Deshacer</button>" in page
    assert trainer.post(undo, data={}).status_code == 400  # without the token: refused, nothing restored
    restored = trainer.post(undo, data=undo_fields, follow_redirects=True).get_data(as_text=True)
    # Undone, it is back in its own place, first, and the others move down again.
    assert f"La lección «{first_title}» volvió al módulo «Misión y Visión»: es la lección 1." in restored
    assert lessons_of(app) == before
    assert first_title in learner.get(f"/modulos/{SLUG}/lecciones/1").get_data(as_text=True)
    assert events(app, "content.lesson_untrashed") == [
        {"module": SLUG, "lesson": first_id, "title": first_title, "position": 1, "actor_id": person.id}
    ]
    assert "La Papelera está vacía" in trainer.get(PAPELERA).get_data(as_text=True)
    assert trainer.post(undo, data=undo_fields).status_code == 404  # no longer in the Papelera

    # The audit page names both steps in Spanish.
    admin, _ = signed_in(app, make_user, (STAFF, ADMIN))
    audit_page = admin.get("/admin/auditoria?action=content").get_data(as_text=True)
    assert "Se eliminó una lección (quedó en la papelera)" in audit_page
    assert "Se restauró una lección desde la papelera" in audit_page


def test_the_papelera_restores_a_lesson_in_its_place_or_last_if_its_module_shrank(app, make_user):
    trainer, _ = client_of(app, make_user, STAFF, TRAINER)
    other = SLUGS[2]
    before = lessons_of(app, other)
    assert len(before) >= 3
    lesson_id, _, title = before[1]
    trainer.post(f"/capacitacion/modulos/{other}/lecciones/{lesson_id}/eliminar")
    index = trainer.get("/capacitacion/").get_data(as_text=True)
    assert f'href="{PAPELERA}"' in index and "Papelera (1 lección)" in index
    listing = trainer.get(PAPELERA).get_data(as_text=True)
    assert title in listing and f'action="/capacitacion/papelera/{lesson_id}/restaurar"' in listing
    page = trainer.post(f"/capacitacion/papelera/{lesson_id}/restaurar", follow_redirects=True)
    assert f"La lección «{title}» volvió al módulo" in page.get_data(as_text=True) and "es la lección 2." in (
        page.get_data(as_text=True)
    )
    assert lessons_of(app, other) == before

    # Deleted from the second place, then the module loses every lesson after the first: it comes back last.
    trainer.post(f"/capacitacion/modulos/{other}/lecciones/{lesson_id}/eliminar")
    for gone_id, _, _ in before[2:]:
        trainer.post(f"/capacitacion/modulos/{other}/lecciones/{gone_id}/eliminar")
    trainer.post(f"/capacitacion/modulos/{other}/lecciones/{before[0][0]}/eliminar")
    page = trainer.post(f"/capacitacion/papelera/{lesson_id}/restaurar", follow_redirects=True)
    assert "es la lección 1." in page.get_data(as_text=True)
    assert [lesson for lesson, _, _ in lessons_of(app, other)] == [lesson_id]


def test_a_deleted_lessons_addresses_answer_404_for_learners_and_the_editor(app, make_user):
    trainer, person = client_of(app, make_user, STAFF, TRAINER)
    learner, _ = client_of(app, make_user, STAFF)
    lessons = lessons_of(app)
    last_id, last_number, _ = lessons[-1]
    with app.app_context():
        record_version(db.session.get(Lesson, last_id), person.id)
        document = LessonAttachment(
            lesson_id=last_id, file_name="reglamento.pdf", stored_name="x" * 32, kind="pdf", size=10
        )
        video = LessonVideo(
            lesson_id=last_id, file_name="saludo.webm", stored_name="y" * 32, kind="webm", size=10, captions="WEBVTT\n"
        )
        db.session.add_all([document, video])
        db.session.commit()
        document_id, video_id = document.id, video.id
        version_id = db.session.scalar(select(LessonVersion.id).where(LessonVersion.lesson_id == last_id))
    assert trainer.post(f"/capacitacion/modulos/{SLUG}/lecciones/{last_id}/eliminar").status_code == 302

    editor = f"/capacitacion/modulos/{SLUG}/lecciones/{last_id}"
    for address in (editor, f"{editor}/versiones", f"{editor}/versiones/{version_id}", f"{editor}/eliminar"):
        assert trainer.get(address).status_code == 404, address
    for address in (f"{editor}/eliminar", f"{editor}/mover", f"{editor}/versiones/{version_id}/restaurar"):
        assert trainer.post(address).status_code == 404, address
    assert trainer.get(f"/capacitacion/modulos/{SLUG}/vista-previa/lecciones/{last_number}").status_code == 404
    assert learner.get(f"/modulos/{SLUG}/lecciones/{last_number}").status_code == 404
    assert learner.post(f"/modulos/{SLUG}/lecciones/{last_number}/leida").status_code == 404
    assert learner.get(f"/adjuntos/{document_id}").status_code == 404
    assert trainer.get(f"/adjuntos/{document_id}").status_code == 404
    for address in (f"/videos/{video_id}", f"/videos/{video_id}/subtitulos.vtt"):
        assert learner.get(address).status_code == 404, address
        assert trainer.get(address).status_code == 404, address
    # Nor does it travel in an export, or keep its module publishable.
    exported = json.loads(trainer.get(f"/capacitacion/modulos/{SLUG}/exportar").get_data(as_text=True))
    assert len(exported["lessons"]) == len(lessons) - 1
    # A lesson in use is not in the Papelera: restoring it is not found either.
    assert trainer.post(f"/capacitacion/papelera/{lessons[0][0]}/restaurar").status_code == 404


def test_a_learners_progress_and_the_report_ignore_a_deleted_lesson(app, make_user):
    trainer, _ = client_of(app, make_user, STAFF, TRAINER)
    reader, reader_person = client_of(app, make_user, STAFF)
    lessons = lessons_of(app)
    # The reader reads only the module's last lesson: a start, one step done.
    last_id, last_number, _ = lessons[-1]
    assert reader.post(f"/modulos/{SLUG}/lecciones/{last_number}/leida").status_code == 302

    def state():
        with app.app_context():
            row = learner_path(reader_person.id).rows[0]
            total = steps_total()
            [report] = [r for r in report_rows(ReportFilters(), local_today(), total) if r.id == reader_person.id]
            return (row.lessons_read, row.lesson_count), (report.steps_done, report.status), total

    (read, count), (steps, status), total = state()
    assert (read, count, steps) == (1, len(lessons), 1) and status != NOT_STARTED
    trainer.post(f"/capacitacion/modulos/{SLUG}/lecciones/{last_id}/eliminar")
    assert state() == ((0, len(lessons) - 1), (0, NOT_STARTED), total - 1)
    dashboard = reader.get("/").get_data(as_text=True)
    assert f"Lecciones leídas: 0 de {len(lessons) - 1}" in dashboard

    # Reading the others now completes the module's lessons: the deleted one is not required.
    for number in range(1, len(lessons)):
        reader.post(f"/modulos/{SLUG}/lecciones/{number}/leida")
    assert state()[0] == (len(lessons) - 1, len(lessons) - 1)
    # Restored, it counts again, with the reading kept.
    trainer.post(f"/capacitacion/papelera/{last_id}/restaurar")
    assert state()[0] == (len(lessons), len(lessons))


def test_the_daily_purge_deletes_lessons_after_30_days_and_keeps_younger_ones(make_app, make_user):
    app = make_app(DAILY_REMINDERS_HOUR="", AUDIT_CHECKPOINT_HOUR="", BACKUP_HOUR="", TRASH_PURGE_HOUR=0)
    person = make_user(roles=(STAFF, TRAINER))
    reader = make_user()
    (old_id, _, old_title), (young_id, _, young_title) = lessons_of(app)[:2]
    folder = Path(app.instance_path) / "attachments"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ("a" * 32)).write_bytes(b"%PDF-1.4")
    with app.app_context():
        old = db.session.get(Lesson, old_id)
        record_version(old, person.id)
        db.session.add(LessonAttachment(lesson=old, file_name="acta.pdf", stored_name="a" * 32, kind="pdf", size=8))
        db.session.add(LessonView(user_id=reader.id, lesson_id=old_id, viewed_at=utcnow(), last_viewed_at=utcnow()))
        db.session.commit()
    trash_directly(app, old_id, days_ago=30.5, actor_id=person.id)
    trash_directly(app, young_id, days_ago=29, actor_id=person.id)

    trainer, _ = client_of(app, make_user, STAFF, TRAINER)
    listing = trainer.get(PAPELERA).get_data(as_text=True)
    assert "Se borra en la próxima limpieza diaria" in listing and "Queda 1 día" in listing

    with app.app_context():
        [run] = periodic.tick()
        assert run.task == "trash_purge" and run.result == "done"
        assert run.summary == "Se borró definitivamente 1 lección eliminada hace más de 30 días."
        assert db.session.get(Lesson, old_id) is None
        for model in (LessonVersion, LessonAttachment, LessonView):
            assert db.session.scalar(select(func.count()).select_from(model).where(model.lesson_id == old_id)) == 0
        assert db.session.get(Lesson, young_id).deleted_at is not None
    assert not (folder / ("a" * 32)).exists()
    assert events(app, "content.lessons_purged") == [
        {"count": 1, "lessons": [old_id], "via": "daily", "actor_id": None}
    ]
    listing = trainer.get(PAPELERA).get_data(as_text=True)
    assert young_title in listing and old_title not in listing
    jobs_page = client_of(app, make_user, STAFF, ADMIN)[0].get("/admin/tareas").get_data(as_text=True)
    assert "Limpieza de la papelera de lecciones" in jobs_page


def test_the_purge_command_does_the_same_by_hand(app, make_user):
    (old_id, _, _), (young_id, _, _) = lessons_of(app)[:2]
    trash_directly(app, old_id, days_ago=45)
    trash_directly(app, young_id, days_ago=2)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["lessons", "purge"])
    assert result.exit_code == 0, result.output
    assert "Se borró definitivamente 1 lección" in result.output
    again = runner.invoke(args=["lessons", "purge"])
    assert "no tenía lecciones eliminadas hace más de 30 días" in again.output
    with app.app_context():
        assert db.session.get(Lesson, old_id) is None and db.session.get(Lesson, young_id) is not None
    assert [event["via"] for event in events(app, "content.lessons_purged")] == ["cli"]  # nothing purged: no event


@pytest.mark.parametrize("roles", [(STAFF,), (STAFF, HR)], ids=["staff", "hr"])
def test_learners_and_hr_cannot_reach_the_papelera(app, make_user, roles):
    lesson_id = lessons_of(app)[0][0]
    trash_directly(app, lesson_id, days_ago=1)
    client, _ = client_of(app, make_user, *roles)
    assert client.get(PAPELERA).status_code == 403
    assert client.post(f"/capacitacion/papelera/{lesson_id}/restaurar").status_code == 403
    with app.app_context():
        assert db.session.get(Lesson, lesson_id).deleted_at is not None
    assert re.search(r'href="/capacitacion/papelera"', client.get("/").get_data(as_text=True)) is None


def test_the_purge_discards_uploads_never_saved_into_a_lesson_and_keeps_a_shared_video_file(app, make_user):
    """An editor closed without saving leaves its uploads waiting: after a day they go, rows and files."""
    (lesson_id, _, _) = lessons_of(app)[0]
    documents, videos = Path(app.instance_path) / "attachments", Path(app.instance_path) / "videos"
    for folder in (documents, videos):
        folder.mkdir(parents=True, exist_ok=True)
    for folder, name in ((documents, "d" * 32), (documents, "e" * 32), (videos, "v" * 32), (videos, "w" * 32)):
        (folder / name).write_bytes(b"contenido")
    long_ago, recently = utcnow() - timedelta(days=2), utcnow() - timedelta(hours=2)
    with app.app_context():
        video = dict(kind="webm", size=9, transcript="")
        db.session.add_all(
            [
                LessonAttachment(
                    file_name="olvidado.pdf", stored_name="d" * 32, kind="pdf", size=9, uploaded_at=long_ago
                ),
                LessonAttachment(
                    file_name="reciente.pdf", stored_name="e" * 32, kind="pdf", size=9, uploaded_at=recently
                ),
                LessonVideo(file_name="olvidado.webm", stored_name="v" * 32, uploaded_at=long_ago, **video),
                # The lesson's own video, and new captions for it never saved: the copy goes, the file stays.
                LessonVideo(lesson_id=lesson_id, file_name="saludo.webm", stored_name="w" * 32, **video),
                LessonVideo(file_name="saludo.webm", stored_name="w" * 32, uploaded_at=long_ago, **video),
            ]
        )
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["lessons", "purge"])
    assert "Se descartaron archivos subidos que nunca se guardaron en una lección: 1 documento(s) y 2 video(s)." in (
        result.output
    )
    with app.app_context():
        assert db.session.scalars(select(LessonAttachment.file_name)).all() == ["reciente.pdf"]
        assert db.session.scalars(select(LessonVideo.lesson_id)).all() == [lesson_id]
    assert sorted(path.name for path in documents.iterdir()) == ["e" * 32]
    assert sorted(path.name for path in videos.iterdir()) == ["w" * 32]
    [event] = events(app, "content.abandoned_uploads_discarded")
    assert event["documents"] == ["olvidado.pdf"] and sorted(event["videos"]) == ["olvidado.webm", "saludo.webm"]
