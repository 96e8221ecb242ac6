"""The second reference of bench.pages: a bare Flask "hello", served by the same gunicorn settings.

What any request costs on this server and machine before the portal does anything (no database,
session, template, translation or header). The portal's reference page as a share of this is the
portal's fixed cost per request; bench.pages prints every page's ratio to both references.
"""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"


@app.get("/healthz")
def health():  # bench.pages waits for this before measuring, as for the portal
    return "ok"
