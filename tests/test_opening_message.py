"""The message a page opens with is the one element that takes focus on load; the error summary first.

The browser side (focus, the next Tab, no JavaScript) is in tests/browser/test_announce_browser.py;
these check the page as served: which element carries the focus attributes, and that announce.js is
loaded only where there is something to announce.
"""

from __future__ import annotations

import re

from portal.vocabulary import STAFF, TRAINER
from tests.helpers import SLUGS

MODULE = f"/capacitacion/modulos/{SLUGS[0]}"
FOCUS = 'tabindex="-1" autofocus data-announce'


def announced(html: str) -> list[str]:
    """The opening tags that carry the focus-on-load attributes."""
    return re.findall(rf"<[^>]*{FOCUS}[^>]*>", html)


def loads_announce_js(html: str) -> bool:
    return re.search(r'<script src="/static/js/announce\.[0-9a-f]+\.js" defer>', html) is not None


def test_a_flashed_message_after_a_redirect_is_the_one_focused_on_load(client, login_as):
    login_as(STAFF, TRAINER)
    quiet = client.get(MODULE).get_data(as_text=True)
    assert announced(quiet) == [] and not loads_announce_js(quiet)

    response = client.post(f"{MODULE}/lecciones/1/eliminar", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert announced(html) == [f'<div class="flashes" {FOCUS}>'], html
    assert loads_announce_js(html)
    # The undo button sits inside the focused element: the next Tab reaches it.
    flashes = html[html.index('<div class="flashes"') : html.index("</form>", html.index('<div class="flashes"'))]
    assert ">Deshacer</button>" in flashes


def test_a_refused_form_focuses_its_error_summary_not_a_flashed_message(client, login_as):
    login_as(STAFF, TRAINER)
    # A flashed message still waiting (its redirect not followed), then a form sent empty: the
    # answer shows both, and only the error summary takes focus.
    assert client.post(f"{MODULE}/lecciones/1/eliminar").status_code == 302
    html = client.post("/capacitacion/modulos/nuevo", data={}).get_data(as_text=True)
    assert "se movió a la Papelera" in html and "Revise los campos marcados." in html
    # The answer to a form says so: announce.js then ignores a #part the address kept from before.
    assert announced(html) == [f'<div class="error-summary" role="alert" {FOCUS}="answer">'], announced(html)
    assert loads_announce_js(html)
    # Shown where they always were: the flashed messages above the page's own content.
    assert html.index('<div class="flashes"') < html.index("<h1") < html.index('<div class="error-summary"')
