"""Reads of meters and readings, scoped to what a user may see.

Every tenant view fetches a meter through ``meter_for_user`` (404 for anyone
without a grant to its unit) or a unit through ``accounts.selectors``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import User
from accounts.selectors import units_for_user
from billing.models import Unit
from meters.consumption import MonthUsage, Point, combine, monthly, segments
from meters.models import Meter, Reading, ReadingSubmission
from portal import sql

# Readings that say what a meter showed: not rejected ones, and not the back-office's
# estimates (a guess, often corrected downwards by the next real reading).
MEASURED_Q = ~Q(status=Reading.Status.REJECTED) & ~Q(source=Reading.Source.ESTIMATE)


def meters_for_user(user: User) -> QuerySet[Meter]:
    """Meters of the units the user has an active grant for today."""
    return Meter.objects.filter(unit_id__in=units_for_user(user).values("external_id"))


def meter_for_user(user: User, meter_id: int) -> Meter:
    """The meter if the user has an active grant to its unit; 404 for anyone else."""
    meter = meters_for_user(user).select_related("unit__building").filter(pk=meter_id).first()
    if meter is None:
        raise Http404
    return meter


def meters_of_unit(unit: Unit) -> list[Meter]:
    """The unit's meters (the caller has scoped the unit), current ones first. The unit
    page shows them on every view: plain SQL (see ``portal.sql``)."""
    rows = sql.fetch_all(
        f"SELECT {sql.columns(Meter, 'm')} FROM {Meter._meta.db_table} m WHERE m.unit_id = %s",  # noqa: S608
        [unit.external_id],
    )
    meters = [sql.instance(Meter, row) for row in rows]
    meters.sort(key=lambda m: (m.removed_on is not None or m.withdrawn_at is not None, m.medium, m.serial_no))
    return meters


def measured_points(meters: Iterable[Meter]) -> dict[str, list[Point]]:
    """By meter external id: what each meter showed (its initial value when installed, and
    its measured readings), in date order. One query for all the meters."""
    meters = list(meters)
    points: dict[str, list[Point]] = defaultdict(list)
    for meter in meters:
        if meter.initial_value is not None:
            points[meter.external_id].append(Point(meter.installed_on, meter.initial_value))
    rows = (
        Reading.objects.filter(MEASURED_Q, meter_id__in=[m.external_id for m in meters])
        .order_by()
        .values_list("meter_id", "read_on", "value")
    )
    for meter_id, read_on, value in rows:
        # django-stubs gap: it types a to_field foreign key in values_list as the pk's int;
        # meter_id is the meter's external_id (str).
        points[meter_id].append(Point(read_on, value))  # type: ignore[index]
    for meter_points in points.values():
        meter_points.sort()
    return points


def last_point(points: Sequence[Point]) -> Point | None:
    """The latest reading (the highest value of its day)."""
    return max(points, default=None)


@dataclass(frozen=True)
class MeterRow:
    """A meter as the unit panel shows it."""

    meter: Meter
    last_reading: Reading | None
    legalization: str  # Meter.legalization_status
    refusal: str | None  # why it takes no readings, or None


# A meter's last reading: any source but rejected, the latest day, on one day the highest
# value (a correction read later the same day is not lower), then the newest row.
_LAST_READING = (
    f"SELECT {sql.columns(Reading, 'r')} FROM {Reading._meta.db_table} r WHERE r.id IN ("  # noqa: S608 - constant names
    f"SELECT (SELECT x.id FROM {Reading._meta.db_table} x WHERE x.meter_id = m.external_id AND x.status <> %s "
    "ORDER BY x.read_on DESC, x.value DESC, x.id DESC LIMIT 1) "
    f"FROM {Meter._meta.db_table} m WHERE m.id IN ({{meters}}))"
)


def meter_rows(meters: Sequence[Meter], today: dt.date) -> list[MeterRow]:
    """Meters with their last reading; one query, none without meters. The unit page shows
    them on every view: plain SQL (see ``portal.sql``)."""
    if not meters:
        return []
    rows = sql.fetch_all(
        _LAST_READING.format(meters=", ".join(["%s"] * len(meters))),
        [Reading.Status.REJECTED.value, *(m.pk for m in meters)],
    )
    readings = {reading.meter_id: reading for reading in (sql.instance(Reading, row) for row in rows)}
    return [
        MeterRow(
            meter=meter,
            last_reading=readings.get(meter.external_id),
            legalization=meter.legalization_status(today),
            refusal=meter.reading_refusal(today),
        )
        for meter in meters
    ]


def readings_in_period(meters: Sequence[Meter], first: dt.date, last: dt.date) -> QuerySet[Reading]:
    """All readings of the meters read in the period (rejected ones too: the tenant sees
    what happened to their submission), newest first."""
    return (
        Reading.objects.filter(meter_id__in=[m.external_id for m in meters], read_on__gte=first, read_on__lte=last)
        .select_related("meter")
        .order_by("-read_on", "meter__medium", "meter__serial_no", "-id")
    )


def submissions_by_reading(readings: Iterable[Reading]) -> dict[str, ReadingSubmission]:
    ids = [r.reading_id for r in readings if r.is_portal_born]
    if not ids:
        return {}
    return {s.reading_id: s for s in ReadingSubmission.objects.filter(reading_id__in=ids)}


def monthly_usage(meter: Meter, points: Sequence[Point], first: dt.date, last: dt.date) -> list[MonthUsage]:
    """One meter's monthly consumption; a month counts only the days the meter was mounted."""
    return monthly(segments(points), first, last, mounted=(meter.installed_on, meter.removed_on))


def monthly_usage_by_medium(
    meters: Sequence[Meter], points: dict[str, list[Point]], first: dt.date, last: dt.date
) -> dict[str, list[MonthUsage]]:
    """A unit's monthly consumption per medium: the months of its meters of that medium added up
    (an exchanged meter's readings end at its removal, the new one's start at its installation)."""
    by_medium: dict[str, list[list[MonthUsage]]] = defaultdict(list)
    for meter in meters:
        by_medium[meter.medium].append(monthly_usage(meter, points.get(meter.external_id, []), first, last))
    order = [choice for choice in Meter.Medium.values if choice in by_medium]
    return {medium: combine(by_medium[medium]) for medium in order}


def photo_of_reading(meter: Meter, reading_pk: int) -> ReadingSubmission:
    """The submission (with its photo) of a reading of ``meter`` (which the caller fetched through
    ``meter_for_user``); 404 when the reading is not that meter's or has no photo."""
    reading = Reading.objects.filter(pk=reading_pk, meter_id=meter.external_id).first()
    if reading is None:
        raise Http404
    submission = ReadingSubmission.objects.filter(reading_id=reading.reading_id).exclude(photo="").first()
    if submission is None:
        raise Http404
    return submission


# --- staff lists ------------------------------------------------------------------------------


def legalization_warning_ends(today: dt.date) -> dt.date:
    """The last validity date that counts as "expiring" today (C1): the warning period,
    as ``Meter.legalization_status`` applies it to one meter."""
    return today + dt.timedelta(days=settings.METERS_LEGALIZATION_WARNING_DAYS)


def meters_due_for_legalization(today: dt.date) -> QuerySet[Meter]:
    """Mounted meters whose legalization expired or expires within the warning period."""
    return (
        Meter.objects.filter(legalization_valid_until__lte=legalization_warning_ends(today), withdrawn_at__isnull=True)
        .filter(Q(removed_on__isnull=True) | Q(removed_on__gte=today))
        .select_related("unit__building")
        .order_by("unit__building__city", "unit__building__street", "unit__building__building_no", "unit__unit_no")
    )
