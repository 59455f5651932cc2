"""How the import, the backup and the tenant pages grow with the size of the data (issue 18).

    make bench-scale SIZES=2000,10000        # or: .venv/bin/python bench/scale.py --sizes 2000,10000,50000
    make bench-load SIZES=2000               # the same without pg_dump / pg_restore

For each size (units × ``--years``), in one run, on one throwaway PostgreSQL 15 cluster
(``bench/import_bundle.py``'s, production-like settings, fsync on):

1. generates the full bundle and two 1 % deltas (``sync/generator.py``), each in its own
   process whose time and peak RSS are printed (kept in ``bench/out`` and reused next time);
2. on a fresh database: a plain ``COPY`` of the same CSV files into unindexed text tables,
   then ``manage.py import_bundle`` in its own process (the import's own ``total`` and the
   process's peak RSS from ``wait4``'s ``ru_maxrss``: the importing process itself, measured
   by the kernel, not sampled), then the delta, then the bare cost of a delta's ledger rows
   (``delta_floor_seconds``) on another delta of the same kind;
3. the month-end load on the tenant pages (``bench/load.py``, locust against gunicorn, DEBUG=0),
   after a ``CHECKPOINT``;
4. the database's size, ``pg_dump -Fc`` of it and ``pg_restore`` into a fresh database.

Then one table over all sizes with the targets: import/COPY ≤ 3.0 at every size; time per row at
the largest size ≤ 1.3× the smallest; delta ≤ 1.5× its ledger floor at ≥ 10,000 units; peak
memory ≤ 400 MB; 0 errors; every page's p95 at the largest size ≤ 1.2× at the smallest.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))
sys.path.insert(0, str(BASE / "bench"))

from import_bundle import (  # noqa: E402 - after the path above
    OUT,
    PGBIN,
    ThrowawayPostgres,
    child,
    delta_floor_seconds,
    plain_copy_seconds,
    run_timing,
)
from load import CpuMeter  # noqa: E402 - after the path above

AS_OF = dt.date(2026, 11, 20)


def generate(units: int, years: int) -> None:
    """Child mode: the full bundle, the delta imported and the delta of the floor."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from sync.generator import generate_bundle, make_delta

    full = OUT / f"full-{units}x{years}"
    started = time.perf_counter()
    generate_bundle(full, units=units, years=years, seed=1, as_of=AS_OF)
    full_seconds = time.perf_counter() - started
    started = time.perf_counter()
    make_delta(full, OUT / f"delta2-{units}x{years}", touch=0.01, seed=2, sequence=2)
    delta_seconds = time.perf_counter() - started
    make_delta(full, OUT / f"floor90-{units}x{years}", touch=0.01, seed=90, sequence=90)
    print(json.dumps({"full": full_seconds, "delta": delta_seconds}))


def bundle_rows(folder: Path) -> tuple[int, int, int]:
    """All rows, ledger rows and bytes of a bundle."""
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    files = manifest["files"]
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return sum(f["rows"] for f in files.values()), files.get("ledger.csv", {}).get("rows", 0), size


def sql_value(dsn: str, query: str) -> Any:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        cursor = conn.execute(query)
        row = cursor.fetchone() if cursor.description else None
        return row[0] if row else None


def recreate(admin_dsn: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")


def measure_size(
    args: argparse.Namespace, units: int, base_url: str, server: ThrowawayPostgres | None
) -> dict[str, Any]:
    py = sys.executable
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
    result: dict[str, Any] = {"units": units}
    full = OUT / f"full-{units}x{args.years}"
    delta = OUT / f"delta2-{units}x{args.years}"
    floor_delta = OUT / f"floor90-{units}x{args.years}"
    stats_file = OUT / f"generated-{units}x{args.years}.json"
    if not (floor_delta / "manifest.json").exists() or not stats_file.exists():
        print(f"[{units:,}] generating the bundle and its deltas …", flush=True)
        wall, rss, out = child([py, __file__, "--generate", str(units), "--years", str(args.years)], env)
        stats_file.write_text(json.dumps({**json.loads(out.strip().splitlines()[-1]), "wall": wall, "rss": rss}))
    result["generated"] = json.loads(stats_file.read_text())
    result["rows"], result["ledger_rows"], result["bundle_bytes"] = bundle_rows(full)
    result["delta_rows"] = bundle_rows(delta)[0]

    print(f"[{units:,}] fresh database, migrate, plain COPY, import …", flush=True)
    recreate(admin_dsn, "ebok_bench")
    subprocess.run([py, "manage.py", "migrate", "--no-input", "-v0"], cwd=BASE, env=env, check=True)
    # CPU seconds beside the wall times: on a shared machine the wall time of the same work
    # changes with the neighbours' load, its CPU much less (the curve's shape shows in both).
    db_cpu = CpuMeter([int((server.dir / "pg" / "postmaster.pid").read_text().split()[0])] if server else [])
    db_cpu.start()
    own = time.process_time()
    result["copy"] = plain_copy_seconds(dsn, full)
    result["copy_cpu"] = db_cpu.stop() + time.process_time() - own
    manifest = json.loads((full / "manifest.json").read_text("utf-8"))
    temp_query = "SELECT temp_bytes FROM pg_stat_database WHERE datname = current_database()"
    temp_before = sql_value(dsn, temp_query)
    db_cpu.start()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, rss, _out = child([py, "manage.py", "import_bundle", str(full)], env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result["import_cpu_python"] = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    result["import_cpu_db"] = db_cpu.stop()
    result["import_temp_bytes"] = sql_value(dsn, temp_query) - temp_before
    timings = run_timing(dsn, manifest["export_id"])
    result.update(import_seconds=timings["total"], import_wall=wall, import_rss=rss, import_phases=timings)
    print(f"[{units:,}] delta, delta floor …", flush=True)
    wall, rss, _out = child([py, "manage.py", "import_bundle", str(delta)], env)
    delta_id = json.loads((delta / "manifest.json").read_text("utf-8"))["export_id"]
    result.update(delta_seconds=run_timing(dsn, delta_id)["total"], delta_rss=rss)
    result["delta_floor"] = delta_floor_seconds(dsn, floor_delta)
    sql_value(dsn, "VACUUM ANALYZE")
    result["db_bytes"] = sql_value(dsn, "SELECT pg_database_size(current_database())")
    result["ledger_bytes"] = sql_value(dsn, "SELECT pg_total_relation_size('billing_ledgerentry')")

    if "load" in args.parts:
        from load import month_end_load

        print(f"[{units:,}] month-end load …", flush=True)
        # Every size starts its load alike: right after the import and its VACUUM ANALYZE, with
        # the dirty buffers written out (the backup's restore runs after it: a restore of several
        # GB, written just before, used to slow the first minutes of the largest size's load).
        sql_value(admin_dsn, "CHECKPOINT")
        postmaster = None
        if server is not None:
            postmaster = int((server.dir / "pg" / "postmaster.pid").read_text().split()[0])
        with tempfile.TemporaryDirectory(prefix="ebok-load-") as folder:
            result["load"] = month_end_load(
                database_url=bench_url,
                folder=Path(folder),
                tenants=args.tenants,
                users=args.users,
                workers=args.workers,
                postmaster_pid=postmaster,
            )
    if "backup" in args.parts:
        print(f"[{units:,}] pg_dump -Fc, pg_restore …", flush=True)
        with tempfile.TemporaryDirectory(prefix="ebok-dump-") as folder:
            dump = Path(folder) / "ebok.dump"
            started = time.perf_counter()
            subprocess.run([str(PGBIN / "pg_dump"), "-Fc", "-f", str(dump), "-d", dsn], check=True)
            result["dump_seconds"] = time.perf_counter() - started
            result["dump_bytes"] = dump.stat().st_size
            recreate(admin_dsn, "ebok_restore")
            restore_dsn = dsn.rsplit("/", 1)[0] + "/ebok_restore"
            started = time.perf_counter()
            subprocess.run([str(PGBIN / "pg_restore"), "--no-owner", "-d", restore_dsn, str(dump)], check=True)
            result["restore_seconds"] = time.perf_counter() - started
            sql_value(admin_dsn, "DROP DATABASE ebok_restore")

    print_size(result)
    return result


def print_size(r: dict[str, Any]) -> None:
    mb = 2**20
    g = r["generated"]
    print()
    print(
        f"== {r['units']:,} units: {r['rows']:,} rows ({r['ledger_rows']:,} ledger rows), bundle "
        f"{r['bundle_bytes'] / mb:,.0f} MB; generated in {g['full']:.1f} s (+ {g['delta']:.1f} s a delta), "
        f"generator peak RSS {g['rss'] / mb:.0f} MB"
    )
    print(
        f"  full import {r['import_seconds']:.2f} s (process {r['import_wall']:.2f} s), plain COPY {r['copy']:.2f} s, "
        f"ratio {r['import_seconds'] / r['copy']:.2f} (target ≤ 3.0); "
        f"{r['import_seconds'] / r['rows'] * 1e6:.2f} µs a row"
    )
    import_cpu = r["import_cpu_python"] + r["import_cpu_db"]
    print(
        f"  CPU: import {import_cpu:.1f} s (Python {r['import_cpu_python']:.1f}, PostgreSQL {r['import_cpu_db']:.1f}), "
        f"plain COPY {r['copy_cpu']:.1f} s, ratio {import_cpu / r['copy_cpu']:.2f}; "
        f"{import_cpu / r['rows'] * 1e6:.2f} µs CPU a row; temporary files written by the import "
        f"{r['import_temp_bytes'] / mb:,.0f} MB"
    )
    print(
        f"  delta {r['delta_seconds']:.2f} s ({r['delta_rows']:,} rows), its ledger floor {r['delta_floor']:.2f} s, "
        f"ratio {r['delta_seconds'] / r['delta_floor']:.2f} (target ≤ 1.5 at ≥ 10,000 units)"
    )
    print(f"  peak RSS: import {r['import_rss'] / mb:.0f} MB, delta {r['delta_rss'] / mb:.0f} MB (target ≤ 400 MB)")
    print(
        f"  database {r['db_bytes'] / mb:,.0f} MB, of it the ledger with its indexes {r['ledger_bytes'] / mb:,.0f} MB"
    )
    if "dump_seconds" in r:
        print(
            f"  pg_dump -Fc {r['dump_seconds']:.1f} s ({r['dump_bytes'] / mb:,.0f} MB), "
            f"pg_restore into a fresh database {r['restore_seconds']:.1f} s (one job)"
        )
    print(f"  import phases: {json.dumps(r['import_phases'])}")
    if "load" in r:
        from load import print_load

        print_load(r["load"], r["units"])
    print(flush=True)


def print_summary(results: list[dict[str, Any]]) -> None:
    mb = 2**20
    small, large = results[0], results[-1]
    print("== Summary")
    print(f"Machine: {os.cpu_count()} cores; load average before/after: {os.getloadavg()}")
    header = f"{'units':>8}{'rows':>12}{'import s':>10}{'COPY s':>8}{'ratio':>7}{'µs/row':>8}{'delta s':>9}"
    header += f"{'floor s':>9}{'d/floor':>8}{'RSS MB':>8}{'DB MB':>8}{'dump s':>8}{'restore s':>10}"
    print(header)
    for r in results:
        print(
            f"{r['units']:>8,}{r['rows']:>12,}{r['import_seconds']:>10.1f}{r['copy']:>8.1f}"
            f"{r['import_seconds'] / r['copy']:>7.2f}{r['import_seconds'] / r['rows'] * 1e6:>8.2f}"
            f"{r['delta_seconds']:>9.2f}{r['delta_floor']:>9.2f}{r['delta_seconds'] / r['delta_floor']:>8.2f}"
            f"{max(r['import_rss'], r['delta_rss']) / mb:>8.0f}{r['db_bytes'] / mb:>8,.0f}"
            f"{r.get('dump_seconds', float('nan')):>8.1f}{r.get('restore_seconds', float('nan')):>10.1f}"
        )

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    ratios = [r["import_seconds"] / r["copy"] for r in results]
    print(f"import/COPY ≤ 3.0 at every size: max {max(ratios):.2f} — {verdict(max(ratios) <= 3.0)}")
    per_row = (large["import_seconds"] / large["rows"]) / (small["import_seconds"] / small["rows"])

    def cpu(r: dict[str, Any]) -> float:
        return float(r["import_cpu_python"] + r["import_cpu_db"])

    cpu_per_row = (cpu(large) / large["rows"]) / (cpu(small) / small["rows"])
    print(
        f"time per row, {large['units']:,} against {small['units']:,} units: {per_row:.2f}× (target ≤ 1.3) — "
        f"{verdict(per_row <= 1.3)}; in CPU seconds {cpu_per_row:.2f}×"
    )
    big = [r for r in results if r["units"] >= 10_000]
    if big:
        worst = max(r["delta_seconds"] / r["delta_floor"] for r in big)
        print(f"delta ≤ 1.5× its ledger floor at ≥ 10,000 units: max {worst:.2f} — {verdict(worst <= 1.5)}")
    peak = max(max(r["import_rss"], r["delta_rss"]) for r in results) / mb
    print(f"peak memory ≤ 400 MB: {peak:.0f} MB — {verdict(peak <= 400)}")
    loads = [r for r in results if "load" in r]
    if loads:
        from load import PAGES

        errors = sum(r["load"]["visit"].errors + r["load"]["login"].errors for r in loads)
        print(f"load errors: {errors} (target 0) — {verdict(errors == 0)}")
        first, last = loads[0]["load"]["visit"].stats, loads[-1]["load"]["visit"].stats
        if len(loads) > 1:
            print(f"p95 of each page, {loads[-1]['units']:,} against {loads[0]['units']:,} units (target ≤ 1.2×):")
            for name in PAGES:
                if name in first and name in last and first[name]["p95"]:
                    ratio = last[name]["p95"] / first[name]["p95"]
                    a = loads[0]["load"]["visit"].server.get(name, {}).get("cpu_p95", 0.0)
                    b = loads[-1]["load"]["visit"].server.get(name, {}).get("cpu_p95", 0.0)
                    server = f"; the server's CPU p95 {a:.1f} → {b:.1f} ms = {b / a:.2f}×" if a and b else ""
                    print(
                        f"  {name:<22}{first[name]['p95']:>7.0f} → {last[name]['p95']:>7.0f} ms  {ratio:5.2f}×  "
                        f"{verdict(ratio <= 1.2)}{server}"
                    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2000,10000,50000", help="units, comma-separated, smallest first")
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--parts", default="backup,load", help="besides the import: backup, load (comma-separated)")
    parser.add_argument("--tenants", type=int, default=200, help="simulated tenants, each on its own unit")
    parser.add_argument("--users", type=int, default=10, help="concurrent locust users")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--generate", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        generate(args.generate, args.years)
        return
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"Machine: {os.cpu_count()} cores; load average {os.getloadavg()}; sizes {sizes} × {args.years} years")
    server = None
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith("postgres"):
        server = ThrowawayPostgres()
        base_url = server.start()
    try:
        results = [measure_size(args, units, base_url, server) for units in sizes]
        print_summary(results)
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
