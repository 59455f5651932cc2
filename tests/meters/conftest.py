"""Fixtures of the meters tests: a unit's cold-water meter with 13 months of collector
readings (3 m³ a month), the operator's office contact, and time frozen on 21.11.2026."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from portal.models import Operator
from tests.factories import MeterFactory, ReadingFactory

WARSAW = ZoneInfo("Europe/Warsaw")
NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=WARSAW)
TODAY = NOW.date()
LAST_VALUE = Decimal("139.000")  # the collector's reading of 1.11.2026


@pytest.fixture(autouse=True)
def _every_day_window(settings):
    settings.READING_WINDOW_DAYS = ""


@pytest.fixture
def frozen():
    """Time stands still at 21.11.2026 12:00 in Warsaw."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def operator(db):
    return Operator.objects.create(
        name="Spółdzielnia Mieszkaniowa „Piast”", phone="32 672 11 00", email="bok@piast.example.pl"
    )


@pytest.fixture
def meter(unit):
    return MeterFactory(
        unit=unit,
        installed_on=dt.date(2020, 3, 1),
        legalization_valid_until=dt.date(2028, 3, 1),
        initial_value=Decimal("0.000"),
    )


def monthly_readings(meter, *, first: dt.date, count: int, start: Decimal, step: Decimal):
    readings, day, value = [], first, start
    for _ in range(count):
        readings.append(ReadingFactory(meter=meter, read_on=day, value=value))
        day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        value += step
    return readings


@pytest.fixture
def history(meter):
    """Readings on the 1st of each month from 1.10.2025 (100 m³) to 1.11.2026 (139 m³)."""
    return monthly_readings(meter, first=dt.date(2025, 10, 1), count=14, start=Decimal("100"), step=Decimal("3"))
