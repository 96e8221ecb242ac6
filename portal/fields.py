"""Form fields shared by several areas."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField

#: Beyond this, WTForms' NumberRange crashes (it converts the value to float) and no setting needs it.
LARGEST_INTEGER = 2**31 - 1


class BoundedIntegerField(IntegerField):
    """An IntegerField that refuses absurdly large numbers with a message instead of a crash."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and abs(self.data) > LARGEST_INTEGER:
            self.data = None
            raise ValueError(_l("El número es demasiado grande."))
