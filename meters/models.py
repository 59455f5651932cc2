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
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from billing.fields import BackOfficeIdField
from meters.consumption import Point, average_per_day, segments
from meters.formats import format_quantity
from portal.formats import format_date
from portal.models import Operator

PORTAL_READING_PREFIX = "P-"
# Issue 6: a consumption per day above this many times the meter's average per day over
# the last 12 months asks the tenant to confirm; the average needs this many covered days.
IMPLAUSIBLE_FACTOR = 3
MIN_HISTORY_DAYS = 28
MEASURE_UNITS = {
    "cold_water": "m³",
    "hot_water": "m³",
    "heat": "GJ",
    "gas": "m³",
    "electricity": "kWh",
}


def office_contact() -> str:
    """`` (tel. …, e-mail …)`` of the operator's office, for "skontaktuj się z biurem obsługi…"."""
    operator = Operator.current()
    if operator is None:
        return ""
    parts = []
    if operator.phone:
        parts.append(gettext("tel. %(phone)s") % {"phone": operator.phone})
    if operator.email:
        parts.append(gettext("e-mail %(email)s") % {"email": operator.email})
    return f" ({', '.join(parts)})" if parts else ""


@dataclass(frozen=True)
class Plausibility:
    """The consumption a new reading implies, against the meter's average (per day)."""

    implausible: bool
    consumption: Decimal | None = None
    days: int | None = None
    per_day: Decimal | None = None  # None with days == 0
    average_per_day: Decimal | None = None


class Meter(models.Model):
    class Medium(models.TextChoices):
        COLD_WATER = "cold_water", _("zimna woda")
        HOT_WATER = "hot_water", _("ciepła woda")
        HEAT = "heat", _("ciepło")
        GAS = "gas", _("gaz")
        ELECTRICITY = "electricity", _("energia elektryczna")

    external_id = BackOfficeIdField(_("id w systemie źródłowym"), max_length=64, unique=True)
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

    # --- rules of one meter (issue 6) ---------------------------------------------------------
    @property
    def measure_unit(self) -> str:
        """What the meter counts in (the unit of consumption shown to tenants)."""
        return MEASURE_UNITS[self.medium]

    def legalization_status(self, today: dt.date) -> str:
        """``expired`` after the validity date, ``expiring`` from the warning period before it
        (METERS_LEGALIZATION_WARNING_DAYS, 60 days), ``valid`` before, ``unknown`` without a date."""
        if self.legalization_valid_until is None:
            return "unknown"
        if self.legalization_valid_until < today:
            return "expired"
        if self.legalization_expires_within(today, settings.METERS_LEGALIZATION_WARNING_DAYS):
            return "expiring"
        return "valid"

    def reading_refusal(self, today: dt.date) -> str | None:
        """Why the meter takes no readings today (removed, withdrawn, legalization expired,
        not mounted yet), saying whom to contact; None when it takes them."""
        if self.withdrawn_at is not None or (self.removed_on is not None and self.removed_on < today):
            if self.removed_on is not None:
                reason = gettext("Ten licznik został zdemontowany %(date)s i nie przyjmuje już odczytów.") % {
                    "date": format_date(self.removed_on)
                }
            else:
                reason = gettext("Tego licznika nie ma już w ewidencji i nie przyjmuje on odczytów.")
            return " ".join(
                [
                    reason,
                    gettext(
                        "Jeśli w lokalu jest nowy licznik, którego tu nie widać, skontaktuj się z biurem obsługi%(contact)s."
                    )
                    % {"contact": office_contact()},
                ]
            )
        if self.legalization_status(today) == "expired":
            return gettext(
                "Legalizacja tego licznika wygasła %(date)s, więc jego wskazania nie mogą być podstawą rozliczenia "
                "i nie przyjmujemy odczytów. Skontaktuj się z biurem obsługi%(contact)s, aby umówić wymianę "
                "lub legalizację licznika."
            ) % {"date": format_date(self.legalization_valid_until), "contact": office_contact()}
        if self.installed_on > today:
            return gettext("Ten licznik zostanie zamontowany %(date)s; odczyty przyjmiemy od tego dnia.") % {
                "date": format_date(self.installed_on)
            }
        return None

    def accepts_reading(self, *, value: Decimal, read_on: dt.date, today: dt.date, last: Point | None) -> None:
        """Raise a ValidationError (messages by form field) unless a tenant may record ``value``
        read on ``read_on``: the meter takes readings, the date is neither in the future nor
        before the meter's installation or its last reading, the value is not below the last one."""
        refusal = self.reading_refusal(today)
        if refusal:
            raise ValidationError(refusal, code="meter_inactive")
        errors: dict[str, list[str]] = {}
        if value < 0:
            errors.setdefault("value", []).append(gettext("Stan licznika nie może być ujemny."))
        if read_on > today:
            errors.setdefault("read_on", []).append(
                gettext("Data odczytu nie może być późniejsza niż dziś (%(today)s).") % {"today": format_date(today)}
            )
        elif read_on < self.installed_on:
            errors.setdefault("read_on", []).append(
                gettext("Data odczytu nie może być wcześniejsza niż montaż licznika (%(date)s).")
                % {"date": format_date(self.installed_on)}
            )
        elif self.removed_on is not None and read_on > self.removed_on:
            errors.setdefault("read_on", []).append(
                gettext("Licznik został zdemontowany %(date)s.") % {"date": format_date(self.removed_on)}
            )
        if last is not None:
            if read_on < last.on:
                errors.setdefault("read_on", []).append(
                    gettext("Data odczytu nie może być wcześniejsza niż ostatni odczyt (%(date)s).")
                    % {"date": format_date(last.on)}
                )
            if value < last.value:
                errors.setdefault("value", []).append(
                    gettext(
                        "Podany stan %(value)s jest niższy niż ostatni odczyt %(last)s %(unit)s z %(date)s. "
                        "Licznik nie cofa się: sprawdź, czy odczytano wszystkie cyfry przed przecinkiem. "
                        "Jeśli licznik wymieniono, skontaktuj się z biurem obsługi%(contact)s."
                    )
                    % {
                        "value": format_quantity(value),
                        "last": format_quantity(last.value),
                        "unit": self.measure_unit,
                        "date": format_date(last.on),
                        "contact": office_contact(),
                    }
                )
        if errors:
            raise ValidationError(errors)

    def plausibility(self, *, value: Decimal, read_on: dt.date, history: Sequence[Point]) -> Plausibility:
        """Is the consumption since the last reading plausible? Not when it is, per day, more
        than IMPLAUSIBLE_FACTOR (3) times the average per day over the 12 months before the
        reading, as far as earlier readings cover them (at least MIN_HISTORY_DAYS days)."""
        last = max(history, default=None)
        if last is None:
            return Plausibility(implausible=False)
        consumption = value - last.value
        days = (read_on - last.on).days
        year_ago = read_on - dt.timedelta(days=365)
        average, covered = average_per_day(segments(history), year_ago, read_on)
        if covered < MIN_HISTORY_DAYS or consumption <= 0:
            return Plausibility(implausible=False, consumption=consumption, days=days, average_per_day=average or None)
        per_day = consumption / days if days > 0 else None
        implausible = per_day is None or per_day > IMPLAUSIBLE_FACTOR * average
        return Plausibility(
            implausible=implausible,
            consumption=consumption,
            days=days,
            per_day=per_day,
            average_per_day=average,
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
    reading_id = BackOfficeIdField(_("id odczytu"), max_length=64)  # unique: Meta.constraints
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

    @property
    def is_rejectable(self) -> bool:
        """Staff may reject only a tenant's reading still waiting for the back-office's confirmation."""
        return self.is_portal_born and self.status == Reading.Status.WAITING

    @staticmethod
    def issue_portal_id(now: dt.datetime | None = None) -> str:
        """A fresh id for a tenant's reading: ``P-`` + date + random part (unique enough; the
        unique constraint guards the rest)."""
        now = now or timezone.now()
        return f"{PORTAL_READING_PREFIX}{timezone.localtime(now):%Y%m%d}-{secrets.token_hex(5).upper()}"


def _photo_extension(content_type: str) -> str:
    """The extension of a photo by its type, checked from its content (JPEG or PNG)."""
    return ".png" if content_type == "image/png" else ".jpg"


def reading_photo_upload_to(instance: ReadingSubmission, filename: str) -> str:
    return f"meters/photos/{timezone.localdate():%Y/%m}/{secrets.token_hex(16)}{_photo_extension(instance.photo_content_type)}"


class ReadingSubmission(models.Model):
    """What the portal keeps beside a tenant's reading (issue 6): the form's one-use token,
    the photo, and whether the tenant confirmed an implausible consumption.

    It points at the reading by its ``reading_id``, not by a foreign key: the nightly
    import replaces back-office readings set-wise (a confirmed reading the back-office
    stops sending is removed), and a foreign key would stop it or pin the reading.
    """

    reading_id = BackOfficeIdField(_("id odczytu"), max_length=64, unique=True)
    # One use: a form sent twice (double click, browser resending) makes one reading.
    idempotency_key = models.CharField(_("klucz formularza"), max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("zgłosił"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="reading_submissions",
    )
    created_at = models.DateTimeField(_("zgłoszono"), default=timezone.now)
    photo = models.FileField(_("zdjęcie licznika"), upload_to=reading_photo_upload_to, max_length=200, blank=True)
    photo_content_type = models.CharField(_("typ zdjęcia"), max_length=32, blank=True)
    photo_name = models.CharField(_("nazwa pliku zdjęcia"), max_length=200, blank=True)
    implausible_confirmed = models.BooleanField(_("potwierdzone nietypowe zużycie"), default=False)
    consumption_per_day = models.DecimalField(
        _("zużycie dziennie"), max_digits=18, decimal_places=6, null=True, blank=True
    )
    average_per_day = models.DecimalField(
        _("średnie zużycie dziennie (12 mies.)"), max_digits=18, decimal_places=6, null=True, blank=True
    )

    class Meta:
        verbose_name = _("zgłoszenie odczytu")
        verbose_name_plural = _("zgłoszenia odczytów")

    def __str__(self) -> str:
        return str(self.reading_id)

    @property
    def photo_download_name(self) -> str:
        """The photo's name in a download: the reading and the type its content was checked to
        be, never the name the tenant's file had (``meter.png.html`` would be opened as a page)."""
        return f"zdjecie-licznika-{self.reading_id}{_photo_extension(self.photo_content_type)}"
