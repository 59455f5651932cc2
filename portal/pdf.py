"""One way to turn the portal's HTML into PDF: tagged PDF/UA-1 (E4, issue 14 item 23).

Public bodies must publish documents a screen reader can read: every PDF the portal makes
(invoice, statement, application, personal data) goes through ``html_to_pdf``, so each one
carries the structure tags (reading order), the document language (from ``<html lang>``) and
its title (from ``<title>``, shown by readers instead of the file name).
"""

from __future__ import annotations

from django.conf import settings


def html_to_pdf(html: str) -> bytes:
    """Render ``html`` (a template with ``<html lang>`` and ``<title>``) as tagged PDF/UA-1."""
    from weasyprint import HTML  # loading WeasyPrint costs time the other pages do not need

    pdf: bytes = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True)
    return pdf
