"""Back-office records of who holds which unit and what it owes (the "kartoteka").

Units, persons and legal titles live here, beside the ledger and invoices,
because the back-office owns all of them and the nightly bundle replaces them
together; the portal's own accounts (``accounts.User``) only point at them.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Building(models.Model):
    """A building address; derived from the units' addresses on import."""

    street = models.CharField(_("ulica"), max_length=200)
    building_no = models.CharField(_("numer budynku"), max_length=20)
    postal_code = models.CharField(_("kod pocztowy"), max_length=6)
    city = models.CharField(_("miejscowość"), max_length=100)

    class Meta:
        verbose_name = _("budynek")
        verbose_name_plural = _("budynki")
        ordering = ["city", "street", "building_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["street", "building_no", "postal_code", "city"], name="building_unique_address"
            )
        ]

    def __str__(self) -> str:
        return f"{self.street} {self.building_no}, {self.city}"


class Unit(models.Model):
    """A lokal: flat, commercial unit, garage, storage room or plot."""

    class Kind(models.TextChoices):
        FLAT = "flat", _("mieszkanie")
        COMMERCIAL = "commercial", _("lokal użytkowy")
        GARAGE = "garage", _("garaż")
        STORAGE = "storage", _("komórka")
        PLOT = "plot", _("działka")

    external_id = models.CharField(_("id w systemie źródłowym"), max_length=64, unique=True)
    building = models.ForeignKey(Building, verbose_name=_("budynek"), on_delete=models.PROTECT, related_name="units")
    kind = models.CharField(_("rodzaj"), max_length=16, choices=Kind.choices)
    unit_no = models.CharField(_("numer lokalu"), max_length=20, blank=True)
    area_m2 = models.DecimalField(
        _("powierzchnia użytkowa (m²)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    extra_area_m2 = models.DecimalField(
        _("powierzchnia pomieszczeń przynależnych (m²)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    occupants = models.PositiveIntegerField(_("liczba osób"), null=True, blank=True)
    bank_account = models.CharField(_("rachunek do wpłat (NRB)"), max_length=26, blank=True)

    class Meta:
        verbose_name = _("lokal")
        verbose_name_plural = _("lokale")
        ordering = ["building", "unit_no"]

    def __str__(self) -> str:
        if self.unit_no:
            return f"{self.building.street} {self.building.building_no}/{self.unit_no}, {self.building.city}"
        return str(self.building)


class Person(models.Model):
    """A person or company the back-office knows (owner, tenant, buyer on invoices)."""

    external_id = models.CharField(_("id w systemie źródłowym"), max_length=64, unique=True)
    first_name = models.CharField(_("imię"), max_length=100, blank=True)
    last_name = models.CharField(_("nazwisko"), max_length=150, blank=True)
    company_name = models.CharField(_("nazwa firmy"), max_length=250, blank=True)
    pesel = models.CharField(_("PESEL"), max_length=11, blank=True, db_index=True)
    nip = models.CharField(_("NIP"), max_length=10, blank=True)
    email = models.CharField(_("e-mail"), max_length=254, blank=True)
    phone = models.CharField(_("telefon"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("osoba (system źródłowy)")
        verbose_name_plural = _("osoby (system źródłowy)")
        ordering = ["last_name", "first_name", "company_name"]

    def __str__(self) -> str:
        return self.company_name or f"{self.first_name} {self.last_name}".strip()


class Title(models.Model):
    """A legal title (ownership, cooperative right, tenancy, lease) of a person to a unit."""

    class Kind(models.TextChoices):
        OWNERSHIP = "ownership", _("własność")
        COOP_OWNERSHIP = "coop_ownership", _("spółdzielcze własnościowe prawo")
        COOP_TENANCY = "coop_tenancy", _("spółdzielcze lokatorskie prawo")
        RENTAL = "rental", _("najem")
        LEASE = "lease", _("dzierżawa")

    external_id = models.CharField(_("id w systemie źródłowym"), max_length=64, unique=True)
    unit = models.ForeignKey(Unit, verbose_name=_("lokal"), on_delete=models.CASCADE, related_name="titles")
    person = models.ForeignKey(Person, verbose_name=_("osoba"), on_delete=models.CASCADE, related_name="titles")
    kind = models.CharField(_("rodzaj"), max_length=16, choices=Kind.choices)
    valid_from = models.DateField(_("od"))
    valid_to = models.DateField(_("do (włącznie)"), null=True, blank=True)

    class Meta:
        verbose_name = _("tytuł prawny")
        verbose_name_plural = _("tytuły prawne")
        ordering = ["unit", "valid_from"]

    def __str__(self) -> str:
        return f"{self.person} — {self.unit} ({self.get_kind_display()})"

    def is_active(self, on: dt.date) -> bool:
        """A title ends at the end of its ``valid_to`` day."""
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    @staticmethod
    def active_q(on: dt.date, prefix: str = "") -> Q:
        return Q(**{f"{prefix}valid_from__lte": on}) & (
            Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": on})
        )
