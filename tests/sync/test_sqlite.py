"""SQLite (the embedded default) takes the slower path (no COPY) but gives the same results."""

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sync.generator import generate_bundle, make_delta
from tests.sync.bundles import Bundle
from tests.sync.replay import describe

pytestmark = pytest.mark.django_db
BASE_DIR = Path(__file__).resolve().parents[2]


def replay_on_sqlite(tmp_path: Path, settings, paths: list[str]) -> dict:
    """Import ``paths`` in order into a fresh SQLite database, in a child process (the
    embedded default's settings), and describe the result as ``describe`` does."""
    out = tmp_path / "sqlite.json"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'embedded.sqlite3'}",
        "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
    }
    child = subprocess.run(
        [sys.executable, "-m", "tests.sync.replay", str(out), *paths],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert child.returncode == 0, child.stderr[-3000:]
    return json.loads(out.read_text("utf-8"))


def test_sqlite_imports_exactly_what_postgresql_imports_and_refuses_the_same(tmp_path, settings):
    full = generate_bundle(tmp_path / "full", units=25, years=1, seed=11, as_of=dt.date(2026, 11, 20))
    delta = make_delta(full, tmp_path / "delta", touch=0.1, seed=3)
    bad = Bundle(make_delta(full, tmp_path / "bad", touch=0.05, seed=4, sequence=3))
    bad.edit("ledger", 3, "amount", "1e3")
    bad.edit("ledger", 4, "unit_id", "U9999999")
    bad.edit("ledger", 5, "booked_on", "2026-02-29")
    paths = [str(full), str(delta), str(bad.path), str(full)]

    on_postgresql = describe(paths)

    on_sqlite = replay_on_sqlite(tmp_path, settings, paths)

    assert [r["status"] for r in on_postgresql["runs"]] == ["imported", "imported", "refused", "already_imported"]
    assert on_postgresql["runs"][2]["problems"], "the bad delta names its problems"
    assert on_sqlite == json.loads(json.dumps(on_postgresql, ensure_ascii=False))


def test_a_full_bundle_over_existing_data_lands_and_counts_the_same_on_sqlite(tmp_path, settings):
    full = generate_bundle(tmp_path / "full", units=20, years=1, seed=12, as_of=dt.date(2026, 11, 20))
    shutil.copytree(full, tmp_path / "again")
    again = Bundle(tmp_path / "again").set(export_id="GEN-AGAIN", sequence=5)
    header, rows = again.rows("ledger")
    amount = header.index("amount")
    for row in rows[::7]:
        row[amount] = "1,23"
    new = ["N-1", rows[0][1], "2026-11-21", "", "payment", "wpłata", "Nowa; wpłata", "-10,00", ""]  # payment_ref empty
    rows = [*rows[5:], new]
    again.write("ledger", header, rows)
    paths = [str(full), str(again.path)]

    on_postgresql = describe(paths)

    on_sqlite = replay_on_sqlite(tmp_path, settings, paths)
    counts = on_postgresql["runs"][1]["counts"]["ledger"]
    assert counts["removed"] == 5 and counts["inserted"] == 1 and counts["updated"] > 0
    assert on_sqlite == json.loads(json.dumps(on_postgresql, ensure_ascii=False))
