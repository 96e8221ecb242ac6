"""Form fields shared by several areas."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import DateField, IntegerField, TextAreaField
from wtforms.widgets import Select

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
    """WTForms' Select, with the same HTML, writing a plain option (a text value, no attributes of its
    own) directly: through html_params an option cost about 16 µs, and the report's department filter
    has one per department on every page."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw or not isinstance(choice.value, str):
            return super().render_option(choice, **kwargs)
        # html_params orders attributes by name: "selected" comes before "value".
        # Markup.format escapes the value and the label, as html_params and WTForms do.
        selected = Markup("selected ") if choice.selected else ""
        return Markup('<option {}value="{}">{}</option>').format(selected, choice.value, choice.label or choice.value)
