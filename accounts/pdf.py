"""PDFs of accounts, rendered by WeasyPrint with DejaVu fonts (Polish glyphs): the printable
application (A2) and the readable copy of a user's personal data (A15)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accounts.models import Application
    from accounts.services.personal_data import PersonalData

import datetime as dt
import json

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from portal.formats import format_date
from portal.models import Operator
from portal.pdf import html_to_pdf


def application_pdf(application: Application) -> bytes:
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
    return html_to_pdf(html)


def _readable(value: object) -> str:
    """One value of the personal-data download as a person reads it."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return gettext("tak") if value else gettext("nie")
    if isinstance(value, dt.datetime):
        return format_date(value, with_time=True)
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def personal_data_pdf(data: PersonalData) -> bytes:
    """The readable copy of ``accounts.services.personal_data.PersonalData`` (RODO art. 15)."""
    with translation.override(settings.LANGUAGE_CODE):
        sections = [
            {
                "title": section.title,
                "wide": len(section.columns) > 5,
                "labels": [label for _key, label in section.columns],
                "rows": [[(label, _readable(row[key])) for key, label in section.columns] for row in section.rows],
            }
            for section in data.sections
        ]
        html = render_to_string(
            "accounts/personal_data_pdf.html",
            {"data": data, "sections": sections, "operator": Operator.current()},
        )
    return html_to_pdf(html)
