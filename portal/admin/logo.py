"""The institution's logo: checked, re-encoded and stored under instance/branding/ (a file, not a row)."""

from __future__ import annotations

import secrets

from flask_babel import gettext as _

from portal import settings as runtime_settings
from portal.people.errors import AdminRuleError
from portal.uploads import normalized_logo, sniff_image_type

MAX_LOGO_BYTES = 512 * 1024


def save_logo(upload) -> str:
    """Store the uploaded logo under instance/branding/ and return its new name. Raises AdminRuleError.

    The image is decoded and written again, at most LOGO_BOX pixels: the logo is in every page's
    header and in certificates, so a 500 KB photograph must not weigh on every page, and nothing
    but pixels (no metadata, no trailing payload) comes out of what was uploaded.
    """
    data = upload.stream.read(MAX_LOGO_BYTES + 1)
    if len(data) > MAX_LOGO_BYTES:
        raise AdminRuleError(_("El logo supera los 512 KB."), "logo")
    if sniff_image_type(data[:16]) is None:
        raise AdminRuleError(_("El archivo no es una imagen PNG, JPEG o WebP."), "logo")
    try:
        logo, kind = normalized_logo(data)
    except ValueError:
        raise AdminRuleError(_("No se pudo leer la imagen: el archivo está dañado o incompleto."), "logo") from None
    name = f"logo-{secrets.token_hex(8)}.{kind}"
    (runtime_settings.branding_folder() / name).write_bytes(logo)
    return name
