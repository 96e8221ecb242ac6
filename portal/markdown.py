"""Lesson Markdown to safe HTML: markdown-it-py renders, nh3 removes anything active."""

from __future__ import annotations

import re
from functools import lru_cache

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


#: The only image addresses a lesson may hold: an uploaded file's own name under the media route.
#: Anything else (a remote host, "/medios/../rrhh/exportar.xlsx", "%2e%2e") would make every reader's
#: browser fetch it: a leak of who reads what, or a request in their name to another page of the portal.
PORTAL_IMAGE_SRC = re.compile(r"/medios/[A-Za-z0-9_-]+\.(?:png|jpe?g|webp)")


def _portal_images_only(tag, attribute, value):
    if tag == "img" and attribute == "src" and not PORTAL_IMAGE_SRC.fullmatch(value):
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


@lru_cache(maxsize=64)
def render_lesson_body(source: str) -> Markup:
    """render_markdown for the body of a lesson as stored, which every reader's request renders again:
    kept per process by its text, which alone decides the HTML, so an edited lesson (a new text) is
    rendered anew and never served stale. Previews of typed text use render_markdown."""
    return render_markdown(source)


#: Words a minute for the estimate: slower than a practised reader (about 230 in Spanish), because
#: many people on the path read with difficulty or on a phone; an estimate that runs short discourages.
READING_WORDS_PER_MINUTE = 180
_MARKUP = re.compile(r"!\[[^\]]*\]\([^)]*\)|\]\([^)]*\)|[#>*_`|\[\]-]+")


def reading_minutes(*sources: str) -> int:
    """Estimated minutes to read these lessons' Markdown (at least 1): words of text, not of markup."""
    words = sum(len(_MARKUP.sub(" ", source or "").split()) for source in sources)
    return max(1, round(words / READING_WORDS_PER_MINUTE))
