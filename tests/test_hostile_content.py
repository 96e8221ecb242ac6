"""Content a hostile or careless author writes cannot reach beyond the lesson it is in.

A lesson image may only be one of the portal's own uploaded files; an uploaded image keeps only
its pixels; and a download that is audited in the reader's name only happens when the reader
navigates to it, never because a page embedded or linked it from elsewhere.
"""

from __future__ import annotations

import io
import re
import struct
import zlib

import pytest
from PIL import Image
from sqlalchemy import func, select

from portal.extensions import db
from portal.markdown import render_markdown
from portal.models.audit import AuditEvent
from portal.vocabulary import HR, STAFF, TRAINER
from tests.conftest import login


@pytest.mark.parametrize(
    "src",
    [
        "/medios/../rrhh/exportar.xlsx",
        "/medios/%2e%2e/rrhh/exportar.csv",
        "/medios/..%2frrhh%2fexportar.csv",
        "/rrhh/exportar.csv",
        "//evil.example/x.png",
        "https://evil.example/pixel.png",
        "/medios/abc.png?x=/rrhh/exportar.csv",
        "/medios/abc.png/../../rrhh/exportar.csv",
    ],
)
def test_a_lesson_image_can_only_be_an_uploaded_file(src):
    html = str(render_markdown(f"![x]({src})"))
    assert "rrhh" not in html and "evil" not in html and "src=" not in html, html


def test_an_uploaded_lesson_image_is_shown_as_it_was_uploaded():
    assert 'src="/medios/5d41402abc4b2a76b9719d911017c592.png"' in str(
        render_markdown("![Organigrama](/medios/5d41402abc4b2a76b9719d911017c592.png)")
    )


def hr_client(app, make_user):
    hr = make_user(roles=(STAFF, HR))
    client = app.test_client()
    login(client, hr.email)
    return client


def audited_downloads(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).where(AuditEvent.action.like("%export%")))


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Dest": "image", "Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "no-cors"},
        {"Sec-Fetch-Dest": "document", "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"},
        {"Sec-Fetch-Dest": "empty", "Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "cors"},
    ],
)
def test_an_embedded_or_cross_site_request_cannot_trigger_an_audited_export(app, make_user, headers):
    client = hr_client(app, make_user)
    before = audited_downloads(app)
    for url in ("/rrhh/exportar.csv", "/rrhh/exportar.xlsx", "/mis-datos"):
        response = client.get(url, headers=headers)
        assert response.status_code == 403, url
    assert audited_downloads(app) == before


def test_clicking_an_export_link_downloads_and_audits_it(app, make_user):
    client = hr_client(app, make_user)
    navigation = {"Sec-Fetch-Dest": "document", "Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "navigate"}
    with client.get("/rrhh/exportar.csv", headers=navigation) as response:
        assert response.status_code == 200 and response.mimetype == "text/csv"
    typed = {"Sec-Fetch-Dest": "document", "Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "navigate"}
    with client.get("/rrhh/exportar.csv", headers=typed) as response:
        assert response.status_code == 200
    assert audited_downloads(app) == 2


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a size without the pixels: a decompression bomb's first bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


def upload(client, data: bytes, name: str = "foto.png"):
    return client.post(
        "/capacitacion/imagenes",
        data={"file": (io.BytesIO(data), name), "back": "/capacitacion/"},
        follow_redirects=True,
    ).get_data(as_text=True)


def test_an_uploaded_image_keeps_only_its_pixels_within_a_size(app, make_user):
    trainer = make_user(roles=(STAFF, TRAINER))
    client = app.test_client()
    login(client, trainer.email)
    picture = io.BytesIO()
    Image.new("RGB", (3000, 2000), (200, 30, 60)).save(picture, format="PNG")
    page = upload(client, picture.getvalue() + b"<html><script>alert(1)</script></html>")
    name = re.search(r"\(/medios/([0-9a-f]{32}\.png)\)", page).group(1)
    with client.get(f"/medios/{name}") as served:
        stored = served.data
    assert b"<script>" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (1600, 1067) and image.getpixel((10, 10))[:3] == (200, 30, 60)
    photo = io.BytesIO()
    Image.new("RGB", (800, 600), (10, 120, 40)).save(photo, format="JPEG")
    assert re.search(r"\(/medios/[0-9a-f]{32}\.jpg\)", upload(client, photo.getvalue(), "foto.jpg"))
    assert "no es una imagen PNG, JPEG o WebP" in upload(client, png_header_only(20000, 20000))
