"""The payment gateway behind a small interface (B8).

The portal speaks to a gateway through :class:`Gateway`: register a transaction (the tenant is
sent to ``redirect_url``), read a signed notification, confirm it with the gateway's verify call.
One adapter is real (:mod:`payments.gateways.przelewy24`); the local simulator
(:mod:`payments.simulator`) speaks the same protocol, so the same adapter talks to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.http import HttpRequest


class GatewayUnavailable(Exception):
    """The gateway did not answer, or answered with an error: nothing was registered or verified."""


class NotificationRefused(Exception):
    """A notification that must change nothing: bad signature, unknown merchant, wrong amount…

    ``reason`` is a short machine word for the audit trail and the logs."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True)
class Registration:
    """What the portal asks the gateway to charge. ``amount`` in grosze (an int, never float)."""

    session_id: str
    amount: int
    currency: str
    description: str
    email: str
    url_return: str
    url_status: str
    url_refusal: str
    time_limit_minutes: int


@dataclass(frozen=True)
class Registered:
    token: str
    redirect_url: str


@dataclass(frozen=True)
class PaidNotification:
    """The gateway says the customer paid (already checked: signature, merchant and POS)."""

    session_id: str
    amount: int
    origin_amount: int
    currency: str
    order_id: int
    method_id: int
    statement: str


@dataclass(frozen=True)
class RefusalNotification:
    """The gateway says the payment was refused (card refused, bank said no), signature checked."""

    session_id: str
    amount: int
    order_id: int
    error_code: str
    error_message: str


class Gateway(Protocol):
    name: str

    def register(self, registration: Registration) -> Registered: ...

    def redirect_url(self, token: str) -> str: ...

    def read_paid_notification(self, body: bytes) -> PaidNotification: ...

    def read_refusal_notification(self, body: bytes) -> RefusalNotification: ...

    def verify(self, *, session_id: str, order_id: int, amount: int, currency: str) -> None: ...


def online_payments_enabled() -> bool:
    return str(settings.PAYMENTS_GATEWAY) != "off"


def get_gateway(request: HttpRequest | None = None) -> Gateway:
    """The configured gateway: Przelewy24 (sandbox or production) or the local simulator,
    which is the same adapter pointed at the portal itself (``request`` gives its address:
    the demo may run on any host and port)."""
    from payments.gateways.przelewy24 import Przelewy24, base_url

    return Przelewy24(
        base_url=base_url(request),
        merchant_id=settings.P24_MERCHANT_ID,
        pos_id=settings.P24_POS_ID,
        crc=settings.P24_CRC,
        api_key=settings.P24_API_KEY,
        timeout=settings.PAYMENTS_GATEWAY_TIMEOUT,
    )
