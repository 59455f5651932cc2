"""invoices.csv's optional ``xml_file``: the invoice's KSeF XML under ``invoices/`` of the bundle,
whose SHA-256 must be the invoice's ``ksef_hash``; kept in the private storage under that hash."""

import base64
import datetime as dt
import hashlib

import pytest
from django.core.files.storage import default_storage

from billing.ksef import xml_storage_name
from billing.models import Invoice
from sync.generator import generate_bundle, zip_bundle
from sync.models import ImportRun
from sync.services import bundle_import
from tests.sync.bundles import EXAMPLE, Bundle, snapshot

pytestmark = pytest.mark.django_db

NUMBER = "6490001234-20261105-0100A0B1C2D3-4E"
XML = b'<?xml version="1.0" encoding="UTF-8"?>\n<Faktura><Fa><P_2>FV/1/11/2026</P_2></Fa></Faktura>\n'
HASH = base64.b64encode(hashlib.sha256(XML).digest()).decode()
OTHER_XML = XML.replace(b"FV/1/", b"FV/2/")


def _with_xml(bundle: Bundle, values: dict[str, tuple[str, str, str]]) -> Bundle:
    """``values``: invoice id → (ksef_number, ksef_hash, xml_file); the columns are added."""
    header, rows = bundle.rows("invoices")
    header = [*header, "ksef_hash", "xml_file"]
    for row in rows:
        row.extend(["", ""])
        for name, value in zip(("ksef_number", "ksef_hash", "xml_file"), values.get(row[0], ()), strict=False):
            row[header.index(name)] = value
    return bundle.write("invoices", header, rows)


def _refused_with(tmp_path, fast: bool, values: dict[str, tuple[str, str, str]], files: dict[str, bytes]):
    """Import the example, then a bundle with ``values`` and ``files``: refused, data unchanged;
    the run's problems."""
    assert bundle_import(path=EXAMPLE).status == ImportRun.Status.IMPORTED
    before = snapshot()
    bundle = Bundle.example(tmp_path, "bad").set(export_id="EX-BAD", sequence=2)
    for member, content in files.items():
        bundle.write_bytes(member, content)
    _with_xml(bundle, values)
    run = bundle_import(path=bundle.path, fast=fast)
    assert run.status == ImportRun.Status.REFUSED, run.message
    assert snapshot() == before
    return list(run.problems.all())


@pytest.mark.parametrize("as_zip", [False, True])
@pytest.mark.parametrize("fast", [True, False])
def test_an_invoice_xml_from_the_bundle_is_kept_privately_under_its_hash(tmp_path, fast, as_zip):
    bundle = Bundle.example(tmp_path).write_bytes("invoices/I0000000.xml", XML)
    _with_xml(bundle, {"I0000000": (NUMBER, HASH, "invoices/I0000000.xml")})
    path = zip_bundle(bundle.path) if as_zip else bundle.path
    run = bundle_import(path=path, fast=fast)
    assert run.status == ImportRun.Status.IMPORTED, run.message
    invoice = Invoice.objects.get(external_id="I0000000")
    assert (invoice.ksef_number, invoice.ksef_hash, invoice.xml_file) == (NUMBER, HASH, "invoices/I0000000.xml")
    name = xml_storage_name(HASH)
    assert name == f"ksef-xml/{hashlib.sha256(XML).hexdigest()[:2]}/{hashlib.sha256(XML).hexdigest()}.xml"
    with default_storage.open(name, "rb") as fh:
        assert fh.read() == XML
    assert set(Invoice.objects.exclude(pk=invoice.pk).values_list("xml_file", flat=True)) == {""}


def test_a_delta_with_a_new_xml_for_an_invoice_keeps_the_new_one_beside_it(tmp_path):
    full = Bundle.example(tmp_path, "full").write_bytes("invoices/a.xml", XML)
    _with_xml(full, {"I0000000": (NUMBER, HASH, "invoices/a.xml")})
    assert bundle_import(path=full.path).status == ImportRun.Status.IMPORTED
    other_hash = base64.b64encode(hashlib.sha256(OTHER_XML).digest()).decode()
    delta = Bundle.example(tmp_path, "delta").as_delta("EX-DELTA-2", 2).write_bytes("invoices/a.xml", OTHER_XML)
    header, rows = delta.rows("invoices")
    delta.write("invoices", header, [row for row in rows if row[0] == "I0000000"])
    _with_xml(delta, {"I0000000": (NUMBER, other_hash, "invoices/a.xml")})
    for stem in ("units", "persons", "titles", "ledger", "meters", "readings", "invoice_lines"):
        delta.write(stem, delta.rows(stem)[0], [])
    delta.write("deletions", ["entity", "id"], [])
    run = bundle_import(path=delta.path)
    assert run.status == ImportRun.Status.IMPORTED, run.message
    assert Invoice.objects.get(external_id="I0000000").ksef_hash == other_hash
    with default_storage.open(xml_storage_name(other_hash), "rb") as fh:
        assert fh.read() == OTHER_XML


@pytest.mark.parametrize("fast", [True, False])
def test_an_xml_that_does_not_hash_to_ksef_hash_refuses_the_bundle_with_nothing_changed(tmp_path, fast):
    problems = _refused_with(
        tmp_path,
        fast,
        {"I0000001": (NUMBER, HASH, "invoices/I0000001.xml")},
        {"invoices/I0000001.xml": OTHER_XML},
    )
    found = base64.b64encode(hashlib.sha256(OTHER_XML).digest()).decode()
    assert [(p.file, p.line, p.column, p.value, p.code) for p in problems] == [
        ("invoices.csv", 3, "xml_file", "invoices/I0000001.xml", "xml_hash_mismatch")
    ]
    assert problems[0].reason == (f"Skrót SHA-256 pliku XML ({found}) różni się od skrótu KSeF (ksef_hash) faktury.")
    assert not default_storage.exists(xml_storage_name(HASH))


@pytest.mark.parametrize("fast", [True, False])
def test_a_missing_xml_refuses_the_bundle_with_nothing_changed(tmp_path, fast):
    problems = _refused_with(tmp_path, fast, {"I0000002": (NUMBER, HASH, "invoices/brak.xml")}, {})
    assert [(p.line, p.column, p.value, p.code, p.reason) for p in problems] == [
        (4, "xml_file", "invoices/brak.xml", "xml_missing", "Brak tego pliku XML w pakiecie.")
    ]


@pytest.mark.parametrize("fast", [True, False])
def test_an_xml_file_without_a_ksef_hash_refuses_the_bundle_with_nothing_changed(tmp_path, fast):
    problems = _refused_with(tmp_path, fast, {"I0000001": (NUMBER, "", "invoices/a.xml")}, {"invoices/a.xml": XML})
    assert [(p.line, p.column, p.value, p.code) for p in problems] == [
        (3, "xml_file", "invoices/a.xml", "xml_without_hash")
    ]
    assert problems[0].reason == (
        "Plik XML faktury (xml_file) wolno podać tylko razem z jego skrótem KSeF (ksef_hash), a tego brak."
    )


@pytest.mark.parametrize("fast", [True, False])
def test_a_ksef_hash_with_its_xml_but_without_a_ksef_number_refuses_the_bundle(tmp_path, fast):
    problems = _refused_with(tmp_path, fast, {"I0000001": ("", HASH, "invoices/a.xml")}, {"invoices/a.xml": XML})
    assert [(p.line, p.column, p.code) for p in problems] == [(3, "ksef_hash", "ksef_hash_without_number")]


@pytest.mark.parametrize("fast", [True, False])
def test_a_ksef_hash_of_the_wrong_length_with_an_xml_names_the_hash_only(tmp_path, fast):
    problems = _refused_with(
        tmp_path, fast, {"I0000001": (NUMBER, HASH[:-1], "invoices/a.xml")}, {"invoices/a.xml": XML}
    )
    assert [(p.line, p.column, p.code) for p in problems] == [(3, "ksef_hash", "bad_sha256_base64")]


ESCAPES = [
    "invoices/../manifest.json",
    "invoices/../invoices/a.xml",
    "/etc/passwd.xml",
    "/invoices/a.xml",
    "invoices\\a.xml",
    "C:/invoices/a.xml",
    "documents/a.xml",
    "a.xml",
    "invoices/a.pdf",
    "invoices/" + "x" * 247 + ".xml",  # 256 characters
]


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("member", ESCAPES)
def test_an_xml_path_outside_invoices_or_not_xml_refuses_the_bundle(tmp_path, fast, member):
    problems = _refused_with(tmp_path, fast, {"I0000001": (NUMBER, HASH, member)}, {"invoices/a.xml": XML})
    assert [(p.line, p.column, p.code) for p in problems] == [(3, "xml_file", "bad_xml_path")]
    assert member.startswith(problems[0].value.removesuffix("…"))  # a long value is shortened in the report
    assert "invoices/" in problems[0].reason and ".xml" in problems[0].reason


def test_a_symbolic_link_out_of_the_bundle_is_no_xml_of_it(tmp_path):
    outside = tmp_path / "outside.xml"
    outside.write_bytes(XML)
    assert bundle_import(path=EXAMPLE).status == ImportRun.Status.IMPORTED
    before = snapshot()
    bundle = Bundle.example(tmp_path, "bad").set(export_id="EX-BAD", sequence=2)
    (bundle.path / "invoices").mkdir()
    (bundle.path / "invoices" / "a.xml").symlink_to(outside)
    _with_xml(bundle, {"I0000001": (NUMBER, HASH, "invoices/a.xml")})
    run = bundle_import(path=bundle.path)
    assert run.status == ImportRun.Status.REFUSED
    assert [p.code for p in run.problems.all()] == ["xml_missing"]
    assert snapshot() == before


def test_the_generator_writes_xml_files_that_hash_to_their_invoices_ksef_hash(tmp_path):
    path = generate_bundle(tmp_path / "gen", units=40, years=1, seed=3, as_of=dt.date(2026, 11, 20))
    bundle = Bundle(path)
    header, rows = bundle.rows("invoices")
    at = {name: header.index(name) for name in ("ksef_number", "ksef_hash", "xml_file", "issued_on")}
    with_xml = [row for row in rows if row[at["xml_file"]]]
    assert with_xml and len(with_xml) < len(rows)  # a share: the invoices issued from February 2026
    for row in rows:
        registered = row[at["issued_on"]] >= "2026-02-01"
        assert bool(row[at["ksef_number"]]) == bool(row[at["ksef_hash"]]) == bool(row[at["xml_file"]]) == registered
    for row in with_xml:
        content = (path / row[at["xml_file"]]).read_bytes()
        assert content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<Faktura')
        assert base64.b64encode(hashlib.sha256(content).digest()).decode() == row[at["ksef_hash"]]
    run = bundle_import(path=path)
    assert run.status == ImportRun.Status.IMPORTED, run.message
    assert Invoice.objects.exclude(xml_file="").count() == len(with_xml)
    for invoice in Invoice.objects.exclude(xml_file=""):
        assert default_storage.exists(xml_storage_name(invoice.ksef_hash))


def _delta(tmp_path, name: str, sequence: int, invoices: dict[str, tuple[str, str, str]], files: dict[str, bytes]):
    """A delta carrying only the invoices named (with their KSeF columns) and their files."""
    delta = Bundle.example(tmp_path, name).as_delta(f"EX-DELTA-{sequence}", sequence)
    for member, content in files.items():
        delta.write_bytes(member, content)
    header, rows = delta.rows("invoices")
    delta.write("invoices", header, [row for row in rows if row[0] in invoices])
    _with_xml(delta, invoices)
    for stem in ("units", "persons", "titles", "ledger", "meters", "readings", "invoice_lines"):
        delta.write(stem, delta.rows(stem)[0], [])
    delta.write("deletions", ["entity", "id"], [])
    return delta


def test_an_xml_no_invoice_has_any_more_is_deleted_and_one_still_used_is_kept(
    tmp_path, django_capture_on_commit_callbacks
):
    other_hash = base64.b64encode(hashlib.sha256(OTHER_XML).digest()).decode()
    full = Bundle.example(tmp_path, "full").write_bytes("invoices/a.xml", XML).write_bytes("invoices/b.xml", OTHER_XML)
    _with_xml(
        full,
        {
            "I0000000": (NUMBER, HASH, "invoices/a.xml"),
            "I0000001": ("6490001234-20261105-0100A0B1C2D4-4F", other_hash, "invoices/b.xml"),
            "I0000002": ("6490001234-20261105-0100A0B1C2D5-50", other_hash, "invoices/b.xml"),  # the same XML
        },
    )
    assert bundle_import(path=full.path).status == ImportRun.Status.IMPORTED
    assert default_storage.exists(xml_storage_name(HASH)) and default_storage.exists(xml_storage_name(other_hash))
    # I0000000 now without its XML, I0000001 deleted: HASH's file goes, other_hash's stays for I0000002.
    delta = _delta(tmp_path, "delta", 2, {"I0000000": (NUMBER, "", "")}, {})
    delta.write("deletions", ["entity", "id"], [["invoices", "I0000001"]])
    with django_capture_on_commit_callbacks(execute=True):  # files are deleted once the import commits
        run = bundle_import(path=delta.path)
    assert run.status == ImportRun.Status.IMPORTED, run.message
    assert not default_storage.exists(xml_storage_name(HASH))
    assert default_storage.exists(xml_storage_name(other_hash))
    third = _delta(tmp_path, "third", 3, {}, {})
    third.write("deletions", ["entity", "id"], [["invoices", "I0000002"]])
    with django_capture_on_commit_callbacks(execute=True):
        assert bundle_import(path=third.path).status == ImportRun.Status.IMPORTED
    assert not default_storage.exists(xml_storage_name(other_hash))
