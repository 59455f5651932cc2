"""Rule 7 and item 4: readers see the previous state during an import; kill -9 leaves it intact."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from accounts.selectors import units_for_user
from billing.models import LedgerEntry, Unit
from sync.models import ImportRun
from sync.services import LOCK_KEY, bundle_import
from tests.factories import TenantFactory
from tests.realparts import wait_until
from tests.sync.bundles import EXAMPLE, Bundle, snapshot

pytestmark = pytest.mark.django_db(transaction=True)
BASE_DIR = Path(__file__).resolve().parents[2]


def _start_import(path: Path, pause_at: str, marker: Path, tmp_path: Path) -> subprocess.Popen:
    """``manage.py import_bundle`` in its own process on the test database, stopped
    inside its transaction at ``pause_at`` (tests/sync/paused_import.py)."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CONN_MAX_AGE": "0",
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "tests.sync.paused_import", pause_at, str(marker), str(path)],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _import_lock_held() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s", [LOCK_KEY])
        return bool(cursor.fetchone()[0])


def _kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    assert process.returncode == -signal.SIGKILL
    # PostgreSQL ends the killed client's backend (rolling back, freeing the import lock) only
    # once it notices the closed socket; on a loaded machine that can take a moment, and the
    # next nightly run comes hours later. Wait for it, as that run would.
    wait_until(lambda: not _import_lock_held(), timeout=30, message="the killed import's lock was not released")


def _changed_full_bundle(tmp_path: Path) -> Bundle:
    bundle = Bundle.example(tmp_path, "next").set(export_id="EX-NEXT", sequence=2)
    header, rows = bundle.rows("ledger")
    for row in rows:
        row[header.index("amount")] = "1,00"
    bundle.write("ledger", header, rows[:300])
    header, rows = bundle.rows("units")
    bundle.write(
        "units", header, [*rows, ["U-NEW", "garage", "ul. Nowa", "7", "", "42-400", "Zawiercie", "", "", "", ""]]
    )
    return bundle


def test_readers_see_the_previous_state_mid_merge_and_kill_9_leaves_it(tmp_path, client):
    assert bundle_import(path=EXAMPLE).status == ImportRun.Status.IMPORTED
    tenant = TenantFactory(units=[Unit.objects.get(external_id="U0000001")])
    client.force_login(tenant)
    before = snapshot()
    total_before = sum(LedgerEntry.objects.values_list("amount", flat=True))
    bundle = _changed_full_bundle(tmp_path)
    marker = tmp_path / "paused"
    process = _start_import(bundle.path, "merge", marker, tmp_path)
    try:
        wait_until(marker.exists, timeout=60, message="the import did not reach the middle of its merge")
        # The other process has already removed 204 ledger rows and rewritten 300, uncommitted:
        assert snapshot() == before
        assert sum(LedgerEntry.objects.values_list("amount", flat=True)) == total_before
        assert [u.external_id for u in units_for_user(tenant)] == ["U0000001"]
        assert client.get("/").status_code == 200  # tenant pages answer, from the previous state
    finally:
        _kill(process)
    assert snapshot() == before
    assert ImportRun.objects.get(export_id="EX-NEXT").status == ImportRun.Status.RUNNING  # its trace

    run = bundle_import(path=bundle.path)
    assert run.status == ImportRun.Status.IMPORTED, run.message
    assert LedgerEntry.objects.count() == 300 and Unit.objects.filter(external_id="U-NEW").exists()
    killed = ImportRun.objects.exclude(pk=run.pk).get(export_id="EX-NEXT")
    assert killed.status == ImportRun.Status.INTERRUPTED and "przerwany" in killed.message


def test_killed_first_load_leaves_an_empty_portal_and_the_next_run_succeeds(tmp_path):
    marker = tmp_path / "paused"
    process = _start_import(EXAMPLE, "loaded", marker, tmp_path)
    try:
        wait_until(marker.exists, timeout=60, message="the import did not finish loading")
        assert LedgerEntry.objects.count() == 0 and Unit.objects.count() == 0  # loaded, not committed
    finally:
        _kill(process)
    assert LedgerEntry.objects.count() == 0 and Unit.objects.count() == 0
    run = bundle_import(path=EXAMPLE)
    assert run.status == ImportRun.Status.IMPORTED and run.timings["mode"] == "fast"
    assert LedgerEntry.objects.count() == 504
