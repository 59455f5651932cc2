"""A settled invoice (issue 14 item 1): its PDF and page say *Rozliczona — stan na …* instead of
offering the transfer and its QR code, so that nobody pays it twice; an unpaid one keeps them."""

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.utils import timezone
from pypdf import PdfReader

from billing import pdf, selectors
from billing.models import Invoice, LedgerEntry
from sync.models import ImportRun
from tests import factories
from tests.billing.test_formats_words_qr import decode_qr

pytestmark = pytest.mark.django_db

# The back-office data is as of 2 December 2026, 23:00 in Warsaw.
AS_OF = dt.datetime(2026, 12, 2, 22, 0, tzinfo=dt.UTC)


@pytest.fixture
def imported(db):
    return ImportRun.objects.create(
        bundle="nightly", status=ImportRun.Status.IMPORTED, as_of=AS_OF, finished_at=timezone.now()
    )


def _book(unit, kind: str, amount: str) -> None:
    LedgerEntry.objects.create(
        external_id=f"E-{kind}-{amount}",
        unit=unit,
        booked_on=dt.date(2026, 11, 20),
        kind=kind,
        component="opłaty",
        amount=Decimal(amount),
    )


def _invoice(unit, buyer) -> Invoice:
    return factories.InvoiceFactory(unit=unit, buyer=buyer, number="FV/12/11/2026", gross=Decimal("100.00"))


def _text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages)


def _images(content: bytes) -> list:
    return [image for page in PdfReader(io.BytesIO(content)).pages for image in page.images]


def test_a_settled_invoice_pdf_has_the_settled_note_and_no_qr_code(client, owner, unit, buyer, operator, imported):
    invoice = _invoice(unit, buyer)
    client.force_login(owner)
    content = client.get(f"/lokale/{unit.pk}/faktury/{invoice.pk}/pdf/").content
    text = _text(content)
    assert "Rozliczona — stan na 02.12.2026" in text
    assert "nie płać jej ponownie" in text
    assert "Do zapłaty: 100,00" in text  # the invoice as issued stays as it was
    assert "Tytuł przelewu" not in text and "Zeskanuj" not in text
    assert _images(content) == []


def test_a_settled_invoice_page_says_the_same_and_offers_no_transfer(client, owner, unit, buyer, operator, imported):
    invoice = _invoice(unit, buyer)
    client.force_login(owner)
    html = client.get(f"/lokale/{unit.pk}/faktury/{invoice.pk}/").content.decode()
    assert "Rozliczona — stan na 02.12.2026" in html
    assert "Zapłać tę fakturę" not in html and "data:image/png" not in html


@time_machine.travel(dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC), tick=False)
def test_before_the_first_import_the_settled_note_is_as_of_today(client, owner, unit, buyer, operator):
    invoice = _invoice(unit, buyer)
    client.force_login(owner)
    assert "Rozliczona — stan na 03.12.2026" in client.get(f"/lokale/{unit.pk}/faktury/{invoice.pk}/").content.decode()


def test_an_unpaid_invoice_pdf_keeps_the_payment_box_and_a_readable_qr(
    client, owner, unit, buyer, operator, imported, tmp_path
):
    invoice = _invoice(unit, buyer)
    _book(unit, "charge", "100.00")
    client.force_login(owner)
    content = client.get(f"/lokale/{unit.pk}/faktury/{invoice.pk}/pdf/").content
    text = _text(content)
    assert "Rozliczona" not in text and "Tytuł przelewu: Faktura FV/12/11/2026" in text
    out = io.BytesIO()
    (image,) = _images(content)
    image.image.save(out, format="PNG")
    assert decode_qr(out.getvalue(), tmp_path).split("|")[3] == "010000"


def test_a_pdf_stored_while_unpaid_is_not_served_once_a_payment_settles_the_invoice(
    client, owner, unit, buyer, operator, imported
):
    invoice = _invoice(unit, buyer)
    _book(unit, "charge", "100.00")
    client.force_login(owner)
    url = f"/lokale/{unit.pk}/faktury/{invoice.pk}/pdf/"
    assert len(_images(client.get(url).content)) == 1  # rendered unpaid and stored
    _book(unit, "payment", "-100.00")  # the next import brings the payment
    content = client.get(url).content
    assert "Rozliczona — stan na 02.12.2026" in _text(content) and _images(content) == []
    _dirs, files = default_storage.listdir(f"invoices/{invoice.pk}")
    assert len(files) == 1  # the unpaid version is gone


def test_the_pdf_of_an_invoice_fetched_without_its_outstanding_amount_knows_it_is_settled(unit, buyer, operator):
    # As the e-mail of a new invoice fetches it: from a queryset, not through the tenant's page.
    invoice = Invoice.objects.select_related("unit__building", "buyer").get(pk=_invoice(unit, buyer).pk)
    content = pdf.invoice_pdf(invoice, operator=operator)
    assert "Rozliczona — stan na" in _text(content) and _images(content) == []


def test_only_an_invoice_with_something_to_pay_and_nothing_left_counts_as_settled(unit, buyer):
    paid, correcting = _invoice(unit, buyer), factories.InvoiceFactory(unit=unit, buyer=buyer, gross=Decimal("-40.00"))
    for invoice in (paid, correcting):
        selectors.invoice_add_outstanding(invoice)
    assert selectors.invoice_settled_as_of(paid) is not None
    assert selectors.invoice_settled_as_of(correcting) is None  # nothing was to be paid on it
    _book(unit, "charge", "30.00")
    assert selectors.invoice_settled_as_of(selectors.invoice_add_outstanding(paid)) is None
