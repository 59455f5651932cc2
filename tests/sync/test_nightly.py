"""The nightly exchange: inbox → import in sequence order → archive, then the outbound bundle."""

import datetime as dt
import shutil

import pytest
from django.conf import settings
from django.core.management import call_command

from billing.models import LedgerEntry
from sync import tasks
from sync.generator import zip_bundle
from sync.models import ImportRun, OutboundBundle
from sync.services import inbox_process
from tests.realparts import wait_until
from tests.sync.bundles import EXAMPLE, Bundle

pytestmark = pytest.mark.django_db


def _drop(bundle: Bundle, name: str):
    settings.BUNDLE_INBOX.mkdir(parents=True, exist_ok=True)
    return shutil.move(str(bundle.path), str(settings.BUNDLE_INBOX / name))


def _delta(tmp_path, sequence: int) -> Bundle:
    bundle = Bundle.example(tmp_path, f"d{sequence}").as_delta(f"EX-D{sequence}", sequence)
    for stem in ("units", "persons", "titles", "meters", "readings", "invoices", "invoice_lines"):
        bundle.unlist(f"{stem}.csv")
    header, rows = bundle.rows("ledger")
    rows = [r for r in rows if r[0] == "E0000000001"]
    rows[0][header.index("amount")] = str(sequence) + ",00"
    bundle.write("ledger", header, rows)
    bundle.write("deletions", ["entity", "id"], [])
    return bundle


def test_nightly_takes_new_bundles_in_sequence_order_archives_them_and_writes_the_outbound(tmp_path):
    full = Bundle.example(tmp_path, "full")
    _drop(full, "zzz-pelny")  # sequence 1, named to sort last
    zipped = zip_bundle(_delta(tmp_path, 3).path)
    shutil.move(str(zipped), str(settings.BUNDLE_INBOX / "b-delta3.zip"))
    _drop(_delta(tmp_path, 2), "a-delta2")
    (settings.BUNDLE_INBOX / ".w-trakcie-zapisu").mkdir()  # still being written by the back-office
    result = tasks.bundles_nightly.delay().get()
    runs = ImportRun.objects.order_by("pk")
    assert [(r.sequence, r.status, r.trigger) for r in runs] == [
        (1, "imported", "nightly"),
        (2, "imported", "nightly"),
        (3, "imported", "nightly"),
    ]
    assert LedgerEntry.objects.get(external_id="E0000000001").amount == 3
    assert sorted(p.name for p in settings.BUNDLE_INBOX.iterdir()) == [".w-trakcie-zapisu"]
    assert sorted(p.name for p in settings.BUNDLE_ARCHIVE.iterdir()) == ["a-delta2", "b-delta3.zip", "zzz-pelny"]
    assert runs[0].archived_to == str(settings.BUNDLE_ARCHIVE / "zzz-pelny")
    outbound = OutboundBundle.objects.get()
    assert result["outbound"] == outbound.export_id
    assert (settings.BUNDLE_OUTBOX / outbound.export_id / "manifest.json").exists()


def test_refused_bundle_goes_to_archive_refused_and_later_bundles_wait(tmp_path):
    assert call_command("import_bundle", str(EXAMPLE)) is None
    bad = _delta(tmp_path, 2)
    bad.edit("ledger", 2, "amount", "1e3")
    _drop(bad, "delta2")
    _drop(_delta(tmp_path, 3), "delta3")
    runs = inbox_process()
    assert [r.status for r in runs] == ["refused"]
    assert (settings.BUNDLE_ARCHIVE / "refused" / "delta2").is_dir()
    assert [p.name for p in settings.BUNDLE_INBOX.iterdir()] == ["delta3"]  # not built on a refused delta
    assert runs[0].problems.get().line == 2


def test_bundle_seen_twice_is_archived_again_as_already_imported(tmp_path):
    _drop(Bundle.example(tmp_path, "once"), "pakiet")
    inbox_process()
    _drop(Bundle.example(tmp_path, "twice"), "pakiet")
    [run] = inbox_process()
    assert run.status == ImportRun.Status.ALREADY_IMPORTED
    assert run.archived_to.endswith(f"pakiet.run{run.pk}")


def test_the_nightly_import_is_on_celery_beat_at_the_configured_time():
    entry = settings.CELERY_BEAT_SCHEDULE["sync-nightly"]
    assert entry["task"] == "sync.tasks.bundles_nightly"
    schedule = entry["schedule"]
    assert schedule.hour == {2} and schedule.minute == {30}
    from portal.celery import app

    assert "sync.tasks.bundles_nightly" in app.tasks and "sync.tasks.import_bundle" in app.tasks


@pytest.mark.worker
def test_import_runs_as_a_celery_task_on_the_real_worker(celery_worker):
    result = tasks.import_bundle.delay(str(EXAMPLE))
    run_id = result.get(timeout=60)
    wait_until(lambda: ImportRun.objects.filter(pk=run_id, status="imported").exists(), timeout=30)
    assert LedgerEntry.objects.count() == 504
    assert ImportRun.objects.get(pk=run_id).trigger == "task"
    assert dt.date(2025, 1, 1) in set(LedgerEntry.objects.values_list("booked_on", flat=True))
