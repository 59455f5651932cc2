"""Portal accounts and their access to units."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.matching import normalize_street, normalize_token
from billing.models import Title
from portal.formats import format_date
from portal.periods import Period


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
    # The account's consents and mailing choices, in the order staff and the user's data export show them.
    CHOICE_FIELDS: ClassVar[tuple[str, ...]] = (
        "consent_e_invoice",
        "consent_e_correspondence",
        "consent_newsletter",
        "consents_changed_at",
        "notify_announcements",
        "notify_reading_reminders",
    )

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

    @property
    def is_shut_out(self) -> bool:
        """A blocked, closed or deactivated account: logged out of every page and refused a chat
        socket (A10, A11) — the one definition for both."""
        return self.blocked_at is not None or self.closed_at is not None or not self.is_active


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

    # "A grant is active on D": from ``since`` through ``until``, open when empty. Whether the
    # unit is then visible is accounts.access's rule (it adds the withdrawn units).
    PERIOD: ClassVar[Period] = Period("since", "until")

    @classmethod
    def active_q(cls, on: dt.date, prefix: str = "") -> Q:
        return cls.PERIOD.q(on, prefix)


class TermsVersion(models.Model):
    """A published version of the regulations (regulamin, A12). The newest one
    published is current; every user must accept it at their next request."""

    version = models.CharField(_("wersja"), max_length=40, unique=True)
    text = models.TextField(_("treść"))
    published_at = models.DateTimeField(_("opublikowano"), db_index=True)
    published_by = models.ForeignKey(
        User, verbose_name=_("opublikował"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("wersja regulaminu")
        verbose_name_plural = _("wersje regulaminu")
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return _("Regulamin, wersja %(version)s") % {"version": self.version}

    @classmethod
    def current(cls) -> TermsVersion | None:
        return cls.objects.order_by("-published_at", "-id").first()


class TermsAcceptance(models.Model):
    """That a user accepted a terms version, and when (A12)."""

    user = models.ForeignKey(User, verbose_name=_("użytkownik"), on_delete=models.CASCADE, related_name="acceptances")
    terms = models.ForeignKey(
        TermsVersion, verbose_name=_("wersja regulaminu"), on_delete=models.PROTECT, related_name="acceptances"
    )
    accepted_at = models.DateTimeField(_("zaakceptowano"))
    ip_address = models.GenericIPAddressField(_("adres IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("akceptacja regulaminu")
        verbose_name_plural = _("akceptacje regulaminu")
        ordering = ["-accepted_at"]
        constraints = [models.UniqueConstraint(fields=["user", "terms"], name="terms_accepted_once_per_version")]

    def __str__(self) -> str:
        return f"{self.user} — {self.terms}"


class Application(models.Model):
    """An application for access to the portal (wniosek o dostęp, A1–A3)."""

    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", _("czeka na potwierdzenie e-maila")
        PENDING = "pending", _("czeka na weryfikację")
        ACTIVATED = "activated", _("aktywowany")
        REJECTED = "rejected", _("odrzucony")

    OPEN_STATUSES = (Status.UNCONFIRMED, Status.PENDING)

    number = models.CharField(_("numer wniosku"), max_length=20, unique=True, null=True, blank=True)
    status = models.CharField(
        _("stan"), max_length=16, choices=Status.choices, default=Status.UNCONFIRMED, db_index=True
    )
    first_name = models.CharField(_("imię"), max_length=100)
    last_name = models.CharField(_("nazwisko"), max_length=150)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("telefon"), max_length=40)
    pesel = models.CharField(_("PESEL"), max_length=11, blank=True)
    title_kind = models.CharField(_("tytuł prawny do lokalu"), max_length=16, choices=Title.Kind.choices)
    terms_version = models.ForeignKey(
        TermsVersion,
        verbose_name=_("zaakceptowana wersja regulaminu"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    consent_e_invoice = models.BooleanField(_("zgoda na e-fakturę"), default=False)
    consent_e_correspondence = models.BooleanField(_("zgoda na e-korespondencję"), default=False)
    consent_newsletter = models.BooleanField(_("zgoda na newsletter"), default=False)
    created_at = models.DateTimeField(_("złożono"), default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(_("adres IP"), null=True, blank=True)
    email_confirmed_at = models.DateTimeField(_("e-mail potwierdzono"), null=True, blank=True)
    person = models.ForeignKey(
        "billing.Person",
        verbose_name=_("osoba w systemie źródłowym"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Wybierz osobę z panelu dopasowań; konto zostanie z nią powiązane."),
    )
    staff_note = models.TextField(_("notatka obsługi"), blank=True)
    decided_at = models.DateTimeField(_("rozpatrzono"), null=True, blank=True)
    decided_by = models.ForeignKey(
        User, verbose_name=_("rozpatrzył"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejection_reason = models.TextField(_("powód odrzucenia"), blank=True)
    user = models.ForeignKey(
        User,
        verbose_name=_("konto"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applications",
    )

    class Meta:
        verbose_name = _("wniosek o dostęp")
        verbose_name_plural = _("wnioski o dostęp")
        ordering = ["created_at", "id"]
        indexes = [models.Index(Lower("email"), "status", name="application_email_status")]

    def __str__(self) -> str:
        return f"{self.number or '—'} {self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def accepted_terms_label(self) -> str:
        """Which terms the applicant accepted. The form is not sent without accepting them (A1):
        the version shown then, or the portal's basic terms while no version was published."""
        submitted = format_date(self.created_at, with_time=True)
        terms = self.terms_version if self.terms_version_id else None
        if terms is not None:
            return _("wersja %(version)s, zaakceptowana %(date)s") % {
                "version": terms.version,
                "date": submitted,
            }
        return _(
            "regulamin podstawowy e-BOK (w chwili złożenia nie opublikowano żadnej wersji), zaakceptowany %(date)s"
        ) % {"date": submitted}


class ApplicationUnit(models.Model):
    """One unit named in an application: by address or by the back-office number from
    a payment slip. Staff match it to a ``billing.Unit`` before activation."""

    application = models.ForeignKey(
        Application, verbose_name=_("wniosek"), on_delete=models.CASCADE, related_name="units"
    )
    street = models.CharField(_("ulica"), max_length=200, blank=True)
    building_no = models.CharField(_("numer budynku"), max_length=20, blank=True)
    unit_no = models.CharField(_("numer lokalu"), max_length=20, blank=True)
    external_id = models.CharField(_("numer lokalu z blankietu opłat"), max_length=64, blank=True)
    unit = models.ForeignKey(
        "billing.Unit",
        verbose_name=_("lokal w systemie źródłowym"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("lokal we wniosku")
        verbose_name_plural = _("lokale we wniosku")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        parts = []
        if self.street or self.building_no:
            address = f"{self.street} {self.building_no}".strip()
            if self.unit_no:
                address += f"/{self.unit_no}"
            parts.append(address)
        if self.external_id:
            parts.append(_("nr %(number)s") % {"number": self.external_id})
        return ", ".join(parts)

    @property
    def match_key(self) -> str:
        """What makes two requested units the same (duplicate applications)."""
        if self.external_id:
            return f"id:{normalize_token(self.external_id)}"
        return "addr:" + "|".join(
            [normalize_street(self.street), normalize_token(self.building_no), normalize_token(self.unit_no)]
        )
