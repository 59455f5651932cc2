"""Table rows of the ledger and the invoice list, built in Python.

The ledger page shows dozens of rows of six cells; rendering them through the template
engine cost more than all of the page's queries together, so the rows are composed here
and the templates keep the table around them. Plain string building: ``format_html`` on
every cell cost as much again. Every text that comes from data is escaped; amounts and
dates are formatted from numbers by ``portal.formats``."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from billing.models import LedgerEntry
from billing.selectors import InvoiceRow, LedgerRow
from portal.formats import format_amount, format_date

register = template.Library()


@functools.cache
def _ledger_labels(language: str | None) -> tuple[dict[str, str], tuple[str, ...]]:
    """The kinds' names (interest as a badge) and the cells' labels, escaped, per language."""
    labels = {kind: escape(str(label)) for kind, label in LedgerEntry.Kind.choices}
    labels[LedgerEntry.Kind.INTEREST] = f'<span class="badge badge-warn">{labels[LedgerEntry.Kind.INTEREST]}</span>'
    return labels, tuple(
        escape(text) for text in (_("termin"), _("obciążenie"), _("wpłata"), _("saldo"), _("zapłacono online"))
    )


@register.simple_tag
def ledger_rows(rows: Iterable[LedgerRow]) -> SafeString:
    """``<tr>`` of each ledger entry: date (and due date), kind, what, debit, credit, balance after."""
    labels, (due, charge, payment, balance, paid_online) = _ledger_labels(get_language())
    html = []
    for row in rows:
        kind = escape(row.kind)
        due_on = f"<br><small>{due} {format_date(row.due_on)}</small>" if row.due_on else ""
        description = f"<br><small>{escape(row.description)}</small>" if row.description else ""
        if row.payment_ref:  # booked from a payment made online through the portal
            description += f'<br><small class="paid-online">{paid_online}</small>'
        html.append(
            f'<tr class="ledger-{kind}"><td class="ledger-date">{format_date(row.booked_on)}{due_on}</td>'
            f'<td class="ledger-kind">{labels.get(row.kind, kind)}</td>'
            f'<td class="ledger-text">{escape(row.component)}{description}</td>'
            f'<td class="num ledger-amount" data-label="{charge}">{format_amount(row.charge, currency=False)}</td>'
            f'<td class="num ledger-amount" data-label="{payment}">{format_amount(row.payment, currency=False)}</td>'
            f'<td class="num ledger-balance" data-label="{balance}">{format_amount(row.balance, currency=False)}</td></tr>'
        )
    return SafeString("\n".join(html))


def _invoice_url(name: str, unit_id: int) -> Callable[[int], str]:
    """The URL ``name`` of each invoice of the unit from ONE ``reverse()`` (a list of 20
    invoices would call it 40 times): the URL of invoice 0, split around the 0."""
    head, tail = reverse(name, args=[unit_id, 0]).rsplit("/0/", 1)
    return lambda invoice_id: f"{head}/{invoice_id}/{tail}"


@register.simple_tag
def invoice_rows(unit_id: int, invoices: Iterable[InvoiceRow]) -> SafeString:
    """``<tr>`` of each invoice: number (link), dates, gross, what is left to pay, PDF link."""
    issued, due, gross, download = (escape(text) for text in (_("wystawiona"), _("termin"), _("brutto"), _("Pobierz")))
    # (gettext outside the f-strings: makemessages does not look inside them)
    settled_text, due_text = _("rozliczona"), _("do zapłaty %(amount)s")
    settled = f'<span class="balance-zero">{escape(settled_text)}</span>'
    detail_url, pdf_url = _invoice_url("billing:invoice", unit_id), _invoice_url("billing:invoice_pdf", unit_id)
    html = []
    for invoice in invoices:
        if invoice.outstanding:
            amount = format_amount(invoice.outstanding)
            state = f'<span class="balance-due">{escape(due_text % {"amount": amount})}</span>'
        else:
            state = settled
        number = escape(invoice.number)
        html.append(
            f'<tr><td class="invoice-number"><a href="{detail_url(invoice.pk)}">{number}</a></td>'
            f'<td data-label="{issued}">{format_date(invoice.issued_on)}</td>'
            f'<td data-label="{due}">{format_date(invoice.due_on)}</td>'
            f'<td class="num" data-label="{gross}">{format_amount(invoice.gross)}</td><td>{state}</td>'
            f'<td><a href="{pdf_url(invoice.pk)}">{download}'
            f'<span class="visually-hidden"> {number}</span></a></td></tr>'
        )
    return SafeString("\n".join(html))
