import datetime as dt
from decimal import Decimal

import pytest

from billing.models import LedgerEntry
from tests import factories


@pytest.fixture
def operator(db):
    return factories.OperatorFactory()


@pytest.fixture
def buyer(owner):
    """The owner's person in the back-office, buyer on the unit's invoices."""
    person = factories.PersonFactory(first_name="Zofia", last_name="Łęcka", email=owner.email)
    owner.person = person
    owner.save(update_fields=["person"])
    return person


def add_history(unit, *, months: int, start: dt.date = dt.date(2016, 1, 1)) -> Decimal:
    """Monthly charges of 300 zł and payments of 290 zł, interest every 6th month; returns the balance."""
    entries, balance = [], Decimal("0")
    for m in range(months):
        first = dt.date(start.year + (start.month - 1 + m) // 12, (start.month - 1 + m) % 12 + 1, 1)
        rows = [
            (LedgerEntry.Kind.CHARGE, "eksploatacja", Decimal("200.00"), first, first + dt.timedelta(days=14)),
            (LedgerEntry.Kind.CHARGE, "fundusz remontowy", Decimal("100.00"), first, first + dt.timedelta(days=14)),
            (LedgerEntry.Kind.PAYMENT, "wpłata", Decimal("-290.00"), first + dt.timedelta(days=10), None),
        ]
        if m % 6 == 5:
            rows.append((LedgerEntry.Kind.INTEREST, "odsetki", Decimal("1.25"), first + dt.timedelta(days=20), None))
        for kind, component, amount, booked, due in rows:
            entries.append(
                LedgerEntry(
                    external_id=f"E-{unit.external_id}-{len(entries):06d}",
                    unit=unit,
                    booked_on=booked,
                    due_on=due,
                    kind=kind,
                    component=component,
                    description=f"{component} {first:%m/%Y}",
                    amount=amount,
                )
            )
            balance += amount
    LedgerEntry.objects.bulk_create(entries)
    return balance
