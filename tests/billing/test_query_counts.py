"""Each tenant page runs the same number of queries (at most 10) whatever the history length.

Counted over the whole request: the session, the account checks, the layout, the other
apps' dashboard panels and the session save, with a current, accepted terms version and an
announcement. Transaction control (BEGIN/COMMIT/SAVEPOINT/RELEASE, which wrap the session
save) is not a query and is left out of the count."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import TermsAcceptance
from billing.models import Invoice, LedgerEntry
from sync.models import ImportRun
from tests import factories
from tests.billing.conftest import add_history

pytestmark = pytest.mark.django_db
LIMIT = 10
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def _pages(unit, invoice, document) -> dict[str, str]:
    return {
        "dashboard": "/",
        "unit": f"/lokale/{unit.pk}/",
        "unit page 2 filtered": f"/lokale/{unit.pk}/?od=2016-01-01&rodzaj=naliczenia&strona=2",
        "invoices": f"/lokale/{unit.pk}/faktury/",
        "invoices page 2": f"/lokale/{unit.pk}/faktury/?strona=2",
        "invoice": f"/lokale/{unit.pk}/faktury/{invoice.pk}/",
        "invoice pdf": f"/lokale/{unit.pk}/faktury/{invoice.pk}/pdf/",
        "statement form": f"/lokale/{unit.pk}/zestawienie/",
        "statement csv": f"/lokale/{unit.pk}/zestawienie/?od=2016-01-01&do=2026-12-31&format=csv",
        "documents": "/korespondencja/",
        "document": f"/korespondencja/{document.pk}/",
    }


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len([q for q in ctx.captured_queries if not q["sql"].startswith(TRANSACTION_CONTROL)])


def _invoices(unit, buyer, n, start=0):
    for k in range(start, start + n):
        factories.InvoiceFactory(
            unit=unit, buyer=buyer, number=f"FV/{k}/2026", issued_on=dt.date(2016, 1, 1) + dt.timedelta(days=30 * k)
        )


def test_tenant_pages_run_a_constant_number_of_queries_at_most_ten(client, owner, unit, buyer, operator):
    terms = factories.TermsVersionFactory()
    TermsAcceptance.objects.create(user=owner, terms=terms, accepted_at=timezone.now())
    factories.AnnouncementFactory()
    ImportRun.objects.create(
        bundle="x", status=ImportRun.Status.IMPORTED, as_of=timezone.now(), finished_at=timezone.now()
    )
    add_history(unit, months=12)
    _invoices(unit, buyer, 25)
    document = factories.DocumentFactory(person=buyer)
    invoice = Invoice.objects.order_by("pk").first()
    client.force_login(owner)
    client.get(f"/lokale/{unit.pk}/faktury/{invoice.pk}/pdf/")  # the stored PDF is what is served next
    short = {name: _count(client, url) for name, url in _pages(unit, invoice, document).items()}

    LedgerEntry.objects.filter(unit=unit).delete()
    add_history(unit, months=120)  # ten years
    _invoices(unit, buyer, 95, start=25)  # 120 invoices
    for _ in range(30):
        factories.DocumentFactory(person=buyer)
    long = {name: _count(client, url) for name, url in _pages(unit, invoice, document).items()}

    assert long == short
    assert max(long.values()) <= LIMIT, long
