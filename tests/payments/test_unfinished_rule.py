""" "Paid and not yet booked" and "not finished" (payments.models.Payment) give the same answer
through the ORM, through the SQL the unit page runs, and on a loaded row, for every state,
booked or not."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payments import selectors
from payments.models import Payment
from tests import factories

pytestmark = pytest.mark.django_db

HYPOTHESIS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
payments = st.lists(st.tuples(st.sampled_from(Payment.State.values), st.booleans()), min_size=1, max_size=8)


def _sql_ids(condition: str) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT p.id FROM {Payment._meta.db_table} p WHERE {condition}")  # noqa: S608 - test SQL
        return {row[0] for row in cursor.fetchall()}


def _make(unit, user, rows: list[tuple[str, bool]]) -> list[Payment]:
    made = []
    for number, (state, booked) in enumerate(rows):
        made.append(
            Payment.objects.create(
                unit=unit,
                user=user,
                amount=Decimal("10.00") + number,
                state=state,
                session_id=f"rule-{number}",
                booked_at=timezone.now() if booked else None,
                # The database allows one open payment of a unit's balance: give the others invoices.
                invoice=factories.InvoiceFactory(unit=unit, buyer=factories.PersonFactory())
                if state in Payment.OPEN_STATES
                else None,
            )
        )
    return made


@HYPOTHESIS
@given(rows=payments)
def test_pending_booking_is_alike_in_the_orm_the_sql_and_python(rows) -> None:
    with transaction.atomic():
        unit = factories.UnitFactory()
        made = _make(unit, factories.UserFactory(), rows)
        orm = set(Payment.objects.filter(Payment.pending_booking_q()).values_list("id", flat=True))
        assert orm == _sql_ids(Payment.pending_booking_sql("p"))
        assert orm == {p.pk for p in made if p.is_pending_booking}
        transaction.set_rollback(True)


@HYPOTHESIS
@given(rows=payments)
def test_the_unit_page_counts_as_pending_exactly_the_paid_payments_not_yet_booked(rows) -> None:
    with transaction.atomic():
        unit = factories.UnitFactory()
        made = _make(unit, factories.UserFactory(), rows)
        assert _sql_ids(Payment.unfinished_sql("p")) == {p.pk for p in made if p.is_unfinished}
        panel = selectors.unit_payment_panel(unit, balance=Decimal("1000.00"))
        assert panel.pending == sum((p.amount for p in made if p.is_pending_booking), Decimal("0.00"))
        transaction.set_rollback(True)
