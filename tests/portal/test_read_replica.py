"""A real streaming read replica (issue 18, section 3): tenant pages read from it, writes and
the import go to the primary, a writer sees its own write at once, and the portal keeps
serving from the primary when the replica stops.

The replica is a second throwaway PostgreSQL 15 cluster made with ``pg_basebackup -R`` from
the test command's cluster after pytest-django created the test database, so it replicates
that database. The portal runs as a gunicorn process with ``DATABASE_URL`` on the primary's
test database and ``DATABASE_REPLICA_URL`` on the replica's; the tests write through the ORM
(committed: transactional tests) and read the replica's statement log to see where pages read.
Waiting for replication means waiting until the replica replayed the primary's WAL position.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import pytest
from django.db import connection
from django.urls import reverse

from meters.models import Reading
from portal.db_router import PIN_COOKIE
from sync.models import ImportRun
from sync.services import bundle_import
from tests import factories
from tests.production import PG_BIN, free_port
from tests.sync.bundles import EXAMPLE

BASE_DIR = Path(__file__).resolve().parents[2]
PIN_SECONDS = 10
RETRY_SECONDS = 2


def _as_postgres(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.getuid() == 0 else argv


@dataclass
class Replica:
    """The standby cluster: its port, its statement log, replay control."""

    data: Path
    port: int
    socket_dir: Path
    primary: dict
    slot: str
    max_connections: int

    @property
    def log_file(self) -> Path:
        return self.data.parent / "replica.log"

    def start(self) -> None:
        # A hot standby needs at least the primary's max_connections (the test command sets 200).
        options = (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 -c hot_standby=on -c fsync=off "
            f"-c max_connections={self.max_connections} -c log_statement=all -c log_line_prefix='%m [%p] %d '"
        )
        started = subprocess.run(
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log_file), "-w", "-o", options,
                          "start"]),
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert started.returncode == 0, started.stdout + started.stderr + self.log_file.read_text()[-3000:]

    def stop(self) -> None:
        subprocess.run(
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]),
            capture_output=True, timeout=120,
        )  # fmt: skip

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user=self.primary["USER"], dbname=self.primary["NAME"], autocommit=True
        )

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with self.connect() as replica:
            return replica.execute(sql, params).fetchall()

    def caught_up(self, timeout: float = 60) -> None:
        """Wait until the replica replayed everything the primary has written so far."""
        # The insert position, not pg_current_wal_lsn() (the write position): the test cluster
        # commits asynchronously (synchronous_commit=off), so a commit just made may not be
        # written yet, and waiting only for the write position missed it under load.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_insert_lsn()")
            target = cursor.fetchone()[0]
        deadline = time.monotonic() + timeout
        with self.connect() as replica:
            while True:
                done = replica.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]).fetchone()[0]
                if done:
                    return
                assert time.monotonic() < deadline, f"the replica has not replayed {target} in {timeout} s"
                time.sleep(0.05)

    def log_offset(self) -> int:
        return self.log_file.stat().st_size

    def statements_since(self, offset: int) -> str:
        with self.log_file.open("rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")


@pytest.fixture(scope="module")
def replica(django_db_setup, django_db_blocker):
    """``pg_basebackup -R`` of the test cluster (test database included), started on its own port."""
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        primary = dict(connection.settings_dict)
        cursor.execute("SHOW max_connections")
        max_connections = int(cursor.fetchone()[0])
    root = Path(os.environ.get("EBOK_TEST_TMP", "/tmp")) / f"replica-{os.getpid()}"
    root.mkdir(mode=0o755)
    (root / "sock").mkdir()
    if os.getuid() == 0:
        for path in (root, root / "sock"):
            shutil.chown(path, "postgres")
    standby = Replica(
        root / "data", free_port(), root / "sock", primary, f"ebok_test_replica_{os.getpid()}", max_connections
    )
    # A replication slot keeps the WAL the standby has not received yet.
    made = subprocess.run(
        _as_postgres([str(PG_BIN / "pg_basebackup"), "-h", str(primary["HOST"]), "-p", str(primary["PORT"]),
                      "-U", primary["USER"], "-D", str(standby.data), "-R", "-X", "stream", "-c", "fast",
                      "-C", "-S", standby.slot]),
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    standby.start()
    try:
        assert standby.query("SELECT pg_is_in_recovery()") == [(True,)]
        yield standby
    finally:
        standby.stop()
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = %s",
                           [standby.slot])  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def portal_server(replica, tmp_path_factory):
    """gunicorn with the primary's test database and the replica (what DATABASE_REPLICA_URL sets)."""
    db = replica.primary
    port = free_port()
    folder = tmp_path_factory.mktemp("replica-portal")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "CELERY_"))}
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        DATABASE_REPLICA_URL=f"postgres://{db['USER']}@127.0.0.1:{replica.port}/{db['NAME']}",
        DATABASE_REPLICA_PIN_SECONDS=str(PIN_SECONDS),
        DATABASE_REPLICA_RETRY_SECONDS=str(RETRY_SECONDS),
        SECRET_KEY="replica-test-" + "k" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        PRIVATE_MEDIA_ROOT=str(folder / "private"),
        DEMO="0",
    )
    log = (folder / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "portal.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--access-logfile", "-"],
        cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    server = PortalServer(port, folder / "gunicorn.log", process)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if Browser(server).get("/zdrowie/").status == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, server.log()
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        process.wait(20)


@dataclass
class PortalServer:
    port: int
    log_file: Path
    process: subprocess.Popen

    def log(self) -> str:
        return self.log_file.read_text(errors="replace")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    text: str
    cookies: SimpleCookie


class Browser:
    """HTTP to the portal keeping cookies, as a browser does (it drops the pin cookie on request)."""

    def __init__(self, server: PortalServer) -> None:
        self.server = server
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict | None = None) -> Answer:
        http = HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        headers = {"Host": "127.0.0.1"}
        body = None
        if data is not None:
            body = urlencode({"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **data})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        http.request(method, path, body=body, headers=headers)
        raw = http.getresponse()
        text = raw.read().decode(errors="replace")
        set_cookies = SimpleCookie()
        for header in raw.headers.get_all("Set-Cookie") or []:
            set_cookies.load(header)
        for name, morsel in set_cookies.items():
            if morsel["max-age"] == "0" or morsel.value == "":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value
        http.close()
        return Answer(raw.status, dict(raw.headers), text, set_cookies)

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(self, path: str, data: dict) -> Answer:
        return self.request("POST", path, data)

    def log_in(self, username: str) -> None:
        self.get(reverse("login"))
        answer = self.post(reverse("login"), {"username": username, "password": factories.PASSWORD})
        assert answer.status == 302, answer.text[:500]
        assert int(answer.cookies[PIN_COOKIE]["max-age"]) == PIN_SECONDS
        self.unpin()

    def unpin(self) -> None:
        """What the browser does PIN_SECONDS after the write: the pin cookie expires."""
        self.cookies.pop(PIN_COOKIE, None)


def _tenant_with_meter():
    unit = factories.UnitFactory(unit_no="77")
    tenant = factories.TenantFactory(units=[unit])
    meter = factories.MeterFactory(unit=unit)
    return unit, tenant, meter


@pytest.mark.django_db(transaction=True)
def test_a_tenants_unit_page_reads_from_the_replica(replica, portal_server):
    unit, tenant, _ = _tenant_with_meter()
    replica.caught_up()
    browser = Browser(portal_server)
    browser.log_in(tenant.username)
    replica.caught_up()
    offset = replica.log_offset()
    page = browser.get(reverse("billing:unit", args=[unit.pk]))
    assert page.status == 200, page.text[:500]
    assert unit.building.street in page.text
    statements = replica.statements_since(offset)
    # The user, the grant and the unit's rows came from the standby; a session kept in the
    # database is read where it was written (a lagging standby would log the tenant out).
    for table in ("accounts_user", "accounts_unitgrant", "billing_unit"):
        assert table in statements, (table, statements[-3000:])
    assert "django_session" not in statements
    assert PIN_COOKIE not in page.cookies  # a read does not pin the reader to the primary


@pytest.mark.django_db(transaction=True)
def test_a_tenant_sees_the_reading_just_submitted_while_the_replica_lags(replica, portal_server):
    unit, tenant, meter = _tenant_with_meter()
    co_owner = factories.TenantFactory(units=[unit])
    replica.caught_up()
    writer, other = Browser(portal_server), Browser(portal_server)
    writer.log_in(tenant.username)
    other.log_in(co_owner.username)
    replica.caught_up()
    meter_page = reverse("meters:meter", args=[meter.pk])
    form = writer.get(reverse("meters:submit", args=[meter.pk]))
    token = re.search(r'name="token" value="([^"]+)"', form.text).group(1)
    read_on = re.search(r'name="read_on"[^>]*value="([0-9-]+)"', form.text).group(1)
    replica.caught_up()
    with replica.connect() as control:
        control.execute("SELECT pg_wal_replay_pause()")
        try:
            sent = writer.post(reverse("meters:submit", args=[meter.pk]), {"value": "7,125", "read_on": read_on,
                                                                           "token": token})  # fmt: skip
            assert sent.status == 302, sent.text[:800]
            assert int(sent.cookies[PIN_COOKIE]["max-age"]) == PIN_SECONDS
            assert Reading.objects.filter(meter=meter, value=Decimal("7.125")).exists()  # on the primary
            offset = replica.log_offset()
            mine = writer.get(meter_page)
            assert "7,125" in mine.text, mine.text[:2000]
            # The writer's page read nothing from the standby.
            assert "meters_" not in replica.statements_since(offset)
            # The co-owner reads the standby, which has not replayed the reading yet.
            stale = other.get(meter_page)
            assert stale.status == 200 and "7,125" not in stale.text
        finally:
            control.execute("SELECT pg_wal_replay_resume()")
    replica.caught_up()
    assert "7,125" in other.get(meter_page).text


@pytest.mark.django_db(transaction=True)
def test_an_import_committed_on_the_primary_appears_on_the_replica(replica):
    run = bundle_import(path=EXAMPLE)
    assert run.status == ImportRun.Status.IMPORTED, run.message
    replica.caught_up()
    assert replica.query("SELECT count(*) FROM billing_ledgerentry") == [(504,)]
    assert replica.query("SELECT status FROM sync_importrun WHERE id = %s", [run.pk]) == [(ImportRun.Status.IMPORTED,)]


@pytest.mark.django_db(transaction=True)
def test_the_portal_serves_from_the_primary_while_the_replica_is_down_and_says_so_once(replica, portal_server):
    unit, tenant, _ = _tenant_with_meter()
    replica.caught_up()
    browser = Browser(portal_server)
    browser.log_in(tenant.username)
    replica.caught_up()
    unit_page = reverse("billing:unit", args=[unit.pk])
    assert browser.get(unit_page).status == 200
    replica.stop()
    try:
        for _ in range(5):
            page = browser.get(unit_page)
            assert page.status == 200, page.text[:800]
            assert unit.building.street in page.text
        assert portal_server.log().count("read replica unavailable") == 1, portal_server.log()[-3000:]
    finally:
        replica.start()
    # After DATABASE_REPLICA_RETRY_SECONDS the process tries the replica again and reads from it.
    replica.caught_up()
    time.sleep(RETRY_SECONDS + 0.5)
    offset = replica.log_offset()
    assert browser.get(unit_page).status == 200
    assert "billing_unit" in replica.statements_since(offset)
    assert "read replica available again" in portal_server.log()
