"""The *Zapłać online* panels the unit and invoice pages include: read through
``payments.selectors`` from the unit and invoice those pages already fetched through the
scoped selectors, so billing's views need not know about payments."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from billing.models import Invoice, Unit
from payments import selectors
from payments.gateways import online_payments_enabled
from payments.services import payment_fee

register = template.Library()


@register.inclusion_tag("payments/_unit_panel.html", takes_context=True)
def unit_payment_panel(context: template.Context, unit: Unit, balance: Decimal | None = None) -> dict[str, Any]:
    panel = selectors.unit_payment_panel(unit, balance=balance)
    return {
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "unit": unit,
        "panel": panel,
        "enabled": online_payments_enabled(),
        "fee": payment_fee(panel.payable) if panel.payable > 0 else None,
    }


@register.inclusion_tag("payments/_invoice_panel.html", takes_context=True)
def invoice_payment_panel(context: template.Context, unit: Unit, invoice: Invoice) -> dict[str, Any]:
    panel = selectors.invoice_payment_panel(invoice)
    fee = payment_fee(panel.payable) if panel.payable > 0 else None
    return {
        "csrf_token": context.get("csrf_token"),
        "unit": unit,
        "invoice": invoice,
        "panel": panel,
        "enabled": online_payments_enabled(),
        "fee": fee,
        "total": panel.payable + fee if fee else panel.payable,
    }
