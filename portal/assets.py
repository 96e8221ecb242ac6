"""Static files under content-hashed names, so that browsers may keep them for a year.

Every `url_for('static', filename='css/portal.css')` comes out as
`/static/css/portal.<hash>.css`, where the hash is taken from the file's bytes. A new release
that changes a file changes its name, so no browser ever has to ask again whether the file it
holds is current: hashed names are served `immutable` for a year.

The manifest (logical name -> hashed name, and the bytes to serve) is built once per process,
when the application is created. In debug mode it is rebuilt when a file under static/
changes, so an edited stylesheet shows up on reload without restarting the server.

Stylesheets may point at fonts or images with relative `url(...)` references. Those are
rewritten to the referenced file's hashed name before the stylesheet itself is hashed, so
changing an image changes the name of every stylesheet that uses it.
"""

from __future__ import annotations

import hashlib
import mimetypes
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, abort, current_app, request

from portal.auth.access import public

STATIC_FOLDER = Path(__file__).resolve().parent / "static"
URL_PATH = "/static"
#: Hex digits of the SHA-256 in a hashed name: enough to tell two versions of one file apart.
DIGEST_LENGTH = 12
IMMUTABLE = "public, max-age=31536000, immutable"
#: For names without the current hash: usable, but the browser must check back every time.
REVALIDATE = "no-cache"

_HASHED_NAME = re.compile(rf"^(?P<stem>.+)\.[0-9a-f]{{{DIGEST_LENGTH}}}(?P<suffix>\.[^./]+)$")
_CSS_URL = re.compile(r"""url\(\s*(?P<quote>['"]?)(?P<ref>[^'")\s]+)(?P=quote)\s*\)""")


@dataclass(frozen=True)
class Asset:
    name: str  #: path under static/, as templates write it: css/portal.css
    hashed_name: str  #: css/portal.3f9a1c2e4b5d.css
    digest: str
    body: bytes  #: what is served (for stylesheets, with their url() references rewritten)
    mimetype: str


@dataclass(frozen=True)
class Manifest:
    folder: Path
    by_name: dict[str, Asset]
    by_hashed_name: dict[str, Asset]
    #: (name, mtime, size) of every file, to notice edits in debug mode.
    signature: tuple


def hashed_name(name: str, digest: str) -> str:
    stem, dot, suffix = name.rpartition(".")
    if not dot or "/" in suffix:
        return f"{name}.{digest}"
    return f"{stem}.{digest}.{suffix}"


def unhashed_name(name: str) -> str | None:
    """css/portal.0123456789ab.css -> css/portal.css; None when the name carries no hash."""
    directory, _, base = name.rpartition("/")
    match = _HASHED_NAME.match(base)
    if match is None:
        return None
    base = match["stem"] + match["suffix"]
    return f"{directory}/{base}" if directory else base


def _signature(folder: Path) -> tuple:
    entries = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            stat = path.stat()
            entries.append((path.relative_to(folder).as_posix(), stat.st_mtime_ns, stat.st_size))
    return tuple(entries)


def build_manifest(folder: Path = STATIC_FOLDER) -> Manifest:
    """Read every file under `folder`, rewrite stylesheets' url() references, hash everything."""
    signature = _signature(folder)
    raw = {name: (folder / name).read_bytes() for name, _, _ in signature}
    assets: dict[str, Asset] = {}

    def asset(name: str, visiting: tuple[str, ...] = ()) -> Asset | None:
        if name in assets:
            return assets[name]
        if name not in raw or name in visiting:  # missing, or a stylesheet cycle: leave as written
            return None
        body = raw[name]
        if name.endswith(".css"):
            body = _rewrite_css(name, body, lambda ref: asset(ref, (*visiting, name)))
        digest = hashlib.sha256(body).hexdigest()[:DIGEST_LENGTH]
        mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        assets[name] = Asset(name, hashed_name(name, digest), digest, body, mimetype)
        return assets[name]

    for name in raw:
        asset(name)
    return Manifest(
        folder=folder,
        by_name=assets,
        by_hashed_name={item.hashed_name: item for item in assets.values()},
        signature=signature,
    )


def _rewrite_css(name: str, body: bytes, resolve) -> bytes:
    """Point relative url() references of the stylesheet `name` at hashed names."""
    directory = posixpath.dirname(name)
    text = body.decode("utf-8")

    def replace(match: re.Match) -> str:
        ref = match["ref"]
        if ref.startswith(("data:", "/", "#")) or ":" in ref.split("/", 1)[0]:
            return match[0]  # inline data, absolute or external: not ours to rename
        path, tail = re.match(r"([^?#]*)(.*)", ref).groups()  # keep ?query and #fragment (fonts use them)
        target = resolve(posixpath.normpath(posixpath.join(directory, path)))
        if target is None:
            return match[0]
        new_ref = posixpath.relpath(target.hashed_name, directory or ".") + tail
        return f"url({match['quote']}{new_ref}{match['quote']})"

    return _CSS_URL.sub(replace, text).encode("utf-8")


def current_manifest(app: Flask | None = None) -> Manifest:
    app = app or current_app
    manifest: Manifest = app.extensions["portal_assets"]
    if app.debug and _signature(manifest.folder) != manifest.signature:
        manifest = app.extensions["portal_assets"] = build_manifest(manifest.folder)
    return manifest


def _hash_static_urls(endpoint: str, values: dict) -> None:
    """url_defaults hook: url_for('static', filename=...) names the current hashed file."""
    if endpoint == "static" and "filename" in values:
        found = current_manifest().by_name.get(values["filename"])
        if found is not None:
            values["filename"] = found.hashed_name


@public
def serve_static(filename: str):
    """A static file: for a year under its hashed name, revalidated every time under any other.

    An unhashed name (a link typed by hand, an old bookmark) or a hash that is not the current
    one (a page rendered by the previous release, still open in a tab or served by a host not
    yet updated) gets today's file with `no-cache` and an ETag. A redirect to the hashed name
    would cost slow connections a second round trip for every such file, and caching today's
    bytes under yesterday's hash for a year must never happen, because another host in the
    middle of a rolling update may still hand out yesterday's file under that very name.
    """
    manifest = current_manifest()
    found = manifest.by_hashed_name.get(filename)
    cache_control = IMMUTABLE
    if found is None:
        found = manifest.by_name.get(filename) or manifest.by_name.get(unhashed_name(filename) or "")
        cache_control = REVALIDATE
    if found is None:
        abort(404)
    response = Response(found.body, mimetype=found.mimetype)
    response.set_etag(found.digest)
    response.headers["Cache-Control"] = cache_control
    return response.make_conditional(request)


def init_static_files(app: Flask) -> None:
    """Serve static/ under hashed names; the app must be created with static_folder=None."""
    app.extensions["portal_assets"] = build_manifest(STATIC_FOLDER)
    app.add_url_rule(f"{URL_PATH}/<path:filename>", endpoint="static", view_func=serve_static)
    app.url_defaults(_hash_static_urls)
