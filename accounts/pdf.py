"""The printable application (A2): everything the applicant entered, its number and
places to sign, rendered by WeasyPrint with DejaVu fonts (Polish glyphs)."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from portal.models import Operator


def application_pdf(application) -> bytes:
    from weasyprint import HTML  # imported here: loading it costs time every other page does not need

    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string(
            "accounts/application_pdf.html",
            {
                "application": application,
                "units": list(application.units.all()),
                "operator": Operator.current(),
                "printed_at": timezone.now(),
            },
        )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
