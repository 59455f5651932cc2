import datetime as dt
import re

import pytest

from billing.selectors import data_as_of
from meters.models import Reading
from sync.services import bundle_import
from tests.factories import MeterFactory, TenantReadingFactory
from tests.sync.bundles import EXAMPLE

pytestmark = pytest.mark.django_db


def test_data_is_as_of_the_last_imported_bundle():
    assert data_as_of() is None
    bundle_import(path=EXAMPLE)
    assert data_as_of() == dt.datetime.fromisoformat("2026-11-20T23:00:00+01:00")


def test_meter_is_active_between_mounting_and_removal_and_warns_before_legalization_ends():
    meter = MeterFactory(
        installed_on=dt.date(2020, 3, 1),
        removed_on=dt.date(2026, 6, 30),
        legalization_valid_until=dt.date(2026, 12, 31),
    )
    assert meter.is_active(dt.date(2026, 6, 30)) and not meter.is_active(dt.date(2026, 7, 1))
    assert not meter.is_active(dt.date(2020, 2, 29))
    assert meter.legalization_expires_within(dt.date(2026, 11, 21), days=60)
    assert not meter.legalization_expires_within(dt.date(2026, 10, 1), days=60)


def test_portal_reading_ids_start_with_p_and_only_portal_readings_wait():
    reading = TenantReadingFactory()
    assert re.fullmatch(r"P-\d{8}-[0-9A-F]{10}", reading.reading_id)
    assert reading.is_portal_born and reading.status == Reading.Status.WAITING
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Reading.objects.create(
            reading_id="R1",
            meter=reading.meter,
            read_on=dt.date(2026, 1, 1),
            value=1,
            source="radio",
            status=Reading.Status.WAITING,
        )
