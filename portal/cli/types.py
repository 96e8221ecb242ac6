"""Click parameter types for the portal's own values, checked by the same functions the web forms use."""

from __future__ import annotations

import click

from portal.email_address import InvalidEmail, normalize_email
from portal.messages import rut_error_message
from portal.rut import InvalidRut, normalize_rut


class RutType(click.ParamType):
    """A Chilean RUT in any usual spelling; the command receives its normal form ("12345678-5")."""

    name = "rut"

    def convert(self, value, param, ctx):
        try:
            return normalize_rut(value)
        except InvalidRut as error:
            self.fail(f"RUT no válido: {rut_error_message(error)}.", param, ctx)


class EmailType(click.ParamType):
    """An e-mail address; the command receives it checked and in lower case."""

    name = "email"

    def convert(self, value, param, ctx):
        try:
            return normalize_email(value)
        except InvalidEmail:
            # email_validator explains in English; the person form's words instead.
            self.fail(f"correo no válido: «{value}». Escriba un correo como nombre@municipalidad.cl.", param, ctx)


RUT = RutType()
EMAIL = EmailType()
