"""Item 18 of issue 13 (E6): scripts/backup.sh and scripts/restore.sh, run as an operator
would against the test cluster; a restored copy shows the tenant the same pages."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from accounts.models import User
from billing.models import LedgerEntry
from tests import factories

BASE_DIR = Path(__file__).resolve().parents[2]
STAMP = re.compile(r"^\d{8}T\d{6}Z$")


def _database_url(name: str) -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{name}"


def _run(script: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BASE_DIR / "scripts" / script), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _backups(backup_dir: Path) -> list[Path]:
    return sorted(path for path in backup_dir.iterdir() if STAMP.match(path.name))


def tenant_view(username: str, unit_id: int, document_id: int) -> dict[str, str]:
    """What the tenant sees: the unit page's balance and ledger, and their letter's bytes.
    Runs in this process on the test database and in a child on the restored one."""
    client = Client()
    client.force_login(User.objects.get(username=username))
    response = client.get(f"/lokale/{unit_id}/")
    assert response.status_code == 200
    html = response.content.decode()
    balance = re.search(r'<section class="card" aria-labelledby="balance-title">.*?</section>', html, re.S)
    ledger = re.search(r"<tbody>.*?</tbody>", html, re.S)
    letter = client.get(f"/korespondencja/{document_id}/")
    assert letter.status_code == 200
    return {
        "balance": balance.group(0),
        "ledger": ledger.group(0),
        "letter_sha256": hashlib.sha256(b"".join(letter.streaming_content)).hexdigest(),
    }


_CHILD = """
import json, sys
import django
django.setup()
from django.test.utils import setup_test_environment
setup_test_environment()
from tests.portal.test_backup import tenant_view
print(json.dumps(tenant_view(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))))
"""


@pytest.fixture
def files(tmp_path) -> dict[str, Path]:
    archive = tmp_path / "archive"
    (archive / "2026-11-30-EX1").mkdir(parents=True)
    (archive / "2026-11-30-EX1" / "manifest.json").write_text('{"export_id": "EX1"}')
    keys = tmp_path / "pz"
    keys.mkdir()
    (keys / "sp-signing.key").write_text("-----BEGIN PRIVATE KEY-----\nklucz\n-----END PRIVATE KEY-----\n")
    private = Path(settings.PRIVATE_MEDIA_ROOT)
    private.mkdir(parents=True, exist_ok=True)
    return {"private": private, "archive": archive, "keys": keys}


def _environment(database: str, files: dict[str, Path], backup_dir: Path, **extra: str) -> dict[str, str]:
    return {
        "DATABASE_URL": _database_url(database),
        "PRIVATE_MEDIA_ROOT": str(files["private"]),
        "BUNDLE_ARCHIVE": str(files["archive"]),
        "PZ_KEY_DIR": str(files["keys"]),
        "BACKUP_DIR": str(backup_dir),
        **extra,
    }


@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_a_fresh_database_shows_the_tenant_the_same_balance_ledger_and_letter(tmp_path, files):
    unit = factories.UnitFactory()
    owner = factories.TenantFactory(units=[unit])
    person = factories.PersonFactory(email=owner.email)
    owner.person = person
    owner.save(update_fields=["person"])
    for month in (1, 2, 3):
        factories.LedgerEntryFactory(unit=unit, booked_on=dt.date(2026, month, 1), amount=Decimal("300.00"))
    factories.LedgerEntryFactory(
        unit=unit, booked_on=dt.date(2026, 3, 10), kind=LedgerEntry.Kind.PAYMENT, amount=Decimal("-250.00")
    )
    letter = factories.DocumentFactory(person=person, unit=unit)
    before = tenant_view(owner.username, unit.pk, letter.pk)
    assert "650,00" in before["balance"]

    backup_dir = tmp_path / "backups"
    made = _run("backup.sh", env=_environment(connection.settings_dict["NAME"], files, backup_dir))
    assert made.returncode == 0, made.stderr
    [backup] = _backups(backup_dir)
    assert sorted(p.name for p in backup.iterdir()) == [
        "SHA256SUMS",
        "archive.tar.gz",
        "database.dump",
        "private.tar.gz",
        "pz-keys.tar.gz",
    ]
    assert backup.stat().st_mode & 0o077 == 0  # tenants' data: the owner's eyes only
    assert not [p for p in backup_dir.iterdir() if p.name.startswith(".niedokonczona")]

    fresh = f"restored_{uuid.uuid4().hex[:12]}"
    restored = {"private": tmp_path / "r-private", "archive": tmp_path / "r-archive", "keys": tmp_path / "r-pz"}
    restored["private"].mkdir()
    (restored["private"] / "to-znika.txt").write_text("plik spoza kopii")
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{fresh}"')
    try:
        env = _environment(fresh, restored, backup_dir)
        result = _run("restore.sh", str(backup), env=env)
        assert result.returncode == 0, result.stderr
        child = subprocess.run(
            [sys.executable, "-c", _CHILD, owner.username, str(unit.pk), str(letter.pk)],
            cwd=BASE_DIR,
            env={**os.environ, **env, "CONN_MAX_AGE": "0", "DJANGO_SETTINGS_MODULE": "portal.settings"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert child.returncode == 0, child.stderr
        assert json.loads(child.stdout.strip().splitlines()[-1]) == before
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
    assert not (restored["private"] / "to-znika.txt").exists()
    assert (restored["archive"] / "2026-11-30-EX1" / "manifest.json").read_text() == '{"export_id": "EX1"}'
    assert (restored["keys"] / "sp-signing.key").read_text() == (files["keys"] / "sp-signing.key").read_text()


@pytest.mark.django_db
def test_retention_deletes_backups_older_than_the_kept_days_and_keeps_fresh_ones(tmp_path, files):
    backup_dir = tmp_path / "backups"
    now = dt.datetime.now(dt.UTC)
    old = backup_dir / (now - dt.timedelta(days=15)).strftime("%Y%m%dT%H%M%SZ")
    recent = backup_dir / (now - dt.timedelta(days=13)).strftime("%Y%m%dT%H%M%SZ")
    unrelated = backup_dir / "reczna-kopia-20200101"
    for folder in (old, recent, unrelated):
        folder.mkdir(parents=True)
        (folder / "SHA256SUMS").write_text("")
    result = _run("backup.sh", env=_environment(connection.settings_dict["NAME"], files, backup_dir))
    assert result.returncode == 0, result.stderr
    assert not old.exists() and f"Usunięto kopię starszą niż 14 dni: {old}" in result.stdout
    assert recent.exists() and unrelated.exists()
    assert len(_backups(backup_dir)) == 2

    shorter = _run(
        "backup.sh", env=_environment(connection.settings_dict["NAME"], files, backup_dir, BACKUP_KEEP_DAYS="7")
    )
    assert shorter.returncode == 0, shorter.stderr
    assert not recent.exists()


@pytest.mark.django_db
def test_a_failed_backup_says_why_exits_non_zero_and_leaves_no_backup_named_as_complete(tmp_path, files):
    backup_dir = tmp_path / "backups"
    result = _run("backup.sh", env=_environment("no_such_database", files, backup_dir))
    assert result.returncode != 0
    assert "BŁĄD: pg_dump nie powiódł się" in result.stderr
    assert [p.name for p in backup_dir.iterdir() if not p.name.startswith(".lock")] == []

    missing = {**files, "archive": tmp_path / "nie-ma"}
    result = _run("backup.sh", env=_environment(connection.settings_dict["NAME"], missing, backup_dir))
    assert result.returncode != 0 and "BUNDLE_ARCHIVE" in result.stderr and "nie istnieje" in result.stderr


@pytest.mark.django_db
def test_restore_refuses_a_damaged_backup_and_changes_no_files(tmp_path, files):
    backup_dir = tmp_path / "backups"
    assert _run("backup.sh", env=_environment(connection.settings_dict["NAME"], files, backup_dir)).returncode == 0
    [backup] = _backups(backup_dir)
    damaged = bytearray((backup / "private.tar.gz").read_bytes())
    damaged[-20] ^= 0xFF
    (backup / "private.tar.gz").write_bytes(bytes(damaged))
    target = {"private": tmp_path / "t-private", "archive": tmp_path / "t-archive", "keys": tmp_path / "t-pz"}
    target["private"].mkdir()
    (target["private"] / "zostaje.txt").write_text("bez zmian")
    result = _run("restore.sh", str(backup), env=_environment("no_such_database", target, backup_dir))
    assert result.returncode != 0 and "sumy kontrolne" in result.stderr
    assert (target["private"] / "zostaje.txt").read_text() == "bez zmian"
