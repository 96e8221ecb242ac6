"""Form fields shared by several areas."""

from __future__ import annotations

from functools import lru_cache

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import DateField, IntegerField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import Select, html_params

from portal.dates import in_range, out_of_range_message

#: Beyond this, WTForms' NumberRange crashes (it converts the value to float) and no setting needs it.
LARGEST_INTEGER = 2**31 - 1


class BoundedIntegerField(IntegerField):
    """An IntegerField that refuses absurdly large numbers with a message instead of a crash."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and abs(self.data) > LARGEST_INTEGER:
            self.data = None
            raise ValueError(_l("El número es demasiado grande."))


class TextField(TextAreaField):
    """A text area that stores line breaks as "\\n": browsers send "\\r\\n", and an untouched save
    of a lesson must store exactly the text it showed."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data:
            self.data = self.data.replace("\r\n", "\n").replace("\r", "\n")


class BoundedDateField(DateField):
    """A DateField that refuses dates outside portal.dates' range (year 1 or 9999 crashed arithmetic).

    Every date field of the portal's forms is one of these; a test walks the forms to check it.
    """

    def process_formdata(self, valuelist):
        if valuelist and not " ".join(valuelist).isascii():
            # strptime reads "٢٠٢٤" (Arabic-Indic digits) as 2024: the portal takes 0-9 only.
            self.data = None
            raise ValueError(self.invalid_value_message or self.gettext("Not a valid date value."))
        super().process_formdata(valuelist)
        if self.data is not None and not in_range(self.data):
            self.data = None
            raise ValueError(out_of_range_message())


class PlainSelect(Select):
    """WTForms' Select, writing the same HTML, for selects whose options are plain (text values, no
    attributes or groups of their own): the report's filters, on every page of it. WTForms normalises
    the choices, inspects render_option's signature and formats each option's attributes on every
    render, about 30 µs an option; here the options' HTML is kept per process, keyed by the options
    themselves (values, labels and which is selected), so it is never stale. Anything else is left
    to Select. tests/test_fields.py compares both."""

    def __call__(self, field, **kwargs):
        choices = field.choices
        if self.multiple or not choices or not all(_is_plain(choice) for choice in choices):
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        set_flags = vars(field.flags)
        for name in self.validation_attrs:
            if name in set_flags and name not in kwargs:
                kwargs[name] = set_flags[name]
        coerce, data = field.coerce, field.data
        options = _options_html(
            tuple((choice.value, str(choice.label or choice.value), coerce(choice.value) == data) for choice in choices)
        )
        # html_params escapes every attribute's value, and _options_html every value and label.
        return Markup(f"<select {html_params(name=field.name, **kwargs)}>{options}</select>")  # nosec B704

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw or not isinstance(choice.value, str):
            return super().render_option(choice, **kwargs)
        return _option_html(choice.value, choice.label or choice.value, choice.selected)


def _is_plain(choice) -> bool:
    return (
        isinstance(choice, SelectChoice)
        and isinstance(choice.value, str)
        and not choice.render_kw
        and choice.optgroup is None
    )


@lru_cache(maxsize=64)
def _options_html(options: tuple[tuple[str, str, bool], ...]) -> Markup:
    return Markup("").join(_option_html(value, label, selected) for value, label, selected in options)


def _option_html(value: str, label: str, selected: bool) -> Markup:
    # html_params orders attributes by name: "selected" comes before "value". Markup's % escapes the
    # value and the label, as html_params and WTForms do.
    return Markup('<option %svalue="%s">%s</option>') % (Markup("selected ") if selected else "", value, label)
