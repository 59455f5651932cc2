"""Tenant readings go out in the outbound bundle and are confirmed when an import brings them back."""

import datetime as dt

import pytest
from django.urls import reverse

from meters.models import Meter, Reading, ReadingSubmission
from sync.models import ImportRun
from sync.outbound import export_outbound
from sync.services import bundle_import
from tests.factories import TenantFactory
from tests.meters.exchange import delta_with_readings, outbound_rows
from tests.meters.helpers import post_reading
from tests.sync.bundles import EXAMPLE, Bundle
from tests.tickets.helpers import jpeg

pytestmark = pytest.mark.django_db
HEADER = ["reading_id", "meter_id", "read_on", "value", "source", "submitted_at"]


@pytest.fixture
def submitted(client, owner, meter, history, frozen):
    client.force_login(owner)
    post_reading(client, meter, "141,250")
    return Reading.objects.get(source="tenant")


def test_a_submitted_reading_goes_out_in_the_outbound_bundle(submitted, meter, tmp_path):
    bundle = export_outbound(directory=tmp_path / "out")
    assert outbound_rows(tmp_path / "out" / bundle.export_id) == [
        HEADER,
        [submitted.reading_id, meter.external_id, "2026-11-21", "141,250", "tenant", "2026-11-21T12:00:00+01:00"],
    ]
    submitted.refresh_from_db()
    assert submitted.first_sent_at is not None and submitted.status == "waiting"


def test_the_import_that_brings_it_back_confirms_it_and_it_stops_going_out(submitted, meter, client, tmp_path):
    export_outbound(directory=tmp_path / "out")
    echo = delta_with_readings(
        tmp_path,
        [[submitted.reading_id, meter.external_id, "2026-11-21", "141,250", "tenant"]],
        export_id="BO-2026-11-21",
        sequence=7,
    )
    assert bundle_import(path=echo).status == ImportRun.Status.IMPORTED
    submitted.refresh_from_db()
    assert submitted.status == "confirmed" and submitted.confirmed_at is not None
    assert submitted.submitted_by is not None  # still the tenant's reading
    again = export_outbound(directory=tmp_path / "out")
    assert outbound_rows(tmp_path / "out" / again.export_id) == [HEADER]
    page = client.get(reverse("meters:meter", args=[meter.pk])).content.decode()
    assert '<span class="badge badge-ok">potwierdzony</span>' in page


def test_a_rejected_reading_does_not_go_out(submitted, staff, tmp_path):
    from meters.services import reading_reject

    reading_reject(reading=submitted, by=staff, reason="Zdjęcie pokazuje inny licznik.")
    bundle = export_outbound(directory=tmp_path / "out")
    assert outbound_rows(tmp_path / "out" / bundle.export_id) == [HEADER]


def test_full_imports_confirm_a_reading_and_may_later_drop_it_without_tripping_on_its_photo(client, frozen, tmp_path):
    assert bundle_import(path=EXAMPLE).status == ImportRun.Status.IMPORTED
    meter = Meter.objects.get(external_id="M0000001c")
    tenant = TenantFactory(units=[meter.unit])
    client.force_login(tenant)
    post_reading(client, meter, "30,000", photo=jpeg("licznik.jpg"))
    reading = Reading.objects.get(source="tenant")
    export_outbound(directory=tmp_path / "out")

    echo = Bundle.example(tmp_path, "echo").set(export_id="EX-2", sequence=2)
    header, rows = echo.rows("readings")
    echo.write("readings", header, [*rows, [reading.reading_id, "M0000001c", "2026-11-21", "30,000", "tenant"]])
    run = bundle_import(path=echo.path)
    assert run.status == ImportRun.Status.IMPORTED, [(p.file, p.line, p.column, p.reason) for p in run.problems.all()]
    reading.refresh_from_db()
    assert reading.status == "confirmed"

    # Later the back-office stops sending it (its own record replaced it): the reading goes,
    # the import is not held up by what the portal keeps beside it.
    later = Bundle.example(tmp_path, "later").set(export_id="EX-3", sequence=3)
    assert bundle_import(path=later.path).status == ImportRun.Status.IMPORTED
    assert not Reading.objects.filter(reading_id=reading.reading_id).exists()
    assert ReadingSubmission.objects.filter(reading_id=reading.reading_id).exists()


def test_a_waiting_reading_survives_a_full_import_that_does_not_carry_it(client, frozen, tmp_path):
    assert bundle_import(path=EXAMPLE).status == ImportRun.Status.IMPORTED
    meter = Meter.objects.get(external_id="M0000002c")
    client.force_login(TenantFactory(units=[meter.unit]))
    post_reading(client, meter, "25,000")
    later = Bundle.example(tmp_path, "later").set(export_id="EX-2", sequence=2)
    assert bundle_import(path=later.path).status == ImportRun.Status.IMPORTED
    assert Reading.objects.get(source="tenant").status == "waiting"
    assert dt.date(2026, 11, 21) == Reading.objects.get(source="tenant").read_on
