"""portal.fields.PlainSelect writes the same HTML as WTForms' own Select."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import Select

from portal.fields import PlainSelect

CHOICES = [
    SelectChoice("", "Todos"),
    SelectChoice("1", 'Obras & "Tránsito" <Norte>'),
    SelectChoice("a&b", "Valor con & y comillas \"'"),
    SelectChoice("2", ""),  # no label: the value is shown
    SelectChoice("3", "Con atributos", render_kw={"disabled": True, "data_x": "1"}),
]


def rendered(widget, chosen: str, coerce=str, choices=CHOICES) -> str:
    class Filters(Form):
        place = SelectField("Lugar", choices=choices, coerce=coerce, widget=widget)

    return str(Filters(MultiDict({"place": chosen})).place(class_="wide"))


@pytest.mark.parametrize("chosen", ["", "1", "a&b", "2", "3", "none of them"])
def test_plain_select_writes_what_select_writes(chosen):
    html = rendered(PlainSelect(), chosen)
    assert html == rendered(Select(), chosen)
    assert html.count("<option") == len(CHOICES)


def test_plain_select_leaves_values_that_are_not_text_to_select():
    numbers = [SelectChoice(1, "Uno"), SelectChoice(2, "Dos"), SelectChoice(True, "Sí")]
    assert rendered(PlainSelect(), "2", coerce=int, choices=numbers) == rendered(
        Select(), "2", coerce=int, choices=numbers
    )


@pytest.mark.parametrize("chosen", ["", "1", "a&b", "2", "none of them"])
def test_plain_select_writes_plain_options_as_select_does_render_after_render(chosen):
    """Options without attributes of their own are written by PlainSelect itself, the same HTML."""
    from wtforms.validators import InputRequired

    plain = CHOICES[:4]
    for _ in range(2):  # the second render reads the options kept from the first
        assert rendered(PlainSelect(), chosen, choices=plain) == rendered(Select(), chosen, choices=plain)

    class Required(Form):
        place = SelectField("Lugar", choices=plain, widget=PlainSelect(), validators=[InputRequired()])

    class RequiredBySelect(Form):
        place = SelectField("Lugar", choices=plain, widget=Select(), validators=[InputRequired()])

    data = MultiDict({"place": chosen})
    html = str(Required(data).place(class_="wide"))
    assert html == str(RequiredBySelect(data).place(class_="wide")) and " required" in html
