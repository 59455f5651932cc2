"""Benchmark of the nightly import on PostgreSQL (issue 4, item 7).

    make bench-import            # or: .venv/bin/python bench/import_bundle.py [--units 2000 --years 10]

1. generates a full bundle of N units × Y years (2,000 × 10: over a million ledger rows);
2. creates a fresh database and imports the bundle (``manage.py import_bundle``, its own process);
3. in the same run times a plain ``COPY`` of the same CSV files into unindexed tables;
4. generates a delta touching 1 % of the rows and imports it;
5. prints import seconds, COPY seconds and their ratio (target ≤ 3.0), the delta's
   share of the full import's time (target ≤ 5 %) and the import's peak memory
   (target ≤ 400 MB).

Each measurement runs ``--repeat`` times (default 3; every full import on a fresh
database, the deltas one after another) and the best run counts: on a shared
machine the other runs mostly measure the neighbours. All runs are printed.

With DATABASE_URL pointing at PostgreSQL it uses that server (creating and
dropping a database ``ebok_bench``); otherwise it starts a throwaway PostgreSQL 15
cluster in a temporary folder, with ordinary production-like settings (fsync on).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg

BASE = Path(__file__).resolve().parent.parent
OUT = BASE / "bench" / "out"
PGBIN = Path("/usr/lib/postgresql/15/bin")
sys.path.insert(0, str(BASE))


def run(cmd: list[str], env: dict[str, str], **kw: Any) -> subprocess.CompletedProcess[Any]:
    return subprocess.run(cmd, cwd=BASE, env=env, check=True, **kw)


def child(cmd: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Run a child process; its wall time, its own peak RSS (bytes) and its output."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=BASE, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{out}")
    return wall, usage.ru_maxrss * 1024, out


class ThrowawayPostgres:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="ebok-bench-"))
        os.chmod(self.dir, 0o755)  # noqa: S103 - the postgres user must reach its data folder
        self.port = self._free_port()

    @staticmethod
    def _free_port() -> int:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port: int = s.getsockname()[1]
            return port

    def _as_pg(self, *cmd: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        subprocess.run([*prefix, *cmd], check=True, stdout=subprocess.DEVNULL)

    def start(self) -> str:
        data, sock = self.dir / "pg", self.dir / "sock"
        data.mkdir()
        sock.mkdir()
        if os.getuid() == 0:
            shutil.chown(data, "postgres")
            shutil.chown(sock, "postgres")
        self._as_pg(
            str(PGBIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8"
        )
        options = (
            f"-p {self.port} -k {sock} -c listen_addresses=127.0.0.1 -c shared_buffers=1GB -c max_wal_size=8GB "
            "-c wal_buffers=64MB -c work_mem=64MB -c maintenance_work_mem=256MB -c temp_buffers=256MB"
        )
        self._as_pg(
            str(PGBIN / "pg_ctl"), "-D", str(data), "-l", str(data / "server.log"), "-w", "-o", options, "start"
        )
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        try:
            self._as_pg(str(PGBIN / "pg_ctl"), "-D", str(self.dir / "pg"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def plain_copy_seconds(dsn: str, bundle: Path) -> float:
    """COPY every CSV file of the bundle into an unindexed table of text columns."""
    import psycopg

    manifest = json.loads((bundle / "manifest.json").read_text("utf-8"))
    with psycopg.connect(dsn) as conn:
        cur = conn.cursor()
        cur.execute("DROP SCHEMA IF EXISTS bench_copy CASCADE; CREATE SCHEMA bench_copy")
        conn.commit()
        started = time.perf_counter()
        for name in manifest["files"]:
            if not name.endswith(".csv"):
                continue
            path = bundle / name
            with path.open(encoding="utf-8", newline="") as fh:
                header = next(csv.reader(fh, delimiter=";"))
            columns = ", ".join(f'"{column}" text' for column in header)
            table = f"bench_copy.{name.removesuffix('.csv')}"
            cur.execute(f"CREATE TABLE {table} ({columns})")
            sql = f"COPY {table} FROM STDIN WITH (FORMAT csv, DELIMITER ';', HEADER true)"
            with cur.copy(sql) as copy, path.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    copy.write(chunk)
        conn.commit()
        seconds = time.perf_counter() - started
        cur.execute("DROP SCHEMA bench_copy CASCADE")
        conn.commit()
    return seconds


def floor_seconds(dsn: str) -> float:
    """For context: COPY the ledger's rows, already normalized (dumped from the portal's table),
    into an empty table defined like ``billing_ledgerentry`` (same types, identity, indexes):
    what writing the ledger costs the server, with no reading, checking or merging at all."""
    import psycopg

    columns = "external_id, unit_id, booked_on, due_on, kind, component, description, amount, payment_ref"
    with psycopg.connect(dsn) as conn, tempfile.TemporaryFile() as dump:
        cur = conn.cursor()
        with cur.copy(f"COPY (SELECT {columns} FROM billing_ledgerentry ORDER BY id) TO STDOUT") as copy:
            for data in copy:
                dump.write(data)
        cur.execute("CREATE TABLE bench_floor (LIKE billing_ledgerentry INCLUDING ALL)")
        conn.commit()
        dump.seek(0)
        started = time.perf_counter()
        with cur.copy(f"COPY bench_floor ({columns}) FROM STDIN") as copy:
            while chunk := dump.read(1 << 20):
                copy.write(chunk)
        conn.commit()
        seconds = time.perf_counter() - started
        cur.execute("DROP TABLE bench_floor")
        conn.commit()
    return seconds


LEDGER_COLUMNS = "unit_id, booked_on, due_on, kind, component, description, amount, payment_ref"


def delta_floor_seconds(dsn: str, delta: Path) -> float:
    """For context: the least the ledger rows of a delta cost the server, with nothing else.
    In a fresh connection, like an import: COPY the delta's ledger.csv into a temporary
    table, update the rows it names, insert the new ones, delete the ledger rows its
    deletions.csv names, commit. No other file, no check, no bookkeeping."""
    import psycopg

    assign = ", ".join(f"{c} = s.{c}" for c in LEDGER_COLUMNS.split(", "))
    # Decimal commas made points the import's way (the pattern allows a comma nowhere else;
    # a comma inside a quoted text here only changes that text).
    ledger = (delta / "ledger.csv").read_bytes().replace(b",", b".")
    deletions = (delta / "deletions.csv").read_bytes()
    with psycopg.connect(dsn) as conn:
        cur = conn.cursor()
        started = time.perf_counter()
        cur.execute("SET LOCAL synchronous_commit = off")
        cur.execute(
            'CREATE TEMP TABLE f_ledger (entry_id text COLLATE "C", unit_id text COLLATE "C", booked_on date, '
            "due_on date, kind text, component text, description text, amount numeric(12,2), payment_ref text) "
            "ON COMMIT DROP"
        )
        cur.execute('CREATE TEMP TABLE f_deletions (entity text, id text COLLATE "C") ON COMMIT DROP')
        for table, data, extra in (
            ("f_ledger", ledger, ", FORCE_NOT_NULL (description, payment_ref)"),
            ("f_deletions", deletions, ""),
        ):
            with cur.copy(f"COPY {table} FROM STDIN WITH (FORMAT csv, DELIMITER ';', HEADER true{extra})") as copy:
                copy.write(data)
        cur.execute(
            f"WITH u AS (UPDATE billing_ledgerentry t SET {assign} FROM f_ledger s "
            "WHERE t.external_id = s.entry_id RETURNING s.entry_id) "
            f"INSERT INTO billing_ledgerentry (external_id, {LEDGER_COLUMNS}) SELECT s.entry_id, {LEDGER_COLUMNS} "
            "FROM f_ledger s WHERE NOT EXISTS (SELECT 1 FROM u WHERE u.entry_id = s.entry_id)"
        )
        cur.execute(
            "DELETE FROM billing_ledgerentry t USING f_deletions d WHERE d.entity = 'ledger' AND t.external_id = d.id"
        )
        conn.commit()
        return time.perf_counter() - started


def run_timing(dsn: str, export_id: str) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT timings, status FROM sync_importrun WHERE export_id = %s ORDER BY id DESC LIMIT 1", [export_id]
        ).fetchone()
    if row is None or row[1] != "imported":
        sys.exit(f"import of {export_id} did not succeed: {row}")
    timings: dict[str, Any] = row[0]
    return timings


def _fresh_database(admin_dsn: str) -> None:
    import psycopg

    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS ebok_bench")
        conn.execute("CREATE DATABASE ebok_bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--touch", type=float, default=0.01)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the best one counts")
    args = parser.parse_args()

    server = None
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith("postgres"):
        server = ThrowawayPostgres()
        base_url = server.start()
    try:
        admin_dsn = base_url.rsplit("/", 1)[0] + "/postgres"
        bench_url = base_url.rsplit("/", 1)[0] + "/ebok_bench"
        dsn = bench_url.replace("postgres://", "postgresql://")
        env = {
            **os.environ,
            "DATABASE_URL": bench_url,
            "DEBUG": "1",
            "DEMO": "0",
            "CONN_MAX_AGE": "0",
            "LOG_LEVEL": "WARNING",
            "PRIVATE_MEDIA_ROOT": str(OUT / "private"),
        }
        py = sys.executable

        # The generator writes the columns the registry declares (sync/schema.py), which
        # takes the enums from the models: Django is set up here too (no database is used).
        os.environ.update({name: env[name] for name in ("DATABASE_URL", "DEBUG", "DEMO")})
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
        import django

        django.setup()
        from sync.generator import generate_bundle, make_delta

        OUT.mkdir(parents=True, exist_ok=True)
        full = OUT / f"full-{args.units}x{args.years}"
        started = time.perf_counter()
        # A bundle kept from an earlier run is reused only if the generator and the column
        # registry are the same as now (a new column would otherwise be missing from it).
        made_by = hashlib.sha256(
            b"".join((BASE / "sync" / name).read_bytes() for name in ("generator.py", "schema.py", "kinds.py"))
        ).hexdigest()
        if (
            not (full / "manifest.json").exists()
            or not (full / ".made_by").exists()
            or ((full / ".made_by").read_text() != made_by)
        ):
            import datetime as dt

            shutil.rmtree(full, ignore_errors=True)
            generate_bundle(full, units=args.units, years=args.years, seed=1, as_of=dt.date(2026, 11, 20))
            (full / ".made_by").write_text(made_by)
        # One delta per run, applied one after another (sequence 2, 3, …), each touching ~1 % of the rows.
        deltas = [
            make_delta(full, OUT / f"delta{n}-{args.units}x{args.years}", touch=args.touch, seed=n, sequence=n)
            for n in range(2, 2 + args.repeat)
        ]
        manifest = json.loads((full / "manifest.json").read_text("utf-8"))
        delta_manifest = json.loads((deltas[0] / "manifest.json").read_text("utf-8"))
        ledger_rows = manifest["files"]["ledger.csv"]["rows"]
        total_rows = sum(f["rows"] for f in manifest["files"].values())
        delta_rows = sum(f["rows"] for f in delta_manifest["files"].values())  # changed, new and deleted
        print(
            f"Bundle: {args.units} units × {args.years} years: {total_rows:,} rows ({ledger_rows:,} ledger rows), "
            f"{sum(p.stat().st_size for p in full.rglob('*') if p.is_file()) / 1e6:.0f} MB; "
            f"each delta: ~{delta_rows:,} rows changed, added or deleted, {delta_rows / total_rows:.2%} of the "
            f"bundle's rows (prepared in {time.perf_counter() - started:.1f} s)"
        )
        print(f"Machine: {os.cpu_count()} cores; PostgreSQL {'throwaway cluster' if server else base_url}")

        copies, imports, walls, peaks = [], [], [], []
        for _ in range(args.repeat):
            _fresh_database(admin_dsn)
            run([py, "manage.py", "migrate", "--no-input", "-v0"], env)
            copies.append(plain_copy_seconds(dsn, full))
            wall, rss, out = child([py, "manage.py", "import_bundle", str(full)], env)
            timings = run_timing(dsn, manifest["export_id"])
            imports.append(timings["total"])
            walls.append(wall)
            peaks.append(rss)
        delta_runs, delta_out, delta_timings = [], "", {}
        for delta in deltas:  # on the database of the last full import
            _wall, rss, delta_out = child([py, "manage.py", "import_bundle", str(delta)], env)
            export_id = json.loads((delta / "manifest.json").read_text("utf-8"))["export_id"]
            delta_timings = run_timing(dsn, export_id)
            delta_runs.append(delta_timings["total"])
            peaks.append(rss)
        # Further deltas of the same kind (other seeds), applied bare, one after another.
        delta_floors = [
            delta_floor_seconds(
                dsn,
                make_delta(
                    full, OUT / f"floor{n}-{args.units}x{args.years}", touch=args.touch, seed=90 + n, sequence=90 + n
                ),
            )
            for n in range(args.repeat)
        ]
        floors = [floor_seconds(dsn) for _ in range(args.repeat)]

        import_seconds, copy_seconds, delta_seconds = min(imports), min(copies), min(delta_runs)
        floor = min(floors)

        def runs(values: list[float]) -> str:
            return "runs: " + ", ".join(f"{v:.2f}" for v in values)

        print(out.strip())
        print(delta_out.strip())
        print()
        print(f"Best of {args.repeat} runs each (the machine is shared; every run is listed):")
        print(
            f"Full import:        {import_seconds:8.2f} s  ({runs(imports)}; process wall {min(walls):.2f} s incl. Django start-up)"
        )
        print(f"Plain COPY:         {copy_seconds:8.2f} s  ({runs(copies)}; same CSV files into unindexed tables)")
        print(f"Ratio import/COPY:  {import_seconds / copy_seconds:8.2f}    (target ≤ 3.0)")
        print(
            f"Delta import:       {delta_seconds:8.2f} s  ({runs(delta_runs)}; "
            f"{delta_seconds / import_seconds:.1%} of the full import; target ≤ 5 %)"
        )
        print(f"Peak memory:        {max(peaks) / 2**20:8.0f} MB (import processes, max RSS; target ≤ 400 MB)")
        print(
            f"For context:        {floor:8.2f} s  ({runs(floors)}) to COPY just the ledger's normalized rows into an "
            f"empty copy of the portal's ledger table: {floor / copy_seconds:.2f}× the plain COPY of all files"
        )
        print(
            f"For context:        {min(delta_floors):8.2f} s  ({runs(delta_floors)}) to apply just the ledger rows of a "
            f"delta like these, bare (fresh connection; COPY, update, insert, delete, commit; no other file, no "
            f"check): {min(delta_floors) / import_seconds:.1%} of the full import"
        )
        print(f"Phases (last full): {json.dumps(timings)}")
        print(f"Phases (last delta): {json.dumps(delta_timings)}")
        with psycopg_connect(admin_dsn) as conn:
            conn.execute("DROP DATABASE IF EXISTS ebok_bench")
    finally:
        if server:
            server.stop()


def psycopg_connect(dsn: str) -> psycopg.Connection[Any]:
    import psycopg

    return psycopg.connect(dsn, autocommit=True)


if __name__ == "__main__":
    main()
