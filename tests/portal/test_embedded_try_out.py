"""Command 1 runs on the embedded SQLite database, not on PostgreSQL like the rest of the
suite: its pages are walked there too (a PostgreSQL-only statement once broke the try-out's
dashboard while every test on PostgreSQL passed)."""

import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def test_every_page_the_demo_tenant_and_clerk_reach_by_links_answers_on_sqlite(tmp_path):
    out = tmp_path / "walk.json"
    env = {
        **os.environ,
        "DEBUG": "1",
        "DEMO": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'try-out.sqlite3'}",
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
        "BUNDLE_INBOX": str(tmp_path / "bundles" / "inbox"),
        "BUNDLE_ARCHIVE": str(tmp_path / "bundles" / "archive"),
        "BUNDLE_OUTBOX": str(tmp_path / "bundles" / "outbox"),
        "CELERY_BROKER_URL": "",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    child = subprocess.run(
        [sys.executable, "-m", "tests.portal.embedded_walk", str(out)],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert child.returncode == 0, child.stderr[-3000:]
    walked = json.loads(out.read_text("utf-8"))
    tenant, admin = walked["tenant"], walked["admin"]
    # The walk reached the tenant's features and the admin's lists.
    assert any(p.startswith("/lokale/") for p in tenant) and any("/faktury/" in p for p in tenant)
    assert any(p.startswith("/liczniki/") for p in tenant) and len(admin) > 20
    failed = {path: status for path, status in {**tenant, **admin}.items() if status >= 500}
    assert failed == {}
