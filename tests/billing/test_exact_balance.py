"""Money stays Decimal from the database to the page (STYLE 5): a balance that went through
``float`` on the way would mostly look right once formatted, so these tests use sums that a
float cannot hold (70 369 999 999 929,68 zł has more digits than a double keeps) and
check the type the page was given, not only its text."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import LedgerEntry
from tests import factories

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"
LARGEST_AMOUNT = Decimal("9999999999.99")  # LedgerEntry.amount holds 12 digits
ENTRIES = 7037  # with 0.05 more the sum is 70369999999929.68; as a float it rounds to ...929.69


def add_entries(unit, amounts: list[Decimal]) -> Decimal:
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            external_id=f"E-{unit.external_id}-{n:06d}",
            unit=unit,
            booked_on="2026-01-01",
            kind=LedgerEntry.Kind.CHARGE,
            component="eksploatacja",
            description="Naliczenie",
            amount=amount,
        )
        for n, amount in enumerate(amounts)
    )
    return sum(amounts, Decimal("0"))


def test_a_balance_beyond_a_floats_precision_is_shown_to_the_grosz(client, owner, unit):
    balance = add_entries(unit, [LARGEST_AMOUNT] * ENTRIES + [Decimal("0.05")])
    assert balance == Decimal("70369999999929.68")
    assert Decimal(float(balance)).quantize(Decimal("0.01")) != balance  # the test means something
    client.force_login(owner)
    response = client.get(reverse("billing:unit", args=[unit.pk]))
    totals = response.context["totals"]
    assert type(totals.balance) is Decimal and totals.balance == balance
    assert f"70{NBSP}369{NBSP}999{NBSP}999{NBSP}929,68{NBSP}zł" in response.content.decode()
    newest = response.context["page"].object_list[0]
    assert type(newest.balance) is Decimal and newest.balance == balance


def test_a_balance_of_tenths_that_floats_cannot_add_is_exact(client, owner, unit):
    # 0.1 + 0.2 is 0.30000000000000004 in floats; the database's sum is 0.30 and must stay so.
    balance = add_entries(unit, [Decimal("0.10"), Decimal("0.20")])
    client.force_login(owner)
    totals = client.get(reverse("billing:unit", args=[unit.pk])).context["totals"]
    assert type(totals.balance) is Decimal and totals.balance == balance == Decimal("0.30")
    summary = client.get(reverse("home")).context["summaries"][0]
    assert type(summary.balance) is Decimal and summary.balance == Decimal("0.30")


def test_the_dashboard_balance_is_exact_as_well(client, owner, unit):
    factories.OperatorFactory()
    balance = add_entries(unit, [LARGEST_AMOUNT] * ENTRIES + [Decimal("0.05")])
    client.force_login(owner)
    response = client.get(reverse("home"))
    summary = response.context["summaries"][0]
    assert type(summary.balance) is Decimal and summary.balance == balance
    assert f"70{NBSP}369{NBSP}999{NBSP}999{NBSP}929,68{NBSP}zł" in response.content.decode()
