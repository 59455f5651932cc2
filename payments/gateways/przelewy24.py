"""Przelewy24 REST API v1 (https://developers.przelewy24.pl/), written from its public docs.

- ``POST /api/v1/transaction/register`` (HTTP Basic: POS id and the API key) → ``data.token``;
  the customer goes to ``/trnRequest/{token}``.
- After payment the gateway POSTs a JSON notification to ``urlStatus``; a refused card payment
  is POSTed to ``urlCardPaymentNotification``.
- ``PUT /api/v1/transaction/verify`` confirms the payment; only then is it paid for the merchant.

Every message carries ``sign``: SHA-384 (hex) of a JSON object of documented fields in a
documented order, the CRC key among them, serialised as PHP's ``json_encode`` with
``JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES`` (no spaces, "/" and non-ASCII letters as
they are). Amounts are integers in grosze.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from payments.gateways import (
    GatewayUnavailable,
    NotificationRefused,
    PaidNotification,
    RefusalNotification,
    Registered,
    Registration,
    http,
)
from portal.links import absolute_url

SANDBOX_URL = "https://sandbox.przelewy24.pl"
PRODUCTION_URL = "https://secure.przelewy24.pl"

# The fields each signature covers, in the documented order.
REGISTER_SIGN = ("sessionId", "merchantId", "amount", "currency", "crc")
NOTIFICATION_SIGN = (
    "merchantId",
    "posId",
    "sessionId",
    "amount",
    "originAmount",
    "currency",
    "orderId",
    "methodId",
    "statement",
    "crc",
)
VERIFY_SIGN = ("sessionId", "orderId", "amount", "currency", "crc")
CARD_REFUSAL_SIGN = ("amount", "3ds", "method", "orderId", "sessionId", "errorCode", "errorMessage", "crc")

_INT_FIELDS = {"merchantId", "posId", "amount", "originAmount", "orderId", "methodId", "method"}
MAX_NOTIFICATION_BYTES = 16 * 1024


def base_url(request: HttpRequest | None = None) -> str:
    """The gateway's address for the configured ``PAYMENTS_GATEWAY``; the simulator's is the
    portal's own, taken from the request when there is one."""
    if settings.PAYMENTS_GATEWAY == "p24-production":
        return PRODUCTION_URL
    if settings.PAYMENTS_GATEWAY == "p24-sandbox":
        return SANDBOX_URL
    path = reverse("payments:simulator:home").rstrip("/")
    if request is not None:
        return request.build_absolute_uri(path)
    return absolute_url(path)


def p24_json(fields: Mapping[str, Any]) -> str:
    """JSON as the gateway's PHP writes it: no spaces, unescaped slashes and unicode."""
    return json.dumps(dict(fields), separators=(",", ":"), ensure_ascii=False)


def sign(fields: Mapping[str, Any], order: tuple[str, ...], crc: str) -> str:
    """SHA-384 (hex) of the JSON of ``order``'s fields taken from ``fields`` plus ``crc``."""
    values = {name: (crc if name == "crc" else fields[name]) for name in order}
    return hashlib.sha384(p24_json(values).encode("utf-8")).hexdigest()


def _signed_json(body: bytes, order: tuple[str, ...], crc: str) -> dict[str, Any]:
    """The fields of a notification whose ``sign`` matches (any field missing or of the wrong
    type, or a wrong sign, is refused); compared in constant time."""
    if len(body) > MAX_NOTIFICATION_BYTES:
        raise NotificationRefused("malformed", "too large")
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise NotificationRefused("malformed", "not JSON") from exc
    if not isinstance(data, dict) or not isinstance(data.get("sign"), str):
        raise NotificationRefused("malformed", "no sign")
    for name in order:
        if name == "crc":
            continue
        if name not in data:
            raise NotificationRefused("malformed", f"no {name}")
        value = data[name]
        if name in _INT_FIELDS and (not isinstance(value, int) or isinstance(value, bool)):
            raise NotificationRefused("malformed", f"{name} is not an integer")
        if name == "3ds" and not isinstance(value, bool):
            raise NotificationRefused("malformed", "3ds is not a boolean")
        if name not in _INT_FIELDS and name != "3ds" and not isinstance(value, str):
            raise NotificationRefused("malformed", f"{name} is not a string")
    expected = sign(data, order, crc)
    if not hmac.compare_digest(expected, data["sign"].lower()):
        raise NotificationRefused("signature")
    return data


class Przelewy24:
    name = "przelewy24"

    def __init__(
        self, *, base_url: str, merchant_id: int, pos_id: int, crc: str, api_key: str, timeout: float = 15
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.merchant_id = merchant_id
        self.pos_id = pos_id
        self.crc = crc
        self.api_key = api_key
        self.timeout = timeout

    def _call(self, method: str, path: str, payload: dict[str, Any]) -> Any:
        return http.call_json(
            method,
            f"{self.base_url}/api/v1/{path}",
            body=p24_json(payload).encode("utf-8"),
            auth=(str(self.pos_id), self.api_key),
            timeout=self.timeout,
        )

    def register(self, registration: Registration) -> Registered:
        payload: dict[str, Any] = {
            "merchantId": self.merchant_id,
            "posId": self.pos_id,
            "sessionId": registration.session_id,
            "amount": registration.amount,
            "currency": registration.currency,
            "description": registration.description,
            "email": registration.email,
            "country": "PL",
            "language": "pl",
            "urlReturn": registration.url_return,
            "urlStatus": registration.url_status,
            "urlCardPaymentNotification": registration.url_refusal,
            "timeLimit": registration.time_limit_minutes,
            "encoding": "UTF-8",
        }
        payload["sign"] = sign(payload, REGISTER_SIGN, self.crc)
        answer = self._call("POST", "transaction/register", payload)
        token = answer.get("data", {}).get("token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token or len(token) > 100:
            raise GatewayUnavailable(f"register: no token in {str(answer)[:200]}")
        return Registered(token=token, redirect_url=self.redirect_url(token))

    def redirect_url(self, token: str) -> str:
        return f"{self.base_url}/trnRequest/{token}"

    def _check_merchant(self, data: Mapping[str, Any]) -> None:
        if data["merchantId"] != self.merchant_id or data["posId"] != self.pos_id:
            raise NotificationRefused("merchant", f"{data['merchantId']}/{data['posId']}")

    def read_paid_notification(self, body: bytes) -> PaidNotification:
        data = _signed_json(body, NOTIFICATION_SIGN, self.crc)
        self._check_merchant(data)
        return PaidNotification(
            session_id=data["sessionId"],
            amount=data["amount"],
            origin_amount=data["originAmount"],
            currency=data["currency"],
            order_id=data["orderId"],
            method_id=data["methodId"],
            statement=data["statement"],
        )

    def read_refusal_notification(self, body: bytes) -> RefusalNotification:
        data = _signed_json(body, CARD_REFUSAL_SIGN, self.crc)
        return RefusalNotification(
            session_id=data["sessionId"],
            amount=data["amount"],
            order_id=data["orderId"],
            error_code=data["errorCode"],
            error_message=data["errorMessage"],
        )

    def verify(self, *, session_id: str, order_id: int, amount: int, currency: str) -> None:
        payload: dict[str, Any] = {
            "merchantId": self.merchant_id,
            "posId": self.pos_id,
            "sessionId": session_id,
            "amount": amount,
            "currency": currency,
            "orderId": order_id,
        }
        payload["sign"] = sign(payload, VERIFY_SIGN, self.crc)
        answer = self._call("PUT", "transaction/verify", payload)
        status = answer.get("data", {}).get("status") if isinstance(answer, dict) else None
        if status != "success":
            raise GatewayUnavailable(f"verify: {str(answer)[:200]}")
