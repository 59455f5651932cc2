"""PDFs of the money pages: the invoice (Faktura VAT, B4) and the statement (B7).

Rendered by WeasyPrint from HTML templates with DejaVu fonts embedded through
``@font-face`` (Polish glyphs whatever fonts the server has configured).

An invoice PDF is rendered once and kept in the private storage under a name
made of a hash of everything printed on it (invoice, lines, buyer, unit, seller,
layout version, and whether it is settled and as of which day): a request finds
it there and streams it; when the invoice or the seller's data change, or a
payment settles it, the name changes, the next request renders it again and the
older versions are removed.

A settled invoice keeps what it was issued with (its *Do zapłaty* is part of the
document), but its payment box (transfer details and QR code) gives way to the
note *Rozliczona — stan na dd.mm.rrrr*: a tenant who scanned the code would pay twice.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import timezone, translation

from billing.ksef import invoice_verification_url
from billing.models import Invoice, InvoiceLine
from billing.qr import Transfer, qr_png_data_uri, zbp_payload
from billing.selectors import Statement, invoice_add_outstanding, invoice_lines, invoice_settled_as_of
from billing.words import amount_in_words
from portal.models import Operator
from portal.pdf import html_to_pdf

logger = logging.getLogger(__name__)

# Bump when the invoice layout changes: every stored PDF is then rendered again once.
INVOICE_LAYOUT_VERSION = "3"  # 3: the KSeF verification code (KOD I)
INVOICE_DIR = "invoices"
_VAT_ORDER = ["23", "8", "5", "0", "zw", "np"]


def _font_face_css() -> str:
    """``@font-face`` rules for DejaVu Sans from the font folder (fonts-dejavu-core)."""
    folder = Path(settings.BILLING_PDF_FONT_DIR)
    faces = [
        ("normal", "normal", "DejaVuSans.ttf"),
        ("bold", "normal", "DejaVuSans-Bold.ttf"),
    ]
    return "\n".join(
        f'@font-face {{ font-family: "Portal Sans"; font-weight: {weight}; font-style: {style}; '
        f'src: url("{(folder / name).as_uri()}"); }}'
        for weight, style, name in faces
        if (folder / name).is_file()
    )


def _logo_data_uri(operator: Operator | None) -> str:
    if operator is None or not operator.logo:
        return ""
    try:
        with operator.logo.open("rb") as fh:
            content: bytes = fh.read()
    except OSError:
        logger.warning("operator logo %s cannot be read", operator.logo.name)
        return ""
    kind = "image/png" if content.startswith(b"\x89PNG") else "image/jpeg" if content[:3] == b"\xff\xd8\xff" else ""
    if content.lstrip()[:5] in (b"<?xml", b"<svg ") or b"<svg" in content[:200]:
        kind = "image/svg+xml"
    if not kind:
        return ""
    return f"data:{kind};base64,{base64.b64encode(content).decode('ascii')}"


# --- invoices ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class VatTotal:
    rate: str
    label: str
    net: Decimal
    vat: Decimal
    gross: Decimal


def vat_totals(lines: list[InvoiceLine]) -> list[VatTotal]:
    """The invoice's totals per VAT rate, in the usual order (23, 8, 5, 0, zw, np)."""
    sums: dict[str, list[Decimal]] = {}
    for line in lines:
        bucket = sums.setdefault(line.vat_rate, [Decimal("0"), Decimal("0"), Decimal("0")])
        bucket[0] += line.net
        bucket[1] += line.vat
        bucket[2] += line.gross
    ordered = sorted(sums, key=lambda r: _VAT_ORDER.index(r) if r in _VAT_ORDER else len(_VAT_ORDER))
    return [
        VatTotal(rate, str(InvoiceLine.VatRate(rate).label) if rate in _VAT_ORDER else rate, *sums[rate])
        for rate in ordered
    ]


def invoice_transfer(invoice: Invoice, operator: Operator | None, *, amount: Decimal | None = None) -> Transfer:
    """Transfer details for paying ``invoice``: the unit's own account, else the operator's."""
    account = invoice.unit.bank_account or (operator.bank_account if operator else "")
    return Transfer(
        account=account,
        recipient=(operator.short_name or operator.name) if operator else "",
        title=f"Faktura {invoice.number}",
        amount=invoice.gross if amount is None else amount,
        nip=operator.nip if operator else "",
    )


def invoice_digest(
    invoice: Invoice, lines: list[InvoiceLine], operator: Operator | None, *, settled_as_of: dt.date | None = None
) -> str:
    """A hash of everything the invoice PDF shows; it changes exactly when the PDF would
    (a payment that settles the invoice included: the PDF then carries no QR code)."""
    unit, buyer = invoice.unit, invoice.buyer
    data = {
        "layout": INVOICE_LAYOUT_VERSION,
        "settled_as_of": settled_as_of.isoformat() if settled_as_of else "",
        "invoice": [
            invoice.external_id,
            invoice.number,
            str(invoice.issued_on),
            str(invoice.sale_date),
            str(invoice.due_on),
            str(invoice.net),
            str(invoice.vat),
            str(invoice.gross),
            invoice.ksef_number,
            invoice.ksef_hash,
            # The KOD I link also follows the setting of the KSeF environment.
            invoice_verification_url(invoice, operator),
        ],
        "lines": [
            [
                line.line_no,
                line.name,
                str(line.quantity),
                line.measure_unit,
                str(line.unit_net_price),
                line.vat_rate,
                str(line.net),
                str(line.vat),
                str(line.gross),
            ]
            for line in lines
        ],
        "buyer": [buyer.external_id, buyer.first_name, buyer.last_name, buyer.company_name, buyer.nip],
        "unit": [str(unit), unit.building.postal_code, unit.bank_account],
        "seller": [
            getattr(operator, name, "")
            for name in ("name", "short_name", "street", "postal_code", "city", "nip", "bank_account", "email", "phone")
        ]
        + [operator.logo.name if operator and operator.logo else ""],
    }
    return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode("utf-8")).hexdigest()[:32]


def render_invoice_pdf(
    invoice: Invoice, lines: list[InvoiceLine], operator: Operator | None, *, settled_as_of: dt.date | None = None
) -> bytes:
    """Render the Faktura VAT (no storage): seller, buyer, lines, totals per rate, words, and
    either the payment box with the transfer QR or, for a settled invoice (``settled_as_of``),
    the note that it is settled, without a QR."""
    transfer = invoice_transfer(invoice, operator)
    qr = ""
    if settled_as_of is None and transfer.is_complete and invoice.gross > 0:
        qr = qr_png_data_uri(zbp_payload(transfer), scale=3)
    ksef_url = invoice_verification_url(invoice, operator)
    return _pdf(
        "billing/invoice_pdf.html",
        operator,
        {
            "invoice": invoice,
            "lines": lines,
            "vat_totals": vat_totals(lines),
            "gross_in_words": amount_in_words(invoice.gross),
            "transfer": transfer,
            "qr": qr,
            "settled_as_of": settled_as_of,
            "ksef_url": ksef_url,
            "ksef_qr": qr_png_data_uri(ksef_url, scale=3, eci=False) if ksef_url else "",
        },
    )


def _pdf(template: str, operator: Operator | None, context: dict[str, Any]) -> bytes:
    """A PDF of ``template`` with the operator, its logo and the embedded fonts, rendered in the
    portal's language rather than the request's (a stored invoice PDF is one file for everyone)."""
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string(
            template,
            {**context, "operator": operator, "logo": _logo_data_uri(operator), "font_faces": _font_face_css()},
        )
    return html_to_pdf(html)


def _is_whole_pdf(content: bytes) -> bool:
    # A file another process is still writing has no end-of-file marker yet.
    return content.startswith(b"%PDF-") and b"%%EOF" in content[-64:]


def invoice_pdf(invoice: Invoice, *, operator: Operator | None = None) -> bytes:
    """The invoice's PDF: the stored one while it is current, else rendered and stored.

    ``invoice`` should come with ``unit__building`` and ``buyer`` (select_related), and with
    ``outstanding`` (``invoice_for_unit``); without it, one more query finds it.
    """
    operator = operator if operator is not None else Operator.current()
    if not hasattr(invoice, "outstanding"):
        invoice_add_outstanding(invoice)
    settled_as_of = invoice_settled_as_of(invoice)
    lines = invoice_lines(invoice)
    name = f"{INVOICE_DIR}/{invoice.pk}/{invoice_digest(invoice, lines, operator, settled_as_of=settled_as_of)}.pdf"
    try:
        with default_storage.open(name, "rb") as fh:
            content: bytes = fh.read()
        if _is_whole_pdf(content):
            return content
    except (FileNotFoundError, OSError):
        pass
    content = render_invoice_pdf(invoice, lines, operator, settled_as_of=settled_as_of)
    _store(name, content)
    return content


def _store(name: str, content: bytes) -> None:
    """Keep ``content`` under ``name`` and drop the invoice's older versions."""
    if not default_storage.exists(name):
        saved = default_storage.save(name, ContentFile(content))
        if saved != name:  # another request stored the same version meanwhile
            default_storage.delete(saved)
    folder, current = name.rsplit("/", 1)
    try:
        _dirs, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError):
        return
    for other in files:
        if other != current:
            default_storage.delete(f"{folder}/{other}")


def invoice_filename(invoice: Invoice, extension: str) -> str:
    """The download name of the invoice's PDF or XML: its number with safe characters only."""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in invoice.number)
    return f"faktura-{safe}.{extension}"


def invoice_pdf_filename(invoice: Invoice) -> str:
    return invoice_filename(invoice, "pdf")


# --- statements -------------------------------------------------------------------------------


def render_statement_pdf(statement: Statement, operator: Operator | None, *, as_of: dt.datetime | None = None) -> bytes:
    return _pdf(
        "billing/statement_pdf.html", operator, {"statement": statement, "as_of": as_of, "printed_at": timezone.now()}
    )
