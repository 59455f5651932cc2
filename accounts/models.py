"""Portal accounts and their access to units."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A tenant's or staff member's account. ``username`` is the generated login
    identifier (not the e-mail), as the regulations require."""

    phone = models.CharField(_("telefon"), max_length=40, blank=True)
    person = models.ForeignKey(
        "billing.Person",
        verbose_name=_("osoba w systemie źródłowym"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accounts",
    )
    must_change_password = models.BooleanField(_("musi zmienić hasło"), default=False)
    blocked_at = models.DateTimeField(_("zablokowane od"), null=True, blank=True)
    blocked_reason = models.TextField(_("powód blokady"), blank=True)
    closed_at = models.DateTimeField(_("zamknięte"), null=True, blank=True)
    # Consents (A1, B4, B5, D5). Changes of the first two go to the back-office.
    consent_e_invoice = models.BooleanField(_("zgoda na e-fakturę"), default=False)
    consent_e_correspondence = models.BooleanField(_("zgoda na e-korespondencję"), default=False)
    consent_newsletter = models.BooleanField(_("zgoda na newsletter"), default=False)
    consents_changed_at = models.DateTimeField(_("zmiana zgód"), null=True, blank=True)
    notify_announcements = models.BooleanField(_("ogłoszenia e-mailem"), default=False)
    notify_reading_reminders = models.BooleanField(_("przypomnienia o odczytach"), default=False)

    class Meta:
        verbose_name = _("użytkownik")
        verbose_name_plural = _("użytkownicy")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=Q(closed_at__isnull=True) & ~Q(email=""),
                name="user_email_unique_among_active",
            )
        ]

    @property
    def is_blocked(self) -> bool:
        return self.blocked_at is not None


class UnitGrant(models.Model):
    """A user's access to one unit for a period (A9). Co-owners each have their own."""

    class Source(models.TextChoices):
        APPLICATION = "application", _("wniosek")
        PROFIL_ZAUFANY = "profil_zaufany", _("Profil Zaufany")
        STAFF = "staff", _("obsługa")

    user = models.ForeignKey(User, verbose_name=_("użytkownik"), on_delete=models.CASCADE, related_name="grants")
    unit = models.ForeignKey("billing.Unit", verbose_name=_("lokal"), on_delete=models.CASCADE, related_name="grants")
    since = models.DateField(_("od"))
    until = models.DateField(_("do (włącznie)"), null=True, blank=True)
    source = models.CharField(_("źródło"), max_length=20, choices=Source.choices)
    created_at = models.DateTimeField(_("utworzono"), auto_now_add=True)

    class Meta:
        verbose_name = _("dostęp do lokalu")
        verbose_name_plural = _("dostępy do lokali")
        ordering = ["user", "unit"]
        indexes = [models.Index(fields=["user", "unit"])]

    def __str__(self) -> str:
        return f"{self.user} → {self.unit}"

    @staticmethod
    def active_q(on: dt.date, prefix: str = "") -> Q:
        return Q(**{f"{prefix}since__lte": on}) & (
            Q(**{f"{prefix}until__isnull": True}) | Q(**{f"{prefix}until__gte": on})
        )
