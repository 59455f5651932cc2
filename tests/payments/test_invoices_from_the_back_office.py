"""The back-office owns invoices: an online payment that names one must neither stop the
nightly import from deleting it nor keep the first load from building the invoices aside
(that one is tests/sync/test_fast_mode.py, which failed while the payment held a database
constraint on the invoice)."""

from decimal import Decimal

import pytest

from billing.models import Invoice
from payments.models import Payment
from sync.models import ImportRun
from sync.services import bundle_import
from tests.sync.bundles import EXAMPLE, Bundle

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fast", [True, False])
def test_a_delta_deletes_an_invoice_paid_online_and_the_payment_keeps_its_number(tmp_path, fast):
    assert bundle_import(path=EXAMPLE).status == ImportRun.Status.IMPORTED
    invoice = Invoice.objects.get(external_id="I0000000")
    payment = Payment.objects.create(
        unit=invoice.unit,
        invoice=invoice,
        invoice_number=invoice.number,
        amount=invoice.gross,
        session_id="ebok-deleted-invoice",
        state=Payment.State.PAID,
    )
    delta = Bundle.example(tmp_path, "delta").as_delta("EX-DELTA-2", 2)
    for stem in ("units", "persons", "titles", "ledger", "meters", "readings", "invoices", "invoice_lines"):
        delta.write(stem, delta.rows(stem)[0], [])
    delta.write("deletions", ["entity", "id"], [["invoices", "I0000000"]])

    run = bundle_import(path=delta.path, fast=fast)

    assert run.status == ImportRun.Status.IMPORTED, run.message
    assert not Invoice.objects.filter(external_id="I0000000").exists()
    payment.refresh_from_db()
    assert payment.state == Payment.State.PAID and payment.invoice_number == invoice.number
    assert payment.amount == invoice.gross > Decimal(0)
