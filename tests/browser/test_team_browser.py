"""A jefatura in a real browser, on a phone first: their team's report and a person's page pass axe at
390x844 and 1366x768, work by keyboard alone, and are saved as screenshots."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.demo import DEMO_LED_DEPARTMENTS, DEPARTMENTS, seed_demo
from portal.extensions import db
from portal.models.user import Department, User
from tests.browser.test_learner_browser import (
    DESKTOP,
    PHONE,
    assert_focus_visible,
    assert_no_axe_violations,
    check_skip_link,
    focused,
    save_screenshots,
    sign_in,
    tab_until,
)

pytestmark = pytest.mark.browser

JEFATURA = "jefatura@demo.cl"
LED = [DEPARTMENTS[index] for index in DEMO_LED_DEPARTMENTS]


def seeded(app) -> set[str]:
    """The demo data; returns the names of the active people of the departments the demo jefatura leads."""
    with app.app_context():
        seed_demo(app.config)
        db.session.commit()
        query = select(User.full_name).join(Department).where(Department.name.in_(LED), User.active.is_(True))
        return set(db.session.scalars(query))


def listed(page: Page) -> set[str]:
    return {name.strip() for name in page.locator("table.people tbody th a").all_inner_texts()}


def test_the_team_report_on_a_phone_by_keyboard_with_axe(page: Page, live_server):
    base = live_server.url
    team = seeded(live_server.app)
    page.set_viewport_size(PHONE)
    sign_in(page, base, JEFATURA, live_server.app.config["DEMO_PASSWORD"])
    expect(page).to_have_url(f"{base}/equipo/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Avance de mi equipo")
    expect(page).to_have_title("Mi equipo: avance de la inducción · Portal de Inducción")
    assert listed(page) == team and len(team) >= 8
    expect(page.get_by_role("link", name="Mi equipo")).to_have_attribute("aria-current", "page")
    assert page.get_by_role("link", name="Recursos Humanos").count() == 0
    assert_no_axe_violations(page, "the team report at 390x844")
    saved = save_screenshots(page, "team-report")
    assert [path.name for path in saved] == ["team-report-390x844.png", "team-report-1366x768.png"]

    # Keyboard alone, on the phone: the skip link lands on the totals, then filter to one department.
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/equipo/")
    check_skip_link(page, "el => el.tagName === 'A' && el.closest('ul.totals') !== null")
    tab_until(page, "el => el.id === 'departamento'", "the «Departamento» filter")
    assert_focus_visible(page)
    page.keyboard.press("ArrowDown")  # the first of theirs, by name: Medio Ambiente, Aseo y Ornato
    assert page.evaluate("() => document.activeElement.selectedOptions[0].text") == LED[1], focused(page)
    tab_until(page, "el => el.tagName === 'BUTTON' && el.textContent.includes('Filtrar')", "«Filtrar»")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/equipo/\?.*departamento=\d+"))
    with live_server.app.app_context():
        aseo = set(
            db.session.scalars(
                select(User.full_name).join(Department).where(Department.name == LED[1], User.active.is_(True))
            )
        )
    assert listed(page) == aseo and aseo < team

    # Into the first person's page and back by the breadcrumb, keys only.
    tab_until(page, "el => el.tagName === 'A' && el.closest('table.people tbody') !== null", "a person's name")
    name = page.evaluate("() => document.activeElement.textContent.trim()")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.locator("nav.breadcrumb a")).to_have_text("Avance de mi equipo")
    # No action but the activation slip of someone who never activated (tests/test_team_printing.py).
    assert page.locator("main form:not([action$='/hoja-de-activacion'])").count() == 0, "an action on a person"
    assert_no_axe_violations(page, "a team member's page at 390x844")
    save_screenshots(page, "team-person")
    page.set_viewport_size(PHONE)
    tab_until(page, "el => el.closest('nav.breadcrumb') !== null", "the breadcrumb")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base}/equipo/")
    page.set_viewport_size(DESKTOP)
    assert_no_axe_violations(page, "the team report at 1366x768")
