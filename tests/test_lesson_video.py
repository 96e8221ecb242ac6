"""A lesson shows a video uploaded to the portal, accessible by default.

The video travels with the lesson's form (or uploads in place from the editor's script), is recognised
by its content and served with range requests; captions (WebVTT) are required before learners see
it, and the transcript under it is the captions' text unless the trainer wrote one.
"""

from __future__ import annotations

import io
import json
import re

import pytest
from flask import url_for
from sqlalchemy import func, select

from portal.extensions import db
from portal.models.audit import AuditEvent
from portal.models.curriculum import Lesson, LessonAttachment, LessonVideo, Module
from portal.settings import store
from portal.training.trash import move_to_trash
from portal.uploads import RejectedUpload
from portal.videos import parse_cues, read_captions, sniff_video, transcript_paragraphs
from portal.vocabulary import STAFF, TRAINER
from tests import documents
from tests.conftest import login
from tests.helpers import SLUGS
from tests.municipality import fetch
from tests.test_lesson_media import count, lesson_form, post_in_memory

SLUG = SLUGS[0]
NEW_LESSON = f"/capacitacion/modulos/{SLUG}/lecciones/nueva"
WEBM = documents.webm()
VTT = documents.vtt()
CAPTIONS_TEXT = (
    "Bienvenida a la Municipalidad. Nuestra misión es servir a la comunidad. "
    "Gracias por ser parte del equipo &amp; de su servicio."
)


@pytest.fixture
def trainer(app, make_user):
    person = make_user(full_name="Rodrigo Soto", roles=(STAFF, TRAINER))
    browser = app.test_client()
    assert login(browser, person.email).status_code == 302
    return browser


@pytest.fixture
def learner(app, make_user):
    browser = app.test_client()
    assert login(browser, make_user(full_name="Ana Rojas").email).status_code == 302
    return browser


def video_of(app, title: str = "Reglamento interno") -> LessonVideo | None:
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).where(Lesson.title == title))
        return None if lesson is None else lesson.video


def lesson_url(app, title: str = "Reglamento interno", slug: str = SLUG) -> str:
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).where(Lesson.title == title))
        return f"/modulos/{slug}/lecciones/{lesson.position}"


def editor_url(app, title: str = "Reglamento interno", slug: str = SLUG) -> str:
    with app.app_context():
        lesson_id = db.session.scalar(select(Lesson.id).where(Lesson.title == title))
    return f"/capacitacion/modulos/{slug}/lecciones/{lesson_id}"


def audited(app, prefix: str) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.action.like(f"{prefix}%")).order_by(AuditEvent.id)
        return list(db.session.scalars(query))


def test_without_javascript_the_video_and_its_captions_travel_with_the_text(app, trainer, learner):
    saved = trainer.post(NEW_LESSON, data=lesson_form(video_file=(WEBM, "Bienvenida.webm"), captions=(VTT, "b.vtt")))
    assert saved.status_code == 302
    video = video_of(app)
    assert (video.file_name, video.kind, video.size, video.captions_name) == (
        "Bienvenida.webm",
        "webm",
        len(WEBM),
        "b.vtt",
    )

    page = learner.get(lesson_url(app)).get_data(as_text=True)
    assert '<video controls preload="metadata" playsinline>' in page
    assert f'<source src="/videos/{video.id}" type="video/webm">' in page
    track = re.search(r"<track [^>]*>", page).group(0)
    assert 'kind="captions"' in track and 'srclang="es"' in track and " default " in track
    assert f'src="/videos/{video.id}/subtitulos.vtt"' in track
    # The transcript is text on the page, under the video: the cues without their timings, in order.
    assert "Transcripción del video" in page and f"<p>{CAPTIONS_TEXT}</p>" in page
    assert "-->" not in page and "Léalo con calma." in page
    with learner.get(f"/videos/{video.id}/subtitulos.vtt") as captions:
        assert captions.status_code == 200 and captions.mimetype == "text/vtt"
        assert captions.get_data(as_text=True) == VTT.decode()
        assert captions.headers["X-Content-Type-Options"] == "nosniff"

    assert [event.action for event in audited(app, "content.video") + audited(app, "content.captions")] == [
        "content.video_uploaded",
        "content.video_added",
        "content.captions_uploaded",
    ]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (documents.HTML_PAGE, "bienvenida.webm", "«bienvenida.webm» no es un video MP4 ni WebM"),
        (documents.pdf(), "bienvenida.mp4", "«bienvenida.mp4» no es un video MP4 ni WebM"),
        (WEBM + b"\0" * (1024 * 1024), "largo.webm", "El video «largo.webm» supera el tamaño máximo de 1 MB."),
    ],
    ids=["html-named-webm", "pdf-named-mp4", "too-large"],
)
def test_a_refused_video_gives_the_text_back_and_stores_nothing(app, trainer, content, name, message):
    with app.app_context():
        store({"VIDEO_MAX_MB": 1})
        db.session.commit()
    before = (count(app, Lesson), count(app, LessonVideo))
    refused = post_in_memory(trainer, NEW_LESSON, lesson_form(video_file=(content, name)))
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert message in html and "Léalo con calma." in html and 'value="Reglamento interno"' in html
    assert (count(app, Lesson), count(app, LessonVideo)) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"1\n00:00:00.000 --> 00:00:01.000\nHola\n", "su primera línea debe ser «WEBVTT»"),
        ("WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nMisión\n".encode("latin-1"), "no están en UTF-8"),
        (b"WEBVTT\n\nNOTE sin nada\n", "no tiene ningún subtítulo con sus tiempos"),
        (b"WEBVTT\n\n" + b"00:00:00.000 --> 00:00:01.000\nHola\n\n" * 20_000, "superan el tamaño máximo de 512 KB"),
    ],
    ids=["no-signature", "latin-1", "no-cues", "too-large"],
)
def test_refused_captions_keep_the_text_and_the_video_waits(app, trainer, content, message):
    refused = post_in_memory(
        trainer, NEW_LESSON, lesson_form(video_file=(WEBM, "Bienvenida.webm"), captions=(content, "b.vtt"))
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and message in html and "Léalo con calma." in html
    # The accepted video waits for the save; nothing reaches the lesson.
    assert 'name="video_pendiente"' in html and count(app, Lesson) == count(app, Lesson)
    assert video_of(app) is None


def test_the_video_is_served_in_ranges_so_the_player_seeks(app, trainer, learner):
    trainer.post(NEW_LESSON, data=lesson_form(video_file=(WEBM, "a.webm"), captions=(VTT, "a.vtt")))
    video = video_of(app)
    with learner.get(f"/videos/{video.id}") as whole:
        assert whole.status_code == 200 and whole.data == WEBM and whole.mimetype == "video/webm"
        assert whole.headers["Accept-Ranges"] == "bytes" and whole.headers["X-Content-Type-Options"] == "nosniff"
    with learner.get(f"/videos/{video.id}", headers={"Range": "bytes=1000-1999"}) as part:
        assert part.status_code == 206 and part.data == WEBM[1000:2000]
        assert part.headers["Content-Range"] == f"bytes 1000-1999/{len(WEBM)}"
    with learner.get(f"/videos/{video.id}", headers={"Range": f"bytes={len(WEBM) - 10}-"}) as tail:
        assert tail.status_code == 206 and tail.data == WEBM[-10:]
        assert tail.headers["Content-Range"] == f"bytes {len(WEBM) - 10}-{len(WEBM) - 1}/{len(WEBM)}"


def test_behind_the_reverse_proxy_the_proxy_answers_the_ranges(make_app, make_user):
    app = make_app(MEDIA_ACCEL_REDIRECT="/_instance/")
    client = app.test_client()
    login(client, make_user(full_name="Rodrigo Soto", roles=(STAFF, TRAINER)).email)
    client.post(NEW_LESSON, data=lesson_form(video_file=(WEBM, "a.webm"), captions=(VTT, "a.vtt")))
    video = video_of(app)
    with client.get(f"/videos/{video.id}", headers={"Range": "bytes=1000-1999"}) as served:
        # The worker names the file; nginx reads the request's Range itself and answers 206.
        assert served.status_code == 200 and served.data == b"" and "Content-Range" not in served.headers
        assert served.headers["X-Accel-Redirect"] == f"/_instance/videos/{video.stored_name}"
        assert served.mimetype == "video/webm"


def test_publishing_a_module_whose_video_has_no_captions_is_refused(app, trainer):
    trainer.post("/capacitacion/modulos/nuevo", data={"slug": "bienvenida", "title": "Bienvenida", "summary": ""})
    new_lesson = "/capacitacion/modulos/bienvenida/lecciones/nueva"
    assert trainer.post(new_lesson, data=lesson_form(video_file=(WEBM, "a.webm"))).status_code == 302
    editor = trainer.get(editor_url(app, slug="bienvenida")).get_data(as_text=True)
    assert "sin subtítulos: súbalos para publicar" in editor

    refused = trainer.post(
        "/capacitacion/modulos/bienvenida/publicacion", data={"published": "1"}, follow_redirects=True
    )
    page = refused.get_data(as_text=True).replace("&#34;", '"')
    assert "El video de la lección «Reglamento interno» no tiene subtítulos: súbalos (archivo WebVTT, .vtt)" in page
    with app.app_context():
        assert db.session.scalar(select(Module.published).where(Module.slug == "bienvenida")) is False

    trainer.post(editor_url(app, slug="bienvenida"), data=lesson_form(captions=(VTT, "a.vtt")))
    trainer.post("/capacitacion/modulos/bienvenida/publicacion", data={"published": "1"})
    with app.app_context():
        assert db.session.scalar(select(Module.published).where(Module.slug == "bienvenida")) is True


def test_in_a_published_module_a_video_without_captions_is_not_saved_and_the_text_stays(app, trainer):
    typed = "Un párrafo escrito con cuidado que no se puede perder."
    refused = trainer.post(NEW_LESSON, data=lesson_form(body=typed, video_file=(WEBM, "a.webm")))
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and typed in html
    assert (
        "no tiene subtítulos" in html
        and "así que la lección no se guardó: elija los subtítulos y guárdela otra vez" in html
    )
    waiting = re.search(r'name="video_pendiente" value="(\d+)"', html).group(1)
    assert count(app, Lesson) == count(app, Lesson) and video_of(app) is None

    # The same form again, now with the captions: the video that waited is the lesson's.
    saved = trainer.post(
        NEW_LESSON, data={**lesson_form(body=typed, captions=(VTT, "a.vtt")), "video_pendiente": waiting}
    )
    assert saved.status_code == 302 and video_of(app).id == int(waiting) and video_of(app).captions_name == "a.vtt"


def test_the_trainers_transcript_replaces_the_captions_text(app, trainer, learner):
    trainer.post(NEW_LESSON, data=lesson_form(video_file=(WEBM, "a.webm"), captions=(VTT, "a.vtt")))
    edit = editor_url(app)
    trainer.post(edit, data={**lesson_form(), "transcript": "Primer párrafo.\r\n\r\nSegundo <b>párrafo</b>."})
    page = learner.get(lesson_url(app)).get_data(as_text=True)
    assert "<p>Primer párrafo.</p><p>Segundo &lt;b&gt;párrafo&lt;/b&gt;.</p>" in page
    assert "Nuestra misión es servir" not in page
    assert "Segundo &lt;b&gt;párrafo&lt;/b&gt;." in trainer.get(edit).get_data(as_text=True)
    assert [event.action for event in audited(app, "content.video_transcript")] == ["content.video_transcript_edited"]


def test_a_transcript_without_a_video_is_not_lost(app, trainer):
    refused = trainer.post(NEW_LESSON, data={**lesson_form(), "transcript": "Texto del video que no subí."})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "suba el video o deje este campo vacío" in html
    assert "Texto del video que no subí." in html


def test_new_captions_reach_learners_only_with_the_save(app, trainer, learner):
    trainer.post(NEW_LESSON, data=lesson_form(video_file=(WEBM, "a.webm"), captions=(VTT, "a.vtt")))
    first = video_of(app)
    edit = editor_url(app)
    better = b"WEBVTT\n\n00:00:00.000 --> 00:00:04.000\nSubt\xc3\xadtulos corregidos.\n"
    page = trainer.post(edit, data=lesson_form(action="upload", captions=(better, "corregidos.vtt")))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "corregidos.vtt" in html and "se mostrará al guardar" in html
    waiting = re.search(r'name="video_pendiente" value="(\d+)"', html).group(1)
    assert "Bienvenida a la" in learner.get(lesson_url(app)).get_data(as_text=True)  # not saved yet

    trainer.post(edit, data={**lesson_form(), "video_pendiente": waiting})
    now = video_of(app)
    assert now.id == int(waiting) and now.stored_name == first.stored_name and now.captions_name == "corregidos.vtt"
    lesson_page = learner.get(lesson_url(app)).get_data(as_text=True)
    assert "<p>Subtítulos corregidos.</p>" in lesson_page and "Video: un minuto o menos." in lesson_page
    changed = audited(app, "content.video_captions_changed")
    assert len(changed) == 1 and json.loads(changed[0].details)["changes"]["captions"] == {
        "before": "a.vtt",
        "after": "corregidos.vtt",
    }


def test_a_video_is_removed_with_its_captions_and_audited(app, trainer, learner):
    trainer.post(NEW_LESSON, data=lesson_form(video_file=(WEBM, "a.webm"), captions=(VTT, "a.vtt")))
    video = video_of(app)
    edit = editor_url(app)
    assert "Quitar el video y sus subtítulos" in trainer.get(edit).get_data(as_text=True)
    saved = trainer.post(edit, data={**lesson_form(), "quitar_video": str(video.id)})
    assert saved.status_code == 302 and video_of(app) is None
    assert "<video" not in learner.get(lesson_url(app)).get_data(as_text=True)
    assert fetch(learner, f"/videos/{video.id}").status_code == 404
    removed = audited(app, "content.video_removed")
    assert len(removed) == 1 and json.loads(removed[0].details)["file"] == "a.webm"


def test_deleting_a_lesson_warns_that_its_video_goes_with_it_for_good(app, trainer):
    trainer.post(NEW_LESSON, data=lesson_form(video_file=(WEBM, "a.webm"), captions=(VTT, "a.vtt")))
    confirm = trainer.get(editor_url(app) + "/eliminar").get_data(as_text=True)
    assert "se pierden su texto, sus versiones, sus documentos adjuntos y su video." in confirm


def test_a_video_of_an_unpublished_module_or_waiting_is_not_served(app, trainer, learner, client):
    answer = trainer.post(
        "/capacitacion/videos",
        data={"file": (io.BytesIO(WEBM), "borrador.webm")},
        headers={"Accept": "application/json"},
    )
    assert answer.status_code == 200 and answer.json["name"] == "borrador.webm" and answer.json["kind"] == "WEBM"
    video_id = answer.json["id"]
    assert fetch(learner, f"/videos/{video_id}").status_code == 404  # waiting for its lesson
    assert fetch(trainer, f"/videos/{video_id}").status_code == 404
    with app.app_context():
        db.session.get(Module, db.session.scalar(select(Module.id).where(Module.slug == SLUG))).published = False
        db.session.commit()
    saved = trainer.post(NEW_LESSON, data={**lesson_form(captions=(VTT, "a.vtt")), "video_pendiente": str(video_id)})
    assert saved.status_code == 302 and video_of(app).id == video_id
    for url in (f"/videos/{video_id}", f"/videos/{video_id}/subtitulos.vtt"):
        assert fetch(learner, url).status_code == 404
        assert fetch(trainer, url).status_code == 200
        assert fetch(client, url).status_code == 302  # anonymous: to the sign-in page
    wrong = trainer.post(
        "/capacitacion/videos",
        data={"file": (io.BytesIO(documents.pdf()), "a.mp4")},
        headers={"Accept": "application/json"},
    )
    assert wrong.status_code == 422 and "no es un video MP4 ni WebM" in wrong.json["error"]


def test_the_size_limit_is_an_administrators_setting(app, make_user):
    admin = app.test_client()
    login(admin, make_user(full_name="Marta Díaz", roles=(STAFF, "admin")).email)
    page = admin.get("/admin/configuracion").get_data(as_text=True)
    assert "Tamaño máximo del video de una lección" in page and 'name="video_max_mb"' in page and 'value="200"' in page


# --- Recognising videos and reading captions, without the app ---------------------------------------


def ftyp(major: bytes, *compatible: bytes) -> io.BytesIO:
    box = major + b"\0\0\2\0" + b"".join(compatible)
    return io.BytesIO((8 + len(box)).to_bytes(4, "big") + b"ftyp" + box + b"\0\0\0\x08free")


def ebml(doctype: bytes) -> io.BytesIO:
    body = b"\x42\x86\x81\x01" + b"\x42\x82" + bytes([0x80 | len(doctype)]) + doctype
    return io.BytesIO(b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(body)]) + body)


def test_videos_are_recognised_by_their_content():
    assert sniff_video(io.BytesIO(WEBM)) == "webm"
    assert sniff_video(ftyp(b"isom", b"isom", b"avc1")) == "mp4"
    assert sniff_video(ftyp(b"XAVC", b"mp42")) == "mp4"  # a camera's own brand, compatible with MP4
    assert sniff_video(ftyp(b"heic", b"mif1", b"heic")) is None  # a photo from a phone
    assert sniff_video(ftyp(b"qt  ")) is None
    assert sniff_video(ebml(b"webm")) == "webm"
    assert sniff_video(ebml(b"matroska")) is None
    assert sniff_video(io.BytesIO(b"\x1a\x45\xdf\xa3\xff")) is None
    assert sniff_video(io.BytesIO(documents.HTML_PAGE)) is None
    assert sniff_video(io.BytesIO(b"")) is None


class Upload:
    def __init__(self, content: bytes, filename: str = "s.vtt"):
        self.stream, self.filename = io.BytesIO(content), filename


def test_captions_are_checked_and_read_as_a_transcript():
    captions = read_captions(Upload(b"\xef\xbb\xbfWEBVTT - Lecci\xc3\xb3n\r\n\r\n00:01.000 --> 00:02.000\r\nHola\r\n"))
    assert captions.cues == 1 and captions.text.startswith("WEBVTT - Lección\n")
    with pytest.raises(RejectedUpload):
        read_captions(Upload(b"WEBVTTX\n\n00:01.000 --> 00:02.000\nHola\n"))
    text = (
        "WEBVTT\n\nSTYLE\n::cue { color: red }\n\n"
        "00:00:00.000 --> 00:00:02.000 align:start\n- <v Ana>Buenos días.</v>\n\n"
        "00:00:02.000 --> 00:00:03.000\n- <v Ana>Buenos días.</v>\n\n"
        "intro\n00:00:03.000 --> 00:00:04.500\nLa misión <b>de todos</b>\ncontinúa.\n\n"
        "00:00:08.000 --> 00:00:09.000\nDespués de una pausa &lt;larga&gt;.\n\n"
        "no es un tiempo\nTexto suelto\n"
    )
    assert [cue.text for cue in parse_cues(text)] == [
        "- Buenos días.",
        "- Buenos días.",
        "La misión de todos continúa.",
        "Después de una pausa <larga>.",
    ]
    assert transcript_paragraphs(text) == [
        "- Buenos días. La misión de todos continúa.",
        "Después de una pausa <larga>.",
    ]
    assert transcript_paragraphs(text, "Escrita\n a mano.\n\n\nOtra.") == ["Escrita a mano.", "Otra."]
    assert transcript_paragraphs(None) == []


def test_no_video_row_is_left_behind_by_a_refused_upload(app, trainer):
    trainer.post(
        "/capacitacion/videos", data={"file": (io.BytesIO(b"GIF89a"), "a.webm")}, headers={"Accept": "application/json"}
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LessonVideo)) == 0


def test_the_lesson_says_how_long_its_video_runs_as_its_captions_tell(app, trainer, learner):
    """Beside the reading time, the video's length: the end of its last caption, rounded up to minutes."""
    long_captions = b"WEBVTT\n\n00:00:00.000 --> 00:00:04.000\nHola.\n\n00:02:10.000 --> 00:02:30.500\nChao.\n"
    trainer.post(NEW_LESSON, data=lesson_form(video_file=(WEBM, "a.webm"), captions=(long_captions, "a.vtt")))
    page = learner.get(lesson_url(app)).get_data(as_text=True)
    assert "Lectura estimada: 1 minuto." in page and "Video: unos 3 minutos." in page
    # The trainers' preview says the same: "así verán este módulo las personas".
    number = re.search(r"/lecciones/(\d+)$", lesson_url(app)).group(1)
    preview = trainer.get(f"/capacitacion/modulos/{SLUG}/vista-previa/lecciones/{number}").get_data(as_text=True)
    assert reading_line(preview) == reading_line(page)


def test_a_video_of_a_minute_reads_a_minute_or_less(app, trainer, learner):
    minute = b"WEBVTT\n\n00:00:00.000 --> 00:01:00.000\nUn minuto justo.\n"
    trainer.post(NEW_LESSON, data=lesson_form(video_file=(WEBM, "a.webm"), captions=(minute, "a.vtt")))
    assert "Video: un minuto o menos." in reading_line(learner.get(lesson_url(app)).get_data(as_text=True))


def reading_line(page: str) -> str:
    """The page's line of reading (and video) time."""
    return re.search(r'<p class="meta">Lectura estimada.*?</p>', page, re.S).group(0)


def test_the_module_page_adds_up_how_long_its_lessons_videos_run(app, trainer, learner):
    """Beside the module's reading time, its videos' length: one says it as the lesson does, several in
    total (seconds added before rounding up); a lesson in the Papelera no longer counts."""
    module_url = f"/modulos/{SLUG}"
    assert "Video" not in learner.get(module_url).get_data(as_text=True).split("Lecciones</h2>")[0]
    long_captions = b"WEBVTT\n\n00:00:00.000 --> 00:00:04.000\nHola.\n\n00:02:10.000 --> 00:02:30.500\nChao.\n"
    trainer.post(NEW_LESSON, data=lesson_form(video_file=(WEBM, "a.webm"), captions=(long_captions, "a.vtt")))
    assert "Video: unos 3 minutos." in learner.get(module_url).get_data(as_text=True)
    short_captions = b"WEBVTT\n\n00:00:00.000 --> 00:00:40.000\nHola otra vez.\n"
    trainer.post(
        NEW_LESSON,
        data=lesson_form(title="Segunda lección", video_file=(WEBM, "b.webm"), captions=(short_captions, "b.vtt")),
    )
    page = learner.get(module_url).get_data(as_text=True)
    assert "Los 2 videos del módulo duran unos 4 minutos en total." in page  # 150.5 s + 40 s = 3.2 minutes
    preview = trainer.get(f"/capacitacion/modulos/{SLUG}/vista-previa").get_data(as_text=True)
    assert reading_line(preview) == reading_line(page)
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).where(Lesson.title == "Reglamento interno"))
        move_to_trash(lesson, None)
        db.session.commit()
    assert "Video: un minuto o menos." in learner.get(module_url).get_data(as_text=True)


def test_a_lesson_with_a_video_and_documents_shows_each_once_in_order(app, trainer, learner):
    minute = b"WEBVTT\n\n00:00:00.000 --> 00:00:30.000\nHola.\n"
    trainer.post(NEW_LESSON, data=lesson_form(video_file=(WEBM, "a.webm"), captions=(minute, "a.vtt")))
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).where(Lesson.title == "Reglamento interno"))
        for name in ("Segundo anexo.pdf", "Primer anexo.pdf"):  # ids in this order: the page's order
            db.session.add(
                LessonAttachment(
                    lesson_id=lesson.id, file_name=name, stored_name=f"{len(name):032x}.pdf", kind="pdf", size=2048
                )
            )
        db.session.commit()
        video_id = lesson.video.id
    with app.test_request_context():
        video_url = url_for("learning.video", video_id=video_id)
    page = learner.get(lesson_url(app)).get_data(as_text=True)
    assert page.count(f'<source src="{video_url}"') == 1 and page.count("<p>Hola.</p>") == 1
    documents = re.findall(r'download>([^<]+)</a>\s*<span class="meta">Documento PDF · 2 KB', page)
    assert documents == ["Segundo anexo.pdf", "Primer anexo.pdf"], documents


def test_the_preview_says_nothing_of_a_video_without_captions_yet(app, trainer):
    """Its length is unknown until its captions come (an unpublished module may wait for them): the
    preview does not guess, as the lesson page would not."""
    trainer.post("/capacitacion/modulos/nuevo", data={"slug": "bienvenida", "title": "Bienvenida", "summary": ""})
    new_lesson = "/capacitacion/modulos/bienvenida/lecciones/nueva"
    assert trainer.post(new_lesson, data=lesson_form(video_file=(WEBM, "a.webm"))).status_code == 302
    module = trainer.get("/capacitacion/modulos/bienvenida/vista-previa").get_data(as_text=True)
    lesson = trainer.get("/capacitacion/modulos/bienvenida/vista-previa/lecciones/1").get_data(as_text=True)
    assert "<video " in lesson
    assert "Video" not in reading_line(module) and "Video" not in reading_line(lesson)
