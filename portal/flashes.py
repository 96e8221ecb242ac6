"""The messages a page opens with: flashed ones (one may carry a POST button) and which of them takes focus.

base.html shows flashed messages, a button in a form of its own (CSRF token included). A message
already in the page when it loads is not read by screen readers (a live region speaks only of
changes), so the first message a page opens with takes focus on load, as GOV.UK's notification
banner and error summary do: the error summary of a refused form when there is one, otherwise the
flashed messages (see opening_message()).
"""

from __future__ import annotations

from flask import flash, request
from markupsafe import Markup

#: What makes an element the one focused on load: focusable by script only, focused by the browser
#: itself where autofocus works on any element (no JavaScript needed), and found by static/js/announce.js
#: where it does not. On the answer to a form, "answer" tells the script that the address's #part is the
#: one the page had before the form was sent (a form without an action posts to it), not a place to go.
_FOCUS_ON_LOAD = Markup(' tabindex="-1" autofocus data-announce')
_FOCUS_ON_LOAD_ANSWER = Markup(' tabindex="-1" autofocus data-announce="answer"')
#: Kept in the request's environ, not in g: an application context (and its g) may outlive one request.
_CLAIMED = "portal.opening_message"


def flash_with_button(text: str, category: str, *, action: str, button: str) -> None:
    """Flash `text` with a button that posts to `action` (a URL of this portal)."""
    flash({"text": str(text), "action": action, "button": str(button)}, category)


def opening_message() -> Markup:
    """The attributes that make an element the message focused on load, for the first caller of a request only.

    base.html renders the page's content before its flashed messages, so an error summary claims
    focus first (the macro in _macros/forms.html, or a page's own summary of a refused submission:
    a quiz sent with questions unanswered, a question, an import) and the flashed messages, asking
    after it, get nothing: one element per page, and focus is never moved twice. A summary of
    standing problems shown on a plain GET (the quiz draft's) does not ask: a flashed message there
    is what just happened.
    """
    if request.environ.get(_CLAIMED):
        return Markup("")
    request.environ[_CLAIMED] = True
    return _FOCUS_ON_LOAD if request.method in ("GET", "HEAD") else _FOCUS_ON_LOAD_ANSWER


def page_opens_with_message() -> bool:
    """Whether an element of this page claimed focus on load (base.html then loads announce.js)."""
    return bool(request.environ.get(_CLAIMED))
