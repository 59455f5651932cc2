"""Filters of the ledger and the statement: check the shape of what came in the address
and answer in Polish; a bad value never reaches a query."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from billing.selectors import KIND_SLUGS, LedgerFilter

DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2100, 12, 31)


class PolishDateField(forms.DateField):
    """A date as the browser's date input sends it (2026-01-31) or as people type it (31.01.2026)."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    default_error_messages = {
        "invalid": _("To nie jest prawdziwa data. Podaj ją jako RRRR-MM-DD (np. 2026-01-31) lub DD.MM.RRRR."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", DATE_FORMATS)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> dt.date | None:
        date: dt.date | None = super().clean(value)
        if date is not None and not EARLIEST <= date <= LATEST:
            raise ValidationError(
                _("Podaj datę z lat %(first)s–%(last)s.") % {"first": EARLIEST.year, "last": LATEST.year},
                code="out_of_range",
            )
        return date


class PeriodForm(forms.Form):
    od = PolishDateField(label=_("Od dnia"))
    do = PolishDateField(label=_("Do dnia"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("od"), cleaned.get("do")
        if start and end and start > end:
            raise ValidationError(
                _("Data w polu „Od dnia” jest późniejsza niż w polu „Do dnia”. Zamień je miejscami."),
                code="reversed_period",
            )
        return cleaned


class LedgerFilterForm(PeriodForm):
    KIND_CHOICES = [
        ("", _("wszystkie")),
        ("naliczenia", _("naliczenia")),
        ("wplaty", _("wpłaty")),
        ("odsetki", _("odsetki")),
        ("korekty", _("korekty")),
    ]
    rodzaj = forms.ChoiceField(
        label=_("Rodzaj zapisu"),
        choices=KIND_CHOICES,
        required=False,
        error_messages={"invalid_choice": _("Nie ma takiego rodzaju zapisu; pokazano wszystkie.")},
    )

    def ledger_filter(self) -> LedgerFilter:
        """The filter from the valid fields; an invalid field is left out (its error is shown)."""
        data = getattr(self, "cleaned_data", {}) if self.is_bound else {}
        valid_period = not self.has_error("__all__")
        kind = KIND_SLUGS.get(data.get("rodzaj") or "")
        return LedgerFilter(
            date_from=data.get("od") if valid_period else None,
            date_to=data.get("do") if valid_period else None,
            kinds=(kind,) if kind else (),
        )


def unbound_filter_fields() -> SafeString:
    """The ledger filter's fields as an unbound form renders them (the default view of every
    unit page). They are the same for everyone in a language: rendered once per language
    and process (Django's form rendering is one of the page's dearest parts); on every call
    in DEBUG, so that an edited template shows at once."""
    if settings.DEBUG:
        return _render_filter_fields()
    return _unbound_filter_fields(get_language())


@functools.cache
def _unbound_filter_fields(language: str | None) -> SafeString:
    return _render_filter_fields()


def _render_filter_fields() -> SafeString:
    return SafeString(render_to_string("billing/_ledger_filter_fields.html", {"form": LedgerFilterForm()}))


class StatementForm(PeriodForm):
    FORMAT_CHOICES = [("pdf", "PDF"), ("csv", _("CSV (Excel)"))]
    format = forms.ChoiceField(
        label=_("Format"),
        choices=FORMAT_CHOICES,
        initial="pdf",
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Wybierz format zestawienia: PDF albo CSV."),
            "invalid_choice": _("Wybierz format zestawienia: PDF albo CSV."),
        },
    )
