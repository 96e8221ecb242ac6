"""Every page, as every persona, weighs under 100 KB with everything it loads.

Weight is what a browser with an empty cache transfers, uncompressed: the HTML plus each
stylesheet, script and image the page references (link href, script src, img src, and url()
inside the stylesheets), each fetched once through the same signed-in client. The data fills
every paginated list (50 people in HR's report, 50 audit events, 25 accounts) and gives the
trainers' pages a 20-question quiz with three revisions and statistics; see tests/municipality.py.

Known limits (sizes measured with this data): the question statistics page costs about 2.6 KB per
question and the quiz editor about 2.3 KB, so a quiz of about 25 questions takes them past the
budget; HR's reminders page lists every person who has not finished, about 0.8 KB each, with no
pagination.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from tests.municipality import Municipality, fetch, get_endpoints

BUDGET = 100 * 1024
#: Endpoints that answer something other than an HTML page, and why they carry no budget.
NOT_PAGES = {
    "health.healthz": "plain-text probe for load balancers",
    "branding.logo": "an image: counted in every page that shows it",
    "learning.media": "an image: counted in the lessons that show it",
    "learning.attachment": "a document download (PDF, DOCX, XLSX, ODT)",
    "learning.video": "a lesson's video (MP4, WebM), fetched by the player in ranges once it plays",
    "learning.captions": "a video's captions (WebVTT)",
    "learning.certificate": "a PDF download",
    "learning.my_data": "a JSON download",
    "training.export": "a JSON download",
    "reports.export_csv": "a CSV download",
    "reports.export_xlsx": "an XLSX download",
    "reports.person_certificate": "a PDF download",
    "reports.certificates_zip": "a ZIP download",
    "reports.job_result": "a ZIP download (a job's file)",
    "reports.job_state": "the JSON its progress page's script reads",
    "admin.export_audit_csv": "a CSV download",
    "admin.export_audit_xlsx": "an XLSX download",
    "admin.index": "redirects to the accounts page",
}
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)""")


class References(HTMLParser):
    """Addresses of what the browser fetches to show the page."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and {"stylesheet", "icon", "preload", "modulepreload"} & set((attrs.get("rel") or "").split()):
            self.urls.append(attrs.get("href") or "")
        elif tag in ("script", "img") and attrs.get("src"):
            self.urls.append(attrs["src"])


def page_weight(client, url: str, html: bytes, fetched: dict[str, bytes]) -> tuple[int, list[tuple[str, int]]]:
    """Total bytes of the page and what it loads; (total, [(what, bytes), ...])."""
    parser = References()
    parser.feed(html.decode("utf-8"))
    parts = [("HTML", len(html))]
    queue = [urljoin(url, ref) for ref in parser.urls]
    seen = set()
    while queue:
        ref = queue.pop(0)
        if ref in seen or ref.startswith("data:"):
            continue  # inline data is already part of the HTML or stylesheet
        seen.add(ref)
        assert not urlsplit(ref).netloc, f"{url} loads {ref} from another site"
        if ref not in fetched:
            response = fetch(client, ref)
            assert response.status_code == 200, f"{url} references {ref}, which answers {response.status_code}"
            fetched[ref] = response.get_data()
        parts.append((ref, len(fetched[ref])))
        if ref.split("?")[0].endswith(".css"):
            css = fetched[ref].decode("utf-8")
            queue += [urljoin(ref, found) for found in _CSS_URL.findall(css)]
    return sum(size for _, size in parts), parts


def kb(size: int) -> str:
    return f"{size / 1024:.1f} KB"


def test_every_page_with_everything_it_loads_stays_under_100_kb(app):
    town = Municipality.build(app)
    weights, wrong_status, measured = [], [], set()
    fetched: dict[str, dict[str, bytes]] = {persona: {} for persona in town.clients}
    for persona, endpoint, visit in town.visits():
        client = town.clients[persona]
        response = fetch(client, visit.url)
        if response.status_code != visit.status:
            wrong_status.append(f"{persona} {visit.url}: {response.status_code}, expected {visit.status}")
            continue
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        measured.add(endpoint)
        total, parts = page_weight(client, visit.url, response.get_data(), fetched[persona])
        weights.append((total, persona, visit.url, parts))

    assert not wrong_status, "pages did not answer as expected:\n" + "\n".join(wrong_status)
    unmeasured = set(get_endpoints(app)) - measured - set(NOT_PAGES)
    assert not unmeasured, f"no persona saw these pages, so they were not weighed: {sorted(unmeasured)}"
    over = [
        f"{persona} {url}: {kb(total)} = " + " + ".join(f"{what} {kb(size)}" for what, size in parts)
        for total, persona, url, parts in sorted(weights, reverse=True)
        if total >= BUDGET
    ]
    assert not over, f"pages over {kb(BUDGET)}:\n" + "\n".join(over)
