"""Issue 17 B8, done when (the payment half): in Chromium a tenant pays an invoice through the
gateway simulator over real HTTP (register, payment page, signed notification, verify) and sees
the pending payment; a refused and an abandoned payment leave nothing paid."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from playwright.sync_api import expect

from payments import services
from payments.models import Payment
from tests import factories
from tests.realparts import wait_until

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
