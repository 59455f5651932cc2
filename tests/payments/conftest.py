"""Online payment tests run against the local gateway simulator; the adapter's HTTP calls and
the simulator's notifications are routed to the portal in-process (the e2e tests use real HTTP)."""

from __future__ import annotations

import base64
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from payments.gateways import http
from payments.models import Payment, SimulatedTransaction
from tests import factories

MERCHANT = 100001
CRC = "test-crc-9f8e7d6c5b4a"
API_KEY = "test-api-key-0a1b2c3d"


@pytest.fixture(autouse=True)
def gateway_simulator(settings):
    settings.PAYMENTS_GATEWAY = "simulator"
    settings.P24_MERCHANT_ID = MERCHANT
    settings.P24_POS_ID = MERCHANT
    settings.P24_CRC = CRC
    settings.P24_API_KEY = API_KEY
    settings.PAYMENTS_FEE_PERCENT = Decimal("0")
    settings.PAYMENTS_FEE_FIXED = Decimal("0")
    settings.PAYMENTS_TIME_LIMIT_MINUTES = 15


class Wire:
    """The HTTP calls between the portal and the simulator, routed in-process and recorded."""

    def __init__(self) -> None:
        self.client = Client()
        self.calls: list[tuple[str, str, bytes, int]] = []
        self.down = False

    def send(self, method, url, *, body, auth, timeout):
        if self.down:
            raise http.GatewayUnavailable("connection refused")
        headers = {}
        if auth is not None:
            headers["authorization"] = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        response = self.client.generic(
            method, urlsplit(url).path, body, content_type="application/json", headers=headers
        )
        self.calls.append((method, urlsplit(url).path, body, response.status_code))
        return response.status_code, response.content


@pytest.fixture
def wire(monkeypatch):
    wire = Wire()
    monkeypatch.setattr(http, "send", wire.send)
    return wire


@pytest.fixture
def due_unit(unit):
    """``unit`` owing 300,00 zł."""
    factories.LedgerEntryFactory(unit=unit, amount=Decimal("300.00"))
    return unit


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def start_balance(client, unit, amount="300,00"):
    return client.post(reverse("payments:pay_balance", args=[unit.pk]), {"kwota": amount})


def simulator_choice(client, payment: Payment, action: str, mode: str = "normal", capture=None):
    """The payer's choice on the simulator's page; notifications run when the choice commits."""
    txn = SimulatedTransaction.objects.get(session_id=payment.session_id)
    url = reverse("payments:simulator:pay", args=[txn.token])
    if capture is None:
        return client.post(url, {"akcja": action, "tryb": mode})
    with capture(execute=True):
        return client.post(url, {"akcja": action, "tryb": mode})
