"""Reads of online payments. Every tenant read starts from a unit the caller fetched through
``accounts.selectors.unit_for_user`` (404 for anyone without a grant)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, Subquery, Sum
from django.http import Http404

from billing.models import Invoice, LedgerEntry, Unit
from payments.models import GATEWAY_NAMES, Payment
from portal import sql

ZERO = Decimal("0.00")


def unit_balance(unit: Unit) -> Decimal:
    """The unit's balance: the sum of its ledger (positive = to pay), as on the unit page."""
    total = LedgerEntry.objects.filter(unit_id=unit.external_id).aggregate(s=Sum("amount"))["s"]
    return total if total is not None else ZERO


# The unit page shows this on every view, mostly with no rows: plain SQL (see ``portal.sql``;
# through the ORM the query cost about 1 ms of Python, a tenth of the page).
_UNFINISHED = (
    f"SELECT {sql.columns(Payment, 'p')} FROM {Payment._meta.db_table} p "  # noqa: S608 - constant names
    f"WHERE p.unit_id = %s AND {Payment.unfinished_sql('p')} ORDER BY p.created_at DESC, p.id DESC"
)


def _unfinished(unit: Unit, *, invoice: Invoice | None = None) -> tuple[Decimal, Payment | None]:
    """What was paid online and is not yet in the ledger (*wpłata w trakcie księgowania*), and
    the payment started and not finished, if any: of the unit's balance (``invoice`` None: its
    pending total counts every payment of the unit) or of one invoice. ONE query."""
    payments = [sql.instance(Payment, row) for row in sql.fetch_all(_UNFINISHED, [unit.pk])]
    if invoice is not None:
        payments = [payment for payment in payments if payment.invoice_id == invoice.pk]
    pending, open_payment = ZERO, None
    for payment in payments:
        if payment.state == Payment.State.PAID:
            pending += payment.amount
        elif (invoice is not None or payment.invoice_id is None) and open_payment is None:
            open_payment = payment
    return pending, open_payment


@dataclass(frozen=True)
class UnitPaymentPanel:
    """What the unit page shows about paying online."""

    balance: Decimal  # the ledger's balance
    pending: Decimal  # paid online, not yet booked
    payable: Decimal  # what may still be paid online now (0: nothing is offered)
    open_payment: Payment | None  # a payment of the balance started and not finished: resume it

    @property
    def balance_after_pending(self) -> Decimal:
        return self.balance - self.pending


def unit_payment_panel(unit: Unit, *, balance: Decimal | None = None) -> UnitPaymentPanel:
    """``balance`` as the unit page already has it (``billing.selectors.unit_with_totals``);
    read from the ledger when not given."""
    balance = unit_balance(unit) if balance is None else balance
    pending, open_payment = _unfinished(unit)
    return UnitPaymentPanel(
        balance=balance, pending=pending, payable=max(balance - pending, ZERO), open_payment=open_payment
    )


@dataclass(frozen=True)
class InvoicePaymentPanel:
    outstanding: Decimal  # still to pay by the ledger
    pending: Decimal  # paid online for it, not yet booked
    payable: Decimal
    open_payment: Payment | None


def invoice_payment_panel(invoice: Invoice) -> InvoicePaymentPanel:
    """``invoice`` as ``billing.selectors.invoice_for_unit`` returns it (with ``outstanding``)."""
    outstanding: Decimal = getattr(invoice, "outstanding", ZERO)
    pending, open_payment = _unfinished(invoice.unit, invoice=invoice)
    return InvoicePaymentPanel(
        outstanding=outstanding, pending=pending, payable=max(outstanding - pending, ZERO), open_payment=open_payment
    )


def payments_of_unit(unit: Unit) -> list[Payment]:
    """The unit's payment history, newest first."""
    return list(Payment.objects.filter(unit=unit).select_related("user").order_by("-created_at", "-id")[:200])


def payment_of_unit(unit: Unit, payment_id: int) -> Payment:
    """A payment of a unit the caller fetched through ``unit_for_user``; 404 otherwise."""
    payment = Payment.objects.filter(pk=payment_id, unit=unit).first()
    if payment is None:
        raise Http404
    return payment


@dataclass(frozen=True)
class UnbookedPayment:
    """A paid payment the back-office has not booked yet, as payments.csv reports it."""

    payment_id: str
    unit_id: str  # the back-office's unit id
    invoice_id: str  # the back-office's invoice id; "" for a payment towards the balance
    amount: Decimal  # credited to the unit (a fee passed on to the payer is the gateway's, not in it)
    paid_at: dt.datetime | None  # never None: only paid payments (the column is nullable)
    gateway: str
    gateway_ref: str


def payments_awaiting_booking() -> list[UnbookedPayment]:
    """Every paid payment no import has booked yet, oldest first: each outbound bundle reports
    all of them again, so a lost outbound bundle loses nothing. ONE query."""
    invoice_id = Invoice.objects.filter(pk=OuterRef("invoice_id")).values("external_id")[:1]
    rows = (
        Payment.objects.filter(Payment.pending_booking_q(), paid_at__isnull=False)
        .annotate(invoice_external_id=Subquery(invoice_id))
        .order_by("paid_at", "payment_id")
        .values_list(
            "payment_id", "unit__external_id", "invoice_external_id", "amount", "paid_at", "gateway", "order_id"
        )
    )
    return [
        UnbookedPayment(
            payment_id=payment_id,
            unit_id=unit_id,
            invoice_id=invoice or "",
            amount=amount,
            paid_at=paid_at,
            gateway=GATEWAY_NAMES.get(gateway, gateway),
            gateway_ref="" if order_id is None else str(order_id),
        )
        for payment_id, unit_id, invoice, amount, paid_at, gateway, order_id in rows
    ]
