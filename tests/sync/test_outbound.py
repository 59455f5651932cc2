"""The outbound bundle: tenant readings, consent changes and paid online payments, repeated until
confirmed."""

import csv
import datetime as dt
import hashlib
import io
import json
import shutil
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from billing.models import Invoice, Person, Unit
from meters.models import Meter, Reading
from payments.models import Payment
from sync.models import ConsentChange, ImportRun, OutboundBundle
from sync.outbound import export_outbound
from sync.services import bundle_import
from tests.factories import TenantReadingFactory, UserFactory
from tests.sync.bundles import EXAMPLE, Bundle

pytestmark = pytest.mark.django_db
WARSAW = ZoneInfo("Europe/Warsaw")


def _read(folder, name):
    with (folder / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh, delimiter=";"))


@pytest.fixture
def portal(tmp_path):
    """The example imported; a tenant submitted a reading and switched consents in the portal."""
    assert bundle_import(path=EXAMPLE).status == ImportRun.Status.IMPORTED
    reading = TenantReadingFactory(
        meter=Meter.objects.get(external_id="M0000001c"),
        reading_id="P-20261115-0A1B2C3D4E",
        read_on=dt.date(2026, 11, 15),
        value=Decimal("31.5"),
        submitted_at=dt.datetime(2026, 11, 15, 18, 5, tzinfo=WARSAW),
    )
    user = UserFactory(
        person=Person.objects.get(external_id="P0000001"),
        consent_e_invoice=True,
        consent_e_correspondence=False,
        consents_changed_at=dt.datetime(2026, 11, 16, 9, 30, tzinfo=WARSAW),
    )
    return {"reading": reading, "user": user}


def test_outbound_bundle_holds_tenant_readings_and_consent_changes_per_the_format(portal, tmp_path):
    with time_machine.travel(dt.datetime(2026, 11, 21, 3, 0, tzinfo=WARSAW)):
        bundle = export_outbound(directory=tmp_path / "out")
    folder = tmp_path / "out" / bundle.export_id
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert manifest["format"] == "ebok-outbound/1" and manifest["sequence"] == 1
    assert manifest["as_of"] == "2026-11-21T03:00:00+01:00"
    for name, entry in manifest["files"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == entry["sha256"]
    assert _read(folder, "readings.csv") == [
        ["reading_id", "meter_id", "read_on", "value", "source", "submitted_at"],
        ["P-20261115-0A1B2C3D4E", "M0000001c", "2026-11-15", "31,500", "tenant", "2026-11-15T18:05:00+01:00"],
    ]
    assert _read(folder, "consents.csv") == [
        ["person_id", "e_invoice", "e_correspondence", "changed_at"],
        ["P0000001", "1", "0", "2026-11-16T09:30:00+01:00"],
    ]
    assert manifest["files"]["readings.csv"]["rows"] == 1 and manifest["files"]["consents.csv"]["rows"] == 1
    portal["reading"].refresh_from_db()
    assert portal["reading"].first_sent_at is not None
    assert [p.name for p in (tmp_path / "out").iterdir()] == [bundle.export_id]  # written whole, no leftovers


def test_reading_repeats_until_an_import_brings_it_back(portal, tmp_path):
    out = tmp_path / "out"
    first = export_outbound(directory=out)
    second = export_outbound(directory=out)  # the back-office has not answered yet
    assert second.sequence == first.sequence + 1
    assert len(_read(out / second.export_id, "readings.csv")) == 2
    echo = Bundle.example(tmp_path, "echo").set(export_id="EX-2", sequence=2)
    header, rows = echo.rows("readings")
    echo.write("readings", header, [*rows, ["P-20261115-0A1B2C3D4E", "M0000001c", "2026-11-15", "31,500", "tenant"]])
    assert bundle_import(path=echo.path).status == ImportRun.Status.IMPORTED
    assert Reading.objects.get(reading_id="P-20261115-0A1B2C3D4E").status == Reading.Status.CONFIRMED
    third = export_outbound(directory=out)
    assert _read(out / third.export_id, "readings.csv") == [
        ["reading_id", "meter_id", "read_on", "value", "source", "submitted_at"]
    ]


def test_consent_change_repeats_until_a_picked_up_bundle_is_followed_by_an_import(portal, tmp_path):
    out = tmp_path / "out"
    with time_machine.travel(dt.datetime(2026, 11, 21, 3, 0, tzinfo=WARSAW)):
        first = export_outbound(directory=out)
    later = Bundle.example(tmp_path, "n2").set(export_id="EX-2", sequence=2, as_of="2026-11-21T23:00:00+01:00")
    with time_machine.travel(dt.datetime(2026, 11, 22, 2, 30, tzinfo=WARSAW)):
        assert bundle_import(path=later.path).counts["consents_confirmed"] == 0  # still in the outbox: not taken
        again = export_outbound(directory=out)
    assert len(_read(out / again.export_id, "consents.csv")) == 2  # the lost-or-not-taken change repeats
    shutil.rmtree(out / first.export_id)  # the back-office takes both
    shutil.rmtree(out / again.export_id)
    earlier = Bundle.example(tmp_path, "n3").set(export_id="EX-3", sequence=3, as_of="2026-11-22T01:00:00+01:00")
    with time_machine.travel(dt.datetime(2026, 11, 22, 3, 0, tzinfo=WARSAW)):
        run = bundle_import(path=earlier.path)
    assert run.counts["consents_confirmed"] == 1  # exported after the first bundle was taken
    change = ConsentChange.objects.get()
    assert change.confirmed_by == run and change.first_sent_in == first
    assert OutboundBundle.objects.filter(picked_up_at__isnull=False).count() == 2
    final = export_outbound(directory=out)
    assert _read(out / final.export_id, "consents.csv") == [
        ["person_id", "e_invoice", "e_correspondence", "changed_at"]
    ]


def test_new_consent_change_after_a_confirmed_one_is_sent_again(portal, tmp_path):
    out = tmp_path / "out"
    sent = export_outbound(directory=out)
    ConsentChange.objects.update(confirmed_at=dt.datetime(2026, 11, 22, tzinfo=WARSAW))
    user = portal["user"]
    user.consent_e_correspondence = True
    user.consents_changed_at = dt.datetime(2026, 11, 23, 8, 0, tzinfo=WARSAW)
    user.save()
    fresh = export_outbound(directory=out)
    assert fresh.sequence == sent.sequence + 1
    assert _read(out / fresh.export_id, "consents.csv")[1] == ["P0000001", "1", "1", "2026-11-23T08:00:00+01:00"]


def test_export_outbound_command_writes_into_the_given_folder(portal, tmp_path):
    stdout = io.StringIO()
    call_command("export_outbound", str(tmp_path / "dla-systemu"), stdout=stdout)
    bundle = OutboundBundle.objects.get()
    assert (tmp_path / "dla-systemu" / bundle.export_id / "manifest.json").exists()
    assert "odczyty lokatorów 1, zmiany zgód 1" in stdout.getvalue()


def test_outbound_payments_csv_holds_every_paid_payment_not_yet_booked_to_the_byte(portal, tmp_path):
    """payments.csv: payment_id; unit_id; invoice_id (empty for the balance); amount with a decimal
    comma and 2 decimals (what the unit is credited: a fee passed on is not in it); paid_at (ISO
    8601); gateway; gateway_ref. Open, refused, abandoned and booked payments are not in it."""
    unit = Unit.objects.get(external_id="U0000001")
    common = {"unit": unit, "user": portal["user"], "gateway": "p24-production"}
    Payment.objects.create(
        **common,
        payment_id="PAY-20261117-0A1B2C3D4E5F",
        session_id="PAY-20261117-0A1B2C3D4E5F",
        invoice=Invoice.objects.get(external_id="I0000001"),
        invoice_number="FV/2/11/2026",
        amount=Decimal("71.91"),
        fee=Decimal("1.20"),
        state=Payment.State.PAID,
        order_id=310000017,
        paid_at=dt.datetime(2026, 11, 17, 20, 15, 9, tzinfo=WARSAW),
    )
    Payment.objects.create(
        **common,
        payment_id="PAY-20261116-FFEEDDCCBBAA",
        session_id="ebok-0123456789abcdef01234567",  # a payment started before payment ids
        amount=Decimal("1000"),
        state=Payment.State.PAID,
        order_id=310000016,
        paid_at=dt.datetime(2026, 11, 16, 7, 0, tzinfo=dt.UTC),
    )
    for n, state in enumerate(["waiting", "rejected", "abandoned"]):
        Payment.objects.create(**common, session_id=f"s{n}", amount=Decimal("5"), state=state)
    Payment.objects.create(
        **common,
        session_id="booked",
        amount=Decimal("5"),
        state=Payment.State.PAID,
        order_id=1,
        paid_at=dt.datetime(2026, 11, 1, tzinfo=WARSAW),
        booked_at=dt.datetime(2026, 11, 2, tzinfo=WARSAW),
        ledger_entry="E0000000999",
    )
    out = tmp_path / "out"
    bundle = export_outbound(directory=out)
    content = (out / bundle.export_id / "payments.csv").read_bytes()
    assert content == (
        b"payment_id;unit_id;invoice_id;amount;paid_at;gateway;gateway_ref\n"
        b"PAY-20261116-FFEEDDCCBBAA;U0000001;;1000,00;2026-11-16T08:00:00+01:00;przelewy24;310000016\n"
        b"PAY-20261117-0A1B2C3D4E5F;U0000001;I0000001;71,91;2026-11-17T20:15:09+01:00;przelewy24;310000017\n"
    )
    manifest = json.loads((out / bundle.export_id / "manifest.json").read_text("utf-8"))
    assert manifest["files"]["payments.csv"] == {"rows": 2, "sha256": hashlib.sha256(content).hexdigest()}
    again = export_outbound(directory=out)  # not booked yet: every bundle carries them again
    assert (out / again.export_id / "payments.csv").read_bytes() == content


def test_outbound_payments_csv_is_a_header_alone_when_nothing_awaits_booking(portal, tmp_path):
    bundle = export_outbound(directory=tmp_path / "out")
    folder = tmp_path / "out" / bundle.export_id
    assert (
        folder / "payments.csv"
    ).read_bytes() == b"payment_id;unit_id;invoice_id;amount;paid_at;gateway;gateway_ref\n"
    assert json.loads((folder / "manifest.json").read_text("utf-8"))["files"]["payments.csv"]["rows"] == 0
