"""Reading printed PDFs back as a person would: the text of each slip, and the QR codes decoded from pixels."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

from portal.activation.pdf import COLUMNS, PAGE_HEIGHT, PAGE_WIDTH, ROWS

#: A printed code: ten characters of the alphabet, grouped 4-4-2.
CODE = re.compile(r"\b[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{2}\b")
POINTS_PER_MM = 72 / 25.4


def pdf_text(body: bytes, *extra: str) -> str:
    """pdftotext (poppler) of the whole document, or of a region with -x/-y/-W/-H."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(body)
        return subprocess.run(
            ["pdftotext", "-enc", "UTF-8", *extra, str(path), "-"], check=True, capture_output=True, text=True
        ).stdout


def page_count(body: bytes) -> int:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(body)
        info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def slip_texts(body: bytes) -> list[str]:
    """The text of every slip, cut out of its place on the page (empty places left out)."""
    width, height = PAGE_WIDTH / COLUMNS * POINTS_PER_MM, PAGE_HEIGHT / ROWS * POINTS_PER_MM
    texts = []
    for page in range(1, page_count(body) + 1):
        for place in range(COLUMNS * ROWS):
            x, y = (place % COLUMNS) * width, (place // COLUMNS) * height
            region = ["-f", str(page), "-l", str(page), "-x", str(int(x)), "-y", str(int(y))]
            text = pdf_text(body, *region, "-W", str(int(width)), "-H", str(int(height)))
            if text.strip():
                texts.append(text)
    return texts


def render_pages(body: bytes, folder: Path, dpi: int = 200) -> list[Path]:
    """Each page as a PNG (pdftoppm), as a scanner or a phone's camera would see it."""
    path = folder / "document.pdf"
    path.write_bytes(body)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(path), str(folder / "page")], check=True)
    return sorted(folder.glob("page*.png"))


def qr_codes(body: bytes, folder: Path) -> list[str]:
    """Every QR code on every page, decoded from the rendered pixels with zbarimg."""
    found = []
    for image in render_pages(body, folder):
        result = subprocess.run(["zbarimg", "--quiet", "--raw", str(image)], capture_output=True, text=True)
        assert result.returncode == 0, f"zbarimg found no code in {image.name}: {result.stderr}"
        found += [line for line in result.stdout.splitlines() if line]
    return found
