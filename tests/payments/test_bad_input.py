"""Forged, replayed and foreign notifications, bad amounts, double clicks and a gateway that is
down: each refused or handled with nothing lost and nothing paid twice (against the real
signature code: the notifications are signed by ``payments.gateways.przelewy24.sign``)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from payments.gateways.przelewy24 import NOTIFICATION_SIGN, sign
from payments.models import Payment, SimulatedTransaction
from payments.simulator import gateway as simulator
from portal.models import AuditEntry
from tests.payments.conftest import CRC, MERCHANT, simulator_choice, start_balance

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(owner_client, due_unit, wire):
    """A payment of 300,00 zł waiting at the gateway, paid there (the notification not sent yet)."""
    start_balance(owner_client, due_unit)
    payment = Payment.objects.get()
    simulator_choice(owner_client, payment, "pay", "late")
    return payment


def _notification(payment, *, crc=CRC, **changes):
    txn = SimulatedTransaction.objects.get(session_id=payment.session_id)
    fields = simulator.paid_notification(txn)
    fields.update(changes)
    fields["sign"] = sign(fields, NOTIFICATION_SIGN, crc)
    return fields


def _post(client, fields):
    return client.post(reverse("payments:notify"), json.dumps(fields), content_type="application/json")


def _assert_still_waiting(payment, reason):
    payment.refresh_from_db()
    assert payment.state == Payment.State.WAITING
    assert AuditEntry.objects.filter(action="payment.notification_refused", details__reason=reason).exists()


def test_a_notification_with_a_wrong_signature_is_refused(client, waiting):
    fields = _notification(waiting)
    fields["sign"] = _notification(waiting, crc="not-the-crc")["sign"]
    assert _post(client, fields).status_code == 400
    _assert_still_waiting(waiting, "signature")


def test_a_notification_for_another_merchant_is_refused(client, waiting):
    assert _post(client, _notification(waiting, merchantId=MERCHANT + 1)).status_code == 400
    _assert_still_waiting(waiting, "merchant")


def test_a_notification_with_a_changed_amount_is_refused(client, waiting):
    assert _post(client, _notification(waiting, amount=100, originAmount=100)).status_code == 400
    _assert_still_waiting(waiting, "amount")


def test_a_notification_with_another_currency_is_refused(client, waiting):
    assert _post(client, _notification(waiting, currency="EUR")).status_code == 400
    _assert_still_waiting(waiting, "currency")


def test_a_notification_for_an_unknown_session_is_refused(client, waiting):
    assert _post(client, _notification(waiting, sessionId="ebok-nieznana")).status_code == 400
    _assert_still_waiting(waiting, "unknown_session")


def test_a_notification_the_gateway_does_not_confirm_is_not_paid(client, waiting):
    """Signed correctly, but the gateway's verify call says no (a different order)."""
    response = _post(client, _notification(waiting, orderId=1))
    assert response.status_code == 503  # the gateway will send it again
    waiting.refresh_from_db()
    assert waiting.state == Payment.State.WAITING


def test_a_replayed_notification_changes_nothing(client, waiting):
    fields = _notification(waiting)
    assert _post(client, fields).status_code == 200
    paid_at = Payment.objects.get().paid_at
    assert _post(client, fields).status_code == 200
    assert Payment.objects.get().paid_at == paid_at
    assert AuditEntry.objects.filter(action="payment.paid").count() == 1


def test_a_second_order_for_a_paid_session_is_refused(client, waiting):
    _post(client, _notification(waiting))
    assert _post(client, _notification(waiting, orderId=42)).status_code == 400
    assert AuditEntry.objects.filter(action="payment.notification_refused", details__reason="second_order").exists()


def test_another_tenants_payment_is_not_found(client, waiting, stranger, due_unit):
    client.force_login(stranger)
    assert client.get(reverse("payments:detail", args=[due_unit.pk, waiting.pk])).status_code == 404
    assert client.get(reverse("payments:history", args=[due_unit.pk])).status_code == 404
    assert client.post(reverse("payments:pay_balance", args=[due_unit.pk]), {"kwota": "1"}).status_code == 404
    own_unit = stranger.grants.get().unit
    assert client.get(reverse("payments:detail", args=[own_unit.pk, waiting.pk])).status_code == 404


def test_the_return_address_is_always_the_portals_own(owner_client, due_unit, wire):
    owner_client.post(
        reverse("payments:pay_balance", args=[due_unit.pk]),
        {"kwota": "10", "urlReturn": "https://zlodziej.example/", "next": "https://zlodziej.example/"},
        HTTP_REFERER="https://zlodziej.example/",
    )
    txn = SimulatedTransaction.objects.get()
    assert txn.url_return.startswith("http://testserver/lokale/")
    assert txn.url_status == "http://testserver/platnosci/powiadomienie/"


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "Kwota wpłaty musi być większa od zera."),
        ("-10,00", "Kwota wpłaty musi być większa od zera."),
        ("300,01", "Kwota przekracza należność do zapłaty."),
        ("10,005", "Kwota może mieć najwyżej dwie cyfry po przecinku (grosze)."),
        ("dziesięć", "Podaj kwotę w złotych, np. 150,00."),
        ("NaN", "Podaj kwotę w złotych, np. 150,00."),
    ],
)
def test_a_bad_amount_is_refused_with_a_polish_message(owner_client, due_unit, wire, amount, message):
    response = start_balance(owner_client, due_unit, amount)
    assert response.status_code == 302 and response.url == reverse("billing:unit", args=[due_unit.pk])
    page = owner_client.get(response.url).content.decode()
    assert message in page
    assert not Payment.objects.exists() and not wire.calls


def test_a_double_click_opens_one_payment(owner_client, due_unit, wire):
    start_balance(owner_client, due_unit, "50,00")
    start_balance(owner_client, due_unit, "50,00")
    assert Payment.objects.count() == 1
    assert len([c for c in wire.calls if c[1].endswith("/register")]) == 1


def test_the_database_refuses_a_second_open_payment_for_one_invoice(owner, due_unit):
    from django.db import IntegrityError, transaction

    from tests import factories

    invoice = factories.InvoiceFactory(unit=due_unit, buyer=factories.PersonFactory())
    Payment.objects.create(
        unit=due_unit, invoice=invoice, user=owner, amount=Decimal("1"), session_id="a", state="waiting"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(unit=due_unit, invoice=invoice, user=owner, amount=Decimal("1"), session_id="b")


def test_the_gateway_down_leaves_nothing_and_the_tenant_can_try_again(owner_client, due_unit, wire):
    wire.down = True
    response = start_balance(owner_client, due_unit)
    page = owner_client.get(response.url).content.decode()
    assert "Bramka płatności chwilowo nie odpowiada. Nic nie zostało pobrane" in page
    assert not Payment.objects.exists()
    assert AuditEntry.objects.filter(action="payment.gateway_unavailable").exists()
    wire.down = False
    start_balance(owner_client, due_unit)
    assert Payment.objects.get().state == Payment.State.WAITING


def test_the_simulator_refuses_a_register_call_with_a_wrong_sign_or_key(client, settings):
    body = {"merchantId": MERCHANT, "posId": MERCHANT, "sessionId": "x", "amount": 100, "currency": "PLN", "sign": "0"}
    url = reverse("payments:simulator:register")
    assert client.post(url, json.dumps(body), content_type="application/json").status_code == 401
    import base64

    auth = "Basic " + base64.b64encode(f"{MERCHANT}:{settings.P24_API_KEY}".encode()).decode()
    response = client.post(url, json.dumps(body), content_type="application/json", headers={"authorization": auth})
    assert response.status_code == 400 and response.json()["error"] == "Incorrect sign"


def test_a_notification_moved_to_another_tenants_payment_is_refused(client, waiting, stranger, wire):
    """Tenant A's genuine notification with tenant B's session: the signature no longer matches."""
    from tests import factories

    other_unit = stranger.grants.get().unit
    factories.LedgerEntryFactory(unit=other_unit, amount=Decimal("300.00"))
    client.force_login(stranger)
    start_balance(client, other_unit)
    theirs = Payment.objects.get(unit=other_unit)
    fields = _notification(waiting)
    fields["sessionId"] = theirs.session_id
    assert _post(client, fields).status_code == 400
    theirs.refresh_from_db()
    assert theirs.state == Payment.State.WAITING
    _assert_still_waiting(waiting, "signature")
