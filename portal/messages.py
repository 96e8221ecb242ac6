"""Spanish messages for domain errors that several forms and commands report."""

from flask_babel import gettext as _

from portal.rut import InvalidRut


def rut_error_message(error: InvalidRut) -> str:
    if error.reason == "check_digit":
        return _("el dígito verificador del RUT no corresponde")
    if error.reason == "placeholder":
        return _("ese RUT es de relleno (por ejemplo 11.111.111-1); escriba el RUT real de la persona")
    return _("el RUT no tiene un formato válido; escríbalo como 12.345.678-5")
