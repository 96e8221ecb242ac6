"""Lesson Markdown to safe HTML: markdown-it-py renders, nh3 removes anything active."""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

ALLOWED_TAGS = {
    "a",
    "blockquote",
    "br",
    "code",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"}}


UPLOADS_PREFIX = "/medios/"


def _portal_images_only(tag, attribute, value):
    # Images come from the portal's own uploads; a remote src would leak who reads what.
    if tag == "img" and attribute == "src" and not value.startswith(UPLOADS_PREFIX):
        return None
    return value


_HEADING_TAG = re.compile(r"<(/?)h([1-6])>")


def _shift_headings(html: str) -> str:
    """Make the lesson's top heading level <h2>: the page title is the only <h1>."""
    levels = [int(level) for _, level in _HEADING_TAG.findall(html)]
    if not levels:
        return html
    shift = 2 - min(levels)
    return _HEADING_TAG.sub(lambda match: f"<{match.group(1)}h{min(6, int(match.group(2)) + shift)}>", html)


def render_markdown(source: str) -> Markup:
    """Return sanitised HTML for a lesson body, headings starting at <h2>."""
    html = _shift_headings(_renderer.render(source or ""))
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        attribute_filter=_portal_images_only,
        link_rel="noopener noreferrer",
    )
    # B704 is a false positive here: `cleaned` is nh3's output with the allow-lists above.
    return Markup(cleaned)  # noqa: S704  # nosec B704
