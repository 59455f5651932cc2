"""The unit page keeps a unit's ledger totals and rendered ledger pages between imports
(billing/ledger_cache.py, Django's "process" cache): a second view reads no ledger, and whatever
changes the data — an import, an ORM write, a staff correction — is on the next view."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing.models import Invoice, LedgerEntry, Unit
from portal.formats import format_amount
from sync.models import ImportRun
from sync.services import bundle_import
from tests import factories
from tests.billing.conftest import add_history
from tests.sync.bundles import EXAMPLE, Bundle

pytestmark = pytest.mark.django_db

UNIT = "U0000001"  # a flat of the example bundle
LEDGER_TABLE = LedgerEntry._meta.db_table


@pytest.fixture(autouse=True)
def _bundle_folders(settings, tmp_path):
    settings.BUNDLE_INBOX = tmp_path / "inbox"
    settings.BUNDLE_ARCHIVE = tmp_path / "archive"
    settings.BUNDLE_OUTBOX = tmp_path / "outbox"
    settings.LEDGER_CACHE_SECONDS = 3600


@pytest.fixture
def imported(client):
    """The example bundle imported; a tenant of U0000001 logged in."""
    assert bundle_import(path=EXAMPLE).status == ImportRun.Status.IMPORTED
    unit = Unit.objects.get(external_id=UNIT)
    client.force_login(factories.TenantFactory(units=[unit]))
    return unit


def _view(client, unit, query: str = "") -> tuple[str, int]:
    """The unit page's HTML and how many of its statements read the ledger."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("billing:unit", args=[unit.pk]) + query)
    assert response.status_code == 200
    return response.content.decode(), sum(LEDGER_TABLE in q["sql"] for q in queries.captured_queries)


def _ledger(html: str) -> str:
    return html.split('<section aria-labelledby="ledger-title"', 1)[1].split("</section>", 1)[0]


def _balance(html: str) -> str:
    """The balance card's words and amount."""
    return re.search(r'<p class="balance[^"]*">(.*?)</p>', html, re.S).group(1)


def _delta(tmp_path, name: str, sequence: int, ledger: list[list[str]]) -> Bundle:
    """A delta of the example that carries only ``ledger`` rows."""
    bundle = Bundle.example(tmp_path, name).as_delta(f"EX-{name}", sequence)
    for stem in ("units", "persons", "titles", "meters", "readings", "invoices", "invoice_lines"):
        bundle.write(stem, bundle.rows(stem)[0], [])
    return bundle.write("ledger", bundle.rows("ledger")[0], ledger)


def test_a_second_view_of_a_unit_reads_neither_its_totals_nor_its_page_of_entries(client, imported):
    first, reads = _view(client, imported)
    assert reads == 2  # the totals, the page of entries
    second, reads = _view(client, imported)
    assert reads == 0
    assert _ledger(second) == _ledger(first) and _balance(second) == _balance(first)


def test_an_import_that_changes_an_entry_in_place_and_adds_one_shows_both_on_the_next_view(client, imported, tmp_path):
    html, _ = _view(client, imported)
    header, rows = Bundle.example(tmp_path, "rows").rows("ledger")
    own = [row for row in rows if row[1] == UNIT]
    changed = list(own[-1])
    changed[header.index("description")] = "Korekta opisu po imporcie"
    changed[header.index("amount")] = "1000,00"
    added = list(own[-1])
    added[0], added[header.index("description")] = "E-NEW-1", "Nowy zapis z importu"
    assert "Korekta opisu po imporcie" not in html
    delta = _delta(tmp_path, "delta", 2, [changed, added])
    assert bundle_import(path=delta.path).status == ImportRun.Status.IMPORTED

    after, reads = _view(client, imported)
    assert reads == 2  # read again: the import changed the key
    assert "Korekta opisu po imporcie" in after and "Nowy zapis z importu" in after
    balance = sum(LedgerEntry.objects.filter(unit=imported).values_list("amount", flat=True), Decimal(0))
    assert format_amount(abs(balance)) in _balance(after) and _balance(after) != _balance(html)


def test_an_entry_saved_through_the_orm_is_on_the_next_view(client, owner, unit, operator):
    add_history(unit, months=12)
    client.force_login(owner)
    _view(client, unit)
    LedgerEntry.objects.create(
        external_id="E-ORM-1",
        unit=unit,
        booked_on=timezone.localdate(),
        kind=LedgerEntry.Kind.CHARGE,
        component="eksploatacja",
        description="Zapis dodany w powłoce",
        amount=Decimal("12.34"),
    )
    html, reads = _view(client, unit)
    assert reads == 2 and "Zapis dodany w powłoce" in html


def test_a_staff_correction_of_the_unit_shows_at_once(client, owner, unit, operator):
    client.force_login(owner)
    html, _ = _view(client, unit)
    assert "52,40 m²" in html
    unit.area_m2 = Decimal("61.20")
    unit.bank_account = "27114020040000300201355387"
    unit.save(update_fields=["area_m2", "bank_account"])
    html, _ = _view(client, unit)
    assert "61,20 m²" in html and "52,40 m²" not in html
    assert "PL27 1140 2004 0000 3002 0135 5387" in html  # the transfer details too


def test_another_tenant_gets_404_for_a_unit_whose_page_is_kept(client, imported):
    _view(client, imported)
    client.force_login(factories.TenantFactory(units=[Unit.objects.exclude(pk=imported.pk).first()]))
    assert client.get(reverse("billing:unit", args=[imported.pk])).status_code == 404


def test_a_withdrawn_unit_answers_404_although_its_page_is_kept(client, imported):
    _view(client, imported)
    imported.withdrawn_at = timezone.now()
    imported.save(update_fields=["withdrawn_at"])
    assert client.get(reverse("billing:unit", args=[imported.pk])).status_code == 404


def test_the_english_page_is_kept_apart_from_the_polish_one(client, imported, settings):
    polish, _ = _view(client, imported)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english, _ = _view(client, imported)
    assert "Saldo po każdej operacji".lower() in _ledger(polish).lower()
    assert _ledger(english) != _ledger(polish) and "balance" in _ledger(english).lower()
    assert "Dane lokalu" in polish and "Dane lokalu" not in english


def test_a_filtered_view_reads_the_ledger_every_time(client, imported):
    for _ in range(2):
        _html, reads = _view(client, imported, "?od=2025-01-01&do=2025-12-31")
        assert reads == 2


def test_with_ledger_cache_seconds_0_every_view_reads_the_ledger(client, imported, settings):
    settings.LEDGER_CACHE_SECONDS = 0
    for _ in range(2):
        _html, reads = _view(client, imported)
        assert reads == 2


def test_a_page_of_entries_is_kept_per_page_number(client, imported):
    first, _ = _view(client, imported)
    second, reads = _view(client, imported, "?strona=2")
    assert reads == 1  # the totals are kept; page 2 is read
    assert _ledger(second) != _ledger(first)


def _dashboard(client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode(), sum(LEDGER_TABLE in q["sql"] for q in queries.captured_queries)


def test_the_dashboard_keeps_each_units_sums_and_shows_an_imports_change_at_once(client, imported, tmp_path):
    html, reads = _dashboard(client)
    assert reads == 1
    again, reads = _dashboard(client)
    assert reads == 0 and again.count("balance-") == html.count("balance-")
    header, rows = Bundle.example(tmp_path, "rows").rows("ledger")
    extra = list(next(row for row in rows if row[1] == UNIT))
    extra[0], extra[header.index("amount")] = "E-NEW-2", "4321,00"
    assert bundle_import(path=_delta(tmp_path, "delta", 2, [extra]).path).status == ImportRun.Status.IMPORTED
    after, reads = _dashboard(client)
    balance = sum(LedgerEntry.objects.filter(unit=imported).values_list("amount", flat=True), Decimal(0))
    assert reads == 1 and format_amount(balance) in after and format_amount(balance) not in html


def _invoices(client, unit, query: str = "") -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("billing:invoices", args=[unit.pk]) + query)
    assert response.status_code == 200
    return response.content.decode(), sum(Invoice._meta.db_table + " i" in q["sql"] for q in queries.captured_queries)


def test_the_invoice_list_keeps_its_pages_and_shows_a_new_invoice_at_once(client, owner, unit, buyer, operator):
    client.force_login(owner)
    factories.InvoiceFactory(unit=unit, buyer=buyer, number="FV/1/2026")
    html, reads = _invoices(client, unit)
    assert "FV/1/2026" in html and reads == 2  # the count (with the unit), the page
    again, reads = _invoices(client, unit)
    assert reads == 1 and "FV/1/2026" in again  # the count only
    factories.InvoiceFactory(unit=unit, buyer=buyer, number="FV/2/2026")
    after, _reads = _invoices(client, unit)
    assert "FV/2/2026" in after
