"""Month-end load on the tenant pages (issue 18, item 2), used by ``bench/scale.py``.

On a database the import filled, it creates one tenant account per simulated tenant, each on
its own flat (the accounts share one precomputed Argon2 hash: hashing each would cost as much
as the logins measured), gives every such unit an invoice with its PDF stored, starts gunicorn
with production settings (DEBUG=0, ``bench/load_settings.py``) and runs locust headless
(``bench/locustfile.py``) twice: logins only, then the month-end visit.

Why locust: maintained, Python like the project, headless with CSV output, and its
``FastHttpUser`` (geventhttpclient) keeps the load generator's own CPU small on a small machine.

"Per core" figures divide by the CPU seconds the server spent (gunicorn's workers and the
PostgreSQL backends, read with psutil before and after each phase), not by the machine's cores:
the machine is shared, and its other processes would otherwise count as the portal's.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))
PASSWORD = "Bench2026haslo"  # noqa: S105 - a throwaway database of the benchmark
PAGES = [
    "login form",
    "login",
    "dashboard",
    "unit page",
    "ledger, one year",
    "invoice list",
    "stored invoice PDF",
    "reading form",
    "reading submitted",
    "logout",
]


# --- the tenants (runs in a child process with the production settings) -------------------------


def setup_tenants(count: int) -> list[dict[str, Any]]:
    """``count`` tenant accounts, each with a grant to its own flat (spread over the whole
    database), a meter there that takes a reading today, and an invoice whose PDF is stored."""
    import datetime as dt
    from unittest import mock

    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.db.models import Max
    from django.utils import timezone

    from accounts.models import UnitGrant, User
    from billing import pdf, selectors
    from billing.models import Invoice, InvoiceLine, Unit
    from meters.models import Meter, Reading
    from portal.models import Operator

    today = timezone.localdate()
    if Operator.current() is None:
        sys.path.insert(0, str(BASE / "bench"))
        from pages import OPERATOR

        Operator.objects.create(**OPERATOR)
    operator = Operator.current()
    User.objects.filter(username__startswith="lokator-").delete()
    Invoice.objects.filter(external_id__startswith="BENCH-").delete()
    # (pk, external id, the unit's external id, initial value); the stubs type unit_id as an int.
    meters = [
        (pk, ext, str(unit), initial)
        for pk, ext, unit, initial in Meter.objects.filter(
            medium="cold_water",
            withdrawn_at__isnull=True,
            removed_on__isnull=True,
            installed_on__lte=today,
            legalization_valid_until__gte=today,
        )
        .order_by("unit_id")
        .values_list("pk", "external_id", "unit_id", "initial_value")
    ]
    if len(meters) < count:
        sys.exit(f"only {len(meters)} flats with a meter that takes readings today, {count} tenants asked")
    step = len(meters) / count
    chosen = [meters[int(n * step)] for n in range(count)]
    last = {
        str(meter): top
        for meter, top in Reading.objects.filter(meter_id__in=[m[1] for m in chosen])
        .values("meter_id")
        .annotate(top=Max("value"))
        .values_list("meter_id", "top")
    }
    unit_pks: dict[str, int] = dict(
        Unit.objects.filter(external_id__in=[m[2] for m in chosen]).values_list("external_id", "pk")
    )
    one_hash = make_password(PASSWORD)  # Argon2 once; every account gets the same hash
    users = User.objects.bulk_create(
        User(username=f"lokator-{n:06d}", password=one_hash, email=f"lokator{n}@example.test") for n in range(count)
    )
    UnitGrant.objects.bulk_create(
        UnitGrant(user=user, unit_id=unit_pks[m[2]], since=dt.date(2010, 1, 1), source=UnitGrant.Source.STAFF)
        for user, m in zip(users, chosen, strict=True)
    )

    # Invoices are issued to commercial units only in the generated data: each tenant's flat gets
    # a copy of one, so that every tenant opens a stored PDF of its own unit.
    template = Invoice.objects.order_by("pk").first()
    if template is None:
        sys.exit("the bundle has no invoice to copy")
    lines = list(InvoiceLine.objects.filter(invoice_id=template.external_id).order_by("line_no"))
    fields = [f.attname for f in Invoice._meta.concrete_fields if not f.primary_key]
    line_fields = [f.attname for f in InvoiceLine._meta.concrete_fields if not f.primary_key]
    invoices = Invoice.objects.bulk_create(
        Invoice(
            **{
                **{name: getattr(template, name) for name in fields},
                "external_id": f"BENCH-{n:07d}",
                "number": f"FV/BENCH/{n}",
                "unit_id": m[2],
                "ksef_number": "",
                "ksef_hash": "",
            }
        )
        for n, m in enumerate(chosen)
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(**{**{name: getattr(line, name) for name in line_fields}, "invoice_id": invoice.external_id})
        for invoice in invoices
        for line in lines
    )
    # Stored through the portal's own path (pdf.invoice_pdf names and stores the current
    # version), with one real rendering reused: serving a stored PDF reads a file, whatever it says.
    units = {u.external_id: u for u in Unit.objects.filter(external_id__in=unit_pks).select_related("building")}
    first = selectors.invoice_for_unit(units[chosen[0][2]], invoices[0].pk)
    rendered = pdf.render_invoice_pdf(first, lines, operator)
    with mock.patch.object(pdf, "render_invoice_pdf", return_value=rendered):
        for invoice, m in zip(invoices, chosen, strict=True):
            found = selectors.invoice_for_unit(units[m[2]], invoice.pk)
            found.unit = units[m[2]]
            pdf.invoice_pdf(found, operator=operator)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return [
        {
            "username": user.username,
            "unit": unit_pks[m[2]],
            "meter": m[0],
            "last_value": str(last.get(m[1]) or m[3] or 0),
            "invoice": invoice.pk,
            "today": today.isoformat(),
        }
        for user, m, invoice in zip(users, chosen, invoices, strict=True)
    ]


# --- measuring ------------------------------------------------------------------------------------


@dataclass
class CpuMeter:
    """CPU seconds (user + system) of the given parents and everything under them, between
    ``start`` and ``stop``: gunicorn's workers, PostgreSQL's backends. A child that ended in
    between still counts: its parent reaped it, and its time moved to the parent's
    ``children_user``/``children_system`` (PostgreSQL's backends end with their connection)."""

    parents: list[int]
    before: float = 0.0

    def _now(self) -> float:
        total = 0.0
        for pid in self.parents:
            try:
                parent = psutil.Process(pid)
                times = parent.cpu_times()
                total += times.user + times.system + times.children_user + times.children_system
                for proc in parent.children(recursive=True):
                    try:
                        times = proc.cpu_times()
                        total += times.user + times.system
                    except psutil.Error:
                        continue
            except psutil.Error:
                continue
        return total

    def start(self) -> None:
        self.before = self._now()

    def stop(self) -> float:
        return self._now() - self.before


@dataclass
class Phase:
    name: str
    wall: float
    cpu_web: float
    cpu_db: float
    stats: dict[str, dict[str, float]]
    failures: list[str]
    server: dict[str, dict[str, float]]  # per page: the server's CPU and query time (bench/load_timing.py)

    @property
    def requests(self) -> int:
        return int(sum(s["count"] for s in self.stats.values()))

    @property
    def errors(self) -> int:
        return int(sum(s["failures"] for s in self.stats.values()))


def _percentile(response_times: dict[str, int], share: float) -> float:
    """The response time (ms, as locust rounds it) below which ``share`` of the requests fall."""
    total = sum(response_times.values())
    seen = 0
    for ms in sorted(response_times, key=float):
        seen += response_times[ms]
        if seen >= share * total:
            return float(ms)
    return 0.0


def _read_stats(prefix: Path) -> tuple[dict[str, dict[str, float]], list[str]]:
    """Per page: requests, failures, p50/p95/max in ms, from locust's final JSON (the CSV files
    are written every second and may miss the last requests); failure messages from its CSV."""
    stats: dict[str, dict[str, float]] = {}
    for entry in json.loads((prefix.parent / f"{prefix.name}.json").read_text("utf-8")):
        stats[entry["name"]] = {
            "count": float(entry["num_requests"]),
            "failures": float(entry["num_failures"]),
            "p50": _percentile(entry["response_times"], 0.50),
            "p95": _percentile(entry["response_times"], 0.95),
            "max": float(entry["max_response_time"] or 0),
        }
    failures_path = prefix.parent / f"{prefix.name}_failures.csv"
    failures = []
    if failures_path.exists():
        with failures_path.open(encoding="utf-8") as fh:
            failures = [f"{r['Name']}: {r['Error']} ×{r['Occurrences']}" for r in csv.DictReader(fh)]
    return stats, failures


def run_locust(
    *,
    name: str,
    port: int,
    tenants: list[dict[str, Any]],
    users: int,
    folder: Path,
    env: dict[str, str],
    cpu: tuple[CpuMeter, CpuMeter],
    cap_seconds: int,
) -> Phase:
    data = folder / f"tenants-{name}.json"
    data.write_text(json.dumps(tenants), "utf-8")
    prefix = folder / f"locust-{name}"
    locust_env = {
        **env,
        "BENCH_TENANTS": str(data),
        "BENCH_JOURNEY": name,
        "BENCH_PASSWORD": PASSWORD,
        "BENCH_SERVER_TIMES": str(folder / f"server-{name}.json"),
    }
    cmd = [
        sys.executable, "-m", "locust", "-f", str(BASE / "bench" / "locustfile.py"), "--headless",
        "--users", str(users), "--spawn-rate", str(users), "--host", f"http://127.0.0.1:{port}",
        "--run-time", f"{cap_seconds}s", "--csv", str(prefix), "--json-file", str(prefix), "--only-summary", "--loglevel", "WARNING",
        "--exit-code-on-error", "0",
    ]  # fmt: skip
    web, db = cpu
    web.start()
    db.start()
    started = time.perf_counter()
    with (folder / f"locust-{name}.log").open("w") as log:
        subprocess.run(cmd, cwd=BASE, env=locust_env, check=True, stdout=log, stderr=subprocess.STDOUT)
    wall = time.perf_counter() - started
    cpu_web, cpu_db = web.stop(), db.stop()
    stats, failures = _read_stats(prefix)
    served = stats.get("logout", {}).get("count", 0)
    if served < len(tenants):  # a visit cut short: say why (locust's own log)
        text = (folder / f"locust-{name}.log").read_text("utf-8", errors="replace")
        failures.append(f"{len(tenants) - served:.0f} of {len(tenants)} visits not finished; locust: {text[-3000:]}")
    server: dict[str, dict[str, float]] = {}
    times_path = folder / f"server-{name}.json"
    for page, samples in (json.loads(times_path.read_text("utf-8")) if times_path.exists() else {}).items():
        cpu_ms, db_ms, queries = (sorted(column) for column in zip(*samples, strict=True))
        server[page] = {
            "cpu_p50": _quantile(cpu_ms, 0.50),
            "cpu_p95": _quantile(cpu_ms, 0.95),
            "db_p50": _quantile(db_ms, 0.50),
            "db_p95": _quantile(db_ms, 0.95),
            "queries": _quantile(queries, 0.50),
        }
    return Phase(name, wall, cpu_web, cpu_db, stats, failures, server)


def _quantile(values: list[float], share: float) -> float:
    """Of sorted ``values``, the one below which ``share`` of them fall (nearest rank)."""
    return values[min(len(values) - 1, max(0, int(share * len(values) + 0.5) - 1))] if values else 0.0


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def month_end_load(
    *,
    database_url: str,
    folder: Path,
    tenants: int,
    users: int,
    workers: int,
    postmaster_pid: int | None,
    cap_seconds: int = 600,
) -> dict[str, Any]:
    """Set up ``tenants`` accounts, serve the portal with gunicorn and run both phases."""
    sys.path.insert(0, str(BASE / "bench"))
    from pages import production_env

    env = production_env(database_url, folder)
    env["DJANGO_SETTINGS_MODULE"] = "bench.load_settings"
    env["CONN_MAX_AGE"] = "600"
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=BASE,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, "--setup-tenants", str(tenants)],
        cwd=BASE,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    accounts: list[dict[str, Any]] = json.loads(out)
    setup_seconds = time.perf_counter() - started
    port = free_port()
    # ``python -m gunicorn``: this virtualenv's interpreter (a copied virtualenv's scripts may
    # name another one in their first line).
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=BASE,
        env=env,
    )
    try:
        import http.client

        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/zdrowie/")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                sys.exit("gunicorn did not start")
            time.sleep(0.2)
        cpu = (CpuMeter([server.pid]), CpuMeter([postmaster_pid] if postmaster_pid else []))
        logins = run_locust(
            name="login",
            port=port,
            tenants=accounts[: max(len(accounts) // 2, 1)],
            users=users,
            folder=folder,
            env=env,
            cpu=cpu,
            cap_seconds=cap_seconds,
        )
        visits = run_locust(
            name="month-end",
            port=port,
            tenants=accounts,
            users=users,
            folder=folder,
            env=env,
            cpu=cpu,
            cap_seconds=cap_seconds,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "tenants": len(accounts),
        "setup_seconds": setup_seconds,
        "workers": workers,
        "users": users,
        "session_engine": os.environ.get("SESSION_ENGINE", "(the portal's setting)"),
        "login": logins,
        "visit": visits,
    }


def print_load(result: dict[str, Any], units: int) -> None:
    visit: Phase = result["visit"]
    login: Phase = result["login"]
    server_cpu = visit.cpu_web + visit.cpu_db
    print(
        f"Month-end load at {units:,} units: {result['tenants']} tenants (set up in {result['setup_seconds']:.0f} s), "
        f"{result['users']} concurrent locust users, gunicorn {result['workers']} sync workers, DEBUG=0, "
        f"sessions: {result['session_engine']}"
    )
    print(
        f"  visits: {visit.requests} requests in {visit.wall:.1f} s = {visit.requests / visit.wall:.1f} req/s; "
        f"server CPU {server_cpu:.1f} s (web {visit.cpu_web:.1f}, database {visit.cpu_db:.1f}) → "
        f"{visit.requests / max(server_cpu, 1e-9):.1f} req/s per core; errors {visit.errors} (target 0)"
    )
    print(
        f"  {'page':<22}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
        f"   server: {'CPU p50':>8}{'CPU p95':>8}{'DB p50':>8}{'DB p95':>8}{'queries':>8}"
    )
    for name in PAGES:
        s = visit.stats.get(name)
        t = visit.server.get(name)
        if s:
            server = (
                f"{t['cpu_p50']:>8.1f}{t['cpu_p95']:>8.1f}{t['db_p50']:>8.1f}{t['db_p95']:>8.1f}{t['queries']:>8.0f}"
                if t
                else ""
            )
            print(
                f"  {name:<22}{s['count']:>9.0f}{s['failures']:>8.0f}{s['p50']:>9.0f}{s['p95']:>9.0f}{s['max']:>9.0f}"
                f"           {server}"
            )
    for failure in visit.failures[:10] + login.failures[:10]:
        print(f"  error: {failure}")
    n_logins = login.stats.get("login", {}).get("count", 0)
    login_cpu = login.cpu_web + login.cpu_db
    per_core = n_logins / max(login_cpu, 1e-9)
    print(
        f"  logins: {n_logins:.0f} (login form, login, logout each) in {login.wall:.1f} s, server CPU {login_cpu:.1f} s "
        f"→ {per_core:.1f} logins/s per core; login p95 {login.stats.get('login', {}).get('p95', 0):.0f} ms; "
        f"errors {login.errors}"
    )
    print(
        f"  5,000 tenants logging in within an hour = {5000 / 3600:.2f} logins/s = {5000 / 3600 / per_core:.2f} core; "
        f"within 10 minutes: {5000 / 600 / per_core:.2f} cores"
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--setup-tenants":
        print(json.dumps(setup_tenants(int(sys.argv[2]))))
