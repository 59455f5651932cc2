"""Polish names for the third-party apps a clerk meets in admin (issue 14 item 14).

axes marks its strings for translation (Polish ones are in locale/pl); its app name is not.
django-otp marks nothing: its apps and models are named here, on the models' options when
the app is ready — a label only (``Options.original_attrs``, which migrations read, stays as
it was, so no migration follows; changing a field's label would make one). Fields are
labelled in admin from ``OTP_FIELD_LABELS`` (accounts.admin.PolishOTPDeviceAdminMixin).
Checked by tests/portal/test_admin_polish.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

from axes.apps import AppConfig as AxesAppConfig
from django.db.models import Model
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.apps import DefaultConfig as StaticDefaultConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as TOTPDefaultConfig

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Fields every django-otp device has (django_otp.models.Device and its mixins).
DEVICE_FIELDS = {
    "user": (_("użytkownik"), _("Konto, do którego należy urządzenie.")),
    "name": (_("nazwa"), _("Nazwa urządzenia, którą widzi człowiek.")),
    "confirmed": (_("potwierdzone"), _("Czy urządzenie jest gotowe do użycia?")),
    "throttling_failure_timestamp": (
        _("ostatnia nieudana próba"),
        _("Kiedy ostatnio podano zły kod; puste, gdy ostatnia próba się udała."),
    ),
    "throttling_failure_count": (_("nieudane próby z rzędu"), _("Liczba kolejnych nieudanych prób.")),
    "created_at": (_("utworzono"), _("Kiedy urządzenie dodano do systemu.")),
    "last_used_at": (_("ostatnio użyte"), _("Kiedy ostatnio użyto urządzenia.")),
}
TOTP_FIELDS = {
    "key": (_("klucz"), _("Tajny klucz zapisany szesnastkowo (do 40 bajtów).")),
    "step": (_("krok (s)"), _("Co ile sekund zmienia się kod.")),
    "t0": (_("początek liczenia (t0)"), _("Czas uniksowy, od którego liczy się kroki.")),
    "digits": (_("cyfry"), _("Liczba cyfr kodu.")),
    "tolerance": (_("tolerancja"), _("O ile kroków w przód lub w tył może się różnić kod.")),
    "drift": (_("odchyłka zegara"), _("O ile kroków zegar urządzenia odbiega od zegara serwera.")),
    "last_t": (_("ostatni krok"), _("Krok ostatniego przyjętego kodu; następny kod musi być z późniejszego kroku.")),
}
STATIC_TOKEN_FIELDS = {
    "device": (_("urządzenie"), ""),
    "token": (_("kod"), ""),
}


OTP_FIELD_LABELS = {**DEVICE_FIELDS, **TOTP_FIELDS, **STATIC_TOKEN_FIELDS}


def _name(model: type[Model], verbose_name: StrOrPromise, verbose_name_plural: StrOrPromise) -> None:
    model._meta.verbose_name = verbose_name
    model._meta.verbose_name_plural = verbose_name_plural


class AxesConfig(AxesAppConfig):
    verbose_name = _("Logowania: próby i blokady")


class OTPStaticConfig(StaticDefaultConfig):
    verbose_name = _("Drugi składnik: kody zapasowe")

    def ready(self) -> None:
        super().ready()
        from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

        _name(StaticDevice, _("zestaw kodów zapasowych"), _("zestawy kodów zapasowych"))
        _name(StaticToken, _("kod zapasowy"), _("kody zapasowe"))


class OTPTOTPConfig(TOTPDefaultConfig):
    verbose_name = _("Drugi składnik: aplikacje TOTP")

    def ready(self) -> None:
        super().ready()
        from django_otp.plugins.otp_totp.models import TOTPDevice

        _name(TOTPDevice, _("urządzenie TOTP"), _("urządzenia TOTP"))
