"""Absolute addresses of the portal for mail, PDFs and links handed to people, and the URL converters."""

from __future__ import annotations

from flask import current_app
from werkzeug.routing import IntegerConverter

#: Used when PORTAL_BASE_URL is not set (development only: production refuses to start without it).
FALLBACK_BASE_URL = "http://127.0.0.1:5000"
#: The largest id the database holds: ids are `integer` columns, 32-bit on PostgreSQL (larger values
#: failed there with "integer out of range", and past 2**63 with OverflowError on SQLite).
LARGEST_ID = 2**31 - 1


def base_url() -> str:
    """PORTAL_BASE_URL without its trailing slash, else the fixed local address. Never the request's Host."""
    return (current_app.config.get("BASE_URL") or FALLBACK_BASE_URL).rstrip("/")


def public_url(endpoint: str, **values) -> str:
    """The absolute address of an endpoint for a mail, a PDF or a link handed to someone.

    Built on base_url() only: a link built from the request's Host header would let anyone who
    asks for a password reset with `Host: evil.example` send the person a link to their own site.
    """
    adapter = current_app.url_map.bind("localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/")
    return base_url() + adapter.build(endpoint, values)


def ids_from(values: list[str]) -> list[int]:
    """The ids among posted values, as the URL converter reads them: ASCII digits, at most LARGEST_ID.

    int() alone also takes "+1", " 7 " and "١٢" (Arabic-Indic digits), and ids no database holds.
    """
    return [int(value) for value in values if value.isascii() and value.isdigit() and int(value) <= LARGEST_ID]


class IdConverter(IntegerConverter):
    """`<int:...>` with a ceiling: an id no database can hold is a 404, not an OverflowError (500).

    ASCII digits only: werkzeug's `\\d+` also matched "١٢" (Arabic-Indic), an alias of /12.
    """

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits=0, min=None, max=LARGEST_ID, signed=False):  # noqa: A002 (werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def register_converters(app) -> None:
    """Replace werkzeug's `int` converter for every route; call before any blueprint is registered."""
    app.url_map.converters["int"] = IdConverter
