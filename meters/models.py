"""Meters of units and their readings.

Meters come from the back-office (nightly bundle). Readings come from both
sides: the back-office sends the readings it holds (collector, radio, estimate
and tenant readings it accepted), and tenants submit readings in the portal.
A portal-born reading gets an id the portal issues (``P-…``), waits in the
outbound bundle until the back-office sends it back with the same id, and is
then confirmed (EXCHANGE_FORMAT.md, import rule 5).
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PORTAL_READING_PREFIX = "P-"


class Meter(models.Model):
    class Medium(models.TextChoices):
        COLD_WATER = "cold_water", _("zimna woda")
        HOT_WATER = "hot_water", _("ciepła woda")
        HEAT = "heat", _("ciepło")
        GAS = "gas", _("gaz")
        ELECTRICITY = "electricity", _("energia elektryczna")

    external_id = models.CharField(_("id w systemie źródłowym"), max_length=64, unique=True)
    unit = models.ForeignKey(
        "billing.Unit",
        verbose_name=_("lokal"),
        on_delete=models.CASCADE,
        to_field="external_id",
        db_constraint=False,  # the import checks references itself (billing/models.py)
        related_name="meters",
    )
    medium = models.CharField(_("medium"), max_length=16, choices=Medium.choices)
    serial_no = models.CharField(_("numer fabryczny"), max_length=64)
    installed_on = models.DateField(_("data montażu"))
    removed_on = models.DateField(_("data demontażu"), null=True, blank=True)
    legalization_valid_until = models.DateField(_("legalizacja ważna do"), null=True, blank=True)
    initial_value = models.DecimalField(_("stan początkowy"), max_digits=14, decimal_places=3, null=True, blank=True)
    # Set when the back-office stopped sending the meter while tenant readings
    # not yet confirmed still point at it (they are never removed by an import).
    withdrawn_at = models.DateTimeField(_("wycofany z systemu źródłowego"), null=True, blank=True)

    class Meta:
        verbose_name = _("licznik")
        verbose_name_plural = _("liczniki")
        ordering = ["unit", "medium", "serial_no"]

    def __str__(self) -> str:
        return f"{self.get_medium_display()} {self.serial_no}"

    def is_active(self, on: dt.date) -> bool:
        """Mounted on that day and still kept by the back-office."""
        return (
            self.withdrawn_at is None and self.installed_on <= on and (self.removed_on is None or on <= self.removed_on)
        )

    def legalization_expires_within(self, on: dt.date, days: int) -> bool:
        return self.legalization_valid_until is not None and self.legalization_valid_until <= on + dt.timedelta(
            days=days
        )


class Reading(models.Model):
    class Source(models.TextChoices):
        COLLECTOR = "collector", _("inkasent")
        RADIO = "radio", _("odczyt radiowy")
        TENANT = "tenant", _("lokator")
        ESTIMATE = "estimate", _("szacunek")

    class Status(models.TextChoices):
        WAITING = "waiting", _("czeka na potwierdzenie")
        CONFIRMED = "confirmed", _("potwierdzony")
        REJECTED = "rejected", _("odrzucony")

    # The back-office's id, or for a reading a tenant submitted the id the portal
    # issued (P-…); the back-office sends it back with that id to confirm it.
    reading_id = models.CharField(_("id odczytu"), max_length=64)  # unique: Meta.constraints
    meter = models.ForeignKey(
        Meter,
        verbose_name=_("licznik"),
        on_delete=models.CASCADE,
        to_field="external_id",
        db_constraint=False,  # the import checks references itself
        db_index=False,  # covered by reading_meter_read_on
        related_name="readings",
    )
    read_on = models.DateField(_("data odczytu"))
    value = models.DecimalField(_("stan"), max_digits=14, decimal_places=3)
    source = models.CharField(_("źródło"), max_length=16, choices=Source.choices)
    status = models.CharField(_("stan odczytu"), max_length=16, choices=Status.choices, default=Status.CONFIRMED)
    # Portal-born readings only:
    submitted_at = models.DateTimeField(_("zgłoszony"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("zgłosił"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="submitted_readings",
    )
    first_sent_at = models.DateTimeField(_("pierwszy raz wysłany do systemu źródłowego"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("potwierdzony"), null=True, blank=True)
    rejected_reason = models.TextField(_("powód odrzucenia"), blank=True)

    class Meta:
        verbose_name = _("odczyt")
        verbose_name_plural = _("odczyty")
        ordering = ["meter", "-read_on", "-id"]
        indexes = [
            models.Index(fields=["meter", "read_on"], name="reading_meter_read_on"),
            models.Index(fields=["status"], name="reading_status", condition=~Q(status="confirmed")),
        ]
        constraints = [
            # Not unique=True, which adds a LIKE-only index on PostgreSQL (see billing.LedgerEntry).
            models.UniqueConstraint(fields=["reading_id"], name="reading_id_unique"),
            # Only a reading a tenant submitted in the portal can wait for confirmation.
            models.CheckConstraint(
                condition=~Q(status="waiting") | Q(submitted_at__isnull=False),
                name="reading_waiting_is_portal_born",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.read_on} {self.value}"

    @property
    def is_portal_born(self) -> bool:
        return self.submitted_at is not None

    @staticmethod
    def issue_portal_id(now: dt.datetime | None = None) -> str:
        """A fresh id for a tenant's reading: ``P-`` + date + random part (unique enough; the
        unique constraint guards the rest)."""
        now = now or timezone.now()
        return f"{PORTAL_READING_PREFIX}{timezone.localtime(now):%Y%m%d}-{secrets.token_hex(5).upper()}"
