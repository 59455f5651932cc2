"""The registry of bundle columns (sync/schema.py) and of column kinds (sync/kinds.py): what
the reader, the fast pattern, the staging tables and the merge derive from them agrees."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.models import InvoiceLine, LedgerEntry, Title, Unit
from meters.models import Meter, Reading
from sync.kinds import KINDS, FieldError, FormatKind
from sync.merge import ENTITIES
from sync.reader import ROW_RULES, _converter, _fast_field
from sync.schema import FILES, Column


@pytest.mark.parametrize(
    ("stem", "column", "choices"),
    [
        ("units", "kind", Unit.Kind),
        ("titles", "kind", Title.Kind),
        ("ledger", "kind", LedgerEntry.Kind),
        ("invoice_lines", "vat_rate", InvoiceLine.VatRate),
        ("meters", "medium", Meter.Medium),
        ("readings", "source", Reading.Source),
    ],
)
def test_an_enum_column_allows_exactly_its_models_choices(stem, column, choices):
    assert FILES[stem].column(column).choices == tuple(choices.values)


def test_a_column_of_an_unknown_kind_cannot_be_declared():
    with pytest.raises(ValueError, match="unknown column kind"):
        Column("when", "datum")


@pytest.mark.parametrize("stem", list(ENTITIES))
def test_the_merge_writes_each_file_column_to_a_column_its_model_has(stem):
    entity = ENTITIES[stem]
    columns = {f.column for f in entity.model._meta.concrete_fields}
    written = [final for final, _sql in (*entity.key, *entity.columns, *entity.insert_only)]
    assert set(written) <= columns, set(written) - columns
    assert len(written) == len(set(written)), "a column written twice"
    for col in FILES[stem].columns:  # every file column reaches the table, as it is or computed
        if (stem, col.name) == ("documents", "file"):
            continue  # the reader stores the PDF and stages its stored name, hash and size instead
        assert col.target in columns or any(f"s.{col.name}" in sql for _f, sql in entity.computed), col.name


def test_a_file_goes_straight_into_its_table_only_when_every_column_is_written_as_it_is():
    assert {stem for stem, e in ENTITIES.items() if e.direct} == {
        "persons",
        "meters",
        "readings",
        "invoices",
        "invoice_lines",
        "ledger",
    }
    assert ENTITIES["invoices"].copy_columns[-3:] == ("ksef_number", "ksef_hash", "xml_file")
    assert "buyer_id" in ENTITIES["invoices"].copy_columns
    assert "measure_unit" in ENTITIES["invoice_lines"].copy_columns


def test_a_row_rule_finds_its_fields_by_name_wherever_they_are_declared():
    """The rules read the spec's positions, so reordering a file's declared columns cannot
    make them read a neighbour."""
    spec = FILES["invoice_lines"]
    shuffled = type(spec)(spec.stem, tuple(reversed(spec.columns)), key=spec.key)
    problems = []
    check = ROW_RULES["invoice_lines"].make(shuffled)
    values = {"net": "10.00", "vat": "2.30", "gross": "12.40"}
    row = ["2", *(values.get(c.name, "x") for c in shuffled.columns)]
    context = {"problem": lambda *args: problems.append(args), "filename": "invoice_lines.csv", "null": None}
    assert check(row, 2, context) is False
    assert problems[0][2:5] == ("gross", "12,40", "line_gross")


FORMAT_KINDS = [kind for kind in KINDS.values() if isinstance(kind, FormatKind)]
# Characters the formats care about, and a few they refuse.
ALPHABET = '0123456789-,=+/AEIMQUYcgkosw48Bbz; "ą.'


@pytest.mark.parametrize("kind", FORMAT_KINDS, ids=lambda kind: kind.name)
@settings(max_examples=300, deadline=None)
@given(value=st.text(alphabet=ALPHABET, max_size=46))
def test_a_kinds_format_answers_the_same_on_the_rows_path_and_in_the_fast_pattern(kind, value):
    """The fast pattern is compiled from the same format text: the same values pass (except
    where the kind's fast pattern is narrower on purpose, and then never wider)."""
    col = Column("x", kind.name, required=True)
    fast = re.compile(_fast_field(col)).fullmatch(value.encode())
    convert = _converter(col, None)
    try:
        normalized = convert(value)
    except FieldError:
        normalized = None
    if fast:
        # date: the server refuses days the calendar lacks, as the rows path does
        assert normalized is not None or kind.name == "date", value
    elif kind.name != "posint":  # its fast pattern leaves leading zeros to the rows path
        assert normalized is None, value


@settings(max_examples=200, deadline=None)
@given(digest=st.binary(min_size=32, max_size=32))
def test_any_sha256_in_standard_base64_is_a_valid_ksef_hash(digest):
    import base64

    value = base64.b64encode(digest).decode()
    col = FILES["invoices"].column("ksef_hash")
    assert _converter(col, None)(value) == value
    assert re.compile(_fast_field(col)).fullmatch(value.encode())


@pytest.mark.parametrize("kind", list(KINDS.values()), ids=lambda kind: kind.name)
def test_every_kind_has_staging_types_on_both_databases(kind):
    assert kind.pg_type and kind.sqlite_type in ("TEXT", "INTEGER")
