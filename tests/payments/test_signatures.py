"""The Przelewy24 signatures: SHA-384 over the documented fields, in the documented order,
serialised as the gateway's PHP does (no spaces, unescaped slashes and Polish letters)."""

from __future__ import annotations

import hashlib
import json

import pytest

from payments.gateways import NotificationRefused
from payments.gateways.przelewy24 import (
    NOTIFICATION_SIGN,
    REGISTER_SIGN,
    VERIFY_SIGN,
    Przelewy24,
    p24_json,
    sign,
)
from payments.models import to_grosze

CRC = "a1b2c3d4e5f60718"


def sha384(text: str) -> str:
    return hashlib.sha384(text.encode("utf-8")).hexdigest()


def test_the_register_sign_covers_session_merchant_amount_currency_and_crc_in_that_order():
    fields = {"merchantId": 12345, "posId": 12345, "sessionId": "ebok-1", "amount": 30000, "currency": "PLN"}
    expected = sha384(
        '{"sessionId":"ebok-1","merchantId":12345,"amount":30000,"currency":"PLN","crc":"a1b2c3d4e5f60718"}'
    )
    assert sign(fields, REGISTER_SIGN, CRC) == expected


def test_the_verify_sign_covers_session_order_amount_currency_and_crc():
    fields = {"sessionId": "ebok-1", "orderId": 987654321, "amount": 12345, "currency": "PLN"}
    expected = sha384(
        '{"sessionId":"ebok-1","orderId":987654321,"amount":12345,"currency":"PLN","crc":"a1b2c3d4e5f60718"}'
    )
    assert sign(fields, VERIFY_SIGN, CRC) == expected


def test_slashes_and_polish_letters_are_signed_unescaped():
    assert p24_json({"statement": "Opłata 11/2026 – żółć"}) == '{"statement":"Opłata 11/2026 – żółć"}'
    fields = {
        "merchantId": 1,
        "posId": 1,
        "sessionId": "s/1",
        "amount": 100,
        "originAmount": 100,
        "currency": "PLN",
        "orderId": 5,
        "methodId": 154,
        "statement": "Wpłata ł/ó",
    }
    text = (
        '{"merchantId":1,"posId":1,"sessionId":"s/1","amount":100,"originAmount":100,"currency":"PLN",'
        '"orderId":5,"methodId":154,"statement":"Wpłata ł/ó","crc":"a1b2c3d4e5f60718"}'
    )
    assert sign(fields, NOTIFICATION_SIGN, CRC) == sha384(text)


def _notification(**changes):
    fields = {
        "merchantId": 1,
        "posId": 1,
        "sessionId": "ebok-x",
        "amount": 100,
        "originAmount": 100,
        "currency": "PLN",
        "orderId": 5,
        "methodId": 154,
        "statement": "p24-5",
    }
    fields["sign"] = sign(fields, NOTIFICATION_SIGN, CRC)
    fields.update(changes)
    return json.dumps(fields).encode()


def _adapter(merchant: int = 1) -> Przelewy24:
    return Przelewy24(
        base_url="https://sandbox.przelewy24.pl", merchant_id=merchant, pos_id=merchant, crc=CRC, api_key="k"
    )


def test_a_correctly_signed_notification_is_read():
    notice = _adapter().read_paid_notification(_notification())
    assert (notice.session_id, notice.amount, notice.order_id) == ("ebok-x", 100, 5)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"amount": 1}, "signature"),
        ({"sign": "0" * 96}, "signature"),
        ({"amount": "100"}, "malformed"),
        ({"amount": 100.0}, "malformed"),
        ({"sign": None}, "malformed"),
    ],
)
def test_a_changed_or_malformed_notification_is_refused(changes, reason):
    with pytest.raises(NotificationRefused) as caught:
        _adapter().read_paid_notification(_notification(**changes))
    assert caught.value.reason == reason


def test_a_notification_for_another_merchant_is_refused_even_with_a_valid_signature():
    with pytest.raises(NotificationRefused) as caught:
        _adapter(merchant=2).read_paid_notification(_notification())
    assert caught.value.reason == "merchant"


def test_amounts_become_integer_grosze_without_float():
    from decimal import Decimal

    assert to_grosze(Decimal("1234.56")) == 123456
    assert to_grosze(Decimal("0.10")) == 10
    assert to_grosze(Decimal("19.99")) == 1999
    with pytest.raises(ValueError):
        to_grosze(Decimal("1.005"))
