"""Interface text goes through the app's translation catalogue, resolved once per application.

The portal keeps Flask-Babel's catalogue on the app (extensions.OneLocaleDomain) instead of finding it
again on every gettext call; a catalogue installed for the locale must still reach templates and Python
code alike, and one app's catalogue must never leak into another app in the same process.
"""

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

TRANSLATED = {
    "Iniciar sesión": "Ingresar al portal (catálogo)",  # a template's _()
    "Inicie sesión para continuar.": "Ingrese para seguir (catálogo)",  # Python's lazy_gettext, flashed
}


def write_catalogue(directory) -> None:
    catalog = Catalog(locale="es", domain="messages")
    for source, text in TRANSLATED.items():
        catalog.add(source, text)
    folder = directory / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "messages.mo", "wb") as output:
        write_mo(output, catalog)


def sign_in_page(app) -> str:
    client = app.test_client()
    response = client.get("/", follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_catalogue_reaches_templates_and_python_and_stays_in_its_app(make_app, tmp_path):
    write_catalogue(tmp_path / "translations")
    translated = make_app(BABEL_TRANSLATION_DIRECTORIES=str(tmp_path / "translations"))
    plain = make_app()

    for _ in range(2):  # the second request reads the catalogue kept by the first
        page = sign_in_page(translated)
        assert all(text in page for text in TRANSLATED.values()), page[:2000]
        assert "<h1>Iniciar sesión</h1>" not in page

    page = sign_in_page(plain)
    assert "<h1>Iniciar sesión</h1>" in page and "Inicie sesión para continuar." in page
    assert not any(text in page for text in TRANSLATED.values())
    assert all(text in sign_in_page(translated) for text in TRANSLATED.values())


#: Every shape of a template's literal text: plain, with values to escape, a literal percent, with no
#: autoescaping, inside a macro's argument and a set, and a text translated by the catalogue.
TEMPLATE_TEXTS = """\
<p>{{ _("Iniciar sesión") }}</p>
<p>{{ _("Hola, %(name)s", name=name) }}</p>
<p>{{ _("%(percent)s %% completado", percent=42) }}</p>
<p>{{ gettext("Plazo de <strong>%(days)s</strong> días", days=days) }}</p>
{% macro badge(text) %}<span>{{ text }}</span>{% endmacro %}{{ badge(_("Optativo")) }}
{% set label = _("Módulo «%(title)s»", title=name) %}<p>{{ label }}</p>
{% autoescape false %}<p>{{ _("Sin escapar: %(name)s", name=name) }}</p>{% endautoescape %}
<p>{{ _(variable_text) }}</p>
"""


def test_literal_texts_are_translated_when_compiled_and_render_as_runtime_gettext_did(make_app, tmp_path):
    """Templates translate their literal texts once, at compile time; what they render is what Jinja's
    runtime gettext renders (translated text marked safe, values escaped, %% a percent sign)."""
    from flask import render_template_string
    from jinja2 import Environment as PlainEnvironment

    write_catalogue(tmp_path / "translations")
    app = make_app(BABEL_TRANSLATION_DIRECTORIES=str(tmp_path / "translations"))
    values = {"name": "<b>Ana & Co</b>", "days": 3, "variable_text": "Iniciar sesión"}
    with app.test_request_context():
        rendered = render_template_string(TEMPLATE_TEXTS, **values)
        compiled = app.jinja_env.compile(TEMPLATE_TEXTS, raw=True)
        catalogue = app.jinja_env.catalogue()
    runtime = PlainEnvironment(autoescape=True, extensions=["jinja2.ext.i18n"])
    runtime.install_gettext_translations(catalogue, newstyle=True)
    assert rendered == runtime.from_string(TEMPLATE_TEXTS).render(**values)
    assert "<p>Ingresar al portal (catálogo)</p>" in rendered  # translated by the catalogue, folded
    assert "Hola, &lt;b&gt;Ana &amp; Co&lt;/b&gt;" in rendered and "42 % completado" in rendered
    assert "Plazo de <strong>3</strong> días" in rendered and "Sin escapar: <b>Ana & Co</b>" in rendered
    # Only `_(variable_text)` still calls gettext when the page renders.
    assert compiled.count("name='_'") == 1 and "name='gettext'" not in compiled, compiled


def test_an_imported_macro_sees_what_jinja_lets_it_see_and_its_module_is_kept(app):
    """ImportingTemplate asks Jinja's question about globals more cheaply, and gets the same answer: a
    template loaded with globals of its own hands them to the macros it imports (a module made for it),
    and otherwise every import reuses the one module of the macros' template."""
    from jinja2 import DictLoader, Template

    from portal.extensions import ImportingTemplate

    env = app.jinja_env
    assert env.template_class is ImportingTemplate
    macros = '{% macro greet() %}{{ greeting | default("sin saludo") }}{% endmacro %}'
    page = '{% from "macros.html" import greet %}[{{ greet() }}]'
    # Each with a cache of its own: an overlay shares its parent's otherwise.
    ours = env.overlay(loader=DictLoader({"macros.html": macros, "page.html": page}), cache_size=10)
    plain = ours.overlay(cache_size=10)
    plain.template_class = Template
    for env_ in (ours, plain):
        with app.test_request_context():
            assert env_.get_template("page.html").render() == "[sin saludo]"
            assert env_.get_template("page.html", globals={"greeting": "hola"}).render() == "[hola]"
    assert type(plain.get_template("page.html")) is Template
    ours.cache.clear()
    with app.test_request_context():
        ours.get_template("page.html").render()
        kept = ours.get_template("macros.html")._module
        ours.get_template("page.html").render()
        assert kept is not None and ours.get_template("macros.html")._module is kept
