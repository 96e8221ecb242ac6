"""A learner in a real browser: keyboard only, screenshots at phone and desktop sizes, axe-core."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.extensions import db
from portal.learning import service as learning
from portal.models.progress import Certificate
from portal.quizzes import service as quizzes
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
MODULES_DIR = REPO_ROOT / "portal" / "content" / "modules"
FIRST_MODULE = "mision-y-vision"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

_axe = Axe()


# --- Reading the curriculum ------------------------------------------------------------


def module_yaml(slug: str) -> dict:
    paths = sorted(MODULES_DIR.glob("*.yaml"))
    modules = [yaml.safe_load(path.read_text(encoding="utf-8")) for path in paths]
    (module,) = [module for module in modules if module["slug"] == slug]
    return module


def drawn_per_attempt(slug: str) -> int:
    """How many questions of the module's bank an attempt shows (its pool, or the whole bank)."""
    quiz = module_yaml(slug)["quiz"]
    return quiz.get("pool_size") or len(quiz["questions"])


DRAWN = drawn_per_attempt(FIRST_MODULE)


def answer_key(slug: str) -> dict[str, tuple[set[str], set[str]]]:
    """Question prompt -> (correct choice texts, wrong choice texts), from the module's YAML."""
    questions = module_yaml(slug)["quiz"]["questions"]
    return {
        q["prompt"]: (
            {c["text"] for c in q["choices"] if c["correct"]},
            {c["text"] for c in q["choices"] if not c["correct"]},
        )
        for q in questions
    }


QUESTIONS_JS = """() => [...document.querySelectorAll('fieldset.question')].map(fieldset => ({
    prompt: fieldset.querySelector('.question-prompt').textContent.trim(),
    choices: [...fieldset.querySelectorAll('input')].map(input => ({
        id: input.id,
        name: input.name,
        type: input.type,
        label: document.querySelector(`label[for="${input.id}"]`).textContent.trim(),
    })),
}))"""


def questions_on_page(page: Page) -> list[dict]:
    questions = page.evaluate(QUESTIONS_JS)
    assert questions, "the quiz page shows no questions"
    return questions


# --- Keyboard helpers ------------------------------------------------------------------


def focused(page: Page) -> str:
    """A short description of the focused element, for failure messages."""
    return page.evaluate(
        "() => { const el = document.activeElement;"
        " return el ? el.outerHTML.replace(/\\s+/g, ' ').slice(0, 160) : 'nothing'; }"
    )


def tab_until(page: Page, predicate: str, what: str, max_presses: int = 60) -> None:
    """Press Tab until `predicate` (a JS function of the focused element) holds."""
    for _ in range(max_presses):
        page.keyboard.press("Tab")
        if page.evaluate(f"({predicate})(document.activeElement)"):
            return
    raise AssertionError(f"{max_presses} Tabs never reached {what}; focus is on {focused(page)}")


def control_with_text(text: str) -> str:
    """A predicate for the link or button whose visible text contains `text`."""
    return (
        "el => ['A', 'BUTTON'].includes(el.tagName)"
        f" && el.textContent.replace(/\\s+/g, ' ').includes({json.dumps(text)})"
    )


def assert_focus_visible(page: Page) -> None:
    """The focused element shows a focus ring (WCAG 2.4.7)."""
    ring = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; }"
    )
    assert ring, f"no visible focus indicator on {focused(page)}"


def tab_to_and_press(page: Page, text: str, key: str = "Enter") -> None:
    tab_until(page, control_with_text(text), f"«{text}»")
    assert_focus_visible(page)
    page.keyboard.press(key)


def check_skip_link(page: Page, first_in_main: str) -> None:
    """The skip link is the first stop, shows when focused, and moves focus to the main content."""
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.matches('a.skip-link')"), (
        f"the first Tab stop is not the skip link but {focused(page)}"
    )
    box = page.locator("a.skip-link").bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0, "the focused skip link is off screen"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "contenido", (
        f"the skip link left focus on {focused(page)}"
    )
    page.keyboard.press("Tab")
    assert page.evaluate(f"({first_in_main})(document.activeElement)"), (
        f"after the skip link, Tab went to {focused(page)} instead of the main content"
    )


def answer_with_keyboard(page: Page, question: dict, wanted: set[str]) -> None:
    """Tab into a question and choose `wanted`: arrow keys in radio groups, Space on checkboxes."""
    choices = question["choices"]
    name = choices[0]["name"]
    tab_until(page, f"el => el.name === {json.dumps(name)}", f"question «{question['prompt']}»")
    if choices[0]["type"] == "radio":
        (target,) = [i for i, choice in enumerate(choices) if choice["label"] in wanted]
        assert page.evaluate("() => document.activeElement.id") == choices[0]["id"], (
            "Tab did not enter the radio group at its first option"
        )
        assert_focus_visible(page)
        if target == 0:
            page.keyboard.press("Space")
        for _ in range(target):
            page.keyboard.press("ArrowDown")
    else:
        for index, choice in enumerate(choices):
            if index:
                page.keyboard.press("Tab")
            assert page.evaluate("() => document.activeElement.id") == choice["id"], focused(page)
            if choice["label"] in wanted:
                page.keyboard.press("Space")
    checked = set(
        page.evaluate(
            "name => [...document.getElementsByName(name)].filter(i => i.checked)"
            '.map(i => document.querySelector(`label[for="${i.id}"]`).textContent.trim())',
            name,
        )
    )
    assert checked == wanted, f"«{question['prompt']}»: keys checked {checked}, wanted {wanted}"


# --- Pointer helpers (for the tests where the keyboard is not the point) ---------------


def sign_in(page: Page, base_url: str, login: str, password: str = PASSWORD) -> None:
    page.goto(base_url + "/login")
    page.get_by_label("RUT o correo electrónico").fill(login)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="Ingresar").click()
    # Each role lands on its main work (auth.views.landing_url): HR, jefaturas, administrators, trainers, learners.
    expect(page).to_have_url(re.compile("^" + re.escape(base_url) + r"/(rrhh/|equipo/|admin/cuentas|capacitacion/)?$"))


def answer_by_clicking(page: Page, answers: dict[str, set[str]]) -> None:
    """Check the labels of the choices wanted for each prompt in `answers`."""
    for question in questions_on_page(page):
        for choice in question["choices"]:
            if choice["label"] in answers.get(question["prompt"], set()):
                page.locator(f"label[for='{choice['id']}']").click()


def read_all_lessons(page: Page, base_url: str, slug: str) -> None:
    page.goto(f"{base_url}/modulos/{slug}/lecciones/1")
    while True:
        button = page.get_by_role("button", name=re.compile("^Marcar como leída"))
        last = "cuestionario" in button.inner_text()
        button.click()
        if last:
            expect(page).to_have_url(f"{base_url}/modulos/{slug}/quiz")
            return
        expect(page).to_have_url(re.compile(r"/lecciones/\d+$"))


def save_screenshots(page: Page, name: str) -> list[Path]:
    """Full-page PNGs of the current page at phone and desktop sizes; none may scroll sideways."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    paths = []
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {viewport['width']}px"
        path = SCREENSHOTS / f"{name}-{viewport['width']}x{viewport['height']}.png"
        page.screenshot(path=str(path), full_page=True)
        paths.append(path)
    page.set_viewport_size(DESKTOP)
    return paths


def assert_no_axe_violations(page: Page, label: str) -> None:
    result = _axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    violations = result.response["violations"]
    lines = []
    for violation in violations:
        node = violation["nodes"][0]
        lines.append(
            f"  {violation['id']} ({violation['impact']}, {len(violation['nodes'])} nodes): "
            f"{violation['help']}\n    target {node['target']}: {node['html'][:200]}"
        )
    assert not violations, f"axe: WCAG violations on {label} ({page.url}):\n" + "\n".join(lines)


def badge_of(page: Page, module_title: str):
    card = page.locator("li.module-card").filter(has=page.get_by_role("heading", name=module_title))
    return card.locator(".badge")


# --- Tests -------------------------------------------------------------------------------


def test_first_module_with_keyboard_alone(page: Page, live_server, make_user):
    """Sign in, read every lesson, pass the quiz, see the next module open: keys only."""
    base = live_server.url
    person = make_user(full_name="Camila Andrea Rojas Fuentes")
    key = answer_key(FIRST_MODULE)

    page.goto(base + "/login")
    check_skip_link(page, "el => el.id === 'login'")
    page.keyboard.type(person.rut)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "password", focused(page)
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hola, Camila")

    # On the dashboard the skip link jumps over the header's menu and sign-out button.
    check_skip_link(page, control_with_text("Continuar: Misión y Visión"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/modulos/{FIRST_MODULE}")

    tab_to_and_press(page, "Comenzar a leer")
    page.wait_for_url(f"{base}/modulos/{FIRST_MODULE}/lecciones/1")
    number = 1
    while True:
        expect(page.locator("p.eyebrow")).to_contain_text(f"Lección {number} de")
        total = int(re.search(r"de (\d+)", page.locator("p.eyebrow").inner_text()).group(1))
        if number < total:
            tab_to_and_press(page, "Marcar como leída y seguir")
            number += 1
            page.wait_for_url(f"{base}/modulos/{FIRST_MODULE}/lecciones/{number}")
        else:
            tab_to_and_press(page, "Marcar como leída e ir al cuestionario")
            page.wait_for_url(f"{base}/modulos/{FIRST_MODULE}/quiz")
            break
    assert number == len(module_yaml(FIRST_MODULE)["lessons"]), "a lesson was skipped"

    tab_to_and_press(page, "Comenzar el cuestionario")
    expect(page.locator("form.quiz")).to_be_visible()
    questions = questions_on_page(page)
    assert {q["prompt"] for q in questions} <= set(key)
    assert len(questions) == DRAWN
    for question in questions:
        answer_with_keyboard(page, question, key[question["prompt"]][0])
    tab_to_and_press(page, "Enviar respuestas")
    page.wait_for_url(re.compile(rf"/modulos/{FIRST_MODULE}/quiz/intentos/\d+$"))

    result = page.locator("section.result")
    expect(result).to_contain_text("Aprobado")
    expect(result).not_to_contain_text("No aprobado")
    expect(result).to_contain_text("Puntaje: 100 %")
    expect(page.get_by_role("status")).to_have_text("¡Aprobó el cuestionario!")

    tab_to_and_press(page, "Volver a mi inducción")
    page.wait_for_url(base + "/")
    expect(badge_of(page, "Misión y Visión")).to_have_text("Completado")
    second = page.locator("li.module-card").nth(1)
    expect(second.locator(".badge")).not_to_have_text("Bloqueado")
    expect(second.locator(".badge")).to_have_text("Disponible")
    expect(second.get_by_role("link")).to_be_visible()


def test_learner_pages_screenshots(page: Page, live_server, make_user):
    """Dashboard, lesson, quiz and result as PNGs at 390x844 and 1366x768, for people to look at."""
    base = live_server.url
    person = make_user(full_name="Javiera Paz Muñoz Contreras")
    key = answer_key(FIRST_MODULE)
    page.set_viewport_size(DESKTOP)
    sign_in(page, base, person.email)
    saved = []

    page.goto(f"{base}/modulos/{FIRST_MODULE}/lecciones/1")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nuestra misión y nuestra visión")
    saved += save_screenshots(page, "lesson")
    read_all_lessons(page, base, FIRST_MODULE)

    page.get_by_role("button", name="Comenzar el cuestionario").click()
    expect(page.locator("fieldset.question")).to_have_count(DRAWN)
    saved += save_screenshots(page, "quiz")

    # One wrong answer of the questions drawn still passes: the review shows both kinds of answers.
    questions = questions_on_page(page)
    answers = {prompt: right for prompt, (right, _wrong) in key.items()}
    wrong_prompt = questions[0]["prompt"]
    answers[wrong_prompt] = {sorted(key[wrong_prompt][1])[0]}
    answer_by_clicking(page, answers)
    page.get_by_role("button", name="Enviar respuestas").click()
    expect(page).to_have_url(re.compile(r"/quiz/intentos/\d+$"))
    expect(page.locator("li.review-item.wrong")).to_have_count(1)
    expect(page.locator("li.review-item.right")).to_have_count(DRAWN - 1)
    saved += save_screenshots(page, "result")

    page.get_by_role("link", name="Volver a mi inducción").click()
    expect(page).to_have_url(base + "/")
    expect(badge_of(page, "Misión y Visión")).to_have_text("Completado")
    saved += save_screenshots(page, "dashboard")

    # On a phone each module's badge stays on its title's first line, at the right, even beside a title
    # that wraps («Respeto y Solidaridad»), instead of dropping to a line of its own.
    page.set_viewport_size(PHONE)
    layout = page.eval_on_selector_all(
        "li.module-card .module-head",
        """heads => heads.map(head => {
            const title = head.querySelector("h3").getBoundingClientRect();
            const badge = head.querySelector(".badge").getBoundingClientRect();
            return {wraps: title.height > 1.8 * badge.height, below: badge.top - title.top,
                    gap: head.getBoundingClientRect().right - badge.right};
        })""",
    )
    assert any(card["wraps"] for card in layout), layout
    assert all(card["below"] < 12 and abs(card["gap"]) < 1 for card in layout), layout

    expected = {
        f"{name}-{size['width']}x{size['height']}.png"
        for name in ("dashboard", "lesson", "quiz", "result")
        for size in (PHONE, DESKTOP)
    }
    assert {path.name for path in saved} == expected
    for path in saved:
        data = path.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000, f"{path} is no PNG"


def complete_every_module(app, user_id: int) -> None:
    """Record, through the app's own services, every lesson read and every quiz passed."""
    with app.app_context():
        for row in learning.learner_path(user_id).rows:
            for lesson in learning.module_lessons(row.module.id):
                learning.mark_lesson_read(user_id, lesson)
            if row.quiz_id is None:
                continue
            started = quizzes.start_attempt(user_id, row.quiz_id)
            db.session.flush()
            attempt = quizzes.attempt_for_user(started.id, user_id)
            answers = {
                item.question_id: [choice.id for choice in item.question.choices if choice.correct]
                for item in attempt.questions
            }
            assert quizzes.submit_attempt(attempt, answers).passed
        db.session.commit()
        assert learning.learner_path(user_id).progress.modules_done


def test_learner_pages_pass_axe(page: Page, live_server, make_user):
    """Every page a learner sees, in its normal and error states, has no WCAG 2.1 A/AA violation."""
    base = live_server.url
    key = answer_key(FIRST_MODULE)
    person = make_user(full_name="Rodrigo Ignacio Tapia Vera")
    page.set_viewport_size(DESKTOP)

    page.goto(base + "/login")
    assert_no_axe_violations(page, "the login page")
    page.get_by_label("RUT o correo electrónico").fill(person.rut)
    page.get_by_label("Contraseña").fill("no-es-la-clave")
    page.get_by_role("button", name="Ingresar").click()
    expect(page.get_by_role("alert")).to_contain_text("No pudimos iniciar su sesión")
    expect(page.locator("#password-error")).to_have_text("El RUT, correo o contraseña no son correctos.")
    assert_no_axe_violations(page, "the login page after a failed sign-in")

    sign_in(page, base, person.rut)
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        assert_no_axe_violations(page, f"the dashboard at {viewport['width']}px")

    page.get_by_role("link", name="Continuar: Misión y Visión").click()
    expect(page).to_have_url(f"{base}/modulos/{FIRST_MODULE}")
    assert_no_axe_violations(page, "the module page")

    page.get_by_role("link", name="Comenzar a leer").click()
    expect(page).to_have_url(f"{base}/modulos/{FIRST_MODULE}/lecciones/1")
    assert_no_axe_violations(page, "a lesson page")

    page.get_by_role("link", name="Misión y Visión").click()
    expect(page).to_have_url(f"{base}/modulos/{FIRST_MODULE}")
    page.get_by_role("link", name="Ir al cuestionario").click()
    expect(page).to_have_url(f"{base}/modulos/{FIRST_MODULE}/quiz")
    expect(page.get_by_role("button", name="Comenzar el cuestionario")).to_be_visible()
    assert_no_axe_violations(page, "the quiz introduction")

    page.get_by_role("button", name="Comenzar el cuestionario").click()
    expect(page.locator("fieldset.question")).to_have_count(DRAWN)
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        assert_no_axe_violations(page, f"the quiz at {viewport['width']}px")

    # Only the first question answered, and wrongly: the form comes back with six errors.
    first = questions_on_page(page)[0]["prompt"]
    answer_by_clicking(page, {first: {sorted(key[first][1])[0]}})
    page.get_by_role("button", name="Enviar respuestas").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text(f"Faltan {DRAWN - 1} preguntas por responder")
    expect(page.locator("fieldset.question.has-error")).to_have_count(DRAWN - 1)
    # Each link of the summary leads to the question it names.
    links = summary.get_by_role("link")
    expect(links).to_have_count(DRAWN - 1)
    # The summary takes focus on load, so a screen reader reads it; the next Tab reaches its first link.
    expect(summary).to_be_focused()
    page.keyboard.press("Tab")
    expect(links.first).to_be_focused()
    for index in range(DRAWN - 1):
        link = links.nth(index)
        target = page.locator(link.get_attribute("href"))
        expect(target).to_have_class(re.compile(r"\bhas-error\b"))
        expect(target.locator(".question-number")).to_contain_text(f"{link.inner_text()} de ")
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        assert_no_axe_violations(page, f"the quiz with missing answers at {viewport['width']}px")

    # The rest answered wrongly too: a failed attempt whose review shows the right answers.
    wrong_answers = {prompt: {sorted(wrong)[0]} for prompt, (_right, wrong) in key.items()}
    del wrong_answers[first]
    answer_by_clicking(page, wrong_answers)
    page.get_by_role("button", name="Enviar respuestas").click()
    expect(page).to_have_url(re.compile(r"/quiz/intentos/\d+$"))
    expect(page.locator("section.result")).to_contain_text("No aprobado")
    expect(page.locator("li.review-item.wrong")).to_have_count(DRAWN)
    assert_no_axe_violations(page, "the result of a failed attempt")

    page.goto(base + "/compromiso")
    expect(page.locator("main")).to_contain_text("se abre cuando complete todos los módulos")
    assert_no_axe_violations(page, "the locked commitment page")

    page.get_by_role("button", name="Cerrar sesión").click()
    expect(page).to_have_url(base + "/login")
    expect(page.get_by_role("status")).to_have_text("Cerró su sesión.")

    graduate = make_user(full_name="Ana María Soto Lagos")
    complete_every_module(live_server.app, graduate.id)
    sign_in(page, base, graduate.email)
    page.goto(base + "/compromiso")
    expect(page.get_by_role("button", name="Firmar la declaración")).to_be_visible()
    assert_no_axe_violations(page, "the commitment form")

    page.get_by_role("button", name="Firmar la declaración").click()
    expect(page.locator(".error-summary")).to_contain_text("No se pudo firmar")
    expect(page.locator("p.error")).to_have_count(2)
    assert_no_axe_violations(page, "the commitment form with errors")

    page.get_by_label("He leído la declaración").check()
    page.get_by_label("Escriba su nombre completo").fill("Ana María Soto Lagos")
    page.get_by_role("button", name="Firmar la declaración").click()
    expect(page.get_by_role("status")).to_contain_text("Completó su inducción")
    expect(page.get_by_role("link", name="Descargar certificado (PDF)")).to_be_visible()
    assert_no_axe_violations(page, "the signed commitment page")

    page.goto(base + "/")
    expect(page.locator(".progress-figure")).to_have_text("100 % completado")
    assert_no_axe_violations(page, "the dashboard of a person who finished")

    response = page.goto(base + "/esta-pagina-no-existe")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Página no encontrada")
    assert_no_axe_violations(page, "the 404 page")

    # Whoever checks a certificate is not signed in.
    page.get_by_role("button", name="Cerrar sesión").click()
    expect(page).to_have_url(base + "/login")
    with live_server.app.app_context():
        code = db.session.scalar(select(Certificate.code).where(Certificate.user_id == graduate.id))
    page.goto(f"{base}/verificar/{learning.group_code(code)}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Certificado válido")
    expect(page.locator(".verified")).to_contain_text("Ana María Soto Lagos")
    assert_no_axe_violations(page, "the verification of a real certificate")

    response = page.goto(f"{base}/verificar/AAAA-BBBB-CCCC")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Certificado no encontrado")
    assert_no_axe_violations(page, "the verification of an unknown code")
