"""Tenant pages of units and money: dashboard, unit with its ledger, invoices, statements,
e-correspondence. Every unit, invoice and document comes through a scoped selector:
anyone without a grant for it gets 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import cast

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedRequest
from accounts.models import User
from accounts.selectors import unit_for_user
from billing import exports, ksef, pdf, selectors
from billing.forms import LedgerFilterForm, StatementForm, unbound_filter_fields
from billing.models import Unit
from billing.qr import Transfer, qr_png_data_uri, zbp_payload
from billing.services import document_filename, document_mark_read
from portal.files import private_download
from portal.models import Operator

LEDGER_PER_PAGE = 30
INVOICES_PER_PAGE = 20
DOCUMENTS_PER_PAGE = 20


def _page_number(request: HttpRequest, num_pages: int, notices: list[str]) -> int:
    """``?strona=`` as a page that exists: nonsense → the first page, too far → the last, with a notice."""
    raw = request.GET.get("strona") or ""
    if not raw:
        return 1
    try:
        number = int(raw)
    except (ValueError, OverflowError):
        notices.append(_("Numer strony „%(raw)s” jest nieprawidłowy; pokazano pierwszą stronę.") % {"raw": raw[:20]})
        return 1
    if number < 1:
        notices.append(_("Nie ma strony %(n)s; pokazano pierwszą stronę.") % {"n": raw[:20]})
        return 1
    if number > num_pages:
        notices.append(
            _("Nie ma strony %(n)s; pokazano ostatnią stronę (%(last)s).") % {"n": raw[:20], "last": num_pages}
        )
        return num_pages
    return number


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("strona", None)
    return query.urlencode()


def unit_transfer(unit: Unit, operator: Operator | None, amount: Decimal | None) -> Transfer:
    """Transfer details for the unit's fees: its own account (B1), else the operator's."""
    address = f"{unit.building.street} {unit.building.building_no}" + (f"/{unit.unit_no}" if unit.unit_no else "")
    return Transfer(
        account=unit.bank_account or (operator.bank_account if operator else ""),
        recipient=(operator.short_name or operator.name) if operator else "",
        title=f"Lokal {unit.external_id} {address}",
        amount=amount,
        nip=operator.nip if operator else "",
    )


def _transfer_context(transfer: Transfer) -> dict[str, object]:
    # transfer_key: everything the rendered details depend on but the operator (a cache key, unit page)
    key = f"{get_language()}|{transfer!r}"
    if not transfer.is_complete:
        return {"transfer": transfer, "qr": "", "transfer_key": key}
    return {"transfer": transfer, "qr": qr_png_data_uri(zbp_payload(transfer)), "transfer_key": key}


# --- dashboard --------------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    """The address ``/``: the landing page for a visitor, the tenant's dashboard after login."""
    if not request.user.is_authenticated:
        return render(request, "portal/landing.html")
    return dashboard(request)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """B3: each unit with its balance in words and colour, the next payment, data as of."""
    # portal.views.home calls it with its own request once it knows the visitor logged in.
    user = cast(User, request.user)
    summaries = selectors.unit_summaries(user)
    return render(
        request,
        "portal/dashboard.html",
        {
            "summaries": summaries,
            "ended": [] if summaries else selectors.units_ended(user),
            "as_of": summaries[0].as_of if summaries else None,
        },
    )


# --- the unit and its ledger ------------------------------------------------------------------


@login_required
@require_GET
def unit_detail(request: AuthenticatedRequest, unit_id: int) -> HttpResponse:
    notices: list[str] = []
    # Without filter values (the default view) the filter form is not needed: its fields are
    # the same for everyone and rendered once (unbound_filter_fields).
    form = LedgerFilterForm(request.GET) if any(k in request.GET for k in ("od", "do", "rodzaj")) else None
    if form is not None and not form.is_valid():
        notices.append(_("Część filtra jest błędna (opis przy polu); pokazano zapisy bez tej części."))
    flt = form.ledger_filter() if form is not None else selectors.LedgerFilter()
    unit, totals, as_of, version = selectors.unit_with_totals(request.user, unit_id, flt)  # 404 without a grant
    # A page source is only sliced (one query a page), as Paginator does; django-stubs' protocol also asks for [int].
    paginator: Paginator[selectors.LedgerRow] = Paginator(
        selectors.LedgerPageSource(unit, flt, totals),  # type: ignore[arg-type]
        LEDGER_PER_PAGE,
    )
    page = paginator.page(_page_number(request, paginator.num_pages, notices))
    operator = Operator.for_request(request)
    today = timezone.localdate()
    query = _query_without_page(request)
    return render(
        request,
        "billing/unit_detail.html",
        {
            "unit": unit,
            # The unfiltered ledger's pages are kept between imports (billing.ledger_cache); a
            # filtered view is rendered each time (filters are endless, the cache is not).
            "ledger_cache_seconds": settings.LEDGER_CACHE_SECONDS if flt.is_empty and not query else 0,
            "ledger_version": f"{version}:{get_language()}",
            "overview_key": _overview_key(unit, version),
            "form": form,
            "filter_fields": unbound_filter_fields() if form is None else None,
            "filtered": not flt.is_empty,
            "totals": totals,
            "page": page,
            "query": query,
            "notices": notices,
            "as_of": as_of,
            "presets": _period_presets(today),
            **_transfer_context(unit_transfer(unit, operator, totals.balance if totals.balance > 0 else None)),
        },
    )


def _overview_key(unit: Unit, version: str) -> str:
    """What the unit page's facts and balance cards show: every field of the unit and of its
    building (staff may correct them in the admin), the ledger's version (the totals) and the
    language (a cache key: the cards are kept, see unit_detail.html)."""
    values = [getattr(row, f.attname) for row in (unit, unit.building) for f in row._meta.concrete_fields]
    return f"{version}|{get_language()}|{values!r}"


def _period_presets(today: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    year_ago = today.replace(year=today.year - 1) if not (today.month == 2 and today.day == 29) else today
    return [
        (_("bieżący rok"), dt.date(today.year, 1, 1), today),
        (_("poprzedni rok"), dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)),
        (_("ostatnie 12 miesięcy"), year_ago + dt.timedelta(days=1), today),
    ]


# --- invoices ---------------------------------------------------------------------------------


@login_required
@require_GET
def invoice_list(request: AuthenticatedRequest, unit_id: int) -> HttpResponse:
    unit, invoices, as_of, version = selectors.unit_with_invoices(request.user, unit_id)  # 404 without a grant
    notices: list[str] = []
    paginator: Paginator[selectors.InvoiceRow] = Paginator(invoices, INVOICES_PER_PAGE)  # type: ignore[arg-type]  # as above
    page = paginator.page(_page_number(request, paginator.num_pages, notices))
    query = _query_without_page(request)
    return render(
        request,
        "billing/invoice_list.html",
        {
            "unit": unit,
            "page": page,
            "invoices": page.object_list,
            "notices": notices,
            "as_of": as_of,
            "query": query,
            # Kept between imports like the ledger's pages (billing.ledger_cache).
            "invoices_cache_seconds": settings.LEDGER_CACHE_SECONDS if not query else 0,
            "invoices_version": f"{version}:{get_language()}",
        },
    )


@login_required
@require_GET
def invoice_detail(request: AuthenticatedRequest, unit_id: int, invoice_id: int) -> HttpResponse:
    unit = unit_for_user(request.user, unit_id)
    invoice = selectors.invoice_for_unit(unit, invoice_id)
    lines = selectors.invoice_lines(invoice)
    context = {
        "unit": unit,
        "invoice": invoice,
        "lines": lines,
        "vat_totals": pdf.vat_totals(lines),
        "settled_as_of": selectors.invoice_settled_as_of(invoice),
    }
    operator = Operator.for_request(request)
    if invoice.outstanding > 0:
        transfer = pdf.invoice_transfer(invoice, operator, amount=invoice.outstanding)
        context.update(_transfer_context(transfer))
    ksef_url = ksef.invoice_verification_url(invoice, operator)
    if ksef_url:
        context.update(ksef_url=ksef_url, ksef_qr=qr_png_data_uri(ksef_url, eci=False))
    return render(request, "billing/invoice_detail.html", context)


@login_required
@require_GET
def invoice_pdf(request: AuthenticatedRequest, unit_id: int, invoice_id: int) -> HttpResponse:
    unit = unit_for_user(request.user, unit_id)
    invoice = selectors.invoice_for_unit(unit, invoice_id)  # settled or not: the PDF differs
    content = pdf.invoice_pdf(invoice, operator=Operator.for_request(request))
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "inline" if request.GET.get("podglad") else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{pdf.invoice_pdf_filename(invoice)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def invoice_xml(request: AuthenticatedRequest, unit_id: int, invoice_id: int) -> HttpResponse:
    """B9: the invoice's structured XML (KSeF) for a business buyer; 404 for anyone else,
    for an invoice without one, and for a stored file that no longer hashes to ksef_hash."""
    unit = unit_for_user(request.user, unit_id)
    invoice = selectors.invoice_for_unit(unit, invoice_id)
    content = ksef.invoice_xml_bytes(invoice.ksef_hash) if invoice.xml_downloadable else None
    if content is None:
        raise Http404
    response = HttpResponse(content, content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{pdf.invoice_filename(invoice, "xml")}"'
    return private_download(response)


# --- statements -------------------------------------------------------------------------------


@login_required
@require_GET
def statement(request: AuthenticatedRequest, unit_id: int) -> HttpResponse:
    """B7: the ledger of a chosen period as PDF or CSV."""
    unit = unit_for_user(request.user, unit_id)
    today = timezone.localdate()
    form = StatementForm(
        request.GET if "format" in request.GET else None,
        initial={"od": dt.date(today.year, 1, 1), "do": today, "format": "pdf"},
    )
    if not form.is_bound or not form.is_valid():
        return render(
            request, "billing/statement.html", {"unit": unit, "form": form}, status=400 if form.is_bound else 200
        )
    date_from, date_to = form.cleaned_data["od"], form.cleaned_data["do"] or today
    if date_from and date_from > date_to:
        form.add_error("od", _("Data w polu „Od dnia” jest późniejsza niż dzisiejsza; wypełnij też pole „Do dnia”."))
        return render(request, "billing/statement.html", {"unit": unit, "form": form}, status=400)
    data = selectors.statement(unit, date_from=date_from, date_to=date_to)
    stem = f"zestawienie-{unit.external_id}-{date_from or 'poczatek'}-{date_to}"
    if form.cleaned_data["format"] == "csv":
        response = HttpResponse(exports.statement_csv(data), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
    else:
        content = pdf.render_statement_pdf(data, Operator.for_request(request), as_of=selectors.data_as_of())
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{stem}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- e-correspondence -------------------------------------------------------------------------


@login_required
@require_GET
def document_list(request: AuthenticatedRequest) -> HttpResponse:
    notices: list[str] = []
    paginator = Paginator(selectors.documents_listed_for_user(request.user), DOCUMENTS_PER_PAGE)
    page = paginator.page(_page_number(request, paginator.num_pages, notices))
    return render(request, "billing/document_list.html", {"page": page, "notices": notices})


@login_required
@require_GET
def document_download(request: AuthenticatedRequest, document_id: int) -> FileResponse:
    document = selectors.document_for_user(request.user, document_id)
    try:
        handle = document.file.open("rb")
    except OSError:
        raise Http404 from None
    document_mark_read(user=request.user, document=document)
    response = FileResponse(
        handle, as_attachment=True, filename=document_filename(document), content_type="application/pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response
