import datetime as dt
from decimal import Decimal

import pytest

from billing.models import Building, Invoice, InvoiceLine, LedgerEntry, Person, Title, Unit
from meters.models import Meter, Reading
from sync.models import ImportRun
from sync.services import bundle_import
from tests.sync.bundles import EXAMPLE, Bundle, snapshot

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fast", [True, False], ids=["first-load-fast", "staging"])
def test_example_bundle_imports_as_is(fast):
    run = bundle_import(path=EXAMPLE, fast=fast)
    assert run.status == ImportRun.Status.IMPORTED, run.message
    assert run.export_id == "EXAMPLE-SM-2026-11-20-001" and run.kind == "full" and run.sequence == 1
    assert run.timings["mode"] == ("fast" if fast else "staging")
    assert (Unit.objects.count(), Person.objects.count(), Title.objects.count()) == (4, 4, 4)
    assert LedgerEntry.objects.count() == 504
    assert (Meter.objects.count(), Reading.objects.count()) == (8, 32)
    assert (Invoice.objects.count(), InvoiceLine.objects.count()) == (4, 4)
    assert run.counts["ledger"] == {"rows": 504, "inserted": 504}


def test_imported_values_keep_decimals_dates_diacritics_and_quoted_text():
    bundle_import(path=EXAMPLE)
    unit = Unit.objects.get(external_id="U0000002")
    assert unit.building.street == "ul. Świętojańska; róg Mickiewicza"  # a ";" inside quotes
    assert (unit.building.building_no, unit.building.postal_code, unit.building.city) == ("1", "75-043", "Zawiercie")
    assert unit.area_m2 == Decimal("49.67") and unit.occupants == 6
    assert unit.bank_account == "04102010264853651769340256"
    payment = LedgerEntry.objects.get(external_id="E0000000004")
    assert payment.description == 'Wpłata; przelew "Elixir"'  # doubled quotes
    assert payment.amount == Decimal("-991.49") and payment.due_on is None
    assert payment.unit_id == "U0000000" and payment.unit == Unit.objects.get(external_id="U0000000")
    assert Reading.objects.get(reading_id="R0000000002").value == Decimal("10.073")
    line = InvoiceLine.objects.get(invoice_id="I0000000")
    assert (line.quantity, line.measure_unit, line.vat_rate) == (Decimal("12.500"), "m3", "8")
    assert Title.objects.get(external_id="T0000000").valid_to == dt.date(2025, 12, 31)
    assert Person.objects.get(external_id="P0000001").first_name == "Łukasz"
    assert Building.objects.count() == 4  # one per address of the example


def test_same_export_id_again_changes_nothing_and_says_so():
    first = bundle_import(path=EXAMPLE)
    before = snapshot()
    again = bundle_import(path=EXAMPLE)
    assert first.status == ImportRun.Status.IMPORTED
    assert again.status == ImportRun.Status.ALREADY_IMPORTED
    assert "był już wczytany" in again.message
    assert snapshot() == before


def test_bundle_with_lower_or_equal_sequence_of_its_source_is_refused_as_stale(example, tmp_path):
    example.set(export_id="EX-2", sequence=5)
    assert bundle_import(path=example.path).status == ImportRun.Status.IMPORTED
    before = snapshot()
    for sequence in (4, 5):
        stale = Bundle.example(tmp_path, f"stale{sequence}").set(export_id=f"EX-OLD-{sequence}", sequence=sequence)
        run = bundle_import(path=stale.path)
        assert run.status == ImportRun.Status.REFUSED
        problem = run.problems.get()
        assert (problem.file, problem.column, problem.code, problem.line) == ("manifest.json", "sequence", "stale", 4)
        assert "nieaktualny" in problem.reason
    assert snapshot() == before
    other_source = Bundle.example(tmp_path, "other").set(export_id="OTHER-1", sequence=1, source="inny system 2.0")
    assert bundle_import(path=other_source.path).status == ImportRun.Status.IMPORTED


def test_zip_of_the_bundle_imports_like_the_folder(example, tmp_path):
    from sync.generator import zip_bundle

    run = bundle_import(path=zip_bundle(example.path))
    assert run.status == ImportRun.Status.IMPORTED, run.message
    assert LedgerEntry.objects.count() == 504


def test_format_freedoms_bom_crlf_any_column_order_extra_columns_and_unlisted_files(example):
    header, rows = example.rows("units")
    order = list(reversed(range(len(header))))
    header = [header[i] for i in order] + ["kolor_elewacji"]
    rows = [[row[i] for i in order] + ["żółty"] for row in rows]
    text = ";".join(header) + "\r\n" + "".join(";".join(r) + "\r\n" for r in rows)
    text = text.replace("ul. Świętojańska; róg Mickiewicza", '"ul. Świętojańska; róg Mickiewicza"')
    example.write_bytes("units.csv", b"\xef\xbb\xbf" + text.encode("utf-8"), rows=4)
    example.write_bytes("notes.csv", b"not;listed\n1;2\n")  # a file the manifest does not list is ignored
    run = bundle_import(path=example.path)
    assert run.status == ImportRun.Status.IMPORTED, run.message
    assert Unit.objects.get(external_id="U0000002").building.street == "ul. Świętojańska; róg Mickiewicza"


def test_a_line_break_inside_quotes_is_part_of_the_field_and_lines_are_counted_physically(example):
    header, rows = example.rows("ledger")
    rows[0][header.index("description")] = "Korekta naliczenia\nwg protokołu; poz. 3"
    rows[5][header.index("amount")] = "1e3"
    example.write("ledger", header, rows)
    run = bundle_import(path=example.path)
    problem = run.problems.get()
    # Record 6 starts on line 8: the header, five records, one of them two lines long.
    assert (problem.file, problem.line, problem.column, problem.value) == ("ledger.csv", 8, "amount", "1e3")
    example.edit("ledger", 7, "amount", "12,00")  # the fixed bundle imports, the line break kept
    fixed = bundle_import(path=example.path)
    assert fixed.status == ImportRun.Status.IMPORTED, fixed.message
    assert LedgerEntry.objects.get(external_id="E0000000001").description == "Korekta naliczenia\nwg protokołu; poz. 3"


def test_generated_bundle_imports_and_fast_and_staging_give_the_same_rows(tmp_path):
    from sync.generator import generate_bundle

    path = generate_bundle(tmp_path / "gen", units=30, years=1, seed=7, as_of=dt.date(2026, 11, 20))
    fast = bundle_import(path=path, fast=True)
    assert fast.status == ImportRun.Status.IMPORTED and fast.timings["mode"] == "fast", fast.message
    after_fast = _content()
    for model in (LedgerEntry, Reading, Meter, InvoiceLine, Invoice, Title, Person, Unit):
        model.objects.all().delete()
    ImportRun.objects.all().delete()
    staging = bundle_import(path=path, fast=False)
    assert staging.status == ImportRun.Status.IMPORTED and staging.timings["mode"] == "staging"
    assert _content() == after_fast


def _content() -> dict:
    """The imported rows without portal keys (which differ between two loads)."""
    return {
        "ledger": sorted(
            LedgerEntry.objects.values_list(
                "external_id", "unit_id", "booked_on", "due_on", "kind", "component", "description", "amount"
            )
        ),
        "readings": sorted(
            Reading.objects.values_list("reading_id", "meter_id", "read_on", "value", "source", "status")
        ),
        "meters": sorted(
            Meter.objects.values_list(
                "external_id",
                "unit_id",
                "medium",
                "serial_no",
                "installed_on",
                "legalization_valid_until",
                "initial_value",
            )
        ),
        "lines": sorted(
            InvoiceLine.objects.values_list(
                "invoice_id",
                "line_no",
                "name",
                "quantity",
                "measure_unit",
                "unit_net_price",
                "vat_rate",
                "net",
                "vat",
                "gross",
            )
        ),
        "invoices": sorted(
            Invoice.objects.values_list(
                "external_id", "unit_id", "number", "buyer_id", "net", "vat", "gross", "ksef_number"
            )
        ),
        "titles": sorted(
            Title.objects.values_list(
                "external_id", "unit__external_id", "person__external_id", "kind", "valid_from", "valid_to"
            )
        ),
        "persons": sorted(
            Person.objects.values_list(
                "external_id", "first_name", "last_name", "company_name", "pesel", "nip", "email", "phone"
            )
        ),
        "units": sorted(
            Unit.objects.values_list(
                "external_id",
                "kind",
                "unit_no",
                "area_m2",
                "extra_area_m2",
                "occupants",
                "bank_account",
                "building__street",
            )
        ),
    }
