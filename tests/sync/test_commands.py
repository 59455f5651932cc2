"""The commands: import_bundle (exit codes, summary, progress), generate_bundle (a realistic valid bundle)."""

import datetime as dt
import io
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from billing.models import LedgerEntry, Person, Unit
from meters.models import Reading
from portal.validators import nip_is_valid, nrb_is_valid, pesel_is_valid
from sync.models import ImportRun
from tests.sync.bundles import EXAMPLE, Bundle

pytestmark = pytest.mark.django_db
BASE_DIR = Path(__file__).resolve().parents[2]


def test_import_command_exits_0_for_imported_and_already_imported_with_a_summary():
    out = io.StringIO()
    call_command("import_bundle", str(EXAMPLE), stdout=out)
    text = out.getvalue()
    assert "Wczytano pakiet EXAMPLE-SM-2026-11-20-001 (full, numer 1)." in text
    assert "ledger: 504 wierszy, nowe: 504" in text
    out = io.StringIO()
    call_command("import_bundle", str(EXAMPLE), stdout=out)
    assert "był już wczytany — nic nie zmieniono" in out.getvalue()


def test_import_command_exits_non_zero_for_a_refused_bundle_listing_the_problems(example):
    example.edit("ledger", 10, "amount", "12.345,6")
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("import_bundle", str(example.path), stdout=out)
    assert exit_.value.code == 2
    assert "ledger.csv, wiersz 10, kolumna amount: Kwota w złym zapisie" in out.getvalue()
    assert "12.345,6" in out.getvalue()


def test_import_command_draws_a_progress_bar_per_file_on_a_terminal():
    master, slave = pty.openpty()
    with os.fdopen(slave, "w", encoding="utf-8") as terminal:
        call_command("import_bundle", str(EXAMPLE), stdout=terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        shown += chunk
        if b"Czas:" in shown:
            break
    os.close(master)
    text = shown.decode()
    for name in ("units.csv", "ledger.csv", "readings.csv"):
        assert re.search(rf"{name}\s+\[#{{30}}\] 100%", text), text


def test_import_command_prints_no_progress_bar_when_not_on_a_terminal():
    out = io.StringIO()
    call_command("import_bundle", str(EXAMPLE), stdout=out)
    assert "[#" not in out.getvalue()


def test_generated_bundle_is_realistic_valid_and_imports(tmp_path):
    out = io.StringIO()
    call_command(
        "generate_bundle",
        str(tmp_path / "gen"),
        "--units",
        "45",
        "--years",
        "2",
        "--seed",
        "3",
        "--as-of",
        "2026-11-20",
        stdout=out,
    )
    bundle = Bundle(tmp_path / "gen")
    raw = {p.name: p.read_text("utf-8") for p in bundle.path.glob("*.csv")}
    assert re.search(r'"[^"\n]*;[^"\n]*"', raw["units.csv"])  # a ";" inside quotes
    assert '""' in raw["ledger.csv"]  # quotes doubled inside a quoted field
    assert re.search(r'"[^"]*\n[^"]*"', raw["ledger.csv"])  # a line break inside quotes
    assert any(ch in raw["persons.csv"] for ch in "ąćęłńóśźżŁŚŻ") and "ul. Żeromskiego" in raw["units.csv"]
    header, persons = bundle.rows("persons")
    assert all(pesel_is_valid(p[header.index("pesel")]) for p in persons if p[header.index("pesel")])
    assert any(p[header.index("nip")] for p in persons)
    assert all(nip_is_valid(p[header.index("nip")]) for p in persons if p[header.index("nip")])
    header, units = bundle.rows("units")
    assert all(nrb_is_valid(u[header.index("bank_account")]) for u in units if u[header.index("bank_account")])
    call_command("import_bundle", str(bundle.path), stdout=io.StringIO())
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.IMPORTED, run.message
    assert Unit.objects.count() == 45 and Person.objects.exists()
    flat = Unit.objects.filter(kind="flat").first()
    months = LedgerEntry.objects.filter(unit=flat, kind="charge").dates("booked_on", "month")
    assert len(months) == 24  # monthly charges for two years…
    components = set(LedgerEntry.objects.filter(unit=flat, kind="charge").values_list("component", flat=True))
    assert {"eksploatacja", "fundusz remontowy", "woda", "odpady"} <= components  # …per component
    assert LedgerEntry.objects.filter(kind="payment", amount__lt=0).exists()
    last = dt.date(2026, 10, 1)
    unpaid = [
        u
        for u in Unit.objects.all()
        if LedgerEntry.objects.filter(unit=u, kind="charge", booked_on__gte=last).exists()
        and not LedgerEntry.objects.filter(unit=u, kind="payment", booked_on__gte=last).exists()
    ]
    assert unpaid  # some units did not pay their last month
    assert Reading.objects.exists() and run.counts["invoices"]["rows"] > 0 and run.counts["documents"]["rows"] > 0


def test_generator_is_deterministic_for_a_seed_and_date(tmp_path):
    args = ["--units", "8", "--years", "1", "--seed", "5", "--as-of", "2026-11-20"]
    call_command("generate_bundle", str(tmp_path / "a"), *args, stdout=io.StringIO())
    call_command("generate_bundle", str(tmp_path / "b"), *args, stdout=io.StringIO())
    assert (tmp_path / "a" / "manifest.json").read_text() == (tmp_path / "b" / "manifest.json").read_text()


def test_commands_run_from_the_command_line_with_their_exit_codes(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}", "DEBUG": "1"}

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True
        )

    assert manage("migrate", "-v0").returncode == 0
    imported = manage("import_bundle", str(EXAMPLE))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert manage("import_bundle", str(EXAMPLE)).returncode == 0
    bad = Bundle.example(tmp_path).set(format="inny/1")
    refused = manage("import_bundle", str(bad.path))
    assert refused.returncode == 2 and "manifest.json" in refused.stdout
