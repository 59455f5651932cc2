"""Table rows of the ledger and the invoice list, built in Python.

The ledger page shows dozens of rows of six cells; rendering them through the template
engine cost more than all of the page's queries together, so the rows are composed here
(escaped by ``format_html``) and the templates keep the table around them."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from billing.models import Invoice, LedgerEntry
from billing.selectors import LedgerRow
from portal.formats import format_amount, format_date

register = template.Library()


def _small(prefix: str, text: str) -> SafeString:
    return format_html("<br><small>{}{}</small>", prefix, text) if text else SafeString("")


@register.simple_tag
def ledger_rows(rows: Iterable[LedgerRow]) -> SafeString:
    """``<tr>`` of each ledger entry: date (and due date), kind, what, debit, credit, balance after."""
    labels = {kind: str(label) for kind, label in LedgerEntry.Kind.choices}
    due, charge, payment, balance = _("termin"), _("obciążenie"), _("wpłata"), _("saldo")

    def cells(row: LedgerRow):
        kind = labels.get(row.kind, row.kind)
        if row.kind == LedgerEntry.Kind.INTEREST:
            kind = format_html('<span class="badge badge-warn">{}</span>', kind)
        return (
            row.kind,
            format_date(row.booked_on),
            _small(f"{due} ", format_date(row.due_on)) if row.due_on else "",
            kind,
            row.component,
            _small("", row.description),
            charge,
            format_amount(row.charge, currency=False),
            payment,
            format_amount(row.payment, currency=False),
            balance,
            format_amount(row.balance, currency=False),
        )

    return format_html_join(
        "\n",
        '<tr class="ledger-{}"><td class="ledger-date">{}{}</td><td class="ledger-kind">{}</td>'
        '<td class="ledger-text">{}{}</td><td class="num ledger-amount" data-label="{}">{}</td>'
        '<td class="num ledger-amount" data-label="{}">{}</td><td class="num ledger-balance" data-label="{}">{}</td></tr>',
        (cells(row) for row in rows),
    )


@register.simple_tag
def invoice_rows(unit_id: int, invoices: Iterable[Invoice]) -> SafeString:
    """``<tr>`` of each invoice: number (link), dates, gross, what is left to pay, PDF link."""
    issued, due, gross, download = _("wystawiona"), _("termin"), _("brutto"), _("Pobierz")
    settled = format_html('<span class="balance-zero">{}</span>', _("rozliczona"))

    def cells(invoice: Invoice):
        detail = reverse("billing:invoice", args=[unit_id, invoice.pk])
        if invoice.outstanding:
            state = format_html(
                '<span class="balance-due">{}</span>',
                _("do zapłaty %(amount)s") % {"amount": format_amount(invoice.outstanding)},
            )
        else:
            state = settled
        return (
            detail,
            invoice.number,
            issued,
            format_date(invoice.issued_on),
            due,
            format_date(invoice.due_on),
            gross,
            format_amount(invoice.gross),
            state,
            reverse("billing:invoice_pdf", args=[unit_id, invoice.pk]),
            download,
            invoice.number,
        )

    return format_html_join(
        "\n",
        '<tr><td class="invoice-number"><a href="{}">{}</a></td><td data-label="{}">{}</td>'
        '<td data-label="{}">{}</td><td class="num" data-label="{}">{}</td><td>{}</td>'
        '<td><a href="{}">{}<span class="visually-hidden"> {}</span></a></td></tr>',
        (cells(invoice) for invoice in invoices),
    )
