"""The rules staff lists use live beside the tenant's (issue 15 §3): which reading staff may
reject, and which meters are due for legalization, read by the admin from meters' own code."""

import datetime as dt

import pytest

from meters.models import Reading
from meters.selectors import legalization_warning_ends, meters_due_for_legalization
from tests.factories import MeterFactory, ReadingFactory, TenantReadingFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 3)


def test_only_a_tenants_reading_still_waiting_may_be_rejected():
    assert TenantReadingFactory().is_rejectable
    assert not TenantReadingFactory(status=Reading.Status.REJECTED).is_rejectable
    assert not ReadingFactory().is_rejectable  # the back-office's own reading


def test_the_legalization_warning_covers_the_configured_period(settings):
    settings.METERS_LEGALIZATION_WARNING_DAYS = 60
    assert legalization_warning_ends(TODAY) == dt.date(2027, 2, 1)


def test_the_staff_list_and_each_meters_status_agree_on_what_is_due(settings):
    settings.METERS_LEGALIZATION_WARNING_DAYS = 60
    expired = MeterFactory(legalization_valid_until=dt.date(2026, 11, 30))
    expiring = MeterFactory(legalization_valid_until=dt.date(2027, 2, 1))
    valid = MeterFactory(legalization_valid_until=dt.date(2027, 2, 2))
    due = set(meters_due_for_legalization(TODAY))
    assert due == {expired, expiring}
    assert {meter.legalization_status(TODAY) for meter in due} == {"expired", "expiring"}
    assert valid.legalization_status(TODAY) == "valid"
