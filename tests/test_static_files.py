"""Static files under content-hashed names, cached for a year; the logo and lesson images too."""

import hashlib
import re
from pathlib import Path

from flask import url_for

from portal.assets import DIGEST_LENGTH, STATIC_FOLDER, build_manifest, unhashed_name
from portal.extensions import db
from portal.settings import store
from portal.uploads import upload_folder
from portal.vocabulary import STAFF, TRAINER

IMMUTABLE = "public, max-age=31536000, immutable"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def static_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_every_static_url_names_its_content_and_is_cached_for_a_year(client, login_as):
    login_as(STAFF, TRAINER)
    pages = ["/", "/capacitacion/modulos/mision-y-vision/cuestionario/preguntas/nueva"]
    urls = {url for page in pages for url in static_urls(client.get(page).get_data(as_text=True))}
    assert any(url.endswith(".css") for url in urls) and any(url.endswith(".js") for url in urls), urls
    for url in urls:
        name = url.removeprefix("/static/")
        logical = unhashed_name(name)
        assert logical is not None, f"{url} carries no content hash"
        on_disk = (STATIC_FOLDER / logical).read_bytes()
        assert f".{hashlib.sha256(on_disk).hexdigest()[:DIGEST_LENGTH]}." in name, url
        response = client.get(url)
        assert response.status_code == 200 and response.data == on_disk, url
        assert response.headers["Cache-Control"] == IMMUTABLE
        # Neither the session cookie nor a Vary on it: a cookie change must not evict the file.
        assert "Set-Cookie" not in response.headers and "Cookie" not in response.headers.get("Vary", "")
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_plain_and_stale_names_get_the_current_file_revalidated_every_time(client):
    current = client.get("/static/css/portal.css")
    stale = client.get("/static/css/portal.0123456789ab.css")
    on_disk = (STATIC_FOLDER / "css/portal.css").read_bytes()
    for response in (current, stale):
        assert response.status_code == 200 and response.data == on_disk
        assert response.headers["Cache-Control"] == "no-cache"
        assert response.mimetype == "text/css"
    revalidated = client.get("/static/css/portal.css", headers={"If-None-Match": current.headers["ETag"]})
    assert revalidated.status_code == 304 and revalidated.data == b""
    assert client.get("/static/css/nada.css").status_code == 404
    assert client.get("/static/css/nada.0123456789ab.css").status_code == 404
    assert client.get("/static/../__init__.py").status_code == 404
    assert client.get("/static/%2e%2e/config.py").status_code == 404


def test_the_manifest_is_built_once_per_process(app, client):
    manifest = app.extensions["portal_assets"]
    client.get("/login")
    client.get("/static/css/portal.css")
    assert app.extensions["portal_assets"] is manifest


def test_debug_mode_notices_an_edited_file(app, tmp_path):
    folder = tmp_path / "static"
    (folder / "css").mkdir(parents=True)
    (folder / "css" / "a.css").write_text("body { color: red }")
    app.extensions["portal_assets"] = build_manifest(folder)
    app.debug = True
    client = app.test_client()
    with app.test_request_context():
        before = url_for("static", filename="css/a.css")
        (folder / "css" / "a.css").write_text("body { color: blue }")
        after = url_for("static", filename="css/a.css")
    assert before != after
    assert client.get(after).data == b"body { color: blue }"


def test_stylesheet_references_are_renamed_and_change_the_stylesheet_name(tmp_path):
    folder = tmp_path / "static"
    for sub in ("css", "img", "fonts"):
        (folder / sub).mkdir(parents=True)
    (folder / "img" / "escudo.png").write_bytes(PNG)
    (folder / "fonts" / "letra.woff2").write_bytes(b"wOF2 font")
    (folder / "css" / "base.css").write_text(".b { color: red }")
    (folder / "css" / "site.css").write_text(
        '@import url("base.css");\n'
        ".logo { background: url(../img/escudo.png) }\n"
        "@font-face { src: url('../fonts/letra.woff2?v=2#iefix') }\n"
        ".x { background: url(data:image/png;base64,AAAA) }\n"
        ".y { background: url(https://example.org/a.png) }\n"
        ".z { background: url(../img/falta.png) }\n"
    )
    manifest = build_manifest(folder)
    image = manifest.by_name["img/escudo.png"].hashed_name
    font = manifest.by_name["fonts/letra.woff2"].hashed_name
    base = manifest.by_name["css/base.css"].hashed_name
    site = manifest.by_name["css/site.css"]
    text = site.body.decode()
    assert f"url(../{image})" in text
    assert f"url('../{font}?v=2#iefix')" in text
    assert f'url("{base.removeprefix("css/")}")' in text
    # Inline, external and missing references stay as written.
    assert "url(data:image/png;base64,AAAA)" in text and "url(https://example.org/a.png)" in text
    assert "url(../img/falta.png)" in text
    assert site.digest == hashlib.sha256(site.body).hexdigest()[:DIGEST_LENGTH]

    (folder / "img" / "escudo.png").write_bytes(PNG + b"otra")
    assert build_manifest(folder).by_name["css/site.css"].hashed_name != site.hashed_name


def test_logo_and_lesson_images_are_cached_for_a_year_but_pages_are_not(app, client, login_as):
    login_as()
    with app.app_context():
        branding = Path(app.instance_path) / "branding"
        branding.mkdir(parents=True, exist_ok=True)
        (branding / "logo-0123.png").write_bytes(PNG)
        store({"LOGO": "logo-0123.png"})
        db.session.commit()
        (upload_folder(app.instance_path) / ("ab" * 16 + ".png")).write_bytes(PNG)
    for reader in (client, app.test_client()):  # signed in, and before signing in
        with reader.get("/logo/logo-0123.png") as logo:
            assert logo.status_code == 200 and logo.headers["Cache-Control"] == IMMUTABLE
            assert "Cookie" not in logo.headers.get("Vary", "")
    with client.get(f"/medios/{'ab' * 16}.png") as image:
        assert image.status_code == 200
        assert image.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert client.get("/").headers["Cache-Control"] == "no-store"
    assert client.get("/mis-datos").headers["Cache-Control"] == "no-store"


def test_a_missing_file_answers_like_a_page_not_like_a_cached_file(client, login_as):
    """The 404 page names the signed-in person in its header: it must not be kept by any cache."""
    login_as()
    for url in ("/static/css/no-existe.css", "/medios/no-existe.png", "/logo/no-existe.png"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.headers["Cache-Control"] == "no-store", url
