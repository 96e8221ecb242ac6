"""One page of a longer list, for the pages that show people or events 50 at a time."""

from __future__ import annotations

from dataclasses import dataclass

from portal.extensions import db


@dataclass
class Page:
    items: list
    total: int
    page: int
    pages: int


def _bounded(total: int, page: int, size: int) -> tuple[int, int]:
    pages = max(1, -(-total // size))
    return min(max(1, page), pages), pages


def paginate(query, count_query, page: int, size: int) -> Page:
    """Run `query` for one page (a page past the end shows the last one)."""
    total = db.session.scalar(count_query) or 0
    page, pages = _bounded(total, page, size)
    items = list(db.session.execute(query.limit(size).offset((page - 1) * size)))
    return Page(items=items, total=total, page=page, pages=pages)


def paginate_list(items: list, page: int, size: int) -> Page:
    """The same for a list already in memory."""
    page, pages = _bounded(len(items), page, size)
    return Page(items=items[(page - 1) * size : page * size], total=len(items), page=page, pages=pages)
