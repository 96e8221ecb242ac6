"""Saving a form untouched changes nothing, and reading a page changes nothing: for every page.

Both tests walk every GET page of the URL map as every persona allowed to see it, in a
municipality with something in every corner (tests/municipality.py). The first submits every
form with something a person can edit exactly as the page rendered it, as if the person pressed
its first button without touching anything, and compares a dump of every table before and after;
the audit log, which always grows, must at least not claim that a field changed.
The second compares the dump around each page read. A POST route that no page offers a form for,
and that is not declared in NOT_ON_A_PAGE, fails by itself, so a new edit page is covered or refused.
"""

from __future__ import annotations

import json
from collections import defaultdict

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from portal.auth.access import roles_required
from portal.extensions import db
from portal.models.audit import AuditEvent
from portal.models.user import User
from portal.vocabulary import HR
from tests.municipality import Municipality, fetch
from tests.pages import Form, changes_between, forms_on, snapshot

#: POST endpoints no page offers as a form, and why.
NOT_ON_A_PAGE = {
    "reports.confirm_staff_import": "the preview of an uploaded file offers it (tests/test_staff_import.py)",
    "reports.prepare_export": "its button (a job writing the list's Excel file; it edits nothing) shows only for a "
    "list longer than EXPORT_JOB_ROWS (tests/test_export_job.py)",
    "admin.anonymise": "its form shows only for a deactivated person (tests/test_personal_data.py)",
    "team.print_person_slip": "its button shows only on a jefatura's page of someone who never activated their "
    "account (tests/test_team_printing.py)",
    "training.upload_image": "the lesson editor's script posts images here; without JavaScript they travel in the "
    "lesson's own form (tests/test_lesson_media.py)",
    "training.upload_document": "the lesson editor's script posts documents here (tests/test_lesson_media.py)",
    "training.upload_video": "the lesson editor's script posts a video here; without JavaScript it travels in the "
    "lesson's own form (tests/test_lesson_video.py)",
    "training.render_preview": "the lesson editor's live preview; writes nothing (tests/test_lesson_media.py)",
}

#: Forms whose untouched submission is an action by design, and why it is not an edit.
ACTIONS_WITH_CONTROLS = {
    "quizzes.submit": "handing in a quiz grades it: unanswered questions count as wrong, as on paper",
    "reports.send_reminders": "its button sends reminders to the people ticked (everyone remindable, by default)",
    "reports.prepare_certificates": "its button starts a job zipping the list's certificates; it edits nothing",
}


def endpoint_of(app: Flask, path: str, method: str = "POST") -> str | None:
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _ = adapter.match(path, method=method)
    except (NotFound, MethodNotAllowed, RequestRedirect):
        return None
    return endpoint


def post_endpoints(app: Flask) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}


def submit_untouched(town: Municipality, persona: str, form: Form):
    """Post the form as rendered; returns the response after reading its body."""
    response = town.clients[persona].post(form.path, data=form.data(), content_type="multipart/form-data")
    response.get_data()
    response.close()
    return response


def walk_forms(town: Municipality):
    """(persona, page url, Form, endpoint it posts to) for every POST form of every page."""
    for persona, _, visit in town.visits():
        if visit.status != 200:
            continue
        response = fetch(town.clients[persona], visit.url)
        if response.mimetype != "text/html":
            continue
        for form in forms_on(response.get_data(as_text=True), "http://localhost" + visit.url):
            if form.method == "post":
                yield persona, visit.url, form, endpoint_of(town.app, form.path)


def check_untouched_saves(town: Municipality) -> tuple[dict[str, list[str]], list[str], set[str]]:
    """Submit every editable form untouched; returns (covered forms by endpoint, problems, posted endpoints)."""
    covered: dict[str, list[str]] = defaultdict(list)
    problems: list[str] = []
    offered: set[str] = set()
    for persona, url, form, endpoint in list(walk_forms(town)):
        offered.add(endpoint)
        if not form.editable or endpoint in ACTIONS_WITH_CONTROLS:
            continue
        before, last_event = snapshot(town.app), last_audit_event_id(town.app)
        response = submit_untouched(town, persona, form)
        changed = changes_between(before, snapshot(town.app))
        where = f"{persona} {url} -> POST {form.path}"
        claimed = audited_changes_since(town.app, last_event)
        if claimed:
            problems.append(f"{where} recorded changes in the audit log:\n    " + "\n    ".join(claimed[:4]))
        if response.status_code >= 500:
            problems.append(f"{where}: answered {response.status_code}")
        if changed:
            problems.append(f"{where} changed the database:\n    " + "\n    ".join(changed[:8]))
        covered[endpoint].append(f"{persona:9} {url}")
    return covered, problems, offered


def last_audit_event_id(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.max(AuditEvent.id))) or 0


def audited_changes_since(app: Flask, event_id: int) -> list[str]:
    """Events after `event_id` that say some field changed (audit.changes): "action details" each."""
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.id > event_id).order_by(AuditEvent.id))
        return [f"{event.action} {event.details}" for event in events if json.loads(event.details).get("changes")]


@pytest.fixture
def town(app):
    return Municipality.build(app, people=3, audit_events=3)


def test_saving_any_form_untouched_changes_nothing(town, capsys):
    covered, problems, offered = check_untouched_saves(town)

    with capsys.disabled():
        print(f"\nForms saved untouched ({sum(map(len, covered.values()))} submissions, {len(covered)} routes):")
        for endpoint in sorted(covered):
            print(f"  {endpoint}: {len(covered[endpoint])} ({covered[endpoint][0].strip()}, ...)")
    assert not problems, "\n".join(problems)
    unoffered = sorted(post_endpoints(town.app) - offered - set(NOT_ON_A_PAGE))
    assert not unoffered, f"POST routes that no page offers a form for (add a page or NOT_ON_A_PAGE): {unoffered}"
    # Every edit page of every area is among them: people, accounts, settings, departments, content.
    for endpoint in (
        "reports.edit_person",
        "admin.edit_account",
        "admin.settings",
        "admin.rename_department",
        "training.module",
        "training.edit_lesson",
        "training.edit_question",
    ):
        assert endpoint in covered, endpoint


def test_a_form_that_saves_what_it_shows_wrongly_is_caught(app):
    """The round trip finds the department bug of issue 10 in an edit page nobody listed."""

    @app.route("/rrhh/personas/<int:user_id>/apodo", methods=["GET", "POST"])
    @roles_required(HR)
    def careless_edit(user_id: int):
        from flask import request

        person = db.session.get(User, user_id)
        if request.method == "POST":
            person.full_name = request.form["full_name"]
            db.session.commit()
        return f'<form method="post"><input name="full_name" value="{person!r}"><button>Guardar</button></form>'

    town = Municipality.build(app, people=1, audit_events=1)
    # It is a GET page that tests/municipality.py does not list: the walk refuses to start.
    with pytest.raises(AssertionError, match="careless_edit"):
        list(town.visits())
    # Listed, its untouched save is reported with the row it changed.
    from tests import municipality

    municipality.PAGES["careless_edit"] = lambda town, persona: [
        municipality.Visit(f"/rrhh/personas/{town.target_id}/apodo")
    ]
    try:
        _, problems, _ = check_untouched_saves(town)
    finally:
        del municipality.PAGES["careless_edit"]
    assert any("/apodo changed the database" in problem and "<User" in problem for problem in problems), problems


def test_reading_any_page_changes_nothing(town):
    """GET never writes: only a download adds to the audit log, which the dump leaves aside."""
    problems = []
    for persona, _, visit in town.visits():
        before = snapshot(town.app)
        response = fetch(town.clients[persona], visit.url)
        changed = changes_between(before, snapshot(town.app))
        if changed:
            problems.append(f"{persona} GET {visit.url} ({response.status_code}):\n    " + "\n    ".join(changed[:8]))
    assert not problems, "\n".join(problems)
