"""The learner's pages cost a fixed number of SQL queries, however much there is."""

from portal.extensions import db
from portal.quizzes.exchange import import_module
from tests.helpers import SLUGS, answers_for, complete_module, counting_queries, start_quiz


def queries_for(app, client, url):
    with counting_queries(app) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def extra_module(number):
    return {
        "slug": f"extra-{number}",
        "title": f"Módulo extra {number}",
        "summary": "Para medir.",
        "lessons": [{"title": f"Página {i}", "body_md": "Texto."} for i in range(3)],
        "quiz": {
            "pass_mark": 80,
            "questions": [
                {
                    "kind": "true_false",
                    "prompt": "¿Sí?",
                    "explanation": "Porque sí.",
                    "choices": [{"text": "Verdadero", "correct": True}, {"text": "Falso", "correct": False}],
                }
            ],
        },
    }


def test_dashboard_query_count_does_not_grow(app, client, login_as):
    login_as()
    baseline = queries_for(app, client, "/")

    complete_module(client, app, SLUGS[0])
    for _ in range(3):  # several attempts at the next quiz
        attempt_id = start_quiz(client, SLUGS[1])
        client.post(f"/modulos/{SLUGS[1]}/quiz/intentos/{attempt_id}", data=answers_for(app, attempt_id, right=False))
    with app.app_context():
        for number in range(10):
            import_module(extra_module(number))
        db.session.commit()
    grown = queries_for(app, client, "/")
    assert grown == baseline, (baseline, grown)
    assert baseline <= 8


def test_lesson_and_module_pages_have_fixed_query_counts(app, client, login_as):
    login_as()
    module_before = queries_for(app, client, f"/modulos/{SLUGS[0]}")
    lesson_before = queries_for(app, client, f"/modulos/{SLUGS[0]}/lecciones/1")
    complete_module(client, app, SLUGS[0])
    with app.app_context():
        for number in range(5):
            import_module(extra_module(number))
        db.session.commit()
    assert queries_for(app, client, f"/modulos/{SLUGS[0]}") == module_before
    assert queries_for(app, client, f"/modulos/{SLUGS[0]}/lecciones/1") == lesson_before


def module_with_questions(slug, count):
    module = extra_module(slug)
    module["slug"] = slug
    question = module["quiz"]["questions"][0]
    module["quiz"]["questions"] = [dict(question, prompt=f"¿Pregunta {number}?") for number in range(count)]
    return module


def test_quiz_pages_cost_the_same_for_two_questions_or_twenty(app, client, login_as):
    """The editor, its preview, the export and the statistics load every question's choices at once."""
    login_as("staff", "trainer")
    with app.app_context():
        import_module(module_with_questions("pocas", 2))
        import_module(module_with_questions("muchas", 20))
        db.session.commit()
    for page in ("cuestionario", "vista-previa/cuestionario", "exportar", "estadisticas", "versiones"):
        few = queries_for(app, client, f"/capacitacion/modulos/pocas/{page}")
        many = queries_for(app, client, f"/capacitacion/modulos/muchas/{page}")
        assert few == many, (page, few, many)
