"""HTTP face of the local Przelewy24 simulator (PAYMENTS_GATEWAY=simulator; 404 otherwise,
and start-up refuses the setting with DEBUG=0)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from payments.models import SimulatedTransaction
from payments.simulator import gateway
from payments.simulator.gateway import PAY_MODES, SimulatorError


def simulator_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Start-up refuses PAYMENTS_GATEWAY=simulator with DEBUG=0 (portal/settings.py).
        if settings.PAYMENTS_GATEWAY != "simulator":
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def _error(exc: SimulatorError) -> JsonResponse:
    return JsonResponse({"error": str(exc), "code": exc.status}, status=exc.status)


@csrf_exempt
@simulator_only
@require_http_methods(["POST"])
def register(request: HttpRequest) -> HttpResponse:
    try:
        gateway.check_basic_auth(request.headers.get("Authorization", ""))
        token = gateway.register(request.body)
    except SimulatorError as exc:
        return _error(exc)
    return JsonResponse({"data": {"token": token}, "responseCode": 0})


@csrf_exempt
@simulator_only
@require_http_methods(["PUT"])
def verify(request: HttpRequest) -> HttpResponse:
    try:
        gateway.check_basic_auth(request.headers.get("Authorization", ""))
        gateway.verify(request.body)
    except SimulatorError as exc:
        return _error(exc)
    return JsonResponse({"data": {"status": "success"}, "responseCode": 0})


@simulator_only
@require_http_methods(["GET", "POST"])
def pay_page(request: HttpRequest, token: str) -> HttpResponse:
    """The gateway's payment page: zapłać (with a notification mode), odrzuć, porzuć."""
    txn = get_object_or_404(SimulatedTransaction, token=token)
    if request.method == "POST":
        action = request.POST.get("akcja", "")
        mode = request.POST.get("tryb", "normal")
        if action not in {"pay", "refuse", "abandon"} or mode not in PAY_MODES:
            return render(request, "payments/simulator/pay.html", {"txn": txn, "modes": PAY_MODES}, status=400)
        gateway.finish(txn, action=action, mode=mode)
        return redirect(txn.url_return)
    return render(request, "payments/simulator/pay.html", {"txn": txn, "modes": PAY_MODES})


@simulator_only
@require_http_methods(["GET"])
def home(request: HttpRequest) -> HttpResponse:
    """The simulator's recent transactions, with a button to send a paid one's notification again."""
    transactions = SimulatedTransaction.objects.order_by("-created_at")[:30]
    return render(request, "payments/simulator/home.html", {"transactions": transactions})


@simulator_only
@require_http_methods(["POST"])
def send_late(request: HttpRequest, token: str) -> HttpResponse:
    txn = get_object_or_404(SimulatedTransaction, token=token)
    gateway.send_late(txn)
    return redirect("payments:simulator:home")
