"""The gateway simulator never runs in production; without a gateway nothing is offered."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from payments.models import Payment

BASE_DIR = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DEBUG": "0",
    "DEMO": "0",
    "SECRET_KEY": "a-long-production-secret-key-that-is-random-enough-4f1c9b2e7d3a8f6e5b0c",
    "ALLOWED_HOSTS": "ebok.example.pl",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("PAYMENTS_", "P24_")) and k not in {"DEBUG", "DEMO"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_gateway_simulator_cannot_run_with_debug_off():
    result = _manage("check", env={**PRODUCTION_ENV, "PAYMENTS_GATEWAY": "simulator"})
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "PAYMENTS_GATEWAY=simulator" in lines[0] and "DEBUG=0" in lines[0]


def test_a_real_gateway_without_credentials_stops_start_up():
    result = _manage("check", env={**PRODUCTION_ENV, "PAYMENTS_GATEWAY": "p24-production"})
    assert result.returncode != 0 and "P24_MERCHANT_ID" in result.stderr


def test_production_defaults_to_no_online_payment_and_the_demo_to_the_simulator():
    code = "from django.conf import settings; print(settings.PAYMENTS_GATEWAY)"
    production = _manage("shell", "-c", code, env=PRODUCTION_ENV)
    demo = _manage("shell", "-c", code, env={"DEBUG": "1"})
    assert production.stdout.strip().splitlines()[-1] == "off", production.stderr
    assert demo.stdout.strip().splitlines()[-1] == "simulator", demo.stderr


@pytest.mark.django_db
def test_without_a_gateway_nothing_is_offered_and_the_simulator_is_not_there(owner_client, due_unit, settings):
    settings.PAYMENTS_GATEWAY = "off"
    page = owner_client.get(reverse("billing:unit", args=[due_unit.pk])).content.decode()
    assert "Zapłać online" not in page
    assert owner_client.post(reverse("payments:pay_balance", args=[due_unit.pk]), {"kwota": "1"}).status_code == 404
    assert owner_client.get(reverse("payments:simulator:home")).status_code == 404
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_the_sandbox_and_production_addresses_follow_the_setting(settings):
    from payments.gateways import get_gateway

    settings.PAYMENTS_GATEWAY = "p24-sandbox"
    assert get_gateway().redirect_url("T1") == "https://sandbox.przelewy24.pl/trnRequest/T1"
    settings.PAYMENTS_GATEWAY = "p24-production"
    assert get_gateway().redirect_url("T1") == "https://secure.przelewy24.pl/trnRequest/T1"
    assert Decimal("0") == settings.PAYMENTS_FEE_PERCENT
