"""invoices.csv's optional ``ksef_hash``: the SHA-256 of the invoice's KSeF XML in standard
Base64 (44 characters ending in '='), allowed only with ``ksef_number``; kept on the invoice."""

import base64
import hashlib

import pytest

from billing.models import Invoice
from sync.models import ImportRun
from sync.services import bundle_import
from tests.sync.bundles import EXAMPLE, Bundle, snapshot

pytestmark = pytest.mark.django_db

NUMBER = "6490001234-20261105-0100A0B1C2D3-4E"
HASH = base64.b64encode(hashlib.sha256(b"<Faktura/>").digest()).decode()
OTHER_HASH = base64.b64encode(hashlib.sha256(b"<Faktura>2</Faktura>").digest()).decode()


def _with_ksef(tmp_path, name: str, values: dict[str, tuple[str, str]]) -> Bundle:
    """The example bundle with a ksef_hash column; ``values``: invoice id → (ksef_number, ksef_hash)."""
    bundle = Bundle.example(tmp_path, name)
    header, rows = bundle.rows("invoices")
    header = [*header, "ksef_hash"]
    for row in rows:
        row.append("")
        if row[0] in values:
            row[header.index("ksef_number")], row[header.index("ksef_hash")] = values[row[0]]
    return bundle.write("invoices", header, rows)


@pytest.mark.parametrize("fast", [True, False])
def test_an_invoice_keeps_its_ksef_number_and_hash_and_a_delta_changes_the_hash(tmp_path, fast):
    bundle = _with_ksef(tmp_path, "full", {"I0000000": (NUMBER, HASH)})
    run = bundle_import(path=bundle.path, fast=fast)
    assert run.status == ImportRun.Status.IMPORTED, run.message
    assert run.timings["mode"] == ("fast" if fast else "staging")
    assert "fast_attempt" not in run.timings  # a valid hash never sends the fast mode to the rows path
    invoice = Invoice.objects.get(external_id="I0000000")
    assert (invoice.ksef_number, invoice.ksef_hash) == (NUMBER, HASH)
    assert set(Invoice.objects.exclude(pk=invoice.pk).values_list("ksef_hash", flat=True)) == {""}

    delta = _with_ksef(tmp_path, "delta", {"I0000000": (NUMBER, OTHER_HASH)}).as_delta("EX-DELTA-2", 2)
    header, rows = delta.rows("invoices")
    delta.write("invoices", header, [row for row in rows if row[0] == "I0000000"])
    for stem in ("units", "persons", "titles", "ledger", "meters", "readings", "invoice_lines"):
        delta.write(stem, delta.rows(stem)[0], [])
    delta.write("deletions", ["entity", "id"], [])
    run = bundle_import(path=delta.path, fast=fast)
    assert run.status == ImportRun.Status.IMPORTED, run.message
    assert Invoice.objects.get(external_id="I0000000").ksef_hash == OTHER_HASH


def test_a_bundle_without_the_ksef_hash_column_still_imports():
    run = bundle_import(path=EXAMPLE)
    assert run.status == ImportRun.Status.IMPORTED, run.message
    assert set(Invoice.objects.values_list("ksef_hash", flat=True)) == {""}


BAD_HASHES = [
    HASH[:-1],  # 43 characters
    HASH + "=",  # 45
    HASH[:-2] + "==",  # padding of 31 bytes
    HASH.rstrip("=") + "A",  # no '=' at the end
    HASH[:-2] + "B=",  # not a canonical encoding: bits left over in the last character
    "-" + HASH[1:],  # the URL-safe alphabet
    "_" + HASH[1:],
    "ą" + HASH[1:],
    hashlib.sha256(b"x").hexdigest(),  # hex, not Base64
    " " + HASH[1:],
]


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("value", BAD_HASHES)
def test_a_ksef_hash_of_the_wrong_length_or_alphabet_refuses_the_bundle_with_nothing_changed(tmp_path, fast, value):
    assert bundle_import(path=EXAMPLE).status == ImportRun.Status.IMPORTED
    before = snapshot()
    bundle = _with_ksef(tmp_path, "bad", {"I0000001": (NUMBER, value)}).set(export_id="EX-BAD", sequence=2)
    run = bundle_import(path=bundle.path, fast=fast)
    assert run.status == ImportRun.Status.REFUSED
    assert snapshot() == before
    (problem,) = run.problems.all()
    assert (problem.file, problem.line, problem.column, problem.value, problem.code) == (
        "invoices.csv",
        3,
        "ksef_hash",
        value,
        "bad_sha256_base64",
    )
    assert "44 znaków" in problem.reason and "Base64" in problem.reason


@pytest.mark.parametrize("fast", [True, False])
def test_a_ksef_hash_without_a_ksef_number_refuses_the_bundle_with_nothing_changed(tmp_path, fast):
    assert bundle_import(path=EXAMPLE).status == ImportRun.Status.IMPORTED
    before = snapshot()
    bundle = _with_ksef(tmp_path, "bad", {"I0000002": ("", HASH)}).set(export_id="EX-BAD", sequence=2)
    run = bundle_import(path=bundle.path, fast=fast)
    assert run.status == ImportRun.Status.REFUSED
    assert snapshot() == before
    (problem,) = run.problems.all()
    assert (problem.file, problem.line, problem.column, problem.value, problem.code) == (
        "invoices.csv",
        4,
        "ksef_hash",
        HASH,
        "ksef_hash_without_number",
    )
    assert problem.reason == (
        "Skrót KSeF (ksef_hash) wolno podać tylko razem z numerem KSeF (ksef_number), a tego brak."
    )


def test_a_first_load_with_a_ksef_hash_without_its_number_is_found_in_the_fast_mode_and_named(tmp_path):
    """The fast mode reads invoices by the rows path (their XML files come from the container):
    the problem ends the fast attempt, and the staging run names the line."""
    bundle = _with_ksef(tmp_path, "bad", {"I0000002": ("", HASH)})
    run = bundle_import(path=bundle.path)
    assert run.status == ImportRun.Status.REFUSED and run.timings["fast_attempt"]
    assert [(p.line, p.code) for p in run.problems.all()] == [(4, "ksef_hash_without_number")]
    assert not Invoice.objects.exists()
