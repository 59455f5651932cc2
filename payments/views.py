"""Tenant pages of online payments and the gateway's notification endpoints. Units, invoices
and payments come through scoped selectors: anyone without a grant for the unit gets 404."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedRequest
from accounts.selectors import unit_for_user
from billing import selectors as billing_selectors
from payments import selectors, services
from payments.forms import BalanceAmountForm
from payments.gateways import GatewayUnavailable, NotificationRefused, get_gateway, online_payments_enabled
from payments.models import Payment

logger = logging.getLogger(__name__)


def _enabled() -> None:
    if not online_payments_enabled():
        raise Http404


def _to_payment_page(payment: Payment, resumed: bool, request: HttpRequest) -> HttpResponse:
    if resumed:
        messages.info(request, _resumed_message(payment))
    url = reverse("payments:detail", kwargs={"unit_id": payment.unit_id, "payment_id": payment.pk})
    return redirect(f"{url}?przejdz=1" if payment.state == Payment.State.WAITING else url)


def _resumed_message(payment: Payment) -> str:
    return _("Ta płatność jest już rozpoczęta — dokończ ją; nic nie zostanie pobrane dwa razy.")


@login_required
@require_POST
def pay_balance(request: AuthenticatedRequest, unit_id: int) -> HttpResponse:
    unit = unit_for_user(request.user, unit_id)  # 404 without a grant
    _enabled()
    form = BalanceAmountForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("kwota", []):
            messages.error(request, str(error))
        return redirect("billing:unit", unit_id=unit.pk)
    try:
        payment, resumed = services.payment_start(
            user=request.user,
            unit=unit,
            amount=form.cleaned_data["kwota"],
            gateway=get_gateway(request),
            request=request,
        )
    except services.PaymentRefused as exc:
        messages.error(request, str(exc))
        return redirect("billing:unit", unit_id=unit.pk)
    return _to_payment_page(payment, resumed, request)


@login_required
@require_POST
def pay_invoice(request: AuthenticatedRequest, unit_id: int, invoice_id: int) -> HttpResponse:
    unit = unit_for_user(request.user, unit_id)
    invoice = billing_selectors.invoice_for_unit(unit, invoice_id)  # 404 for another unit's invoice
    _enabled()
    try:
        payment, resumed = services.payment_start(
            user=request.user, unit=unit, invoice=invoice, gateway=get_gateway(request), request=request
        )
    except services.PaymentRefused as exc:
        messages.error(request, str(exc))
        return redirect("billing:invoice", unit_id=unit.pk, invoice_id=invoice.pk)
    return _to_payment_page(payment, resumed, request)


@login_required
@require_GET
def payment_detail(request: AuthenticatedRequest, unit_id: int, payment_id: int) -> HttpResponse:
    """A payment's state; the gateway's urlReturn. ``?przejdz=1`` right after the start hands the
    tenant over to the gateway (a link; static/js/payments.js follows it by itself)."""
    unit = unit_for_user(request.user, unit_id)
    payment = selectors.payment_of_unit(unit, payment_id)
    gateway_url = get_gateway(request).redirect_url(payment.token) if payment.token else ""
    return render(
        request,
        "payments/detail.html",
        {
            "unit": unit,
            "payment": payment,
            "gateway_url": gateway_url if payment.state == Payment.State.WAITING else "",
            "hand_over": request.GET.get("przejdz") == "1" and payment.state == Payment.State.WAITING,
        },
    )


@login_required
@require_GET
def payment_history(request: AuthenticatedRequest, unit_id: int) -> HttpResponse:
    unit = unit_for_user(request.user, unit_id)
    return render(
        request,
        "payments/history.html",
        {"unit": unit, "payments": selectors.payments_of_unit(unit), "panel": selectors.unit_payment_panel(unit)},
    )


def _notification(request: HttpRequest, receive: str) -> HttpResponse:
    _enabled()
    try:
        getattr(services, receive)(gateway=get_gateway(request), body=request.body, request=request)
    except NotificationRefused as exc:
        logger.warning("payment notification refused: %s", exc)
        return HttpResponse("refused", status=400, content_type="text/plain")
    except GatewayUnavailable as exc:
        # The verify call failed: answer an error, so that the gateway sends the notification again.
        logger.warning("payment notification not verified: %s", exc)
        return HttpResponse("try again", status=503, content_type="text/plain")
    return HttpResponse("OK", content_type="text/plain")


@csrf_exempt
@require_POST
def notify(request: HttpRequest) -> HttpResponse:
    """urlStatus: the gateway's signed notification of a payment (no session, no CSRF: the
    signature is the authentication)."""
    return _notification(request, "payment_receive_paid")


@csrf_exempt
@require_POST
def notify_refusal(request: HttpRequest) -> HttpResponse:
    """urlCardPaymentNotification: the gateway's signed notification of a refused payment."""
    return _notification(request, "payment_receive_refusal")
