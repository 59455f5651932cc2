"""Property: any generated bundle is either imported exactly or refused with nothing changed.

Hypothesis writes bundles of units and ledger rows whose fields are sometimes
valid, sometimes not (amounts like ``12.345,6`` or ``1e3``, impossible dates,
unknown kinds, duplicate or dangling ids) and whose text holds ``;``, quotes,
line breaks and any Unicode; sometimes the manifest lies. An independent
oracle in this file says whether the bundle is valid. The import must agree:
a valid bundle lands exactly as written, an invalid one changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from billing.models import Building, Invoice, InvoiceLine, LedgerEntry, Person, Title, Unit
from meters.models import Meter, Reading
from sync.models import ImportRun
from sync.services import bundle_import
from tests.sync.bundles import EXAMPLE, snapshot

pytestmark = pytest.mark.django_db

TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)
TRICKY = st.sampled_from(
    ['Wpłata; przelew "Elixir"', "linia 1\nlinia 2", "a\r\nb", "\ufeffBOM", "  spacje  ", "\r", ""]
)
GOOD_AMOUNTS = st.decimals(min_value=Decimal("-99999999.99"), max_value=Decimal("99999999.99"), places=2).map(
    lambda d: f"{d:.2f}".replace(".", ",")
)
ANY_AMOUNT = st.one_of(
    GOOD_AMOUNTS,
    GOOD_AMOUNTS.map(lambda a: a.rstrip("0").rstrip(",") if "," in a else a),  # "0,5", "12"
    st.sampled_from(["12.345,6", "1e3", "1.5", "1 234,56", "+5,00", ",50", "1,234", "", "abc", "١٢"]),
)
GOOD_DATES = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2035, 12, 31)).map(dt.date.isoformat)
ANY_DATE = st.one_of(GOOD_DATES, st.sampled_from(["2026-02-30", "2026-13-01", "20.11.2026", "2026-1-5", ""]))
KINDS = ["charge", "payment", "interest", "correction"]

AMOUNT_RE = re.compile(r"-?[0-9]{1,10}(,[0-9]{1,2})?")
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _valid_date(value: str, required: bool) -> bool:
    if not value:
        return not required
    if not DATE_RE.fullmatch(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


@st.composite
def bundles(draw):
    unit_ids = draw(st.lists(st.sampled_from(["U1", "U2", "U3", "Ü-ż;4", "U 5"]), min_size=1, max_size=3, unique=True))
    clean = draw(st.booleans())  # half the bundles only from valid values: they must import exactly

    def pick(good, anything):
        return draw(good if clean else st.one_of(good, anything))

    ledger = []
    for n in range(draw(st.integers(0, 6))):
        ledger.append(
            {
                "entry_id": pick(st.just(f"E{n}"), st.sampled_from(["E0", "", "X" * 65, 'E;"1"'])),
                "unit_id": pick(st.sampled_from(unit_ids), st.just("U-nieznany")),
                "booked_on": pick(GOOD_DATES, ANY_DATE),
                "due_on": pick(st.one_of(st.just(""), GOOD_DATES), ANY_DATE),
                "kind": pick(st.sampled_from(KINDS), st.sampled_from(["CHARGE", "opłata", ""])),
                "component": pick(st.one_of(TEXT, TRICKY).filter(bool), st.one_of(TEXT, st.just("x" * 101))),
                "description": draw(st.one_of(TEXT, TRICKY)),
                "amount": pick(GOOD_AMOUNTS, ANY_AMOUNT),
            }
        )
    return {
        "units": unit_ids,
        "ledger": ledger,
        "eol": draw(st.sampled_from(["\n", "\r\n"])),
        "bom": draw(st.booleans()),
        "reverse_columns": draw(st.booleans()),
        "lie": None if clean else draw(st.sampled_from([None, None, "rows", "sha"])),
        "start": draw(st.sampled_from(["empty", "example"])),
    }


def _oracle(b: dict) -> bool:
    """Independent of the importer: is this bundle valid per EXCHANGE_FORMAT.md?"""
    if b["lie"]:
        return False
    ids = [r["entry_id"] for r in b["ledger"]]
    if len(set(ids)) != len(ids):
        return False
    for r in b["ledger"]:
        if not (0 < len(r["entry_id"]) <= 64) or r["unit_id"] not in b["units"]:
            return False
        if not (_valid_date(r["booked_on"], True) and _valid_date(r["due_on"], False)):
            return False
        if r["kind"] not in KINDS or not (0 < len(r["component"]) <= 100):
            return False
        if not AMOUNT_RE.fullmatch(r["amount"]):
            return False
    return True


def _csv(header: list[str], rows: list[list[str]], eol: str) -> str:
    out = io.StringIO()
    minimal = csv.writer(out, delimiter=";", quotechar='"', lineterminator=eol)
    quoted = csv.writer(out, delimiter=";", quotechar='"', lineterminator=eol, quoting=csv.QUOTE_ALL)
    minimal.writerow(header)
    for row in rows:
        # Python's writer does not quote a lone "\r" when lines end with "\n"; a valid file must.
        (quoted if eol == "\n" and any("\r" in f for f in row) else minimal).writerow(row)
    return out.getvalue()


def _write(b: dict, folder: Path) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    unit_header = ["unit_id", "kind", "street", "building_no", "postal_code", "city"]
    unit_rows = [[u, "flat", "ul. Łąkowa; tył", "2", "42-400", "Zawiercie"] for u in b["units"]]
    ledger_header = ["entry_id", "unit_id", "booked_on", "due_on", "kind", "component", "description", "amount"]
    ledger_rows = [[r[c] for c in ledger_header] for r in b["ledger"]]
    if b["reverse_columns"]:
        ledger_header = ledger_header[::-1]
        ledger_rows = [row[::-1] for row in ledger_rows]
    files = {"units.csv": (unit_header, unit_rows), "ledger.csv": (ledger_header, ledger_rows)}
    manifest = {
        "format": "ebok-bundle/1",
        "export_id": "PROP-1",
        "sequence": 2,
        "kind": "full",
        "as_of": "2026-11-20T23:00:00+01:00",
        "source": "hypothesis",
        "files": {},
    }
    for name, (header, rows) in files.items():
        content = ("\ufeff" if b["bom"] else "") + _csv(header, rows, b["eol"])
        data = content.encode("utf-8")
        (folder / name).write_bytes(data)
        manifest["files"][name] = {"rows": len(rows), "sha256": hashlib.sha256(data).hexdigest()}
    if b["lie"] == "rows":
        manifest["files"]["ledger.csv"]["rows"] += 1
    elif b["lie"] == "sha":
        manifest["files"]["units.csv"]["sha256"] = "0" * 64
    (folder / "manifest.json").write_text(json.dumps(manifest), "utf-8")


def _expected_ledger(b: dict) -> list[tuple]:
    return sorted(
        (
            r["entry_id"],
            r["unit_id"],
            dt.date.fromisoformat(r["booked_on"]),
            dt.date.fromisoformat(r["due_on"]) if r["due_on"] else None,
            r["kind"],
            r["component"],
            r["description"],
            Decimal(r["amount"].replace(",", ".")),
        )
        for r in b["ledger"]
    )


@pytest.fixture
def example_imported():
    assert bundle_import(path=EXAMPLE).status == ImportRun.Status.IMPORTED


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(b=bundles())
def test_any_generated_bundle_is_imported_exactly_or_refused_with_nothing_changed(example_imported, tmp_path, b):
    folder = tmp_path / "prop"
    _write(b, folder)
    with transaction.atomic():
        if b["start"] == "empty":
            for model in (Reading, Meter, InvoiceLine, Invoice, LedgerEntry, Title, Person, Unit, Building, ImportRun):
                model.objects.all().delete()
        before = snapshot()
        run = bundle_import(path=folder)
        valid = _oracle(b)
        event(f"{run.status} (start: {b['start']})")
        if run.status == ImportRun.Status.IMPORTED:
            assert valid, f"imported an invalid bundle: {b}"
            got = sorted(
                LedgerEntry.objects.values_list(
                    "external_id", "unit_id", "booked_on", "due_on", "kind", "component", "description", "amount"
                )
            )
            assert got == _expected_ledger(b)
            assert sorted(Unit.objects.values_list("external_id", flat=True)) == sorted(b["units"])
            assert {u.building.street for u in Unit.objects.select_related("building")} == {"ul. Łąkowa; tył"}
        else:
            assert run.status == ImportRun.Status.REFUSED, run.message
            assert not valid, (
                f"refused a valid bundle: {list(run.problems.values_list('file', 'line', 'column', 'reason'))}"
            )
            assert run.problem_count > 0
            assert snapshot() == before
        transaction.set_rollback(True)
