"""Staff see online payments in admin, filtered by state, unit and date, with the gateway's reference."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from payments.models import Payment

pytestmark = pytest.mark.django_db


def test_staff_see_payments_with_filters_and_the_gateway_reference(staff_client, owner, due_unit):
    Payment.objects.create(
        unit=due_unit, user=owner, amount=Decimal("12.34"), session_id="ebok-a", state="paid", order_id=987654321
    )
    Payment.objects.create(unit=due_unit, user=owner, amount=Decimal("5.00"), session_id="ebok-b", state="rejected")
    url = reverse("admin:payments_payment_changelist")
    page = staff_client.get(url).content.decode()
    assert "987654321" in page and "płatności online" in page.lower()
    filtered = staff_client.get(url, {"state": "paid"}).content.decode()
    assert "987654321" in filtered and "ebok-b" not in filtered
    assert (
        staff_client.get(
            url, {"unit__id__exact": due_unit.pk, "created_at__gte": "2020-01-01 00:00:00+00:00"}
        ).status_code
        == 200
    )
    assert staff_client.get(url, {"q": "987654321"}).status_code == 200


def test_payments_cannot_be_added_or_changed_in_admin(staff_client, owner, due_unit):
    payment = Payment.objects.create(unit=due_unit, user=owner, amount=Decimal("1"), session_id="ebok-c")
    assert staff_client.get(reverse("admin:payments_payment_add")).status_code == 403
    response = staff_client.post(reverse("admin:payments_payment_change", args=[payment.pk]), {"state": "paid"})
    assert response.status_code == 403
    payment.refresh_from_db()
    assert payment.state == Payment.State.CREATED


def test_staff_find_a_payment_by_the_pay_id_the_back_office_quotes(staff_client, owner, due_unit):
    wanted = Payment.objects.create(unit=due_unit, user=owner, amount=Decimal("7.00"), session_id="s1", state="paid")
    other = Payment.objects.create(unit=due_unit, user=owner, amount=Decimal("8.00"), session_id="s2", state="paid")
    page = staff_client.get(reverse("admin:payments_payment_changelist"), {"q": wanted.payment_id}).content.decode()
    assert wanted.payment_id in page and other.payment_id not in page
