"""The fast mode (PostgreSQL): the server parses the records a pattern vouches for, a first
load builds its big tables aside and swaps them in, and any problem sends the import through
the rows path, which names every problem. Whatever the path, the result is the same."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from billing.models import LedgerEntry, Unit
from sync import checks, services
from sync.models import ImportRun
from sync.services import bundle_import
from tests.sync.bundles import EXAMPLE, Bundle, snapshot
from tests.sync.test_import import _content

pytestmark = pytest.mark.django_db

SWAPPED = ("billing_ledgerentry", "meters_reading", "billing_invoice", "billing_invoiceline")


def _definition(table: str) -> dict:
    """What migrations made of a table: columns, defaults, constraints, indexes, options, sequence."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, format_type(atttypid, atttypmod), attnotnull, attidentity, "
            "pg_get_expr(d.adbin, d.adrelid), (SELECT collname FROM pg_collation c WHERE c.oid = a.attcollation) "
            "FROM pg_attribute a LEFT JOIN pg_attrdef d "
            "ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE a.attrelid = %s::regclass "
            "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
            [table],
        )
        columns = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
            "ORDER BY conname",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s ORDER BY indexname", [table])
        indexes = cursor.fetchall()
        cursor.execute("SELECT reloptions FROM pg_class WHERE oid = %s::regclass", [table])
        options = cursor.fetchone()[0]
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
    return {"columns": columns, "constraints": constraints, "indexes": indexes, "options": options, "seq": sequence}


def test_a_first_load_swaps_in_tables_defined_exactly_as_the_migrations_made_them():
    before = {table: _definition(table) for table in SWAPPED}
    run = bundle_import(path=EXAMPLE)
    assert run.status == ImportRun.Status.IMPORTED and run.timings["mode"] == "fast", run.message
    # built aside, indexed in bulk
    assert {"index_ledger", "index_readings", "index_invoices", "index_invoice_lines"} <= set(run.timings)
    for table in ("billing_ledgerentry", "billing_invoice", "billing_invoiceline"):
        assert _definition(table) == before[table]
    readings = _definition("meters_reading")
    assert readings["options"] == ["fillfactor=90"]  # room for the deltas' updates in place
    assert {**readings, "options": None} == {**before["meters_reading"], "options": None}
    # The portal's own keys go on after the rows loaded.
    highest = max(LedgerEntry.objects.values_list("id", flat=True))
    added = LedgerEntry.objects.create(
        external_id="E-NEW",
        unit_id="U0000000",
        booked_on=dt.date(2026, 11, 20),
        kind="charge",
        component="woda",
        amount=Decimal("1.00"),
    )
    assert added.id == highest + 1


def test_a_table_something_points_at_is_loaded_in_place_not_swapped():
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE test_ledger_note (id serial PRIMARY KEY, entry_id bigint REFERENCES billing_ledgerentry (id))"
        )
    run = bundle_import(path=EXAMPLE)
    assert run.status == ImportRun.Status.IMPORTED and run.timings["mode"] == "fast", run.message
    assert "index_ledger" not in run.timings and "index_readings" in run.timings
    assert LedgerEntry.objects.count() == 504


def test_a_table_whose_key_comes_from_a_plain_sequence_is_loaded_in_place():
    with connection.cursor() as cursor:  # as an older Django would have made it (serial, not identity)
        cursor.execute("ALTER TABLE billing_ledgerentry ALTER COLUMN id DROP IDENTITY")
        cursor.execute("CREATE SEQUENCE ledger_old_seq OWNED BY billing_ledgerentry.id")
        cursor.execute("ALTER TABLE billing_ledgerentry ALTER COLUMN id SET DEFAULT nextval('ledger_old_seq')")
    run = bundle_import(path=EXAMPLE)
    assert run.status == ImportRun.Status.IMPORTED and run.timings["mode"] == "fast", run.message
    assert "index_ledger" not in run.timings and LedgerEntry.objects.count() == 504


def _tricky(bundle: Bundle) -> Bundle:
    """Records the server must read exactly as Python's CSV rules do, or leave to them."""
    header, rows = bundle.rows("ledger")
    col = {name: i for i, name in enumerate(header)}
    texts = [
        'ab"c',  # a quote inside an unquoted field: literal for Python, quoting for the server
        "cena 12,50 zł, z VAT",  # commas in text (the fast pattern allows them only in amounts)
        r"C:\dokumenty\.",  # backslashes
        "\\.",  # the server's end-of-data marker, as a field of its own
        "linia 1\r\nlinia 2",  # a CRLF inside quotes
        "  spacje  ",
        "",  # an empty optional text
        "tab\there",
        "Ż" * 100,  # 100 characters, 200 bytes
    ]
    for i, text in enumerate(texts):
        rows[i][col["description"]] = text
    rows[20][col["component"]] = "ą" * 100  # at the column's limit in characters
    rows[21][col["due_on"]] = ""
    rows[22][col["amount"]] = "0,5"
    rows[23][col["amount"]] = "-0"
    bundle.write("ledger", header, rows)
    # Another file with CRLF line ends, a BOM, a blank line and no line end after the last record.
    header, rows = bundle.rows("readings")
    text = "\ufeff" + ";".join(header) + "\r\n" + "\r\n".join(";".join(r) for r in rows[:10]) + "\r\n\r\n"
    text += "\r\n".join(";".join(r) for r in rows[10:])
    bundle.write_bytes("readings.csv", text.encode(), rows=len(rows))
    return bundle


def test_tricky_records_land_the_same_in_fast_and_in_staging_mode(tmp_path):
    bundle = _tricky(Bundle.example(tmp_path))
    fast = bundle_import(path=bundle.path, fast=True)
    assert fast.status == ImportRun.Status.IMPORTED and fast.timings["mode"] == "fast", fast.message
    assert "fast_attempt" not in fast.timings  # nothing sent it to the rows path
    after_fast = _content()
    assert LedgerEntry.objects.get(external_id="E0000000001").description == 'ab"c'
    assert LedgerEntry.objects.get(external_id="E0000000004").description == "\\."
    _clear()
    ImportRun.objects.all().delete()
    staging = bundle_import(path=bundle.path, fast=False)
    assert staging.status == ImportRun.Status.IMPORTED and staging.timings["mode"] == "staging"
    assert _content() == after_fast


def _clear() -> None:
    from billing.models import Invoice, InvoiceLine, Person, Title
    from meters.models import Meter, Reading

    for model in (LedgerEntry, Reading, Meter, InvoiceLine, Invoice, Title, Person, Unit):
        model.objects.all().delete()


@pytest.mark.parametrize(
    "value",
    ['12"50', "1e3", "2026-02-30", "12,345", "", "\\N"],
    ids=["quote", "exponent", "no-such-day", "three-decimals", "empty", "null-marker"],
)
def test_a_bad_value_the_server_would_take_otherwise_is_refused_with_its_line(tmp_path, value):
    bundle = Bundle.example(tmp_path)
    column = "booked_on" if value == "2026-02-30" else "amount"
    bundle.edit("ledger", 9, column, value)
    before = snapshot()
    run = bundle_import(path=bundle.path)
    assert run.status == ImportRun.Status.REFUSED
    problem = run.problems.get()
    assert (problem.file, problem.line, problem.column, problem.value) == ("ledger.csv", 9, column, value)
    assert snapshot() == before


def test_a_duplicate_id_in_a_big_file_is_found_by_the_index_and_named_by_its_lines(tmp_path, monkeypatch):
    assert bundle_import(path=EXAMPLE).status == ImportRun.Status.IMPORTED
    monkeypatch.setattr(services, "UNIQUE_FROM", 10)  # the example's files count as big
    delta = Bundle.example(tmp_path).as_delta("EX-DUP", 2)
    header, rows = delta.rows("ledger")
    rows[30][0] = rows[12][0]
    delta.write("ledger", header, rows)
    before = snapshot()
    run = bundle_import(path=delta.path)
    assert run.status == ImportRun.Status.REFUSED and run.timings["fast_attempt"]
    problem = run.problems.get()
    assert (problem.line, problem.code, problem.value) == (32, "duplicate_id", rows[12][0])
    assert "wierszu 14" in problem.reason
    assert snapshot() == before


def test_an_unknown_unit_in_a_big_first_load_is_named_by_its_line(tmp_path, monkeypatch):
    monkeypatch.setattr(checks, "LOOSE_FROM", 10)  # references checked per distinct value
    bundle = Bundle.example(tmp_path).edit("ledger", 300, "unit_id", "U9999999")
    run = bundle_import(path=bundle.path)
    assert run.status == ImportRun.Status.REFUSED
    problem = run.problems.get()
    assert (problem.file, problem.line, problem.column, problem.code) == (
        "ledger.csv",
        300,
        "unit_id",
        "unknown_reference",
    )
    assert not LedgerEntry.objects.exists()


def test_a_delta_in_fast_mode_counts_and_lands_as_the_rows_path_does(tmp_path):
    from sync.generator import generate_bundle, make_delta

    full = generate_bundle(tmp_path / "full", units=20, years=1, seed=5, as_of=dt.date(2026, 11, 20))
    delta = make_delta(full, tmp_path / "delta", touch=0.2, seed=6)
    results = []
    for fast in (True, False):
        _clear()
        ImportRun.objects.all().delete()
        assert bundle_import(path=full, fast=fast).status == ImportRun.Status.IMPORTED
        run = bundle_import(path=delta, fast=fast)
        assert run.status == ImportRun.Status.IMPORTED, run.message
        assert run.timings["mode"] == ("fast" if fast else "staging")
        results.append((run.counts, _content()))
    assert results[0] == results[1]
    counts = results[0][0]["ledger"]
    assert counts["inserted"] and counts["updated"] and counts["removed"]


SAMPLES = [
    "",
    "0",
    "7",
    "-0",
    "12",
    "0,5",
    "12,50",
    "-991,49",
    "12,505",
    "12,5050",
    "1234567890",
    "12345678901",
    "123456789012",
    "1e3",
    "+5",
    ",5",
    "5,",
    "1 234",
    "12.345,6",
    "١٢",
    "-",
    "2026-11-20",
    "2026-1-5",
    "20.11.2026",
    "42-400",
    "42400",
    "U0000001",
    "a;b",
    'a"b',
    "a,b",
    "a\\b",
    " x ",
    "Ż" * 33,
    "x" * 64,
    "x" * 65,
    "flat",
    "charge",
    "Flat",
    "23",
    "zw",
    "8%",
    "007",
]


@pytest.mark.parametrize("stem", ["ledger", "readings", "invoices", "invoice_lines", "meters", "titles"])
def test_the_fast_pattern_never_takes_a_value_the_rows_path_refuses_or_reads_otherwise(stem):
    """What the pattern passes as it is, the rows path takes as it is too (decimal comma made a
    point); only what the server's types refuse themselves (days, lengths) may differ."""
    import re

    from sync.reader import _converter, _fast_field
    from sync.schema import FILES

    for col in FILES[stem].columns:
        field = _fast_field(col)
        if field is None:
            assert (stem, col.name) == ("invoices", "xml_file")  # read from the container: rows path only
            continue
        fast = re.compile(field)
        convert = _converter(col, None)
        for value in [*SAMPLES, *col.choices]:
            if not fast.fullmatch(value.encode()):
                continue
            expected = value.replace(",", ".") if col.kind in ("money", "area", "qty3") else value
            if col.kind == "date" and value == "2026-02-30":
                continue  # the server refuses it
            normalized = convert(value)
            assert normalized == (expected if value else normalized), (col.name, value)
            if not value:
                assert not col.required, (col.name, value)
