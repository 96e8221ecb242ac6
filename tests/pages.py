"""Reading pages as a browser would: the forms a page holds, and what a database holds.

`forms_on(html, page_url)` finds every form with the values a browser would send if the person
pressed its first button without touching anything. `snapshot(app)` dumps every table of the
models, so a test can tell whether anything changed and name the rows that did.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from sqlalchemy import select

from portal.extensions import db

#: Inputs a person types into or ticks; hidden inputs and buttons are the page's, not the person's.
EDITABLE_INPUTS = {"text", "email", "date", "number", "checkbox", "radio", "file", "search", "tel", "url", "password"}
#: Columns that record when something was last used, not what it holds.
USAGE_TIMESTAMPS = {"last_seen_at", "last_viewed_at"}
#: The audit log grows with every action, on purpose; tests that need it read it themselves.
APPEND_ONLY_TABLES = {"audit_event"}


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    #: Names of the controls a person can change (text, select, checkbox...).
    editable: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def path(self) -> str:
        return urlsplit(self.action).path

    def data(self) -> dict:
        """The form body as the test client takes it (lists for repeated names, empty files)."""
        body: dict[str, list] = {}
        for name, value in self.fields:
            body.setdefault(name, []).append(value)
        return {**body, **{name: [] for name in self.files}}


class _FormParser(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self.current: Form | None = None
        self.pressed = False
        self.select: tuple[str, bool, list[tuple[str, bool]]] | None = None
        self.option_value: str | None = None
        self.option_text = ""
        self.textarea: str | None = None
        self.textarea_text = ""

    def handle_starttag(self, tag, attrs):
        attributes = {key: (value if value is not None else "") for key, value in attrs}
        if tag == "form":
            action = urljoin(self.page_url, attributes.get("action") or self.page_url)
            self.current = Form(action=action, method=(attributes.get("method") or "get").lower())
            self.pressed = False
            return
        form = self.current
        if form is None or "disabled" in attributes:
            return
        name = attributes.get("name")
        if tag == "input":
            kind = attributes.get("type", "text").lower()
            if kind in ("submit", "image", "button", "reset"):
                if kind == "submit" and not self.pressed:
                    self.pressed = True
                    if name:
                        form.fields.append((name, attributes.get("value", "")))
                return
            if not name:
                return
            if kind in EDITABLE_INPUTS:
                form.editable.append(name)
            if kind == "file":
                form.files.append(name)
            elif kind in ("checkbox", "radio"):
                if "checked" in attributes:
                    form.fields.append((name, attributes.get("value", "on")))
            else:
                form.fields.append((name, attributes.get("value", "")))
        elif tag == "button":
            if attributes.get("type", "submit").lower() == "submit" and not self.pressed:
                self.pressed = True
                if name:
                    form.fields.append((name, attributes.get("value", "")))
        elif tag == "select" and name:
            form.editable.append(name)
            self.select = (name, "multiple" in attributes, [])
        elif tag == "option" and self.select is not None:
            self.option_value = attributes.get("value")
            self.option_text = ""
            self.select[2].append(("", "selected" in attributes))
        elif tag == "textarea" and name:
            form.editable.append(name)
            self.textarea = name
            self.textarea_text = ""

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea_text += data
        elif self.select is not None and self.option_value is None and self.select[2]:
            self.option_text += data

    def handle_endtag(self, tag):
        if tag == "option" and self.select is not None and self.select[2]:
            value = self.option_value if self.option_value is not None else self.option_text.strip()
            self.select[2][-1] = (value, self.select[2][-1][1])
            self.option_value = None
        elif tag == "select" and self.select is not None and self.current is not None:
            name, multiple, options = self.select
            chosen = [value for value, selected in options if selected]
            if not chosen and not multiple and options:
                chosen = [options[0][0]]  # a browser sends the first option when none is selected
            self.current.fields.extend((name, value) for value in (chosen if multiple else chosen[-1:]))
            self.select = None
        elif tag == "textarea" and self.textarea is not None and self.current is not None:
            # Browsers drop the line break that follows <textarea> and send line breaks as CRLF.
            text = self.textarea_text.replace("\r\n", "\n").removeprefix("\n")
            self.current.fields.append((self.textarea, text.replace("\n", "\r\n")))
            self.textarea = None
        elif tag == "form" and self.current is not None:
            self.forms.append(self.current)
            self.current = None


def forms_on(html: str, page_url: str) -> list[Form]:
    parser = _FormParser(page_url)
    parser.feed(html)
    return parser.forms


def snapshot(app) -> dict[str, list[tuple]]:
    """Every row of every table (but the audit log), without usage timestamps, in a stable order."""
    dump = {}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            if table.name in APPEND_ONLY_TABLES:
                continue
            columns = [column for column in table.columns if column.name not in USAGE_TIMESTAMPS]
            rows = db.session.execute(select(*columns)).all()
            dump[table.name] = sorted((tuple(row) for row in rows), key=repr)
        db.session.remove()
    return dump


def changes_between(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> list[str]:
    """Readable lines naming the rows that appeared or disappeared, table by table."""
    lines = []
    for table in sorted(set(before) | set(after)):
        old, new = set(before.get(table, [])), set(after.get(table, []))
        lines += [f"{table}: - {row!r}"[:300] for row in sorted(old - new, key=repr)]
        lines += [f"{table}: + {row!r}"[:300] for row in sorted(new - old, key=repr)]
    return lines
