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
