"""Runtime settings: a value stored by an administrator wins over the configuration of the same key.

All stored settings are read with one query the first time a request needs any of them and kept in
`flask.g`, so a page costs the same number of queries however often it uses them.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app, g, has_request_context
from sqlalchemy import select

from portal import audit
from portal.extensions import db
from portal.models.settings import Setting

#: Keys administrators may change, with the type their text converts to.
TYPES: dict[str, type] = {
    "ONBOARDING_DAYS": int,
    "REMINDER_INTERVAL_DAYS": int,
    "ACTIVATION_CODE_DAYS": int,
    #: 0 turns renewal off even when the configuration sets it.
    "RENEWAL_MONTHS": int,
    "INSTITUTION_NAME": str,
    #: File name of the uploaded logo under instance/branding/; no configuration default.
    "LOGO": str,
    #: Largest document a trainer may attach to a lesson, in MB.
    "ATTACHMENT_MAX_MB": int,
    #: Largest video a trainer may put in a lesson, in MB.
    "VIDEO_MAX_MB": int,
}

_CACHE = "_portal_settings"
#: Every page reads this (the institution's name): built once, as plain rows, and run on the session's
#: connection, since a Core statement gains nothing from the ORM's execution (a third of a request's
#: cost for it); store() flushes before forget(), so nothing pending is missed.
_ALL_STORED = select(Setting.key, Setting.value)


def _stored() -> dict[str, str]:
    cached = g.get(_CACHE) if has_request_context() else None
    if cached is None:
        cached = {key: value for key, value in db.session.connection().execute(_ALL_STORED)}
        if has_request_context():
            setattr(g, _CACHE, cached)
    return cached


def effective(key: str):
    """The stored value of `key` converted to its type, else current_app.config[key] (None if unset)."""
    if key not in TYPES:
        raise KeyError(key)
    value = _stored().get(key)
    if value is None:
        return current_app.config.get(key)
    try:
        return TYPES[key](value)
    except ValueError:
        current_app.logger.error("setting %s holds an unusable value %r", key, value)
        return current_app.config.get(key)


def _meaning(key: str, value):
    """A value as it acts: no renewal months and 0 both mean that completions never expire."""
    if key == "RENEWAL_MONTHS":
        return value or None
    return value


def store(values: dict[str, object], actor_id: int | None = None) -> dict[str, dict]:
    """Save these settings (None deletes one, so the configuration applies again); flushes.

    Records "settings.changed" with the effective values before and after of the keys that changed,
    and returns those changes (audit.changes); saving the same values records nothing.
    """
    before, after = {}, {}
    for key, value in values.items():
        if key not in TYPES:
            raise KeyError(key)
        current = effective(key)
        before[key] = _meaning(key, current)
        row = db.session.get(Setting, key)
        if value is None:
            if row is not None:
                db.session.delete(row)
        elif row is None:
            if value == current:
                # Keep following the configuration: saving the page untouched stores nothing.
                after[key] = before[key]
                continue
            db.session.add(Setting(key=key, value=str(value)))
        else:
            row.value = str(value)
        db.session.flush()
        forget()
        after[key] = _meaning(key, effective(key))
    changed = audit.changes(before, after)
    if changed:
        audit.record("settings.changed", actor_id=actor_id, changes=changed)
    return changed


def forget() -> None:
    """Drop this request's cached values (after a change)."""
    if has_request_context():
        g.pop(_CACHE, None)


def branding_folder() -> Path:
    """instance/branding/, where the uploaded logo lives (created on first use)."""
    folder = Path(current_app.instance_path) / "branding"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def logo_path() -> Path | None:
    """The uploaded logo's file, or None when there is none."""
    name = effective("LOGO")
    path = branding_folder() / name if name else None
    return path if path is not None and path.is_file() else None
