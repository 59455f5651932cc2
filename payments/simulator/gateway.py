"""The local Przelewy24 simulator's logic (PAYMENTS_GATEWAY=simulator, never with DEBUG=0).

It checks what the real gateway checks (HTTP Basic with the POS id and API key, the signature
of every call) and signs what it sends with the same CRC key, using the same signature code as
the portal's adapter (``payments.gateways.przelewy24.sign``) so that both ends agree exactly as
they must with the real gateway. Notifications go to the ``urlStatus`` and
``urlCardPaymentNotification`` the portal registered; the payment page can also send them twice,
late (from the simulator's home page) or out of order.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction

from payments.gateways import GatewayUnavailable, http
from payments.gateways.przelewy24 import (
    CARD_REFUSAL_SIGN,
    NOTIFICATION_SIGN,
    REGISTER_SIGN,
    VERIFY_SIGN,
    p24_json,
    sign,
)
from payments.models import SimulatedTransaction

PAY_MODES = ("normal", "duplicate", "late", "reversed")


class SimulatorError(Exception):
    """An API call the real gateway would refuse: (HTTP status, message)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def check_basic_auth(header: str) -> None:
    """``Authorization: Basic base64(posId:apiKey)`` as the real API asks."""
    scheme, _, value = header.partition(" ")
    try:
        login, _, password = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise SimulatorError(401, "Incorrect authentication") from exc
    if (
        scheme.lower() != "basic"
        or login != str(settings.P24_POS_ID)
        or not hmac.compare_digest(password, settings.P24_API_KEY)
    ):
        raise SimulatorError(401, "Incorrect authentication")


def _json_body(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise SimulatorError(400, "Invalid JSON") from exc
    if not isinstance(data, dict):
        raise SimulatorError(400, "Invalid JSON")
    return data


def _check_sign(data: dict[str, Any], order: tuple[str, ...]) -> None:
    missing = [name for name in order if name != "crc" and name not in data]
    if missing:
        raise SimulatorError(400, f"Missing parameter: {missing[0]}")
    if not isinstance(data.get("sign"), str) or not hmac.compare_digest(
        sign(data, order, settings.P24_CRC), data["sign"]
    ):
        raise SimulatorError(400, "Incorrect sign")


def register(body: bytes) -> str:
    """``POST /api/v1/transaction/register``: the token of a new transaction."""
    data = _json_body(body)
    _check_sign(data, REGISTER_SIGN)
    if data.get("merchantId") != settings.P24_MERCHANT_ID or data.get("posId") != settings.P24_POS_ID:
        raise SimulatorError(400, "Incorrect merchantId or posId")
    amount = data.get("amount")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise SimulatorError(400, "Incorrect amount")
    for name in ("urlReturn", "urlStatus", "sessionId", "currency", "description", "email"):
        if not isinstance(data.get(name), str) or not data[name]:
            raise SimulatorError(400, f"Missing parameter: {name}")
    token = secrets.token_hex(16).upper()
    SimulatedTransaction.objects.create(
        token=token,
        session_id=data["sessionId"],
        merchant_id=data["merchantId"],
        pos_id=data["posId"],
        amount=amount,
        currency=data["currency"],
        description=data["description"][:1024],
        email=data["email"][:254],
        url_return=data["urlReturn"],
        url_status=data["urlStatus"],
        url_refusal=data.get("urlCardPaymentNotification") or "",
        time_limit=int(data.get("timeLimit") or 15),
    )
    return token


def verify(body: bytes) -> None:
    """``PUT /api/v1/transaction/verify``: succeeds only for a paid transaction with exactly
    the session, order, amount and currency given."""
    data = _json_body(body)
    _check_sign(data, VERIFY_SIGN)
    found = SimulatedTransaction.objects.filter(
        session_id=data["sessionId"],
        order_id=data["orderId"],
        amount=data["amount"],
        currency=data["currency"],
        outcome=SimulatedTransaction.Outcome.PAID,
    ).first()
    if found is None:
        raise SimulatorError(400, "Transaction not found or not paid")
    if not found.verified:
        SimulatedTransaction.objects.filter(pk=found.pk).update(verified=True)


def paid_notification(txn: SimulatedTransaction) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "merchantId": txn.merchant_id,
        "posId": txn.pos_id,
        "sessionId": txn.session_id,
        "amount": txn.amount,
        "originAmount": txn.amount,
        "currency": txn.currency,
        "orderId": txn.order_id,
        "methodId": 154,  # BLIK in the gateway's list of methods
        "statement": f"p24-{txn.order_id}",
    }
    fields["sign"] = sign(fields, NOTIFICATION_SIGN, settings.P24_CRC)
    return fields


def refusal_notification(txn: SimulatedTransaction) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "amount": txn.amount,
        "3ds": True,
        "method": 145,  # card payment
        "orderId": txn.order_id or 0,
        "sessionId": txn.session_id,
        "errorCode": "ERR49",
        "errorMessage": "Płatność odrzucona przez bank",
    }
    fields["sign"] = sign(fields, CARD_REFUSAL_SIGN, settings.P24_CRC)
    return fields


def send_notification(*, transaction_id: int, kind: str) -> int:
    """POST one notification (``paid`` or ``refused``) to the portal; its HTTP status. A portal
    that does not answer 200 gets it again (the task retries), as the real gateway does."""
    txn = SimulatedTransaction.objects.get(pk=transaction_id)
    url, fields = (
        (txn.url_status, paid_notification(txn)) if kind == "paid" else (txn.url_refusal, refusal_notification(txn))
    )
    if not url:
        return 0
    status, _ = http.send("POST", url, body=p24_json(fields).encode(), auth=None, timeout=15)
    SimulatedTransaction.objects.filter(pk=txn.pk).update(notifications_sent=txn.notifications_sent + 1)
    if status >= 500:
        raise GatewayUnavailable(f"portal answered {status}")
    return status


def _queue(txn: SimulatedTransaction, kinds: list[str]) -> None:
    from payments.tasks import simulator_notify

    for kind in kinds:
        simulator_notify.delay_on_commit(txn.pk, kind)


def finish(txn: SimulatedTransaction, *, action: str, mode: str = "normal") -> None:
    """The payer's choice on the payment page: ``pay`` (with a notification ``mode``),
    ``refuse`` (a refused card: the refusal notification) or ``abandon`` (nothing is sent)."""
    with transaction.atomic():
        txn = SimulatedTransaction.objects.select_for_update().get(pk=txn.pk)
        if txn.outcome != SimulatedTransaction.Outcome.OPEN:
            return
        txn.order_id = 300_000_000 + secrets.randbelow(600_000_000)
        if action == "pay":
            txn.outcome = SimulatedTransaction.Outcome.PAID
            kinds = {"normal": ["paid"], "duplicate": ["paid", "paid"], "late": [], "reversed": ["paid", "refused"]}[
                mode
            ]
        elif action == "refuse":
            txn.outcome = SimulatedTransaction.Outcome.REFUSED
            kinds = ["refused"]
        else:
            txn.outcome = SimulatedTransaction.Outcome.ABANDONED
            kinds = []
        txn.save(update_fields=["outcome", "order_id"])
        _queue(txn, kinds)


def send_late(txn: SimulatedTransaction) -> None:
    """The notification of a paid transaction sent now (again): late or replayed."""
    if txn.outcome == SimulatedTransaction.Outcome.PAID:
        send_notification(transaction_id=txn.pk, kind="paid")
