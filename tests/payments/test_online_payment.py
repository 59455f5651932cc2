"""A tenant pays the unit's balance or an invoice through the gateway simulator."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from payments import services
from payments.models import Payment
from portal.models import AuditEntry, EmailMessage
from tests import factories
from tests.payments.conftest import simulator_choice, start_balance

pytestmark = pytest.mark.django_db


def test_the_unit_page_offers_paying_the_balance_online(owner_client, due_unit):
    page = owner_client.get(reverse("billing:unit", args=[due_unit.pk])).content.decode()
    assert "Zapłać online" in page
    assert 'value="300,00"' in page


def test_a_unit_with_nothing_due_offers_nothing(owner_client, unit):
    factories.LedgerEntryFactory(unit=unit, amount=Decimal("-50.00"), kind="payment")
    page = owner_client.get(reverse("billing:unit", args=[unit.pk])).content.decode()
    assert reverse("payments:pay_balance", args=[unit.pk]) not in page


def test_paying_the_balance_goes_through_the_gateway_and_ends_paid(
    owner_client, owner, due_unit, wire, django_capture_on_commit_callbacks
):
    response = start_balance(owner_client, due_unit, "120,50")
    payment = Payment.objects.get()
    assert payment.state == Payment.State.WAITING and payment.amount == Decimal("120.50")
    assert response.status_code == 302 and response.url.endswith("?przejdz=1")
    hand_over = owner_client.get(response.url).content.decode()
    assert f"/platnosci/symulator/trnRequest/{payment.token}" in hand_over

    back = simulator_choice(owner_client, payment, "pay", capture=django_capture_on_commit_callbacks)
    assert back.url.endswith(reverse("payments:detail", args=[due_unit.pk, payment.pk]))
    payment.refresh_from_db()
    assert payment.state == Payment.State.PAID and payment.order_id
    assert [c[1].rsplit("/", 1)[-1] for c in wire.calls if c[0] == "PUT"] == ["verify"]
    assert EmailMessage.objects.filter(to=[owner.email], dedup_key=f"payment-paid-{payment.pk}").exists()
    assert list(
        AuditEntry.objects.filter(object_id=str(payment.pk)).values_list("action", flat=True).order_by("id")
    ) == [
        "payment.created",
        "payment.waiting",
        "payment.paid",
    ]


def test_a_paid_payment_shows_as_being_booked_with_the_balance_with_and_without_it(
    owner_client, due_unit, wire, django_capture_on_commit_callbacks
):
    start_balance(owner_client, due_unit, "100,00")
    simulator_choice(owner_client, Payment.objects.get(), "pay", capture=django_capture_on_commit_callbacks)
    page = owner_client.get(reverse("billing:unit", args=[due_unit.pk])).content.decode()
    assert "Wpłata w trakcie księgowania: <strong>100,00" in page
    assert "Saldo bez tej wpłaty: 300,00\xa0zł; po jej zaksięgowaniu: 200,00\xa0zł." in page
    assert 'value="200,00"' in page  # only the rest is offered
    history = owner_client.get(reverse("payments:history", args=[due_unit.pk])).content.decode()
    assert "wpłata w trakcie księgowania" in history


def test_an_invoice_is_paid_for_what_is_left_of_it(owner_client, due_unit, wire, django_capture_on_commit_callbacks):
    invoice = factories.InvoiceFactory(unit=due_unit, buyer=factories.PersonFactory(), gross=Decimal("274.57"))
    page = owner_client.get(reverse("billing:invoice", args=[due_unit.pk, invoice.pk])).content.decode()
    assert "Zapłać online 274,57" in page
    owner_client.post(reverse("payments:pay_invoice", args=[due_unit.pk, invoice.pk]))
    payment = Payment.objects.get()
    assert (payment.invoice, payment.amount, payment.total_grosze) == (invoice, Decimal("274.57"), 27457)
    simulator_choice(owner_client, payment, "pay", capture=django_capture_on_commit_callbacks)
    page = owner_client.get(reverse("billing:invoice", args=[due_unit.pk, invoice.pk])).content.decode()
    assert "Wpłata w trakcie księgowania" in page and "Zapłać online 274,57" not in page


def test_a_refused_payment_ends_rejected_and_nothing_is_paid(
    owner_client, due_unit, wire, django_capture_on_commit_callbacks
):
    start_balance(owner_client, due_unit)
    simulator_choice(owner_client, Payment.objects.get(), "refuse", capture=django_capture_on_commit_callbacks)
    payment = Payment.objects.get()
    assert payment.state == Payment.State.REJECTED
    assert not [c for c in wire.calls if c[0] == "PUT"]  # nothing to verify
    assert AuditEntry.objects.filter(action="payment.rejected", object_id=str(payment.pk)).exists()


def test_an_abandoned_payment_is_closed_after_the_gateways_time_limit(owner_client, due_unit, wire):
    start_balance(owner_client, due_unit)
    simulator_choice(owner_client, Payment.objects.get(), "abandon")
    assert services.payments_expire() == 0  # within the time limit it still waits
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=16)):
        assert services.payments_expire() == 1
    payment = Payment.objects.get()
    assert payment.state == Payment.State.ABANDONED
    assert AuditEntry.objects.filter(action="payment.abandoned", object_id=str(payment.pk)).exists()
    # the tenant may start again
    start_balance(owner_client, due_unit)
    assert Payment.objects.filter(state=Payment.State.WAITING).count() == 1


def test_a_notification_sent_twice_changes_nothing_the_second_time(
    owner_client, due_unit, wire, django_capture_on_commit_callbacks
):
    start_balance(owner_client, due_unit)
    simulator_choice(
        owner_client, Payment.objects.get(), "pay", "duplicate", capture=django_capture_on_commit_callbacks
    )
    payment = Payment.objects.get()
    notifications = [c for c in wire.calls if c[1].endswith("/platnosci/powiadomienie/")]
    assert [c[3] for c in notifications] == [200, 200]
    assert payment.state == Payment.State.PAID
    assert AuditEntry.objects.filter(action="payment.paid").count() == 1
    assert EmailMessage.objects.filter(dedup_key=f"payment-paid-{payment.pk}").count() == 1


def test_a_late_notification_after_the_time_limit_still_makes_the_payment_paid(owner_client, due_unit, wire):
    start_balance(owner_client, due_unit)
    simulator_choice(owner_client, Payment.objects.get(), "pay", "late")
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=20)):
        services.payments_expire()
    assert Payment.objects.get().state == Payment.State.ABANDONED
    from payments.models import SimulatedTransaction
    from payments.simulator import gateway

    gateway.send_late(SimulatedTransaction.objects.get())
    payment = Payment.objects.get()
    assert payment.state == Payment.State.PAID
    assert AuditEntry.objects.get(action="payment.paid").details["previous"] == "abandoned"


def test_a_refusal_arriving_after_the_payment_leaves_it_paid(
    owner_client, due_unit, wire, django_capture_on_commit_callbacks
):
    start_balance(owner_client, due_unit)
    simulator_choice(owner_client, Payment.objects.get(), "pay", "reversed", capture=django_capture_on_commit_callbacks)
    assert Payment.objects.get().state == Payment.State.PAID
    assert not AuditEntry.objects.filter(action="payment.rejected").exists()


def test_a_second_click_while_a_payment_waits_resumes_it(owner_client, due_unit, wire):
    invoice = factories.InvoiceFactory(unit=due_unit, buyer=factories.PersonFactory())
    url = reverse("payments:pay_invoice", args=[due_unit.pk, invoice.pk])
    first = owner_client.post(url)
    second = owner_client.post(url)
    assert Payment.objects.count() == 1
    assert first.url == second.url
    assert [c[1] for c in wire.calls].count("/platnosci/symulator/api/v1/transaction/register") == 1
    assert AuditEntry.objects.filter(action="payment.resumed").count() == 1


def test_the_fee_passed_on_is_shown_before_paying_and_charged(owner_client, due_unit, wire, settings):
    settings.PAYMENTS_FEE_PERCENT = Decimal("1.2")
    settings.PAYMENTS_FEE_FIXED = Decimal("0.30")
    page = owner_client.get(reverse("billing:unit", args=[due_unit.pk])).content.decode()
    assert "opłata bramki: przy całej kwocie 3,90\xa0zł" in page  # 1,2 % of 300 + 0,30
    start_balance(owner_client, due_unit, "100,00")
    payment = Payment.objects.get()
    assert (payment.amount, payment.fee, payment.total_grosze) == (Decimal("100.00"), Decimal("1.50"), 10150)
