"""Reads of online payments. Every tenant read starts from a unit the caller fetched through
``accounts.selectors.unit_for_user`` (404 for anyone without a grant)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.http import Http404

from billing.models import Invoice, LedgerEntry, Unit
from payments.models import Payment

ZERO = Decimal("0.00")


def unit_balance(unit: Unit) -> Decimal:
    """The unit's balance: the sum of its ledger (positive = to pay), as on the unit page."""
    total = LedgerEntry.objects.filter(unit_id=unit.external_id).aggregate(s=Sum("amount"))["s"]
    return total if total is not None else ZERO


def pending_total(unit: Unit, *, invoice: Invoice | None = None) -> Decimal:
    """Paid online and not yet in the ledger (*wpłata w trakcie księgowania*): of the unit,
    or of one invoice."""
    payments = Payment.objects.filter(unit=unit, state=Payment.State.PAID, booked_at__isnull=True)
    if invoice is not None:
        payments = payments.filter(invoice=invoice)
    total = payments.aggregate(s=Sum("amount"))["s"]
    return total if total is not None else ZERO


@dataclass(frozen=True)
class UnitPaymentPanel:
    """What the unit page shows about paying online."""

    balance: Decimal  # the ledger's balance
    pending: Decimal  # paid online, not yet booked
    payable: Decimal  # what may still be paid online now (0: nothing is offered)
    open_payment: Payment | None  # a payment started and not finished: resume it

    @property
    def balance_after_pending(self) -> Decimal:
        return self.balance - self.pending


def unit_payment_panel(unit: Unit) -> UnitPaymentPanel:
    balance = unit_balance(unit)
    pending = pending_total(unit)
    payable = max(balance - pending, ZERO)
    open_payment = Payment.objects.filter(unit=unit, invoice__isnull=True, state__in=Payment.OPEN_STATES).first()
    return UnitPaymentPanel(balance=balance, pending=pending, payable=payable, open_payment=open_payment)


@dataclass(frozen=True)
class InvoicePaymentPanel:
    outstanding: Decimal  # still to pay by the ledger
    pending: Decimal  # paid online for it, not yet booked
    payable: Decimal
    open_payment: Payment | None


def invoice_payment_panel(invoice: Invoice) -> InvoicePaymentPanel:
    """``invoice`` as ``billing.selectors.invoice_for_unit`` returns it (with ``outstanding``)."""
    outstanding: Decimal = getattr(invoice, "outstanding", ZERO)
    pending = pending_total(invoice.unit, invoice=invoice)
    open_payment = Payment.objects.filter(invoice=invoice, state__in=Payment.OPEN_STATES).first()
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
