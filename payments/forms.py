from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _


class BalanceAmountForm(forms.Form):
    """The amount a tenant types (``123,45`` or ``123.45``); the rules (more than 0, at most what
    is due, whole grosze) are the service's (``payment_check_amount``)."""

    kwota = forms.CharField(label=_("Kwota"), max_length=20)

    def clean_kwota(self) -> Decimal:
        raw = "".join(self.cleaned_data["kwota"].split()).replace(",", ".").removesuffix("zł")
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise forms.ValidationError(_("Podaj kwotę w złotych, np. 150,00.")) from None
        if not value.is_finite():
            raise forms.ValidationError(_("Podaj kwotę w złotych, np. 150,00."))
        return value
