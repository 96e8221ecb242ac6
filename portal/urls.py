"""Absolute addresses of the portal for mail, PDFs and links handed to people."""

from __future__ import annotations

from flask import current_app, has_request_context, url_for

#: Used outside a request (CLI) when PORTAL_BASE_URL is not set.
FALLBACK_BASE_URL = "http://127.0.0.1:5000"


def public_url(endpoint: str, **values) -> str:
    """PORTAL_BASE_URL + the path when configured (right behind a proxy), else the request's host."""
    base = current_app.config.get("BASE_URL")
    if not base and has_request_context():
        return url_for(endpoint, _external=True, **values)
    adapter = current_app.url_map.bind("localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/")
    return (base or FALLBACK_BASE_URL).rstrip("/") + adapter.build(endpoint, values)
