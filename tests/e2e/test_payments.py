"""Issue 17 B8, done when: in Chromium a tenant pays an invoice through the gateway simulator over
real HTTP (register, payment page, signed notification, verify) and sees the pending payment; the
outbound bundle carries it, a later import whose ledger row's payment_ref names it books it and the
pending line is gone; a refused and an abandoned payment leave nothing paid."""

from __future__ import annotations

import csv
import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from playwright.sync_api import expect

from payments import services
from payments.models import Payment
from sync.models import ImportRun
from sync.outbound import export_outbound
from sync.services import bundle_import
from tests import factories
from tests.realparts import wait_until
from tests.sync.bundles import Bundle

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def gateway(settings):
    settings.PAYMENTS_GATEWAY = "simulator"
    settings.P24_MERCHANT_ID = settings.P24_POS_ID = 100001
    settings.P24_CRC = "e2e-crc-5a6b7c"
    settings.P24_API_KEY = "e2e-api-key-1f2e3d"


@pytest.fixture
def tenant(gateway):
    unit = factories.UnitFactory()
    factories.LedgerEntryFactory(unit=unit, amount=Decimal("274.57"))
    owner = factories.TenantFactory(units=[unit])
    invoice = factories.InvoiceFactory(unit=unit, buyer=factories.PersonFactory(), gross=Decimal("274.57"))
    return owner, unit, invoice


def _log_in(page, user) -> None:
    page.goto(page.base_url + "/logowanie/")
    page.get_by_label("Login (identyfikator)").fill(user.username)
    page.get_by_label("Hasło").fill(factories.PASSWORD)
    page.get_by_role("button", name="Zaloguj się").click()
    page.wait_for_url(page.base_url + "/")


def _to_gateway(page, unit, invoice) -> None:
    page.goto(f"{page.base_url}/lokale/{unit.pk}/faktury/{invoice.pk}/")
    page.get_by_role("button", name=re.compile("Zapłać online 274,57")).click()
    page.wait_for_url(re.compile(r"/platnosci/symulator/trnRequest/"))
    expect(page.locator(".sim-amount")).to_have_text("27457 gr (PLN)")


def test_a_tenant_pays_an_invoice_through_the_simulator_and_sees_it_pending(page, tenant):
    owner, unit, invoice = tenant
    _log_in(page, owner)
    _to_gateway(page, unit, invoice)
    page.get_by_role("button", name="Zapłać", exact=True).click()
    page.wait_for_url(re.compile(rf"/lokale/{unit.pk}/platnosci/\d+/$"))
    payment = Payment.objects.get()
    wait_until(lambda: Payment.objects.get().state == Payment.State.PAID, timeout=20)
    page.reload()
    expect(page.locator(".payment-state")).to_have_text("wpłata w trakcie księgowania")
    page.goto(f"{page.base_url}/lokale/{unit.pk}/")
    expect(page.locator(".payment-pending")).to_contain_text("Wpłata w trakcie księgowania: 274,57")
    assert Payment.objects.get(pk=payment.pk).order_id


def _delta_booking(folder, unit, payment: Payment) -> Bundle:
    """The back-office's next delta: the payment booked on the unit's ledger under its PAY- id."""
    folder.mkdir()
    bundle = Bundle(folder)
    bundle.write_manifest(
        {
            "format": "ebok-bundle/1",
            "export_id": "BO-2026-12-04-001",
            "sequence": 1,
            "kind": "delta",
            "as_of": "2026-12-04T23:00:00+01:00",
            "source": "back-office testowy 1.0",
            "files": {},
        }
    )
    header = ["entry_id", "unit_id", "booked_on", "due_on", "kind", "component", "description", "amount"]
    row = [
        "E-ONLINE-1",
        unit.external_id,
        "2026-12-04",
        "",
        "payment",
        "wpłata",
        "Płatność online",
        f"-{payment.amount}".replace(".", ","),
    ]
    bundle.write("ledger", [*header, "payment_ref"], [[*row, payment.payment_id]])
    return bundle.write("deletions", ["entity", "id"], [])


def test_a_paid_invoice_goes_out_in_the_outbound_bundle_and_a_later_import_books_it(page, tenant, tmp_path):
    owner, unit, invoice = tenant
    _log_in(page, owner)
    _to_gateway(page, unit, invoice)
    page.get_by_role("button", name="Zapłać", exact=True).click()
    page.wait_for_url(re.compile(rf"/lokale/{unit.pk}/platnosci/\d+/$"))
    wait_until(lambda: Payment.objects.get().state == Payment.State.PAID, timeout=20)
    payment = Payment.objects.get()
    page.goto(f"{page.base_url}/lokale/{unit.pk}/")
    expect(page.locator(".payment-pending")).to_contain_text("Wpłata w trakcie księgowania: 274,57")
    expect(page.locator(".paid-online")).to_have_count(0)
    expect(page.locator("p.balance")).to_contain_text("do zapłaty 274,57")

    outbound = export_outbound(directory=tmp_path / "outbox")
    with (tmp_path / "outbox" / outbound.export_id / "payments.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    assert rows[1][:4] == [payment.payment_id, unit.external_id, invoice.external_id, "274,57"]
    assert rows[1][5:] == ["symulator", str(payment.order_id)]

    run = bundle_import(path=_delta_booking(tmp_path / "delta", unit, payment).path)
    assert run.status == ImportRun.Status.IMPORTED, run.message
    assert Payment.objects.get().ledger_entry == "E-ONLINE-1"
    page.reload()
    expect(page.locator(".payment-pending")).to_have_count(0)
    expect(page.locator(".ledger-payment .paid-online")).to_have_text("zapłacono online")
    expect(page.locator("p.balance")).to_have_text("rozliczone")  # 274,57 − 274,57: counted once
    later = export_outbound(directory=tmp_path / "outbox")
    assert (tmp_path / "outbox" / later.export_id / "payments.csv").read_text("utf-8").count("\n") == 1  # header


def test_a_refused_and_an_abandoned_payment_leave_nothing_paid(page, tenant):
    owner, unit, invoice = tenant
    _log_in(page, owner)
    _to_gateway(page, unit, invoice)
    page.get_by_role("button", name="Odrzuć").click()
    page.wait_for_url(re.compile(rf"/lokale/{unit.pk}/platnosci/\d+/$"))
    wait_until(lambda: Payment.objects.get().state == Payment.State.REJECTED, timeout=20)

    _to_gateway(page, unit, invoice)  # the refused one is closed: a new payment starts
    page.get_by_role("button", name="Porzuć").click()
    page.wait_for_url(re.compile(rf"/lokale/{unit.pk}/platnosci/\d+/$"))
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=20)):
        assert services.payments_expire() == 1
    assert sorted(Payment.objects.values_list("state", flat=True)) == ["abandoned", "rejected"]
    page.goto(f"{page.base_url}/lokale/{unit.pk}/")
    expect(page.locator(".payment-pending")).to_have_count(0)
    expect(page.get_by_role("button", name="Zapłać online")).to_be_visible()
