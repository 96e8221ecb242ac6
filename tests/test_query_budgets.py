"""No page runs more SQL queries because there are more people, modules, attempts or events.

Every GET page of the app is read, as every persona allowed to see it, once in a small
municipality and again after it has grown; any page whose query count changed is reading
something row by row (an N+1). The personas keep their place on the path while it grows (see
`Municipality.grow`), so each page shows the same state both times.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from portal.auth import sessions
from tests.helpers import counting_queries
from tests.municipality import Municipality, fetch

#: Pages whose query count may follow the data, and why. Keep this short: each entry is a page
#: that gets slower as the municipality grows.
DATA_DEPENDENT: dict[str, str] = {
    "reports.certificates_zip": (
        "a PDF per person with a certificate, each with its path's scores (a fixed number of queries per "
        "certificate), at most CERTIFICATES_PER_ZIP of them; building the PDFs costs more than the queries"
    ),
}


@pytest.fixture(autouse=True)
def no_session_touch(monkeypatch):
    # A sign-in's last_seen_at is written at most once a minute; on a slow machine that write
    # would land in one of the two readings and look like growth.
    monkeypatch.setattr(sessions, "TOUCH_INTERVAL", timedelta(days=1))


def read_every_page(town: Municipality) -> dict[tuple[str, str], tuple[str, int, list[str]]]:
    """{(persona, url): (endpoint, status, statements)} for every visit."""
    readings = {}
    for persona, endpoint, visit in town.visits():
        with counting_queries(town.app) as statements:
            response = fetch(town.clients[persona], visit.url)
        assert response.status_code == visit.status, (persona, visit.url, response.status_code)
        readings[persona, visit.url] = (endpoint, response.status_code, list(statements))
    return readings


def repeated(before: list[str], after: list[str]) -> str:
    """The statements that ran more often after growing: usually the N+1's query."""
    extra = Counter(after) - Counter(before)
    return "; ".join(f"{times}x {' '.join(sql.split())[:160]}" for sql, times in extra.most_common(2))


def test_no_page_runs_more_queries_when_the_municipality_grows(app):
    town = Municipality.build(app, people=3, audit_events=3)
    small = read_every_page(town)
    town.grow(people=25, modules=2, attempts=2, audit_events=60)
    grown = read_every_page(town)

    assert grown.keys() == small.keys()
    growing = [
        f"{persona} {url}: {len(small[persona, url][2])} -> {len(statements)} queries; "
        + repeated(small[persona, url][2], statements)
        for (persona, url), (endpoint, _, statements) in grown.items()
        if endpoint not in DATA_DEPENDENT and len(statements) != len(small[persona, url][2])
    ]
    assert not growing, "query counts changed with the amount of data:\n" + "\n".join(growing)
