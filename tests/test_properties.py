"""Property-based tests: the parsers and the sanitiser hold up on any input, not just the examples."""

from __future__ import annotations

import io
import re
import zipfile
from html import unescape
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

import portal.reports.staff_views  # noqa: F401  (registers the import routes on the HR blueprint)
from portal.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, PORTAL_IMAGE_SRC, render_markdown
from portal.people import staff_import as importer
from portal.quizzes.gift import parse_gift
from portal.quizzes.revisions import question_problems
from portal.rut import InvalidRut, check_digit, format_rut, normalize_rut

FAST = settings(max_examples=200, deadline=None, database=None)
WITH_APP = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


# --- RUT -------------------------------------------------------------------------------------------


def is_placeholder(number: int) -> bool:
    return len(set(str(number))) == 1


real_numbers = st.integers(min_value=1, max_value=999_999_999).filter(lambda number: not is_placeholder(number))


def spellings(number: int) -> list[str]:
    digit = check_digit(number)
    dotted = format_rut(f"{number}-{digit}")
    return [
        f"{number}-{digit}",
        f"{number}{digit}",
        dotted,
        dotted.replace("-", ""),
        f" {dotted} ",
        f"{number}-{digit.lower()}",
        dotted.lower(),
        f"{number} {digit}",
    ]


@FAST
@given(st.text())
@example("")
@example("0-0")
@example("-")
@example("١٢٣٤٥٦٧٨-5")  # Arabic-Indic digits match \d
@example("\x00")
@example("9" * 400)
def test_normalize_rut_raises_only_invalid_rut(text):
    try:
        normalized = normalize_rut(text)
    except InvalidRut as error:
        assert error.reason in {"shape", "check_digit", "placeholder"}
        return
    # Whatever is accepted is the canonical ASCII form, and is stable.
    assert re.fullmatch(r"[1-9]\d{0,8}-[0-9K]", normalized), normalized
    assert normalize_rut(normalized) == normalized


@FAST
@given(real_numbers)
def test_every_valid_rut_is_accepted_in_every_spelling_and_round_trips(number):
    expected = f"{number}-{check_digit(number)}"
    for spelling in spellings(number):
        assert normalize_rut(spelling) == expected, spelling
    assert normalize_rut(format_rut(expected)) == expected


@FAST
@given(real_numbers, st.sampled_from("0123456789K"))
def test_a_wrong_check_digit_is_refused(number, digit):
    assume(digit != check_digit(number))
    with pytest.raises(InvalidRut) as raised:
        normalize_rut(f"{number}-{digit}")
    assert raised.value.reason == "check_digit"


@FAST
@given(st.integers(min_value=1, max_value=9), st.integers(min_value=1, max_value=9), st.booleans())
def test_placeholders_are_refused(repeated, length, dotted):
    number = int(str(repeated) * length)
    rut = f"{number}-{check_digit(number)}"
    with pytest.raises(InvalidRut):
        normalize_rut(format_rut(rut) if dotted else rut)


@pytest.mark.parametrize("text", ["0-0", "00000000-0", "11.111.111-1", "22.222.222-2", "1-9", "0"])
def test_known_placeholders_and_zero_are_refused(text):
    with pytest.raises(InvalidRut):
        normalize_rut(text)


# --- Staff CSV ---------------------------------------------------------------------------------------

HEADERS = ["RUT", "DV", "Nombre", "Nombres", "Apellidos", "Correo", "Departamento", "Fecha ingreso", "Calidad", "Plazo"]
ruts = st.one_of(
    real_numbers.map(lambda number: format_rut(f"{number}-{check_digit(number)}")),
    st.integers(min_value=0, max_value=10**10).map(str),
    st.sampled_from(["11.111.111-1", "0-0", "12.345.678-9", "K", "-", "=1+1", "9" * 400]),
    st.text(max_size=15),
)
cells = st.one_of(
    st.text(max_size=30),
    ruts,
    st.sampled_from(["planta", "honorarios", "01-02-2025", "2025-13-40", "a@b.cl", "no@correo", '"', ";", "\n"]),
)


@st.composite
def csv_files(draw) -> bytes:
    delimiter = draw(st.sampled_from([";", ",", "\t"]))
    header = draw(st.lists(st.sampled_from(HEADERS + ["otra"]), min_size=1, max_size=6))
    rows = draw(st.lists(st.lists(cells, max_size=len(header) + 1), max_size=6))
    text = "\n".join(delimiter.join(row) for row in [header, *rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    return text.encode(encoding, errors="replace")


@st.composite
def zip_files(draw) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in draw(st.lists(st.sampled_from(["xl/workbook.xml", "[Content_Types].xml", "x"]), unique=True)):
            archive.writestr(name, draw(st.binary(max_size=200)))
    return buffer.getvalue()


def assert_preview_holds_only_valid_ruts(data: bytes, file_name: str) -> None:
    try:
        table = importer.load_table(data, file_name)
        preview = importer.build_preview(table)
    except importer.ImportFileError as error:
        assert error.problems and all(isinstance(problem, str) and problem for problem in error.problems)
        return
    plans = preview.creates + preview.updates + preview.unchanged
    for plan in plans:
        assert normalize_rut(plan.row.rut) == plan.row.rut
        assert plan.row.full_name.strip()
    for row in preview.invalid:
        assert row.reasons


@WITH_APP
@given(
    data=st.one_of(st.binary(max_size=400), csv_files(), zip_files(), st.binary().map(lambda b: b"PK\x03\x04" + b)),
    file_name=st.sampled_from(["personas.csv", "personas.xlsx", "viejo.xls", "", "<script>.csv"]),
)
def test_staff_files_give_a_preview_or_a_file_error_and_never_accept_a_bad_rut(app, data, file_name):
    with app.app_context():
        assert_preview_holds_only_valid_ruts(data, file_name)


@WITH_APP
@given(st.text(max_size=400))
def test_staff_text_of_any_kind_is_handled(app, text):
    with app.app_context():
        assert_preview_holds_only_valid_ruts(text.encode("utf-8", errors="surrogatepass"), "personas.csv")


# --- GIFT --------------------------------------------------------------------------------------------

gift_pieces = st.sampled_from(
    ["::", "{", "}", "=", "~", "#", "####", "%", "%50%", "%-100%", "->", "\\", "\\{", "\n\n", "\n", "T", "FALSE"]
    + ["[html]", "[markdown]", "//", "$CATEGORY: x", "<b>", "&lt;", " ", "a", "¿Sí?", "\r\n", "\ufeff", "\x00"]
)
gift_texts = st.one_of(st.text(), st.lists(st.one_of(gift_pieces, st.text(max_size=5)), max_size=40).map("".join))


@FAST
@given(gift_texts)
@example("::Q:: ¿Sí? {=[html]<script>x</script> ~no}")
@example("{~%50%a ~%50%b}")
@example("x {=a ~ }")
def test_parse_gift_never_raises_and_imports_only_publishable_questions(text):
    report = parse_gift(text)
    for question in report.questions:
        assert question_problems(question) == [], question
    for messages in (report.skipped, report.notices, report.errors):
        for line, message in messages:
            assert isinstance(line, int) and line >= 1
            assert isinstance(message, str) and message
    if report.errors:
        assert report.questions or report.errors  # the importer refuses such files as a whole


# --- Markdown ----------------------------------------------------------------------------------------

HOSTILE_FRAGMENTS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//x.example/a.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox)",
    "![y](javascript:alert(1))",
    "![y](https://evil.example/pixel.png)",
    "![y](data:image/svg+xml,<svg onload=alert(1)>)",
    "![ok](/medios/abc.png)",
    '![y](/medios/a.png" onerror="alert(1))',
    "<svg onload=alert(1)>",
    "<iframe src=https://evil.example></iframe>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<div onclick="alert(1)">x</div>',
    "<object data=x></object>",
    "<form action=https://evil.example><input name=q></form>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<<script>script>alert(1)<</script>/script>",
    "[x](<javascript:alert(1)>)",
    "[x]: javascript:alert(1)\n\n[y][x]",
    "<https://ok.example>",
    "<javascript:alert(1)>",
    "`<script>`",
    "```html\n<script>alert(1)</script>\n```",
    "| a | b |\n|---|:-:|\n| <script> | [x](javascript:1) |",
    "# h1\n###### h6\n",
    "[mail](mailto:a@b.cl)",
    "> <style>body{}</style>",
]
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_URL_IGNORED = re.compile(r"[\t\n\r]")  # browsers drop these anywhere in a URL


class TagCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def url_scheme(value: str) -> str | None:
    cleaned = _URL_IGNORED.sub("", unescape(value)).lstrip("\x00\x01\x02\x03\x04\x05\x06\x07\x08 \x0b\x0c")
    match = _SCHEME.match(cleaned)
    return match.group(1).lower() if match else None


def assert_inert(html: str) -> None:
    collector = TagCollector()
    collector.feed(html)
    collector.close()
    for tag, attrs in collector.tags:
        assert tag in ALLOWED_TAGS, (tag, html)
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | ({"rel"} if tag == "a" else set())
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, html)
            assert name in allowed, (tag, name, html)
            if name in {"href", "src"}:
                assert url_scheme(value or "") in {None, "http", "https", "mailto"}, (tag, value, html)
            if tag == "img" and name == "src":
                assert PORTAL_IMAGE_SRC.fullmatch(value or ""), (value, html)
    assert "<script" not in html.lower()


markdown_sources = st.one_of(
    st.text(),
    st.lists(st.one_of(st.sampled_from(HOSTILE_FRAGMENTS), st.text(max_size=10)), max_size=8).map("".join),
    st.lists(st.sampled_from(HOSTILE_FRAGMENTS), max_size=5).map("\n\n".join),
)


@FAST
@given(markdown_sources)
@example("\n\n".join(HOSTILE_FRAGMENTS))
def test_rendered_markdown_has_no_live_markup(source):
    assert_inert(str(render_markdown(source)))


def test_the_inertness_check_itself_catches_live_markup():
    for live in [
        "<script>x</script>",
        '<img src="/x.png">',
        '<a href=" java\tscript:alert(1)">x</a>',
        '<p onclick="x">y</p>',
        '<a style="x">y</a>',
    ]:
        with pytest.raises(AssertionError):
            assert_inert(live)
    assert_inert('<p><a href="https://ok.example" rel="noopener noreferrer">ok</a><img src="/medios/a.png"></p>')
