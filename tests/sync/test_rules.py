"""Import rules 3–6 of EXCHANGE_FORMAT.md: full vs delta, portal-born data, tenant readings, ended titles."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.storage import default_storage

from accounts.models import UnitGrant, User
from accounts.selectors import units_for_user
from billing.models import Document, Invoice, InvoiceLine, LedgerEntry, Person, Title, Unit
from meters.models import Meter, Reading
from portal.models import AuditEntry
from sync.generator import pdf_bytes
from sync.models import ImportRun
from sync.services import bundle_import, titles_end_access
from tests.factories import PASSWORD, TenantFactory, TenantReadingFactory
from tests.sync.bundles import EXAMPLE, Bundle

pytestmark = pytest.mark.django_db
WARSAW = ZoneInfo("Europe/Warsaw")
NIGHT = dt.datetime(2026, 11, 21, 2, 30, tzinfo=WARSAW)


def _imported(path) -> ImportRun:
    run = bundle_import(path=path)
    assert run.status == ImportRun.Status.IMPORTED, (run.message, list(run.problems.values_list("reason", flat=True)))
    return run


@pytest.fixture
def base():
    """The example bundle imported: the portal's state before each next bundle."""
    return _imported(EXAMPLE)


def _next_full(tmp_path, name="next", sequence=2) -> Bundle:
    return Bundle.example(tmp_path, name).set(export_id=f"EX-FULL-{sequence}", sequence=sequence)


def _delta(tmp_path, sequence=2) -> Bundle:
    """A delta bundle with no rows yet (every file emptied, nothing deleted)."""
    bundle = Bundle.example(tmp_path, f"delta{sequence}").as_delta(f"EX-DELTA-{sequence}", sequence)
    for stem in ("units", "persons", "titles", "ledger", "meters", "readings", "invoices", "invoice_lines"):
        header, _rows = bundle.rows(stem)
        bundle.write(stem, header, [])
    bundle.write("deletions", ["entity", "id"], [])
    return bundle


# --- full ------------------------------------------------------------------------------------


def test_full_bundle_removes_what_it_no_longer_carries_and_updates_in_place(base, tmp_path):
    bundle = _next_full(tmp_path)
    header, rows = bundle.rows("ledger")
    rows = [r for r in rows if r[0] not in ("E0000000010", "E0000000011")]
    rows[0][header.index("amount")] = "400,00"
    bundle.write("ledger", header, rows)
    header, rows = bundle.rows("meters")
    bundle.write("meters", header, [r for r in rows if r[0] != "M0000003h"])
    header, rows = bundle.rows("readings")
    bundle.write("readings", header, [r for r in rows if r[1] != "M0000003h"])
    entry_pk = LedgerEntry.objects.get(external_id="E0000000001").pk
    run = _imported(bundle.path)
    assert run.counts["ledger"] == {"rows": 502, "updated": 1, "removed": 2}
    assert run.counts["meters"]["removed"] == 1 and run.counts["readings"]["removed"] == 4
    assert not LedgerEntry.objects.filter(external_id__in=["E0000000010", "E0000000011"]).exists()
    entry = LedgerEntry.objects.get(external_id="E0000000001")
    assert entry.pk == entry_pk and entry.amount == Decimal("400.00")  # the portal's key stays
    assert not Meter.objects.filter(external_id="M0000003h").exists()


def test_full_bundle_without_a_file_holds_none_of_those_rows(base, tmp_path):
    bundle = _next_full(tmp_path).unlist("invoices.csv").unlist("invoice_lines.csv")
    _imported(bundle.path)
    assert Invoice.objects.count() == 0 and InvoiceLine.objects.count() == 0
    assert LedgerEntry.objects.count() == 504


# --- delta -----------------------------------------------------------------------------------


def test_delta_inserts_updates_and_removes_by_id(base, tmp_path):
    bundle = _delta(tmp_path)
    header, rows = Bundle(EXAMPLE).rows("ledger")
    changed = rows[0][:]
    changed[header.index("amount")] = "1,00"
    new = ["E-NOWY-1", "U0000001", "2026-12-01", "2026-12-15", "charge", "woda", "Naliczenie; grudzień", "55,50"]
    bundle.write("ledger", header, [changed, new])
    bundle.write(
        "deletions", ["entity", "id"], [["ledger", "E0000000002"], ["readings", "R0000000001"], ["ledger", "NIE-MA"]]
    )
    run = _imported(bundle.path)
    assert run.counts["ledger"] == {"rows": 2, "inserted": 1, "updated": 1, "removed": 1}
    assert LedgerEntry.objects.get(external_id="E0000000001").amount == Decimal("1.00")
    assert LedgerEntry.objects.get(external_id="E-NOWY-1").unit_id == "U0000001"  # a unit the portal holds
    assert not LedgerEntry.objects.filter(external_id="E0000000002").exists()
    assert not Reading.objects.filter(reading_id="R0000000001").exists()
    assert LedgerEntry.objects.count() == 504 and Unit.objects.count() == 4  # the rest untouched


def test_delta_deleting_a_unit_takes_what_hangs_on_it(base, tmp_path):
    bundle = _delta(tmp_path)
    bundle.write("deletions", ["entity", "id"], [["units", "U0000003"]])
    run = _imported(bundle.path)
    assert not Unit.objects.filter(external_id="U0000003").exists()
    assert not LedgerEntry.objects.filter(unit_id="U0000003").exists()
    assert not Meter.objects.filter(unit_id="U0000003").exists()
    assert not Reading.objects.filter(meter_id__in=["M0000003c", "M0000003h"]).exists()
    assert not Invoice.objects.filter(unit_id="U0000003").exists()
    assert not InvoiceLine.objects.filter(invoice_id="I0000003").exists()
    assert not Title.objects.filter(external_id="T0000003").exists()
    assert Person.objects.filter(external_id="P0000003").exists()  # a person is deleted only by name
    assert run.counts["units"]["removed"] == 1


def test_delta_row_on_a_unit_the_same_delta_deletes_is_refused(base, tmp_path):
    bundle = _delta(tmp_path)
    header, _ = bundle.rows("ledger")
    bundle.write("ledger", header, [["E-X", "U0000002", "2026-12-01", "", "charge", "woda", "", "1,00"]])
    bundle.write("deletions", ["entity", "id"], [["units", "U0000002"]])
    run = bundle_import(path=bundle.path)
    assert run.status == ImportRun.Status.REFUSED
    problem = run.problems.get()
    assert (problem.file, problem.line, problem.column, problem.code) == (
        "ledger.csv",
        2,
        "unit_id",
        "unknown_reference",
    )


def test_delta_cannot_delete_and_write_the_same_id(base, tmp_path):
    bundle = _delta(tmp_path)
    header, rows = Bundle(EXAMPLE).rows("meters")
    bundle.write("meters", header, rows[:1])
    bundle.write("deletions", ["entity", "id"], [["meters", rows[0][0]]])
    run = bundle_import(path=bundle.path)
    problem = run.problems.get()
    assert (problem.file, problem.line, problem.code) == ("deletions.csv", 2, "delete_and_write")


def test_delta_cannot_delete_a_person_who_stays_the_buyer_of_an_invoice(base, tmp_path):
    bundle = _delta(tmp_path)
    bundle.write("deletions", ["entity", "id"], [["persons", "P0000001"]])
    run = bundle_import(path=bundle.path)
    problem = run.problems.get()
    assert (problem.file, problem.line, problem.code) == ("deletions.csv", 2, "person_is_buyer")
    assert "I0000001" in problem.reason


def test_delta_with_invoice_lines_replaces_all_lines_of_that_invoice(base, tmp_path):
    bundle = _delta(tmp_path)
    header, rows = Bundle(EXAMPLE).rows("invoice_lines")
    first = rows[0]  # I0000000: 254,23 + 20,34 = 274,57 in one line → split into two
    half = first[:]
    half[header.index("name")] = "Odprowadzanie ścieków"
    half[header.index("line_no")] = "2"
    for col, a, b in (("net", "254,00", "0,23"), ("vat", "20,00", "0,34"), ("gross", "274,00", "0,57")):
        first[header.index(col)] = a
        half[header.index(col)] = b
    bundle.write("invoice_lines", header, [first, half])
    _imported(bundle.path)
    assert list(InvoiceLine.objects.filter(invoice_id="I0000000").values_list("line_no", "gross")) == [
        (1, Decimal("274.00")),
        (2, Decimal("0.57")),
    ]
    bad = _delta(tmp_path, sequence=3)
    half[header.index("gross")] = "0,58"
    half[header.index("vat")] = "0,35"
    bad.write("invoice_lines", header, [first, half])
    run = bundle_import(path=bad.path)
    problem = run.problems.get(column="gross")
    assert (problem.file, problem.line, problem.code) == ("invoice_lines.csv", 2, "invoice_totals")


# --- portal-born data is never removed --------------------------------------------------------


def test_unit_and_person_an_account_points_at_are_withdrawn_not_deleted(base, tmp_path):
    unit = Unit.objects.get(external_id="U0000002")
    person = Person.objects.get(external_id="P0000002")
    tenant = TenantFactory(units=[unit], person=person)
    bundle = _next_full(tmp_path)
    for stem, column, gone in (
        ("units", "unit_id", "U0000002"),
        ("persons", "person_id", "P0000002"),
        ("titles", "unit_id", "U0000002"),
        ("ledger", "unit_id", "U0000002"),
        ("meters", "unit_id", "U0000002"),
        ("invoices", "unit_id", "U0000002"),
    ):
        header, rows = bundle.rows(stem)
        bundle.write(stem, header, [r for r in rows if r[header.index(column)] != gone])
    header, rows = bundle.rows("readings")
    bundle.write("readings", header, [r for r in rows if not r[1].startswith("M0000002")])
    header, rows = bundle.rows("invoice_lines")
    bundle.write("invoice_lines", header, [r for r in rows if r[0] != "I0000002"])
    with time_machine.travel(NIGHT):
        run = _imported(bundle.path)
    assert run.counts["units"]["withdrawn"] == 1 and run.counts["persons"]["withdrawn"] == 1
    unit.refresh_from_db()
    tenant.refresh_from_db()
    assert unit.withdrawn_at is not None and tenant.person_id == person.pk
    assert UnitGrant.objects.filter(user=tenant, unit=unit).exists()  # the account's record stays
    with time_machine.travel(NIGHT):
        assert list(units_for_user(tenant)) == []  # …but its title is gone, so is the access
    assert not LedgerEntry.objects.filter(unit_id="U0000002").exists()
    again = _imported(Bundle.example(tmp_path, "back").set(export_id="EX-FULL-3", sequence=3).path)
    unit.refresh_from_db()
    assert unit.withdrawn_at is None and again.counts["units"]["updated"] == 1  # back in the back-office


def test_tenant_reading_not_yet_confirmed_survives_full_and_delta_and_keeps_its_meter(base, tmp_path):
    waiting = TenantReadingFactory(meter=Meter.objects.get(external_id="M0000001c"), reading_id="P-20261115-AAAA")
    bundle = _next_full(tmp_path)
    header, rows = bundle.rows("meters")
    bundle.write("meters", header, [r for r in rows if r[0] != "M0000001c"])
    header, rows = bundle.rows("readings")
    bundle.write("readings", header, [r for r in rows if r[1] != "M0000001c"])
    run = _imported(bundle.path)
    assert Reading.objects.filter(pk=waiting.pk, status=Reading.Status.WAITING).exists()
    meter = Meter.objects.get(external_id="M0000001c")
    assert meter.withdrawn_at is not None and not meter.is_active(dt.date(2026, 11, 21))
    assert run.counts["readings"]["removed"] == 4  # the back-office's own readings of it went
    delta = _delta(tmp_path, sequence=3)
    delta.write("deletions", ["entity", "id"], [["readings", waiting.reading_id]])
    _imported(delta.path)
    assert Reading.objects.filter(pk=waiting.pk).exists()


def test_reading_sent_back_with_the_portals_id_confirms_the_tenants_submission(base, tmp_path):
    waiting = TenantReadingFactory(
        meter=Meter.objects.get(external_id="M0000000c"), reading_id="P-20261115-BBBB", first_sent_at=NIGHT
    )
    bundle = _delta(tmp_path)
    header, _ = bundle.rows("readings")
    bundle.write("readings", header, [["P-20261115-BBBB", "M0000000c", "2026-11-15", "123,456", "tenant"]])
    run = _imported(bundle.path)
    waiting.refresh_from_db()
    assert waiting.status == Reading.Status.CONFIRMED and waiting.confirmed_at is not None
    assert waiting.submitted_at is not None  # still known as the tenant's
    assert run.counts["readings"]["confirmed"] == 1


@pytest.mark.parametrize(
    ("sent", "source", "code"),
    [(None, "tenant", "portal_reading_not_sent"), (NIGHT, "estimate", "portal_reading_source")],
)
def test_portal_reading_id_needs_an_issued_reading_and_source_tenant(base, tmp_path, sent, source, code):
    TenantReadingFactory(meter=Meter.objects.get(external_id="M0000000c"), reading_id="P-1", first_sent_at=sent)
    bundle = _delta(tmp_path)
    header, _ = bundle.rows("readings")
    bundle.write("readings", header, [["P-1", "M0000000c", "2026-11-15", "123,456", source]])
    run = bundle_import(path=bundle.path)
    assert run.status == ImportRun.Status.REFUSED
    assert run.problems.get().code == code
    assert Reading.objects.get(reading_id="P-1").status == Reading.Status.WAITING


# --- ended titles end access (A10) ---------------------------------------------------------


def test_title_that_ended_ends_access_but_the_account_still_logs_in(client):
    person = Person.objects.create(external_id="P0000000", last_name="Mazur")
    unit_before = TenantFactory.create(units=[], person=person)
    bundle_result = None
    with time_machine.travel(NIGHT):
        bundle_result = _imported(EXAMPLE)  # T0000000: P0000000 held U0000000 until 2025-12-31
    assert bundle_result.counts["grants_ended"] == 0  # no grant yet
    unit = Unit.objects.get(external_id="U0000000")
    grant = UnitGrant.objects.create(user=unit_before, unit=unit, since=dt.date(2010, 1, 1), source="staff")
    with time_machine.travel(NIGHT):
        assert titles_end_access() == 1
        assert list(units_for_user(unit_before)) == []
    grant.refresh_from_db()
    assert grant.until == dt.date(2025, 12, 31)
    entry = AuditEntry.objects.get(action="grant.end_by_title")
    assert entry.details["title"] == "T0000000"
    with time_machine.travel(NIGHT):
        assert titles_end_access() == 0  # safe to run every night
        response = client.post("/logowanie/", {"username": unit_before.username, "password": PASSWORD})
        assert response.status_code == 302  # an account with no unit left still logs in
        assert client.get("/").status_code == 200


def test_import_ends_access_of_ended_titles_and_keeps_the_co_owners(tmp_path):
    with time_machine.travel(NIGHT):
        _imported(EXAMPLE)
    u1 = Unit.objects.get(external_id="U0000001")
    owner = TenantFactory(units=[u1], person=Person.objects.get(external_id="P0000001"))
    co_owner = TenantFactory(units=[u1], person=Person.objects.create(external_id="P-CO", last_name="Mazur"))
    bundle = _next_full(tmp_path)
    header, rows = bundle.rows("titles")
    rows[1][header.index("valid_to")] = "2026-06-30"  # T0000001 (P0000001 → U0000001) ended
    rows.append(["T-CO", "U0000001", "P-CO", "ownership", "2010-01-01", ""])
    bundle.write("titles", header, rows)
    header, rows = bundle.rows("persons")
    bundle.write("persons", header, [*rows, ["P-CO", "Anna", "Mazur", "", "", "", "", ""]])
    with time_machine.travel(NIGHT):
        run = _imported(bundle.path)
        assert list(units_for_user(owner)) == []
        assert list(units_for_user(co_owner)) == [u1]
    assert run.counts["grants_ended"] == 1
    assert UnitGrant.objects.get(user=owner).until == dt.date(2026, 6, 30)


def test_title_removed_from_the_back_office_ends_access_from_today(base, tmp_path):
    u3 = Unit.objects.get(external_id="U0000003")
    tenant = TenantFactory(units=[u3], person=Person.objects.get(external_id="P0000003"))
    bundle = _delta(tmp_path)
    bundle.write("deletions", ["entity", "id"], [["titles", "T0000003"]])
    with time_machine.travel(NIGHT):
        run = _imported(bundle.path)
        assert list(units_for_user(tenant)) == []
    assert UnitGrant.objects.get(user=tenant).until == dt.date(2026, 11, 20)
    assert run.counts["grants_ended"] == 1
    assert User.objects.filter(pk=tenant.pk, is_active=True).exists()


# --- documents --------------------------------------------------------------------------------


def test_documents_pdfs_are_stored_privately_once_and_removed_with_their_document(
    base, tmp_path, settings, client, django_capture_on_commit_callbacks
):
    bundle = _next_full(tmp_path)
    letter = pdf_bytes("Zawiadomienie o wysokości opłat", ["Lokal U0000001"])
    bundle.write_bytes("documents/list-1.pdf", letter)
    bundle.write_bytes("documents/list-2.pdf", letter)  # the same content twice
    bundle.write(
        "documents",
        ["document_id", "person_id", "unit_id", "title", "issued_on", "file"],
        [
            ["D1", "P0000001", "U0000001", "Zawiadomienie; opłaty 2027", "2026-11-20", "documents/list-1.pdf"],
            ["D2", "P0000002", "", "Kopia", "2026-11-20", "documents/list-2.pdf"],
        ],
    )
    _imported(bundle.path)
    d1, d2 = Document.objects.order_by("external_id")
    assert d1.file.name == d2.file.name and d1.file.name.startswith("documents/")
    assert d1.unit_id == "U0000001" and d2.unit_id is None
    stored = settings.PRIVATE_MEDIA_ROOT / d1.file.name
    assert stored.read_bytes() == letter
    assert str(stored).startswith(str(settings.PRIVATE_MEDIA_ROOT))  # private: no URL serves it
    assert client.get("/" + d1.file.name).status_code == 404  # no URL serves the private storage
    assert client.get(default_storage.url(d1.file.name)).status_code == 404
    assert d1.size == len(letter) and len(d1.sha256) == 64
    bad = _next_full(tmp_path, "notpdf", sequence=3)
    bad.write_bytes("documents/x.pdf", b"MZ\x90\x00 not a pdf")
    bad.write(
        "documents",
        ["document_id", "person_id", "unit_id", "title", "issued_on", "file"],
        [
            ["D3", "P0000001", "", "Zły", "2026-11-20", "documents/x.pdf"],
            ["D4", "P0000001", "", "Brak", "2026-11-20", "documents/brak.pdf"],
        ],
    )
    run = bundle_import(path=bad.path)
    assert sorted(run.problems.values_list("line", "code")) == [(2, "not_pdf"), (3, "document_missing")]
    with django_capture_on_commit_callbacks(execute=True):
        _imported(_next_full(tmp_path, "nodocs", sequence=4).path)  # the example has no documents
    assert Document.objects.count() == 0
    assert not stored.exists()
