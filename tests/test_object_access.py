"""Object-level access: a route that takes an id never serves one person's object to another.

Every route with URL variables is classified here. "Owned" objects belong to one person: the
test creates them as that person and requests them, with every method of the route, as someone
else holding the same roles (and as someone holding every role); both must be refused. "Shared"
routes serve what the role shares by design, and say why. What a lesson shows (its video, captions,
documents) is answered as that lesson's page: the test compares both for a learner whose module is
locked, then opened, then unpublished, and for trainers. A new route with variables that is
not classified fails the suite, so the question is asked of every new route.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from flask import Flask, url_for

from portal.auth.access import signed_in
from portal.extensions import db
from portal.models.curriculum import Lesson, Module
from portal.models.user import Department, User
from portal.people.teams import change_led_departments
from portal.vocabulary import ADMIN, HR, STAFF, SUPERVISOR, TRAINER
from tests.conftest import login
from tests.helpers import SLUGS, answers_for, complete_module, pass_quiz, start_quiz
from tests.municipality import add_lesson_document, add_lesson_video, fetch

ALL_ROLES = (STAFF, TRAINER, SUPERVISOR, HR, ADMIN)
FIRST_MODULE = "mision-y-vision"


@dataclass(frozen=True)
class Instance:
    """One object as its owner sees it: the URL variables and the form each method sends."""

    label: str
    values: dict
    data: dict[str, dict]


@dataclass(frozen=True)
class Owned:
    """Belongs to one person; `create(app, owner_client)` makes objects as that person."""

    roles: tuple[str, ...]
    create: Callable[[Flask, object], Iterator[Instance]]


@dataclass(frozen=True)
class InTeam:
    """About a person of a department: served to the jefaturas who lead it, 404 to everyone else who
    may use the route (a jefatura of another department, even one holding every other role)."""

    #: The URL variables that name a person, from their id.
    values: Callable[[int], dict]


@dataclass(frozen=True)
class AsItsLesson:
    """Shown by a lesson (its video, captions, documents): answered as that lesson's page is answered.

    A learner gets the lesson page's own answer while the module is locked (back to the dashboard)
    or unpublished (404), and the object once the module opens; trainers preview it whatever their
    path, unpublished modules included; once the lesson is in the Papelera, nobody gets it."""

    #: URL values of such an object made in the lesson with this id (called in an app context).
    create: Callable[[Flask, int], dict]


@dataclass(frozen=True)
class Shared:
    """Served to everyone the route's access rule admits, on purpose."""

    reason: str


def quiz_attempts(app, owner) -> Iterator[Instance]:
    # A graded attempt is what an LMS leaks ("grades read by id"); an open one could be
    # answered by someone else. Both are made before any request is checked.
    submitted = pass_quiz(owner, app, FIRST_MODULE)
    open_id = start_quiz(owner, FIRST_MODULE)
    for label, attempt_id in (("submitted attempt", submitted), ("open attempt", open_id)):
        yield Instance(
            label,
            {"slug": FIRST_MODULE, "attempt_id": attempt_id},
            {"POST": answers_for(app, attempt_id)},
        )


def reminder_jobs(app, owner) -> Iterator[Instance]:
    # HR's "remind everyone", asked for by the owner: a job's page says what it did, for whom.
    from datetime import date, timedelta

    from portal.extensions import db
    from tests.test_reminders import add_person

    with app.app_context():
        add_person("Persona Atrasada", due=date.today() - timedelta(days=3))
        db.session.commit()
    response = owner.post("/rrhh/recordatorios", data={"alcance": "todas", "estado": "overdue"})
    assert response.status_code == 302 and "/rrhh/tareas/" in response.headers["Location"], response.status_code
    yield Instance("reminders job", {"job_id": int(response.headers["Location"].split("/")[3])}, {})


def certificate_jobs(app, owner) -> Iterator[Instance]:
    # HR's ZIP of certificates, prepared by the owner: the file holds other people's certificates.
    from tests.test_hr_certificates import walk

    with app.app_context():
        from portal.extensions import db
        from tests.test_reminders import add_person

        person = add_person("Persona Certificada", due=None)
        db.session.commit()
        person_id = person.id
    walk(app, person_id)
    response = owner.post("/rrhh/certificados/preparar")
    assert response.status_code == 302 and "/rrhh/tareas/" in response.headers["Location"], response.status_code
    yield Instance("certificates job", {"job_id": int(response.headers["Location"].split("/")[3])}, {})


ACCOUNTS = Shared("administrators manage every account; that is the admin role")
DEPARTMENTS = Shared("departments belong to the institution and every administrator manages them")
HR_PEOPLE = Shared("HR follows, edits and helps every person: that is the HR role")
CURRICULUM = Shared("trainers all edit the one shared curriculum: modules, lessons, the quiz's single draft")
LEARNER_CURRICULUM = Shared(
    "the curriculum is the same for every learner; the progress read or written is always the "
    "signed-in person's, never named in the URL"
)

OBJECT_ACCESS: dict[str, Owned | InTeam | AsItsLesson | Shared] = {
    "quizzes.result": Owned((STAFF,), quiz_attempts),
    "quizzes.submit": Owned((STAFF,), quiz_attempts),
    "reports.job": Owned((STAFF, HR), reminder_jobs),
    "reports.job_state": Owned((STAFF, HR), reminder_jobs),
    "reports.job_result": Owned((STAFF, HR), certificate_jobs),
    "quizzes.quiz": LEARNER_CURRICULUM,
    "quizzes.start": LEARNER_CURRICULUM,
    "learning.module": LEARNER_CURRICULUM,
    "learning.lesson": LEARNER_CURRICULUM,
    "learning.mark_read": LEARNER_CURRICULUM,
    "learning.media": Shared("lesson images uploaded by trainers, shown to every signed-in learner"),
    "learning.attachment": AsItsLesson(lambda app, lesson_id: {"attachment_id": add_lesson_document(app, lesson_id)}),
    "learning.video": AsItsLesson(lambda app, lesson_id: {"video_id": add_lesson_video(app, lesson_id)}),
    "learning.captions": AsItsLesson(lambda app, lesson_id: {"video_id": add_lesson_video(app, lesson_id)}),
    "learning.verify": Shared("public certificate check by its 160-bit random code; shows only name and date"),
    "auth.set_password": Shared("one-time password link: the 256-bit token is the credential, whoever holds it"),
    "branding.logo": Shared("the institution's logo, shown on every page including the sign-in page"),
    "admin.account": ACCOUNTS,
    "admin.edit_account": ACCOUNTS,
    "admin.set_active": ACCOUNTS,
    "admin.confirm_deactivation": ACCOUNTS,
    "admin.anonymise": ACCOUNTS,
    "admin.department": DEPARTMENTS,
    "admin.rename_department": DEPARTMENTS,
    "admin.merge_department": DEPARTMENTS,
    "reports.person": HR_PEOPLE,
    "reports.edit_person": HR_PEOPLE,
    "reports.password_link": HR_PEOPLE,
    "reports.set_active": HR_PEOPLE,
    "reports.confirm_deactivation": HR_PEOPLE,
    "reports.person_certificate": HR_PEOPLE,
    "team.person": InTeam(lambda user_id: {"user_id": user_id}),
    "team.print_person_slip": InTeam(lambda user_id: {"user_id": user_id}),
    "training.module": CURRICULUM,
    "training.lesson_versions": CURRICULUM,
    "training.lesson_version": CURRICULUM,
    "training.restore_lesson_version": CURRICULUM,
    "training.move_module": CURRICULUM,
    "training.publish_module": CURRICULUM,
    "training.confirm_unpublish_module": CURRICULUM,
    "training.new_lesson": CURRICULUM,
    "training.edit_lesson": CURRICULUM,
    "training.move_lesson": CURRICULUM,
    "training.delete_lesson": CURRICULUM,
    "training.confirm_delete_lesson": CURRICULUM,
    "training.restore_lesson": CURRICULUM,
    "training.quiz": CURRICULUM,
    "training.new_question": CURRICULUM,
    "training.edit_question": CURRICULUM,
    "training.move_question": CURRICULUM,
    "training.delete_question": CURRICULUM,
    "training.discard_draft": CURRICULUM,
    "training.publish_quiz": CURRICULUM,
    "training.import_gift": CURRICULUM,
    "training.revisions": CURRICULUM,
    "training.preview": CURRICULUM,
    "training.preview_lesson": CURRICULUM,
    "training.preview_quiz": CURRICULUM,
    "training.export": CURRICULUM,
    "training.statistics": CURRICULUM,
    "training.add_from_library": Shared("the shipped library of optional modules, the same for every trainer"),
}


def rules_with_variables(app: Flask):
    return [rule for rule in app.url_map.iter_rules() if rule.arguments and rule.endpoint != "static"]


def unclassified_routes(app: Flask) -> list[str]:
    return sorted(rule.rule for rule in rules_with_variables(app) if rule.endpoint not in OBJECT_ACCESS)


def test_every_route_with_variables_is_classified(app):
    assert unclassified_routes(app) == []
    # An entry whose route is gone would make the table claim coverage it no longer has.
    assert set(OBJECT_ACCESS) == {rule.endpoint for rule in rules_with_variables(app)}


def test_a_new_route_with_an_id_fails_until_classified(make_app):
    app = make_app()

    @app.get("/notas/<int:grade_id>")
    @signed_in
    def grade(grade_id):
        return str(grade_id)

    assert unclassified_routes(app) == ["/notas/<int:grade_id>"]


def methods_of(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def signed_in_client(app, make_user, roles):
    client = app.test_client()
    person = make_user(roles=roles)
    assert login(client, person.email).status_code == 302
    return client


OWNED = sorted(endpoint for endpoint, kind in OBJECT_ACCESS.items() if isinstance(kind, Owned))


@pytest.mark.parametrize("endpoint", OWNED)
def test_another_persons_object_is_refused(app, make_user, endpoint):
    owned = OBJECT_ACCESS[endpoint]
    [rule] = [rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint]
    owner = signed_in_client(app, make_user, owned.roles)
    peer = signed_in_client(app, make_user, owned.roles)
    everything = signed_in_client(app, make_user, ALL_ROLES)
    instances = list(owned.create(app, owner))
    assert instances, f"{endpoint}: the factory made nothing to request"
    for instance in instances:
        with app.test_request_context():
            url = url_for(endpoint, **instance.values)
        # Others first: if they got through, a write would already have happened before the
        # owner's own requests, which could otherwise hide it by changing the object.
        for who, client in (("same roles", peer), ("every role", everything)):
            for method in methods_of(rule):
                response = client.open(url, method=method, data=instance.data.get(method))
                assert response.status_code in (403, 404), (who, instance.label, method, url, response.status_code)
        for method in methods_of(rule):
            response = owner.open(url, method=method, data=instance.data.get(method))
            assert response.status_code < 400, ("owner", instance.label, method, url, response.status_code)


IN_TEAM = sorted(endpoint for endpoint, kind in OBJECT_ACCESS.items() if isinstance(kind, InTeam))
OURS, THEIRS = "Dirección de Tránsito", "Dirección de Obras Municipales"


def jefatura_client(app, make_user, roles, department: str):
    client = signed_in_client(app, make_user, roles)
    with app.app_context():
        boss = db.session.scalar(db.select(User).order_by(User.id.desc()).limit(1))
        led = db.session.scalar(db.select(Department.id).where(Department.name == department))
        change_led_departments(boss, [led], actor_id=None)
        db.session.commit()
    return client


@pytest.mark.parametrize("endpoint", IN_TEAM)
def test_a_person_outside_the_jefaturas_departments_is_not_found(app, make_user, endpoint):
    in_team = OBJECT_ACCESS[endpoint]
    [rule] = [rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint]
    member = make_user(full_name="Persona De Tránsito", department=OURS)
    outsider = make_user(full_name="Persona De Obras", department=THEIRS)
    nowhere = make_user(full_name="Persona Sin Departamento")
    ours = jefatura_client(app, make_user, (STAFF, SUPERVISOR), OURS)
    theirs = jefatura_client(app, make_user, (STAFF, SUPERVISOR), THEIRS)
    everything = jefatura_client(app, make_user, ALL_ROLES, THEIRS)
    with app.test_request_context():
        member_url, outsider_url, nowhere_url = (
            url_for(endpoint, **in_team.values(person.id)) for person in (member, outsider, nowhere)
        )
    for method in methods_of(rule):
        for who, client, url in (
            ("jefatura of another department", theirs, member_url),
            ("jefatura of another department with every role", everything, member_url),
            ("jefatura, someone without a department", ours, nowhere_url),
        ):
            response = client.open(url, method=method)
            assert response.status_code == 404, (who, method, url, response.status_code)
        assert ours.open(member_url, method=method).status_code < 400, ("own jefatura", method, member_url)
        assert theirs.open(outsider_url, method=method).status_code < 400, ("own jefatura", method, outsider_url)


AS_ITS_LESSON = sorted(endpoint for endpoint, kind in OBJECT_ACCESS.items() if isinstance(kind, AsItsLesson))
#: The second module of the path: locked for anyone who has not completed the first.
SECOND_MODULE = SLUGS[1]
#: The message of a locked module (test_learner_path checks that it names the module and the one before).
LOCKED_MESSAGE = "se abre cuando complete «"


def answer(response) -> tuple[int, str | None]:
    return response.status_code, response.headers.get("Location")


@pytest.mark.parametrize("endpoint", AS_ITS_LESSON)
def test_what_a_lesson_shows_is_answered_as_its_lesson_page(app, make_user, endpoint):
    with app.app_context():
        module = db.session.scalar(db.select(Module).where(Module.slug == SECOND_MODULE))
        module_id, lesson_id = module.id, module.lessons[0].id
        values = OBJECT_ACCESS[endpoint].create(app, lesson_id)
        db.session.commit()
    with app.test_request_context():
        url = url_for(endpoint, **values)
    page = f"/modulos/{SECOND_MODULE}/lecciones/1"
    # Everyone who is not a trainer reads lessons as a learner, whatever else they hold.
    learners = {
        roles: signed_in_client(app, make_user, roles)
        for roles in ((STAFF,), (STAFF, HR), (STAFF, ADMIN), (STAFF, SUPERVISOR))
    }
    trainers = [signed_in_client(app, make_user, (STAFF, TRAINER)), signed_in_client(app, make_user, ALL_ROLES)]

    for roles, learner in learners.items():
        refused = fetch(learner, url)
        assert LOCKED_MESSAGE in learner.get("/").get_data(as_text=True), roles
        locked = learner.get(page)
        assert answer(locked) == (302, "/"), roles
        assert answer(refused) == answer(locked), (roles, url)
    for trainer in trainers:
        assert fetch(trainer, url).status_code == 200, url  # their preview, whatever their own path

    for roles, learner in learners.items():
        complete_module(learner, app, SLUGS[0])
        assert learner.get(page).status_code == 200, roles
        assert fetch(learner, url).status_code == 200, (roles, url)

    with app.app_context():
        db.session.get(Module, module_id).published = False
        db.session.commit()
    for roles, learner in learners.items():
        assert answer(fetch(learner, url)) == answer(learner.get(page)) == (404, None), (roles, url)
    for trainer in trainers:
        assert fetch(trainer, url).status_code == 200, url

    assert trainers[0].post(f"/capacitacion/modulos/{SECOND_MODULE}/lecciones/{lesson_id}/eliminar").status_code == 302
    with app.app_context():
        assert db.session.get(Lesson, lesson_id).deleted_at is not None
    for client in (*learners.values(), *trainers):
        assert fetch(client, url).status_code == 404, url  # in the Papelera
