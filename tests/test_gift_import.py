"""Importing Moodle GIFT question files into a module's draft quiz, as a trainer would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models.audit import AuditEvent
from portal.models.curriculum import Module
from portal.quizzes.drafts import draft_of, publish_draft
from portal.quizzes.gift import GiftImportError, import_gift, parse_gift
from portal.quizzes.revisions import latest_revision, question_problems

DATA = Path(__file__).parent / "data" / "gift"
TOTAL_IN_EVERYTHING_FILE = 14


def read(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def true_false(truth: bool) -> list[dict]:
    return [{"text": "Verdadero", "correct": truth}, {"text": "Falso", "correct": not truth}]


def choices(*texts: str, right: set[int]) -> list[dict]:
    return [{"text": text, "correct": index in right} for index, text in enumerate(texts)]


def assert_messages(actual: list[tuple[int, str]], expected: list[tuple[int, str]]) -> None:
    """Same lines, in order, each message containing the expected fragment."""
    assert [line for line, _message in actual] == [line for line, _fragment in expected], actual
    for (line, message), (_line, fragment) in zip(actual, expected, strict=True):
        assert fragment in message, (line, message)


def test_every_supported_construct_becomes_the_expected_question():
    report = parse_gift(read("todo.gift"))

    assert report.errors == []
    assert report.questions == [
        {
            "kind": "single",
            "prompt": "¿Qué ley regula el acceso a la información pública en Chile?",
            "explanation": "Correcto: es la Ley de Transparencia.",
            "choices": choices("La Ley N° 20.285", "La Ley N° 19.880", "La Ley N° 18.695", right={0}),
        },
        {
            "kind": "multiple",
            "prompt": "¿Qué información debe publicar el municipio en transparencia activa?",
            "explanation": "La transparencia activa se refiere a información del propio municipio.",
            "choices": choices(
                "Su estructura orgánica",
                "Las remuneraciones de su personal",
                "Las declaraciones de impuestos de los vecinos",
                right={0, 1},
            ),
        },
        {
            "kind": "multiple",
            "prompt": "Según la Ley de Transparencia,\n¿cuáles son principios del derecho de acceso a la información?",
            "explanation": "",
            "choices": choices("Máxima divulgación", "Gratuidad", "Oportunidad", "Secreto", right={0, 1, 2}),
        },
        {
            "kind": "single",
            "prompt": "¿Cuál es el plazo para responder una solicitud de acceso a la información?",
            "explanation": "",
            "choices": choices("20 días hábiles", "5 días hábiles", "6 meses", right={0}),
        },
        {
            "kind": "single",
            "prompt": "Si un funcionario conoce un hecho irregular, ¿qué debe hacer?",
            "explanation": "",
            "choices": choices(
                "Denunciarlo ante la autoridad competente",
                "Comentarlo con su jefatura",
                "Guardar silencio",
                right={0},
            ),
        },
        {
            "kind": "true_false",
            "prompt": "El principio de probidad exige un desempeño honesto y leal de la función pública.",
            "explanation": "",
            "choices": true_false(True),
        },
        {
            "kind": "true_false",
            "prompt": "Un funcionario puede aceptar regalos de quienes tienen trámites pendientes en el municipio.",
            "explanation": "Así es: la ley lo prohíbe.",
            "choices": true_false(False),
        },
        {
            "kind": "true_false",
            "prompt": "La Ley del Lobby obliga a registrar las audiencias con gestores de intereses.",
            "explanation": "Las audiencias se publican en la plataforma de la Ley del Lobby.",
            "choices": true_false(True),
        },
        {
            "kind": "true_false",
            "prompt": "Para pedir información pública, el vecino debe explicar para qué la quiere.",
            "explanation": "La ley no exige expresar la causa de la solicitud.",
            "choices": true_false(False),
        },
        {
            "kind": "single",
            "prompt": "La entidad que vela por el cumplimiento de la Ley de Transparencia es el _____ (CPLT).",
            "explanation": "",
            "choices": choices(
                "Consejo para la Transparencia",
                "Contralor Municipal",
                "Concejo Municipal",
                right={0},
            ),
        },
        {
            "kind": "single",
            "prompt": "En una plantilla, ¿cómo se muestra {nombre} y el signo = ?\nResponda con cuidado.",
            "explanation": "",
            "choices": choices(
                "Con una barra invertida \\ antes",
                "Nada ~ se muestran solos",
                "Con un numeral # antes",
                right={0},
            ),
        },
        {
            "kind": "true_false",
            "prompt": "**Negrita**: la probidad es un deber de **todo** funcionario municipal.",
            "explanation": "",
            "choices": true_false(True),
        },
        {
            "kind": "single",
            "prompt": "Hola mundo: ¿cuál de estas conductas es correcta?",
            "explanation": "",
            "choices": choices(
                "Declarar los conflictos de interés",
                "Usar vehículos & bienes municipales para fines personales",
                right={0},
            ),
        },
        {
            "kind": "true_false",
            "prompt": "La rendición de cuentas es parte del compromiso municipal.",
            "explanation": "",
            "choices": true_false(True),
        },
    ]
    assert len(report.questions) == TOTAL_IN_EVERYTHING_FILE
    assert report.skipped == [
        (59, "«Capital» (respuesta corta)"),
        (61, "«Emparejar» (emparejamiento)"),
        (63, "«Año» (numérica)"),
        (65, "«Opinión» (ensayo, de respuesta abierta)"),
        (67, "selección única con varias respuestas correctas «Dos correctas»"),
    ]
    assert_messages(
        report.notices,
        [
            (3, "Se ignoró la categoría «$course$/Inducción/Valores»"),
            (
                6,
                "«Ley de Transparencia»: el portal no muestra comentarios por alternativa; se descartaron 2",
            ),
            (
                31,
                "«Comentarlo con su jefatura» daba crédito parcial (50 %); se importó como incorrecta",
            ),
            (37, "«Regalos»: el portal no muestra comentarios por alternativa; se descartó 1"),
            (51, "«Markdown»: el texto Markdown se importó tal cual"),
            (53, "«HTML»: el texto HTML se convirtió a texto simple"),
        ],
    )
    for question in report.questions:
        assert question_problems(question) == [], question


def test_moodle_documentation_examples_are_imported_or_listed_as_skipped():
    report = parse_gift(read("moodle_docs.gift"))

    assert report.errors == []
    assert [(question["kind"], question["prompt"]) for question in report.questions] == [
        ("true_false", "1+1=2"),
        ("single", "What's between orange and green in the spectrum?"),
        ("multiple", "Who's buried in Grant's tomb?"),
        ("true_false", "Grant is buried in Grant's tomb."),
        ("single", "Mahatma Gandhi's birthday is an Indian holiday on _____ of October."),
        ("single", "Grant is _____ in Grant's tomb."),
    ]
    spectrum, tomb, grant_false = report.questions[1], report.questions[2], report.questions[3]
    assert spectrum["choices"] == choices("yellow", "red", "blue", right={0})
    assert spectrum["explanation"] == "right; good!"
    assert tomb["choices"] == choices("Grant", "Grant's wife", "Grant's father", "Ulysses", right={1, 2})
    assert grant_false["choices"] == true_false(False)
    assert grant_false["explanation"] == "No, he's buried in Grant's tomb."
    assert report.questions[4]["choices"] == choices("15th", "3rd", "2nd", right={2})
    assert report.skipped == [
        (11, "«Q3» (respuesta corta)"),
        (14, "«Q4» (emparejamiento)"),
        (17, "«Q5» (numérica)"),
        (20, "«Q6» (numérica)"),
        (24, "«Q7» (numérica)"),
        (30, "«Q8» (ensayo, de respuesta abierta)"),
        (40, "«Who's buried in Grant's tomb?» (respuesta corta)"),
        (42, "«When was Ulysses S. Grant born?» (numérica)"),
        (44, "«Match the following countries with their corresponding capi…» (emparejamiento)"),
    ]
    assert_messages(report.notices, [(7, "«Q2»: el portal no muestra comentarios por alternativa")])
    for question in report.questions:
        assert question_problems(question) == [], question


def test_syntax_errors_are_each_reported_on_their_line():
    report = parse_gift(read("errores.gift"))

    assert_messages(
        report.errors,
        [
            (2, "Falta la llave de cierre «}»"),
            (4, "llave de cierre «}» sin su llave de apertura"),
            (6, "no tiene respuestas"),
            (9, "El peso de la alternativa «%abc%Primera» está mal escrito"),
            (11, "Hay una alternativa sin texto."),
            (13, "verdadero o falso lleva solo T, TRUE, F o FALSE entre llaves; sobra «F»"),
            (16, "más de un bloque de respuestas. ¿Falta una línea en blanco"),
            (18, "Ninguna alternativa es correcta"),
            (20, "El nombre de la pregunta empieza con «::» pero no termina con «::»"),
            (22, "El peso 150 % está fuera del rango"),
            (24, "No se reconocen las respuestas «Santiago»"),
            (26, "Se abre una llave «{» dentro del bloque de respuestas"),
        ],
    )


@pytest.mark.parametrize(
    "text,kind,choice_list",
    [
        ("¿Es obligatoria la probidad? {true}", "true_false", true_false(True)),
        ("¿Es opcional la probidad? {False}", "true_false", true_false(False)),
        ("¿Cuáles? {~%50%a ~%25%b ~c}", "multiple", choices("a", "b", "c", right={0, 1})),
        ("¿Cuál? {~%100%a ~%-33,3%b}", "single", choices("a", "b", right={0})),
        ("¿Cuál?\n{\n=a\n~b\n}", "single", choices("a", "b", right={0})),
    ],
)
def test_answer_markers_and_weights_map_to_the_portal_kinds(text, kind, choice_list):
    report = parse_gift(text)
    assert report.errors == []
    assert [(question["kind"], question["choices"]) for question in report.questions] == [(kind, choice_list)]


def test_weights_that_do_not_add_up_to_100_are_pointed_out():
    report = parse_gift("::Pesos:: ¿Cuáles? {~%50%a ~%25%b ~c}")
    assert_messages(report.notices, [(1, "«Pesos»: los pesos positivos suman 75 %, no 100 %")])


def test_windows_line_endings_and_byte_order_mark_are_accepted():
    report = parse_gift("\ufeff// comentario\r\n::Uno:: ¿Sí?\r\n{=sí ~no}\r\n\r\n::Dos:: Cierto {T}\r\n")
    assert report.errors == []
    assert [question["prompt"] for question in report.questions] == ["¿Sí?", "Cierto"]


def test_html_answers_and_feedback_become_plain_text():
    report = parse_gift("::H:: ¿Cuál? {=[html]<b>Uno</b> &lt;1&gt;#[html]<p>Bien <i>hecho</i></p> ~dos}")
    assert report.questions[0]["choices"] == choices("Uno <1>", "dos", right={0})
    assert report.questions[0]["explanation"] == "Bien hecho"
    assert_messages(report.notices, [(1, "«H»: el texto HTML se convirtió a texto simple")])


def test_a_file_without_questions_is_an_error():
    assert parse_gift("// solo un comentario\n\n$CATEGORY: algo\n").errors == [(1, "El archivo no contiene preguntas.")]


# --- The import service ----------------------------------------------------------------------


def module_by_slug(slug: str) -> Module:
    return db.session.scalar(select(Module).where(Module.slug == slug))


def gift_events() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "quiz.gift_imported")))


def test_a_file_with_errors_imports_nothing(app):
    with app.app_context():
        module = module_by_slug("transparencia")
        before = draft_of(module.quiz)
        stored = module.quiz.draft
        with pytest.raises(GiftImportError) as raised:
            import_gift(module, read("errores.gift"), actor_id=None, via="cli", dry_run=False)
        assert len(raised.value.report.errors) == 12
        assert "línea 2:" in str(raised.value)
        db.session.rollback()
        module = module_by_slug("transparencia")
        assert module.quiz.draft == stored
        assert draft_of(module.quiz) == before
        assert gift_events() == []


def test_a_module_without_a_quiz_gets_one_holding_the_imported_questions(app):
    with app.app_context():
        module = Module(slug="nuevo", title="Módulo nuevo", position=99)
        db.session.add(module)
        db.session.flush()
        report = import_gift(module, read("moodle_docs.gift"), actor_id=None, via="web", dry_run=False)
        db.session.commit()
        module = module_by_slug("nuevo")
        assert latest_revision(module.quiz.id) is None
        assert draft_of(module.quiz)["questions"] == report.questions
        assert len(report.questions) == 6
        # The trainer can publish the imported questions as they are.
        revision = publish_draft(module.quiz, actor_id=None)
        db.session.commit()
        assert len(revision.questions) == 6
        [event] = gift_events()
        assert json.loads(event.details) == {
            "module": "nuevo",
            "questions": 6,
            "skipped": 9,
            "via": "web",
        }


# --- The command line ------------------------------------------------------------------------


def published_questions(quiz) -> tuple[int, list[str]]:
    revision = latest_revision(quiz.id)
    return revision.number, [question.prompt for question in revision.questions]


def test_cli_imports_into_the_draft_and_leaves_the_published_revision_alone(app, runner):
    with app.app_context():
        quiz = module_by_slug("compromiso").quiz
        published_before = published_questions(quiz)
        original = draft_of(quiz)["questions"]
        assert original

    result = runner.invoke(args=["quizzes", "import-gift", str(DATA / "todo.gift"), "--module", "compromiso"])

    assert result.exit_code == 0, result.output
    assert f"Se importaron {TOTAL_IN_EVERYTHING_FILE} preguntas al borrador" in result.output
    assert "Se omitieron 5 preguntas" in result.output
    assert "línea 59: «Capital» (respuesta corta)" in result.output
    assert "línea 67: selección única con varias respuestas correctas" in result.output
    assert "línea 3: Se ignoró la categoría" in result.output
    assert "línea 53: «HTML»: el texto HTML se convirtió a texto simple." in result.output
    with app.app_context():
        quiz = module_by_slug("compromiso").quiz
        assert published_questions(quiz) == published_before
        assert draft_of(quiz)["questions"] == original + parse_gift(read("todo.gift")).questions
        [event] = gift_events()
        assert event.actor_id is None
        assert json.loads(event.details) == {
            "module": "compromiso",
            "questions": TOTAL_IN_EVERYTHING_FILE,
            "skipped": 5,
            "via": "cli",
        }


def test_cli_dry_run_reports_but_writes_nothing(app, runner):
    with app.app_context():
        stored = module_by_slug("compromiso").quiz.draft
        events = db.session.scalar(select(func.count(AuditEvent.id)))

    result = runner.invoke(
        args=[
            "quizzes",
            "import-gift",
            str(DATA / "todo.gift"),
            "--module",
            "compromiso",
            "--dry-run",
        ]
    )

    assert result.exit_code == 0, result.output
    assert f"Se importarían {TOTAL_IN_EVERYTHING_FILE} preguntas" in result.output
    assert "línea 59: «Capital» (respuesta corta)" in result.output
    assert "no se guardó nada" in result.output
    with app.app_context():
        assert module_by_slug("compromiso").quiz.draft == stored
        assert db.session.scalar(select(func.count(AuditEvent.id))) == events


def test_cli_lists_every_error_by_line_and_stores_nothing(app, runner):
    with app.app_context():
        stored = module_by_slug("compromiso").quiz.draft

    result = runner.invoke(args=["quizzes", "import-gift", str(DATA / "errores.gift"), "--module", "compromiso"])

    assert result.exit_code != 0
    assert "no se importó nada" in result.output
    for line in (2, 4, 6, 9, 11, 13, 16, 18, 20, 22, 24, 26):
        assert f"línea {line}: " in result.output
    with app.app_context():
        assert module_by_slug("compromiso").quiz.draft == stored
        assert gift_events() == []


def test_cli_refuses_an_unknown_module(app, runner):
    result = runner.invoke(args=["quizzes", "import-gift", str(DATA / "todo.gift"), "--module", "no-existe"])
    assert result.exit_code != 0
    assert "No existe un módulo con el identificador «no-existe»" in result.output


def test_cli_refuses_files_it_cannot_read_as_utf8(app, runner, tmp_path):
    latin1 = tmp_path / "latin1.gift"
    latin1.write_bytes("// comentario\n¿Probidad? {T}\n".encode("latin-1"))
    result = runner.invoke(args=["quizzes", "import-gift", str(latin1), "--module", "compromiso"])
    assert result.exit_code != 0 and "no está en UTF-8 (línea 2)" in result.output

    missing = runner.invoke(args=["quizzes", "import-gift", str(tmp_path / "no-hay.gift"), "--module", "compromiso"])
    assert missing.exit_code != 0 and "No existe el archivo" in missing.output

    folder = runner.invoke(args=["quizzes", "import-gift", str(tmp_path), "--module", "compromiso"])
    assert folder.exit_code != 0 and "es una carpeta" in folder.output
    with app.app_context():
        assert gift_events() == []


def test_cli_accepts_utf8_with_a_byte_order_mark(app, runner, tmp_path):
    with_bom = tmp_path / "bom.gift"
    with_bom.write_bytes("::Probidad:: ¿La probidad es un deber? {T}\r\n".encode("utf-8-sig"))
    result = runner.invoke(args=["quizzes", "import-gift", str(with_bom), "--module", "inclusion"])
    assert result.exit_code == 0, result.output
    assert "Se importó 1 pregunta al borrador" in result.output
    with app.app_context():
        last = draft_of(module_by_slug("inclusion").quiz)["questions"][-1]
        assert last == {
            "kind": "true_false",
            "prompt": "¿La probidad es un deber?",
            "explanation": "",
            "choices": true_false(True),
        }
