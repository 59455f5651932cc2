"""A paid payment stays *w trakcie księgowania* until the back-office books it
(``payment_book``, which the import will call); staff hear of payments not booked in time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from payments import services
from payments.models import Payment
from portal.models import AuditEntry, EmailMessage

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
    assert payment.session_id in message.body_text
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
