"""Every kind of bad bundle is refused with the data unchanged and a report naming the place."""

import zipfile

import pytest

from sync.models import ImportProblem, ImportRun
from sync.services import bundle_import
from tests.sync.bundles import EXAMPLE, Bundle, snapshot

pytestmark = pytest.mark.django_db


def _wrong_format(b: Bundle):
    b.set(format="ebok-bundle/2")


def _file_missing(b: Bundle):
    (b.path / "meters.csv").unlink()


def _row_count(b: Bundle):
    data = b.manifest
    data["files"]["units.csv"]["rows"] = 5
    b.write_manifest(data)


def _sha256(b: Bundle):
    content = (b.path / "persons.csv").read_bytes().replace(b"Anna", b"Anka")
    (b.path / "persons.csv").write_bytes(content)  # the manifest keeps the old hash


def _truncated(b: Bundle):
    content = (b.path / "ledger.csv").read_bytes()
    b.write_bytes("ledger.csv", content[: content.rindex(b";2026-11-01;")], rows=504)


def _invalid_utf8(b: Bundle):
    content = (b.path / "persons.csv").read_bytes().replace("Woźniak".encode(), b"Wo\xbfniak")
    b.write_bytes("persons.csv", content, rows=4)


def _deletions_in_full(b: Bundle):
    b.write("deletions", ["entity", "id"], [["units", "U0000003"]])


def _zip_escape(b: Bundle):
    pass  # built in the test: the zip itself is the problem


CASES = [
    # (case, change, file, line, column, code)
    ("wrong format", _wrong_format, "manifest.json", 2, "format", "bad_format"),
    ("file missing", _file_missing, "meters.csv", None, "", "file_missing"),
    ("row count mismatch", _row_count, "units.csv", None, "", "row_count"),
    ("sha256 mismatch", _sha256, "persons.csv", None, "", "sha256"),
    ("truncated row", _truncated, "ledger.csv", 505, "", "field_count"),
    ("unknown enum", lambda b: b.edit("units", 3, "kind", "willa"), "units.csv", 3, "kind", "bad_enum"),
    ("amount 12.345,6", lambda b: b.edit("ledger", 10, "amount", "12.345,6"), "ledger.csv", 10, "amount", "bad_number"),
    ("amount 1e3", lambda b: b.edit("ledger", 11, "amount", "1e3"), "ledger.csv", 11, "amount", "bad_number"),
    (
        "amount with 3 decimals",
        lambda b: b.edit("ledger", 12, "amount", "1,234"),
        "ledger.csv",
        12,
        "amount",
        "bad_number",
    ),
    (
        "date 2026-02-30",
        lambda b: b.edit("ledger", 6, "booked_on", "2026-02-30"),
        "ledger.csv",
        6,
        "booked_on",
        "bad_date",
    ),
    (
        "date 30.01.2026",
        lambda b: b.edit("titles", 2, "valid_from", "30.01.2026"),
        "titles.csv",
        2,
        "valid_from",
        "bad_date",
    ),
    (
        "bad NRB checksum",
        lambda b: b.edit("units", 4, "bank_account", "04102010264853651769340257"),
        "units.csv",
        4,
        "bank_account",
        "bad_nrb",
    ),
    (
        "bad PESEL checksum",
        lambda b: b.edit("persons", 3, "pesel", "89120110498"),
        "persons.csv",
        3,
        "pesel",
        "bad_pesel",
    ),
    ("bad NIP checksum", lambda b: b.edit("persons", 5, "nip", "5260250275"), "persons.csv", 5, "nip", "bad_nip"),
    (
        "bad postal code",
        lambda b: b.edit("units", 2, "postal_code", "75557"),
        "units.csv",
        2,
        "postal_code",
        "bad_postal_code",
    ),
    ("negative occupants", lambda b: b.edit("units", 2, "occupants", "-1"), "units.csv", 2, "occupants", "bad_integer"),
    (
        "meter value with 4 decimals",
        lambda b: b.edit("readings", 4, "value", "12,9491"),
        "readings.csv",
        4,
        "value",
        "bad_number",
    ),
    (
        "duplicate id",
        lambda b: b.edit("ledger", 9, "entry_id", "E0000000003"),
        "ledger.csv",
        9,
        "entry_id",
        "duplicate_id",
    ),
    ("id longer than 64", lambda b: b.edit("meters", 2, "meter_id", "M" * 65), "meters.csv", 2, "meter_id", "too_long"),
    ("missing required value", lambda b: b.edit("ledger", 7, "kind", ""), "ledger.csv", 7, "kind", "missing"),
    (
        "no name nor company",
        lambda b: b.edit("persons", 2, "last_name", ""),
        "persons.csv",
        2,
        "last_name",
        "name_required",
    ),
    (
        "unknown unit",
        lambda b: b.edit("ledger", 20, "unit_id", "U9999999"),
        "ledger.csv",
        20,
        "unit_id",
        "unknown_reference",
    ),
    (
        "unknown person",
        lambda b: b.edit("titles", 3, "person_id", "P9999999"),
        "titles.csv",
        3,
        "person_id",
        "unknown_reference",
    ),
    (
        "unknown meter",
        lambda b: b.edit("readings", 7, "meter_id", "M9999999"),
        "readings.csv",
        7,
        "meter_id",
        "unknown_reference",
    ),
    (
        "unknown invoice",
        lambda b: b.edit("invoice_lines", 3, "invoice_id", "I9999999"),
        "invoice_lines.csv",
        3,
        "invoice_id",
        "unknown_reference",
    ),
    (
        "invoice totals not its lines",
        lambda b: b.edit("invoices", 2, "gross", "274,58"),
        "invoices.csv",
        2,
        "gross",
        "invoice_totals",
    ),
    (
        "line gross not net + vat",
        lambda b: b.edit("invoice_lines", 2, "gross", "274,58"),
        "invoice_lines.csv",
        2,
        "gross",
        "line_gross",
    ),
    ("deletions.csv in a full bundle", _deletions_in_full, "manifest.json", 41, "deletions.csv", "deletions_in_full"),
    ("invalid UTF-8", _invalid_utf8, "persons.csv", 4, "last_name", "bad_utf8"),
]


@pytest.mark.parametrize("state", ["empty", "imported"])
@pytest.mark.parametrize(("case", "change", "file", "line", "column", "code"), CASES, ids=[c[0] for c in CASES])
def test_bad_bundle_is_refused_with_nothing_changed_and_the_place_named(
    tmp_path, state, case, change, file, line, column, code
):
    if state == "imported":
        assert bundle_import(path=EXAMPLE).status == ImportRun.Status.IMPORTED
    bundle = Bundle.example(tmp_path).set(export_id="EX-BAD", sequence=2)
    change(bundle)
    if file != "manifest.json" and code not in ("file_missing", "sha256", "row_count"):
        assert bundle.manifest["files"][file]["sha256"]  # the change kept the manifest honest
    before = snapshot()
    run = bundle_import(path=bundle.path)
    assert run.status == ImportRun.Status.REFUSED, run.message
    assert snapshot() == before
    found = [(p.file, p.line, p.column, p.code) for p in run.problems.all()]
    assert (file, line, column, code) in found, found
    problem = run.problems.get(code=code, file=file)
    assert problem.reason and problem.reason[0].isupper()  # a sentence for staff
    assert "odrzucony" in run.message


def test_zip_with_a_path_leaving_its_folder_is_refused_without_extracting(tmp_path):
    target = tmp_path / "evil.zip"
    with zipfile.ZipFile(target, "w") as zf:
        for path in EXAMPLE.iterdir():
            zf.write(path, path.name)
        zf.writestr("../../etc/cron.d/evil", "* * * * * root rm -rf /")
    run = bundle_import(path=target)
    assert run.status == ImportRun.Status.REFUSED
    problem = run.problems.get()
    assert (problem.file, problem.value, problem.code) == ("evil.zip", "../../etc/cron.d/evil", "zip_path_escape")
    assert not (tmp_path.parent.parent / "etc").exists()


def test_listed_file_outside_the_folder_is_refused(example):
    data = example.manifest
    data["files"]["../units.csv"] = {"rows": 4, "sha256": "0" * 64}
    example.write_manifest(data)
    run = bundle_import(path=example.path)
    assert run.status == ImportRun.Status.REFUSED
    assert run.problems.filter(code="path_escape", column="../units.csv").exists()


def test_every_problem_is_reported_not_only_the_first(example):
    example.edit("units", 2, "kind", "willa")
    example.edit("ledger", 3, "amount", "1 234,56")
    example.edit("ledger", 40, "booked_on", "2025-13-01")
    example.edit("readings", 5, "meter_id", "M-nieznany")
    example.edit("invoices", 4, "net", "0,01")
    run = bundle_import(path=example.path)
    found = [(p.file, p.line, p.column) for p in run.problems.order_by("position")]
    assert found == [
        ("units.csv", 2, "kind"),
        ("ledger.csv", 3, "amount"),
        ("ledger.csv", 40, "booked_on"),
        ("readings.csv", 5, "meter_id"),
        ("invoices.csv", 4, "net"),
    ]
    assert run.problem_count == 5


def test_thousands_of_problems_are_all_kept_and_paged_in_admin(example, staff_client):
    header, rows = example.rows("ledger")
    for row in rows:
        row[header.index("amount")] = row[header.index("amount")].replace(",", ".")
    example.write("ledger", header, rows)
    run = bundle_import(path=example.path)
    assert run.problem_count == ImportProblem.objects.filter(run=run).count() == 504
    page = staff_client.get(f"/admin/sync/importproblem/?run__id__exact={run.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "ledger.csv" in html and "przecinka dziesiętnego" in html
    second = staff_client.get(f"/admin/sync/importproblem/?run__id__exact={run.pk}&p=2")
    assert second.status_code == 200


def test_refusal_report_goes_to_staff_by_email(example, smtp, django_capture_on_commit_callbacks):
    example.edit("units", 3, "kind", "willa")
    with django_capture_on_commit_callbacks(execute=True):
        run = bundle_import(path=example.path)
    [message] = smtp.wait_for(1)
    assert message["To"] == "bok@example.test"
    assert "odrzucony" in message["Subject"] and "EXAMPLE-SM-2026-11-20-001" in message["Subject"]
    from tests.realparts import body_text

    text = body_text(message)
    assert "units.csv, wiersz 3, kolumna kind: Nieznana wartość" in text
    assert "willa" in text
    assert f"/admin/sync/importrun/{run.pk}/change/" in text


def test_not_a_bundle_and_broken_zip_are_refused_with_a_reason(tmp_path):
    (tmp_path / "empty").mkdir()
    assert bundle_import(path=tmp_path / "empty").problems.get().code == "no_manifest"
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    assert bundle_import(path=tmp_path / "broken.zip").problems.get().code == "bad_zip"
    assert bundle_import(path=tmp_path / "nowhere").problems.get().code == "not_found"


def test_manifest_that_is_not_json_names_its_line(example):
    (example.path / "manifest.json").write_text('{\n  "format": "ebok-bundle/1",\n  "sequence": 1,,\n}', "utf-8")
    run = bundle_import(path=example.path)
    problem = run.problems.get()
    assert (problem.file, problem.line, problem.code) == ("manifest.json", 3, "bad_json")
