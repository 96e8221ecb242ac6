"""Results can be trusted: graded on the server, once, on the revision the attempt started on."""

import re
import threading

import pytest
from sqlalchemy import event, func, select, update

from portal.extensions import db
from portal.models.curriculum import Module
from portal.models.quiz import Attempt, AttemptAnswer, QuizRevision
from portal.quizzes import service as quiz_service
from portal.quizzes.exchange import export_module
from portal.quizzes.forms import quiz_form_for
from portal.quizzes.revisions import publish_revision
from tests.conftest import login
from tests.helpers import SLUGS, answers_for, start_quiz

SLUG = SLUGS[0]


def test_fifty_simultaneous_submissions_grade_once(app, make_user):
    person = make_user()
    first = app.test_client()
    login(first, person.email)
    attempt_id = start_quiz(first, SLUG)
    answers = answers_for(app, attempt_id)
    cookie = first.get_cookie("portal_session").value

    workers = 50
    barrier = threading.Barrier(workers)
    statuses: list[int] = []
    bodies: list[str] = []
    lock = threading.Lock()

    def submit():
        browser = app.test_client()
        browser.set_cookie("portal_session", cookie)
        barrier.wait()
        response = browser.post(f"/modulos/{SLUG}/quiz/intentos/{attempt_id}", data=answers)
        with lock:
            statuses.append(response.status_code)
            bodies.append(response.get_data(as_text=True))

    threads = [threading.Thread(target=submit) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(statuses) == workers
    assert set(statuses) == {302}, [body[:300] for body, status in zip(bodies, statuses, strict=True) if status != 302][
        :2
    ]
    with app.app_context():
        attempts = list(db.session.scalars(select(Attempt).where(Attempt.user_id == person.id)))
        assert len(attempts) == 1 and attempts[0].passed and attempts[0].score == 100
        chosen = db.session.scalar(
            select(func.count()).select_from(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id)
        )
        assert chosen == sum(len(ids) for ids in answers.values())


def test_a_submission_takes_sqlites_write_lock_only_to_write(app, client, login_as):
    """Reading the attempt and grading it run without the write lock, so other people's sign-ins,
    lesson views and submissions do not queue behind them: the lock covers the conditional UPDATE
    and the inserts alone."""
    login_as()
    attempt_id = start_quiz(client, SLUG)
    answers = answers_for(app, attempt_id)
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock; PostgreSQL locks the row it updates")
    seen: list[str] = []

    def statement(_connection, _cursor, sql, *_rest):
        seen.append(" ".join(sql.split()[:2]).upper() if sql.startswith("BEGIN") else sql.split()[0].upper())

    def commit(_connection):
        seen.append("COMMIT")

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        response = client.post(f"/modulos/{SLUG}/quiz/intentos/{attempt_id}", data=answers)
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)
    assert response.status_code == 302
    locked = seen[seen.index("BEGIN IMMEDIATE") + 1 : seen.index("COMMIT", seen.index("BEGIN IMMEDIATE"))]
    assert seen.count("BEGIN IMMEDIATE") == 1 and "SELECT" in seen[: seen.index("BEGIN IMMEDIATE")]
    assert locked and set(locked) <= {"UPDATE", "INSERT"}, seen
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.passed and attempt.score == 100


def test_a_submitted_attempt_is_final(app, client, login_as):
    login_as()
    attempt_id = start_quiz(client, SLUG)
    url = f"/modulos/{SLUG}/quiz/intentos/{attempt_id}"
    client.post(url, data=answers_for(app, attempt_id, right=False))
    again = client.post(url, data=answers_for(app, attempt_id, right=True))
    assert again.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "No aprobado" in page and "Puntaje: 0 %" in page


def test_the_client_cannot_set_a_score(app, client, login_as):
    login_as()
    attempt_id = start_quiz(client, SLUG)
    data = {**answers_for(app, attempt_id, right=False), "score": "100", "passed": "1", "correct_count": "9"}
    client.post(f"/modulos/{SLUG}/quiz/intentos/{attempt_id}", data=data)
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert (attempt.score, attempt.passed) == (0, False)


def test_answers_to_questions_outside_the_attempt_are_rejected(app, client, login_as):
    login_as()
    attempt_id = start_quiz(client, SLUG)
    data = {**answers_for(app, attempt_id), "q999999": "1"}
    response = client.post(f"/modulos/{SLUG}/quiz/intentos/{attempt_id}", data=data)
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).submitted_at is None


def test_a_choice_from_another_question_is_not_accepted(app, client, login_as):
    login_as()
    attempt_id = start_quiz(client, SLUG)
    data = answers_for(app, attempt_id)
    keys = list(data)
    data[keys[0]] = data[keys[1]]  # the first question answered with the second one's choice
    response = client.post(f"/modulos/{SLUG}/quiz/intentos/{attempt_id}", data=data)
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).submitted_at is None


def test_another_persons_attempt_is_not_found(app, make_user):
    owner, intruder = make_user(), make_user()
    owner_client, intruder_client = app.test_client(), app.test_client()
    login(owner_client, owner.email)
    login(intruder_client, intruder.email)
    attempt_id = start_quiz(owner_client, SLUG)
    url = f"/modulos/{SLUG}/quiz/intentos/{attempt_id}"
    owner_client.post(url, data=answers_for(app, attempt_id))
    assert owner_client.get(url).status_code == 200
    assert intruder_client.get(url).status_code == 404
    open_id = start_quiz(owner_client, SLUG)
    assert (
        intruder_client.post(f"/modulos/{SLUG}/quiz/intentos/{open_id}", data=answers_for(app, open_id)).status_code
        == 404
    )
    with app.app_context():
        assert db.session.get(Attempt, open_id).submitted_at is None


def test_starting_twice_keeps_one_open_attempt(app, client, login_as):
    person = login_as()
    first = start_quiz(client, SLUG)
    second = start_quiz(client, SLUG)
    assert first == second
    with app.app_context():
        assert db.session.scalar(select(func.count(Attempt.id)).where(Attempt.user_id == person.id)) == 1


def test_choices_are_shuffled_per_attempt(app, make_user):
    orders = set()
    for _ in range(6):
        person = make_user()
        browser = app.test_client()
        login(browser, person.email)
        attempt_id = start_quiz(browser, SLUG)
        with app.app_context():
            attempt = db.session.get(Attempt, attempt_id)
            orders.add(tuple(item.choice_order for item in attempt.questions))
    assert len(orders) > 1


def test_editing_a_quiz_never_changes_a_past_result(app, client, login_as):
    login_as()
    attempt_id = start_quiz(client, SLUG)
    answers = answers_for(app, attempt_id, wrong_questions=1)
    client.post(f"/modulos/{SLUG}/quiz/intentos/{attempt_id}", data=answers)
    url = f"/modulos/{SLUG}/quiz/intentos/{attempt_id}"
    before = client.get(url).get_data(as_text=True)

    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == SLUG))
        data = export_module(module)
        # The curriculum draws a pool: the page shows the questions this attempt drew.
        old_prompt = db.session.get(Attempt, attempt_id).questions[0].question.prompt
        for question in data["quiz"]["questions"]:
            question["prompt"] = "Reformulada: " + question["prompt"]
            for choice in question["choices"]:
                choice["correct"] = not choice["correct"] if question["kind"] == "true_false" else choice["correct"]
        publish_revision(module.quiz, 100, data["quiz"]["questions"])
        db.session.commit()
        attempt = db.session.get(Attempt, attempt_id)
        score, passed = attempt.score, attempt.passed

    after = client.get(url).get_data(as_text=True)
    assert after.split("<h1>")[1] == before.split("<h1>")[1]
    assert old_prompt in after and "Reformulada:" not in after
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert (attempt.score, attempt.passed) == (score, passed)

    new_attempt = start_quiz(client, SLUG)
    assert new_attempt != attempt_id
    page = client.get(f"/modulos/{SLUG}/quiz").get_data(as_text=True)
    assert "Reformulada:" in page and "al menos el 100 %" in page


def test_an_open_attempt_finishes_on_the_revision_it_started_on(app, client, login_as):
    login_as()
    attempt_id = start_quiz(client, SLUG)
    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == SLUG))
        data = export_module(module)
        for question in data["quiz"]["questions"]:
            question["prompt"] = "Nueva versión: " + question["prompt"]
        publish_revision(module.quiz, 80, data["quiz"]["questions"])
        db.session.commit()
    page = client.get(f"/modulos/{SLUG}/quiz").get_data(as_text=True)
    assert "Nueva versión:" not in page
    response = client.post(f"/modulos/{SLUG}/quiz/intentos/{attempt_id}", data=answers_for(app, attempt_id))
    assert response.status_code == 302
    assert "Aprobado" in client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("kind", ["radio", "checkbox"])
def test_quiz_renders_single_and_multiple_choice_inputs(app, client, login_as, kind):
    with app.app_context():
        # Every question, not a draw from the pool that might leave out the only multiple-choice one.
        db.session.execute(update(QuizRevision).values(pool_size=None))
        db.session.commit()
    login_as()
    start_quiz(client, SLUG)
    assert f'type="{kind}"' in client.get(f"/modulos/{SLUG}/quiz").get_data(as_text=True)


def test_the_quiz_page_writes_each_choice_as_wtforms_would_new_or_refused_with_the_answers_kept(app, client, login_as):
    with app.app_context():
        db.session.execute(update(QuizRevision).values(pool_size=None))
        db.session.commit()
    person = login_as()
    attempt_id = start_quiz(client, SLUG)
    new_page = client.get(f"/modulos/{SLUG}/quiz").get_data(as_text=True)
    answers = answers_for(app, attempt_id, wrong_questions=1)
    left_out = sorted(answers)[-1]
    del answers[left_out]
    response = client.post(f"/modulos/{SLUG}/quiz/intentos/{attempt_id}", data=answers)
    assert response.status_code == 422
    refused_page = response.get_data(as_text=True)

    # The page writes the inputs itself (quizzes.forms.question_inputs); WTForms' own widgets, given
    # nothing or the same posted data, must come out the same, checked where the person chose.
    for page, method in ((new_page, "GET"), (refused_page, "POST")):
        # FlaskForm reads the request's form data itself, as the page's own form did.
        with app.test_request_context(method=method, data=answers if method == "POST" else None):
            form = quiz_form_for(quiz_service.attempt_to_take(attempt_id, person.id))
            options = [option for field in form if field.name != "csrf_token" for option in field]
            assert len(options) > 8
            for option in options:
                assert str(option) in page
            checked = sum(option.checked for option in options)
        assert page.count(" checked ") == checked
        assert re.search(r'<input id="csrf_token" name="csrf_token" type="hidden" value="[^"]+">', page)
    assert checked == sum(len(ids) for ids in answers.values()) > 0
    assert f'id="{left_out}-error"' in refused_page and "-error" not in new_page
