"""Every PDF the portal makes is tagged PDF/UA-1: structure tree, language, title (issue 14 item 23)."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import Application
from accounts.services.applications import pdf_token
from tests import factories
from tests.accounts.conftest import application_data

pytestmark = pytest.mark.django_db


def _assert_tagged(content: bytes, title_part: str) -> None:
    reader = PdfReader(io.BytesIO(content))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert root["/StructTreeRoot"].get_object()["/K"]
    assert root["/Lang"] == "pl"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"]
    assert title_part in reader.metadata.title
    assert b"pdfuaid" in root["/Metadata"].get_object().get_data()


def test_an_invoice_pdf_is_tagged_with_its_number_as_title(client, owner, unit):
    factories.OperatorFactory()
    invoice = factories.InvoiceFactory(
        unit=unit, buyer=factories.PersonFactory(), number="FV/7/2026", issued_on=dt.date(2026, 11, 2)
    )
    client.force_login(owner)
    response = client.get(reverse("billing:invoice_pdf", args=[unit.pk, invoice.pk]))
    assert response.status_code == 200
    _assert_tagged(response.content, "FV/7/2026")


def test_a_statement_pdf_is_tagged(client, owner, unit):
    factories.LedgerEntryFactory(unit=unit, booked_on=dt.date(2025, 2, 1), amount=Decimal("120.00"))
    client.force_login(owner)
    response = client.get(f"/lokale/{unit.pk}/zestawienie/?od=2025-01-01&do=2025-03-31&format=pdf")
    assert response["Content-Type"] == "application/pdf"
    _assert_tagged(response.content, "Zestawienie kartoteki")


def test_the_application_pdf_is_tagged(client):
    client.post(reverse("application_form"), application_data())
    application = Application.objects.get()
    response = client.get(reverse("application_pdf", args=[pdf_token(application)]))
    _assert_tagged(b"".join(response.streaming_content) if response.streaming else response.content, application.number)


def test_the_personal_data_pdf_is_tagged(client, owner):
    client.force_login(owner)
    response = client.get(reverse("personal_data_pdf"))
    _assert_tagged(response.content, owner.username)
