"""Every page a person reaches by following links, as each role, passes axe-core (WCAG 2.1 A/AA) on a phone.

The other browser tests check pages someone listed. This one signs in as each persona of
tests/test_access_rules.py in a richly filled municipality (tests/municipality.py), starts from a
few entry points (the dashboard, the password pages, a page that does not exist, a page the role
may not see) and follows every same-site link it finds by GET: it never submits a form, so it
never signs out. Each address is first asked for with HEAD: redirects are followed by queueing
their target, answers that are not HTML (CSV, XLSX, PDF, JSON, images) are downloads and are
skipped, a 5xx fails. Addresses differing only in the order of their query string are one page,
and each url_map rule is visited at most PER_RULE times per role, so the crawl is bounded and yet
reaches every kind of page. A GET page that no role reached fails the test too: it is either
unreachable from the portal's own links or missing from the entry points here.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import axe_playwright_python
import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from portal.extensions import db
from portal.models.user import User
from tests.browser.test_learner_browser import AXE_TAGS, PHONE, save_screenshots, sign_in
from tests.municipality import Municipality, allowed, get_endpoints
from tests.test_access_rules import PERSONAS

pytestmark = pytest.mark.browser

#: At most this many addresses per url_map rule and role (lessons, questions, report pages...).
PER_RULE = 4
#: The crawl must check at least this many pages in all.
MIN_PAGES = 150
NOT_FOUND = "/esta-pagina-no-existe"
#: A set-password link that was never issued: the "link no longer valid" page.
BAD_TOKEN = "/clave/enlace-que-no-existe"
#: A page only administrators may see: the 403 page for staff, trainers and HR.
FORBIDDEN = "/admin/cuentas"
#: GET endpoints that answer something other than a page for every role: JSON, images, a redirect.
#: reports.job_state: the JSON a job's progress page reads from its script, not a page.
NOT_PAGES = {
    "health.healthz",
    "branding.logo",
    "learning.media",
    "learning.attachment",
    "learning.video",
    "learning.captions",
    "static",
    "admin.index",
    "reports.job_state",
}

AXE_SCRIPT = Path(axe_playwright_python.__file__).with_name("axe.min.js")
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"], "preload": False}
#: Scroll containers that a keyboard cannot reach or a screen reader cannot name. axe flags one only
#: when its content overflows at the moment it looks; a table that fits today overflows tomorrow with
#: a longer name, so every container that may scroll must be focusable and named.
UNREACHABLE_SCROLLERS = """() => [...document.querySelectorAll('body *')].filter(element => {
    const style = getComputedStyle(element);
    const scrolls = ['auto', 'scroll'].includes(style.overflowX) || ['auto', 'scroll'].includes(style.overflowY);
    if (!scrolls || ['TEXTAREA', 'SELECT'].includes(element.tagName)) return false;
    return element.tabIndex < 0 || !(element.getAttribute('aria-labelledby') || element.getAttribute('aria-label'));
}).map(element => element.outerHTML.slice(0, 160))"""


@dataclass
class Crawl:
    """What one role's crawl saw."""

    pages: dict[str, str] = field(default_factory=dict)  # url -> endpoint, HTML pages checked with axe
    downloads: list[str] = field(default_factory=list)
    redirects: list[str] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    capped: int = 0
    seconds: Counter = field(default_factory=Counter)  # where the time went: request, goto, axe


def normalised(url: str) -> str:
    """The address without its fragment, its query string's parameters in sorted order."""
    parts = urlsplit(url)
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, ""))


def endpoint_of(app: Flask, path: str) -> str:
    """The url_map rule a path belongs to, or a stand-in name for paths no rule matches."""
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _ = adapter.match(path, method="GET")
    except RequestRedirect:
        return "<redirect>"
    except HTTPException as error:
        return f"<{error.code}>"
    return endpoint


def describe(violations: list[dict]) -> list[str]:
    lines = []
    for violation in violations:
        node = violation["nodes"][0]
        lines.append(
            f"{violation['id']} ({violation['impact']}, {len(violation['nodes'])} nodes): {violation['help']}; "
            f"{node['target']}: {node['html'][:160]}"
        )
    return lines


def crawl(app: Flask, context: BrowserContext, base_url: str, seeds: list[str]) -> Crawl:
    """Visit every same-site address reachable from `seeds` by links, within PER_RULE per rule."""
    result = Crawl()
    page = context.new_page()
    page.set_viewport_size(PHONE)
    origin = urlsplit(base_url).netloc
    queue = deque(normalised(base_url + seed) for seed in seeds)
    seen: set[str] = set()
    per_rule: Counter = Counter()
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        path = urlsplit(url).path
        endpoint = endpoint_of(app, path)
        if per_rule[endpoint] >= PER_RULE:
            result.capped += 1
            continue
        per_rule[endpoint] += 1
        # The request shares the context's cookies; redirects are queued, not followed, so they count
        # against their own rule's cap. (HEAD would not do: some views treat any non-GET as a post.)
        t0 = time.monotonic()
        answer = context.request.get(url, max_redirects=0)
        result.seconds["request"] += time.monotonic() - t0
        status, content_type = answer.status, answer.headers.get("content-type", "")
        answer.dispose()
        result.statuses[status] += 1
        if status >= 500:
            result.server_errors.append(f"{status} {url}")
            continue
        if 300 <= status < 400:
            result.redirects.append(url)
            target = normalised(urljoin(url, answer.headers.get("location", "")))
            if urlsplit(target).netloc == origin:
                queue.append(target)
            continue
        if not content_type.startswith("text/html"):
            result.downloads.append(url)
            continue
        t0 = time.monotonic()
        response = page.goto(url)
        result.seconds["goto"] += time.monotonic() - t0
        assert response is not None and response.status == status, f"{url}: {status}, then {response.status}"
        t0 = time.monotonic()
        found = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)["violations"]
        result.seconds["axe"] += time.monotonic() - t0
        result.violations += [f"{url}: {line}" for line in describe(found)]
        unreachable = page.evaluate(UNREACHABLE_SCROLLERS)
        result.violations += [f"{url}: scroll container without tabindex=0 and a name: {html}" for html in unreachable]
        result.pages[url] = endpoint
        links = page.eval_on_selector_all("a[href]", "links => links.map(link => link.href)")
        for link in links:
            if urlsplit(link).netloc == origin and urlsplit(link).scheme in ("http", "https"):
                queue.append(normalised(link))
    page.close()
    return result


def test_every_reachable_page_passes_axe(browser: Browser, live_server, make_app, capsys):
    started = time.monotonic()
    # Built through an app without CSRF (Municipality signs its test clients in); the live server
    # serves the same database as deployed.
    town = Municipality.build(make_app(), people=60, audit_events=60)
    app, base_url = live_server.app, live_server.url
    built = time.monotonic() - started
    # The certificates ZIP of everyone would build 60 PDFs only to be skipped as a download: over
    # this limit the link answers at once with the "narrow the filters" message.
    zip_limit = app.config["CERTIFICATES_PER_ZIP"]
    app.config["CERTIFICATES_PER_ZIP"] = 5
    try:
        crawl_everyone(browser, app, base_url, town, capsys, started, built)
    finally:
        app.config["CERTIFICATES_PER_ZIP"] = zip_limit


def crawl_everyone(browser: Browser, app, base_url: str, town: Municipality, capsys, started: float, built: float):
    with app.app_context():
        emails = {persona: db.session.get(User, user_id).email for persona, user_id in town.user_ids.items()}
        # Deactivated accounts are listed last, past the per-rule cap: their pages (and the
        # anonymisation page linked only from them) are entry points of their own.
        inactive = town._person("Rodrigo Esteban Villalobos Araya", email=True, department_index=1)
        inactive.active = False
        db.session.commit()
        # HR's page of a person with a long history holds certificate downloads (also past the cap).
        entry_points = {
            "admin": [f"/admin/cuentas/{inactive.id}"],
            "hr": [f"/rrhh/personas/{inactive.id}", f"/rrhh/personas/{town.target_id}"],
            # The one lesson with an older version (other lessons' version lists hold only the current one).
            "trainer": [f"/capacitacion/modulos/{town.long_slug}/lecciones/{town.long_lesson_id}/versiones"],
        }

    revisions = f"/capacitacion/modulos/{town.long_slug}/versiones?desde=1&hasta=3"
    crawls: dict[str, Crawl] = {}
    for persona in PERSONAS:
        context = browser.new_context(viewport=PHONE, locale="es-CL")
        context.add_init_script(path=AXE_SCRIPT)
        try:
            seeds = [NOT_FOUND, "/clave/olvido", f"/clave/{town.password_token}", BAD_TOKEN, FORBIDDEN]
            if persona == "anonymous":
                seeds = ["/login", f"/verificar/{town.certificate_code}", *seeds]
            else:
                page = context.new_page()
                sign_in(page, base_url, emails[persona])
                page.close()
                seeds = ["/", *seeds, *entry_points.get(persona, [])]
            crawls[persona] = crawl(app, context, base_url, seeds)
            if persona == "trainer":  # the pages whose tables this test made focusable, as people see them
                page = context.new_page()
                for name, path in (("training-index", "/capacitacion/"), ("training-revisions", revisions)):
                    page.goto(base_url + path)
                    save_screenshots(page, f"crawl-{name}")
                page.close()
        finally:
            context.close()

    total = sum(len(result.pages) for result in crawls.values())
    seconds = sum((result.seconds for result in crawls.values()), Counter())
    lines = [
        f"accessibility crawl: {total} pages checked with axe at 390x844 in {time.monotonic() - started:.0f} s "
        f"(building the municipality {built:.0f} s, "
        + ", ".join(f"{step} {value:.0f} s" for step, value in seconds.items())
        + ")"
    ]
    for persona, result in crawls.items():
        lines.append(
            f"  {persona}: {len(result.pages)} pages, {len(result.downloads)} downloads skipped, "
            f"{result.capped} addresses over the per-rule cap, statuses {dict(sorted(result.statuses.items()))}"
        )
    with capsys.disabled():
        print("\n" + "\n".join(lines))

    server_errors = [f"{persona}: {error}" for persona, r in crawls.items() for error in r.server_errors]
    assert not server_errors, "pages answering 5xx:\n" + "\n".join(server_errors)
    violations = [f"{persona}: {line}" for persona, r in crawls.items() for line in r.violations]
    assert not violations, f"axe: {len(violations)} WCAG 2.1 A/AA violations:\n" + "\n".join(violations)
    assert total >= MIN_PAGES, "\n".join(lines)

    # Every GET page some role may see was reached by some role, the error pages included.
    reached = {endpoint for result in crawls.values() for endpoint in result.pages.values()}
    not_html = {endpoint_of(app, urlsplit(url).path) for r in crawls.values() for url in r.downloads + r.redirects}
    pages = {e for e in get_endpoints(app) if e not in NOT_PAGES and any(allowed(app, e, r) for r in PERSONAS.values())}
    assert sorted(pages - reached - not_html) == [], "GET pages no link led to: link them or add an entry point"
    assert "<404>" in reached
    assert all(result.statuses[403] for persona, result in crawls.items() if persona in ("staff", "trainer", "hr"))
