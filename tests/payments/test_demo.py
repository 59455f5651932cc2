"""The demo (command 1) has online payment out of the box: its tenant pays through the simulator."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from accounts.selectors import units_for_user
from payments.models import Payment
from portal.management.commands.seed_demo import TENANT_PASSWORD
from tests.payments.conftest import simulator_choice

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _demo_folders(settings, tmp_path):
    settings.BUNDLE_INBOX = tmp_path / "bundles" / "inbox"


def test_the_demo_tenant_can_pay_the_newest_invoice_online(client, wire, django_capture_on_commit_callbacks):
    call_command("seed_demo")
    tenant = User.objects.get(username="demo.lokator")
    client.post(reverse("login"), {"username": "demo.lokator", "password": TENANT_PASSWORD})
    flat = next(unit for unit in units_for_user(tenant) if unit.invoices.exists())
    invoice = flat.invoices.order_by("-issued_on").first()
    page = client.get(reverse("billing:invoice", args=[flat.pk, invoice.pk])).content.decode()
    assert "Zapłać online" in page
    assert "Zapłać online" in client.get(reverse("billing:unit", args=[flat.pk])).content.decode()
    client.post(reverse("payments:pay_invoice", args=[flat.pk, invoice.pk]))
    simulator_choice(client, Payment.objects.get(), "pay", capture=django_capture_on_commit_callbacks)
    assert Payment.objects.get().state == Payment.State.PAID
