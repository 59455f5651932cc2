from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.profil_zaufany.saml import pesel_is_valid


class TermsForm(forms.Form):
    accept = forms.BooleanField(
        label=_("Akceptuję regulamin e-BOK"),
        required=True,
        error_messages={"required": _("Aby korzystać z e-BOK, zaakceptuj regulamin.")},
    )


class SimulatorPersonForm(forms.Form):
    """The tester's person at the simulator: picked from the back-office or typed in."""

    pesel = forms.CharField(label=_("PESEL"), max_length=11, min_length=11)
    first_name = forms.CharField(label=_("Imię"), max_length=100)
    last_name = forms.CharField(label=_("Nazwisko"), max_length=150)
    date_of_birth = forms.DateField(label=_("Data urodzenia"), required=False, help_text=_("RRRR-MM-DD"))
    short_content_key = forms.BooleanField(
        label=_("Klucz treści 128-bitowy przy zadeklarowanym AES-256-GCM (jak bywa w produkcji)"),
        required=False,
    )

    def clean_pesel(self) -> str:
        pesel: str = self.cleaned_data["pesel"].strip()
        if not pesel_is_valid(pesel):
            raise forms.ValidationError(_("To nie jest prawidłowy numer PESEL (11 cyfr z poprawną sumą kontrolną)."))
        return pesel

    def person_payload(self) -> dict[str, str]:
        birth: dt.date | None = self.cleaned_data.get("date_of_birth")
        return {
            "pesel": self.cleaned_data["pesel"],
            "first_name": self.cleaned_data["first_name"].strip(),
            "last_name": self.cleaned_data["last_name"].strip(),
            "date_of_birth": birth.isoformat() if birth else "",
        }
