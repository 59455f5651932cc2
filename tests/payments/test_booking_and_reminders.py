"""A paid payment stays *w trakcie księgowania* until the back-office books it
(``payment_book``, which the import calls: tests/sync/test_payment_ref.py); staff hear of
payments not booked in time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from payments import services
from payments.models import Payment
from portal.models import AuditEntry, EmailMessage
from tests import factories
from tests.payments.conftest import simulator_choice, start_balance

pytestmark = pytest.mark.django_db


def _paid(unit, user, *, paid_at=None, amount="100.00"):
    return Payment.objects.create(
        unit=unit,
        user=user,
        amount=Decimal(amount),
        state=Payment.State.PAID,
        session_id=f"ebok-{Payment.objects.count()}",
        order_id=1000 + Payment.objects.count(),
        paid_at=paid_at or timezone.now(),
        gateway="simulator",
    )


def test_booking_a_payment_removes_the_pending_line(owner_client, owner, due_unit):
    payment = _paid(due_unit, owner)
    assert (
        "Wpłata w trakcie księgowania" in owner_client.get(reverse("billing:unit", args=[due_unit.pk])).content.decode()
    )
    services.payment_book(payment_id=payment.pk, ledger_entry="E000000042")
    payment.refresh_from_db()
    assert payment.booked_at is not None and payment.ledger_entry == "E000000042"
    assert (
        "Wpłata w trakcie księgowania"
        not in owner_client.get(reverse("billing:unit", args=[due_unit.pk])).content.decode()
    )
    assert AuditEntry.objects.filter(action="payment.booked", object_id=str(payment.pk)).count() == 1


def test_booking_twice_with_the_same_row_changes_nothing_and_another_row_is_refused(owner, due_unit):
    payment = _paid(due_unit, owner)
    first = services.payment_book(payment_id=payment.pk, ledger_entry="E1").booked_at
    assert services.payment_book(payment_id=payment.pk, ledger_entry="E1").booked_at == first
    with pytest.raises(ValueError):
        services.payment_book(payment_id=payment.pk, ledger_entry="E2")
    assert AuditEntry.objects.filter(action="payment.booked").count() == 1


def test_a_payment_not_paid_cannot_be_booked(owner, due_unit):
    payment = Payment.objects.create(unit=due_unit, user=owner, amount=Decimal("5"), session_id="w", state="waiting")
    with pytest.raises(ValueError):
        services.payment_book(payment_id=payment.pk, ledger_entry="E1")


def test_staff_are_emailed_once_about_payments_not_booked_after_the_working_days(owner, due_unit, settings):
    settings.PAYMENTS_UNBOOKED_WORKING_DAYS = 3
    settings.PAYMENTS_NOTIFY_EMAILS = ["ksiegowosc@example.test"]
    # Paid on Friday 18 Dec 2026: three working days later is Wednesday 23 Dec.
    friday = dt.datetime(2026, 12, 18, 12, 0, tzinfo=dt.UTC)
    payment = _paid(due_unit, owner, paid_at=friday)
    assert services.payments_remind_unbooked(today=dt.date(2026, 12, 22)) == 0
    assert services.payments_remind_unbooked(today=dt.date(2026, 12, 23)) == 1
    message = EmailMessage.objects.get(to=["ksiegowosc@example.test"])
    assert payment.payment_id in message.body_text and payment.payment_id in message.body_html
    assert services.payments_remind_unbooked(today=dt.date(2026, 12, 28)) == 0  # once


def test_holidays_do_not_count_as_working_days_for_the_reminder(owner, due_unit, settings):
    settings.PAYMENTS_UNBOOKED_WORKING_DAYS = 1
    settings.PAYMENTS_NOTIFY_EMAILS = ["ksiegowosc@example.test"]
    _paid(due_unit, owner, paid_at=dt.datetime(2026, 12, 23, 12, 0, tzinfo=dt.UTC))
    # 24, 25 and 26 Dec are public holidays (24 Dec from 2025 on), 27 Dec a Sunday.
    assert services.payments_remind_unbooked(today=dt.date(2026, 12, 27)) == 0
    assert services.payments_remind_unbooked(today=dt.date(2026, 12, 28)) == 1


def test_booked_payments_are_not_reminded(owner, due_unit, settings):
    settings.PAYMENTS_NOTIFY_EMAILS = ["ksiegowosc@example.test"]
    payment = _paid(due_unit, owner, paid_at=dt.datetime(2026, 11, 2, 12, 0, tzinfo=dt.UTC))
    services.payment_book(payment_id=payment.pk, ledger_entry="E9")
    assert services.payments_remind_unbooked(today=dt.date(2026, 12, 1)) == 0


def test_a_new_payment_is_known_to_the_gateway_and_the_back_office_by_one_pay_id(owner_client, due_unit, wire):
    start_balance(owner_client, due_unit, "10,00")
    payment = Payment.objects.get()
    assert payment.payment_id.startswith("PAY-") and payment.session_id == payment.payment_id


def test_a_payment_the_ledger_already_names_is_booked_when_its_late_notification_makes_it_paid(
    owner_client, due_unit, wire, django_capture_on_commit_callbacks
):
    """The back-office may book the money (from the gateway's settlement) before the portal hears
    of it; the import only warned then (the payment was not paid). The notification books it."""
    start_balance(owner_client, due_unit, "120,50")
    payment = Payment.objects.get()
    factories.LedgerEntryFactory(
        unit=due_unit,
        external_id="E-ONLINE-7",
        kind="payment",
        amount=Decimal("-120.50"),
        payment_ref=payment.payment_id,
    )
    simulator_choice(owner_client, payment, "pay", capture=django_capture_on_commit_callbacks)
    payment.refresh_from_db()
    assert payment.state == Payment.State.PAID
    assert payment.booked_at is not None and payment.ledger_entry == "E-ONLINE-7"
    page = owner_client.get(reverse("billing:unit", args=[due_unit.pk])).content.decode()
    assert "Wpłata w trakcie księgowania" not in page and "zapłacono online" in page


def test_a_paid_payment_no_ledger_row_names_stays_pending(
    owner_client, due_unit, wire, django_capture_on_commit_callbacks
):
    start_balance(owner_client, due_unit, "120,50")
    payment = Payment.objects.get()
    factories.LedgerEntryFactory(unit=due_unit, kind="payment", amount=Decimal("-1.00"), payment_ref="PAY-INNA")
    simulator_choice(owner_client, payment, "pay", capture=django_capture_on_commit_callbacks)
    payment.refresh_from_db()
    assert payment.state == Payment.State.PAID and payment.booked_at is None


def test_unbooking_makes_a_payment_pending_and_reminded_again(owner, due_unit):
    payment = _paid(due_unit, owner)
    services.payment_book(payment_id=payment.pk, ledger_entry="E1")
    Payment.objects.filter(pk=payment.pk).update(staff_reminded_at=timezone.now())
    services.payment_unbook(payment_id=payment.pk, reason="ledger_entry_gone")
    payment.refresh_from_db()
    assert payment.is_pending_booking and payment.ledger_entry == "" and payment.staff_reminded_at is None
    services.payment_unbook(payment_id=payment.pk, reason="ledger_entry_gone")  # again: nothing more
    assert AuditEntry.objects.filter(action="payment.unbooked").count() == 1
