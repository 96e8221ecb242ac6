"""A flashed message that carries one POST button, such as "Deshacer" after a deletion.

base.html shows it like any flashed message, with the button in a form of its own (CSRF token included).
"""

from __future__ import annotations

from flask import flash


def flash_with_button(text: str, category: str, *, action: str, button: str) -> None:
    """Flash `text` with a button that posts to `action` (a URL of this portal)."""
    flash({"text": str(text), "action": action, "button": str(button)}, category)
