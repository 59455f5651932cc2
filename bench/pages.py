"""Benchmark of the tenant pages (issue 5): speed of the money pages against a trivial view.

    make bench-pages             # or: .venv/bin/python bench/pages.py [--seconds 5 --rounds 3]

1. starts a throwaway PostgreSQL 15 cluster (or uses DATABASE_URL's server), creates a
   database, migrates it and collects the static files, all with production settings
   (DEBUG=0, manifest static files);
2. seeds one unit with 10 years of ledger (every month six charges and a payment,
   interest each quarter) and 120 invoices, a tenant with a grant to it, the operator,
   and other units with the same history around it (``--other-units``);
3. serves the app with gunicorn, 2 sync workers, and logs the tenant in;
4. in one run, round after round, measures requests per second (``--clients``
   concurrent connections) of the dashboard, the unit page, the invoice list and a
   trivial view of the same app (``/bench/trywialny/`` of ``bench/pages_urls.py``, one
   ``SELECT 1`` through the whole middleware chain) requested with the
   same session, and prints each page's ratio to the trivial view (target ≥ 0.5; the
   median of the rounds' ratios, each page measured in one-second slices taken in turn with
   the trivial view, so that both see the same load); also to a static page in the site's
   layout (``/prywatnosc/``), the cost every HTML page shares;
5. prints the median time to render one invoice PDF (target ≤ 300 ms) and to serve a
   stored one (target ≤ 10 ms), both in process and over HTTP, and for scale the trivial
   view's time over HTTP measured the same way (one request at a time, a new connection each).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))
sys.path.insert(0, str(BASE / "bench"))

PASSWORD = "Bench2026haslo"  # noqa: S105 - a throwaway database of the benchmark
PAGES = ["trivial", "layout", "dashboard", "unit", "invoices"]
# The operator of the benchmarks' databases (bench/load.py seeds the same one).
OPERATOR = {
    "name": "Spółdzielnia Mieszkaniowa „Źródło” w Zawierciu",
    "short_name": "SM Źródło",
    "street": "ul. Marszałkowska 12",
    "postal_code": "42-400",
    "city": "Zawiercie",
    "nip": "6340197497",
    "bank_account": "61109010140000071219812874",
    "phone": "32 672 00 00",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def production_env(database_url: str, folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DEBUG": "0",
        "DEMO": "0",
        "SECRET_KEY": "bench-pages-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "CONN_MAX_AGE": "60",
        # Plain HTTP on the loopback: no redirect to HTTPS, cookies without Secure.
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "PRIVATE_MEDIA_ROOT": str(folder / "private"),
        "PZ_ENVIRONMENT": "off",
        "CELERY_BROKER_URL": "",
        "EMAIL_URL": "dummymail://",
        "LOG_LEVEL": "WARNING",
        # The portal's settings with the trivial view added (bench/pages_urls.py).
        "DJANGO_SETTINGS_MODULE": "bench.pages_settings",
    }


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE, env=env, check=True, stdout=subprocess.DEVNULL)


# --- seeding (runs in a child process with the production settings) ------------------------------


def seed(other_units: int) -> dict[str, Any]:
    import datetime as dt
    from decimal import Decimal

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()
    from django.db import connection

    from accounts.models import UnitGrant, User
    from billing.models import Building, Invoice, InvoiceLine, LedgerEntry, Person, Unit
    from portal.models import Operator

    Operator.objects.create(**OPERATOR)
    building = Building.objects.create(street="ul. Źródlana", building_no="7", postal_code="42-400", city="Zawiercie")
    components = [
        ("eksploatacja", Decimal("212.40")),
        ("fundusz remontowy", Decimal("98.10")),
        ("woda", Decimal("121.75")),
        ("c.o.", Decimal("184.30")),
        ("odpady", Decimal("44.00")),
        ("domofon", Decimal("6.00")),
    ]
    months = [dt.date(2016 + m // 12, m % 12 + 1, 1) for m in range(120)]

    def ledger_rows(unit_ext: str) -> list[LedgerEntry]:
        rows: list[tuple[dt.date, dt.date | None, str, str, Decimal]] = []
        for first in months:
            for component, amount in components:
                rows.append((first, first + dt.timedelta(days=14), "charge", component, amount))
            rows.append((first + dt.timedelta(days=12), None, "payment", "wpłata", -Decimal("660.00")))
            if first.month % 3 == 0:
                rows.append((first + dt.timedelta(days=20), None, "interest", "odsetki", Decimal("3.17")))
        return [
            LedgerEntry(
                external_id=f"E-{unit_ext}-{n:05d}",
                unit_id=unit_ext,
                booked_on=booked,
                due_on=due,
                kind=kind,
                component=component,
                description=f"{component} {booked:%m/%Y}",
                amount=amount,
            )
            for n, (booked, due, kind, component, amount) in enumerate(rows)
        ]

    units = []
    for n in range(other_units + 1):
        ext = f"U{n:07d}"
        units.append(
            Unit(
                external_id=ext,
                building=building,
                kind="flat",
                unit_no=str(n + 1),
                area_m2=Decimal("52.40"),
                extra_area_m2=Decimal("3.10"),
                occupants=2,
                bank_account="36102010264177934379043909",
            )
        )
    Unit.objects.bulk_create(units)
    for unit in units:
        LedgerEntry.objects.bulk_create(ledger_rows(unit.external_id), batch_size=2000)
    unit = Unit.objects.get(external_id="U0000000")
    person = Person.objects.create(external_id="P0000000", first_name="Zofia", last_name="Łęcka")
    invoices, lines = [], []
    for n, first in enumerate(months):
        invoices.append(
            Invoice(
                external_id=f"I{n:07d}",
                unit_id=unit.external_id,
                number=f"FV/{n + 1}/{first:%m/%Y}",
                issued_on=first + dt.timedelta(days=4),
                sale_date=first - dt.timedelta(days=1),
                due_on=first + dt.timedelta(days=24),
                buyer_id=person.external_id,
                net=Decimal("254.23"),
                vat=Decimal("20.34"),
                gross=Decimal("274.57"),
            )
        )
        lines.append(
            InvoiceLine(
                invoice_id=f"I{n:07d}",
                line_no=1,
                name="Dostawa wody i odprowadzanie ścieków",
                quantity=Decimal("12.500"),
                measure_unit="m3",
                unit_net_price=Decimal("20.34"),
                vat_rate="8",
                net=Decimal("254.23"),
                vat=Decimal("20.34"),
                gross=Decimal("274.57"),
            )
        )
    Invoice.objects.bulk_create(invoices)
    InvoiceLine.objects.bulk_create(lines)
    user = User.objects.create_user(username="lokator-bench", password=PASSWORD, email="bench@example.test")
    user.person = person
    user.first_name, user.last_name = "Zofia", "Łęcka"
    user.save()
    UnitGrant.objects.create(user=user, unit=unit, since=dt.date(2010, 1, 1), source=UnitGrant.Source.STAFF)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "unit": unit.pk,
        "invoices": list(Invoice.objects.filter(unit_id=unit.external_id).order_by("pk").values_list("pk", flat=True)),
        "ledger_rows": LedgerEntry.objects.filter(unit_id=unit.external_id).count(),
        "all_ledger_rows": LedgerEntry.objects.count(),
    }


def pdf_in_process(invoice_ids: list[int], repeat: int) -> dict[str, float]:
    """Median render time of the invoice PDF and of finding a stored one, in this process."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()
    from billing import pdf
    from billing.models import Invoice
    from portal.models import Operator

    operator = Operator.current()
    invoices = list(Invoice.objects.filter(pk__in=invoice_ids).select_related("unit__building", "buyer"))
    lines = {i.pk: list(i.lines.order_by("line_no")) for i in invoices}
    pdf.render_invoice_pdf(invoices[0], lines[invoices[0].pk], operator)  # loads WeasyPrint and the fonts once
    render = []
    for invoice in invoices[:repeat]:
        started = time.perf_counter()
        pdf.render_invoice_pdf(invoice, lines[invoice.pk], operator)
        render.append(time.perf_counter() - started)
    for invoice in invoices[:repeat]:
        pdf.invoice_pdf(invoice, operator=operator)  # stores it
    stored = []
    for invoice in invoices[:repeat]:
        started = time.perf_counter()
        pdf.invoice_pdf(invoice, operator=operator)  # lines query + hash + file read
        stored.append(time.perf_counter() - started)
    return {"render": statistics.median(render), "stored": statistics.median(stored)}


# --- HTTP --------------------------------------------------------------------------------------


class Client:
    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        all_headers = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers=all_headers)
        response = conn.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        conn.close()
        return response.status, data

    def login(self, username: str) -> None:
        status, html = self.request("GET", "/logowanie/")
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if found is None:
            sys.exit(f"no login form ({status})")
        token = found.group(1).decode()
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD})
        status, _ = self.request(
            "POST",
            "/logowanie/",
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://127.0.0.1:{self.port}/logowanie/",
                "Origin": f"http://127.0.0.1:{self.port}",
            },
        )
        if status != 302 or "sessionid" not in self.cookies:
            sys.exit(f"login failed ({status})")


def requests_per_second(port: int, cookie: dict[str, str], path: str, seconds: float, clients: int) -> float:
    done = [0] * clients
    errors: list[str] = []
    stop = time.perf_counter() + seconds

    def run(slot: int) -> None:
        client = Client(port)
        client.cookies = dict(cookie)
        while time.perf_counter() < stop:
            status, _ = client.request("GET", path)
            if status != 200:
                errors.append(f"{path}: {status}")
                return
            done[slot] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        sys.exit(errors[0])
    return sum(done) / (time.perf_counter() - started)


def latency_ms(client: Client, paths: list[str], *, pdf: bool = True) -> float:
    times = []
    for path in paths:
        started = time.perf_counter()
        status, data = client.request("GET", path)
        times.append(time.perf_counter() - started)
        if status != 200 or (pdf and not data.startswith(b"%PDF-")):
            sys.exit(f"{path}: {status}")
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="measuring time per page and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all pages (medians are printed)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent connections")
    parser.add_argument(
        "--other-units", type=int, default=200, help="units with the same history around the one measured"
    )
    parser.add_argument("--pdfs", type=int, default=40, help="invoices whose PDF is rendered and served")
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--pdf-in-process", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        print(json.dumps(seed(args.other_units)))
        return
    if args.pdf_in_process:
        print(json.dumps(pdf_in_process([int(x) for x in args.pdf_in_process.split(",")], args.pdfs)))
        return

    folder = Path(tempfile.mkdtemp(prefix="ebok-bench-pages-"))
    pg = None
    server = None
    try:
        admin_url = os.environ.get("DATABASE_URL", "")
        if not admin_url.startswith("postgres"):
            from import_bundle import ThrowawayPostgres

            pg = ThrowawayPostgres()
            admin_url = pg.start()
        import psycopg

        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS ebok_bench_pages")
            conn.execute("CREATE DATABASE ebok_bench_pages")
        database_url = admin_url.rsplit("/", 1)[0] + "/ebok_bench_pages"
        env = production_env(database_url, folder)
        print("migrate, collectstatic …", flush=True)
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        print(f"seeding 1 + {args.other_units} units × 10 years, 120 invoices …", flush=True)
        seeded = json.loads(
            subprocess.run(
                [sys.executable, __file__, "--seed", "--other-units", str(args.other_units)],
                cwd=BASE,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        port = free_port()
        gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
        server = subprocess.Popen(
            [gunicorn, "portal.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
            cwd=BASE,
            env=env,
        )
        client = Client(port)
        deadline = time.monotonic() + 30
        while True:
            try:
                if client.request("GET", "/zdrowie/")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                sys.exit("gunicorn did not start")
            time.sleep(0.2)
        client.login("lokator-bench")
        unit = seeded["unit"]
        paths = {
            "trivial": "/bench/trywialny/",
            "layout": "/prywatnosc/",
            "dashboard": "/",
            "unit": f"/lokale/{unit}/",
            "invoices": f"/lokale/{unit}/faktury/",
        }
        for path in paths.values():  # warm up both workers
            requests_per_second(port, client.cookies, path, 1.0, args.clients)
        results: dict[str, list[float]] = {name: [] for name in PAGES}
        ratios: dict[str, list[float]] = {name: [] for name in PAGES}
        for round_no in range(args.rounds):
            # The machine's load changes from second to second (other processes): each page is
            # measured in one-second slices taken in turn with the others, so that every page of
            # a round sees the same load, and its ratio is taken to the trivial view of that round.
            done = dict.fromkeys(PAGES, 0.0)
            for slice_no in range(max(1, round(args.seconds))):
                order = PAGES if slice_no % 2 == 0 else PAGES[::-1]
                for name in order:
                    done[name] += requests_per_second(port, client.cookies, paths[name], 1.0, args.clients)
            for name in PAGES:
                results[name].append(done[name] / max(1, round(args.seconds)))
                ratios[name].append(results[name][-1] / results["trivial"][-1])
            print(
                f"round {round_no + 1}/{args.rounds}: " + ", ".join(f"{n} {results[n][-1]:.0f}/s" for n in PAGES),
                flush=True,
            )

        invoices = seeded["invoices"][: args.pdfs]
        pdf_paths = [f"/lokale/{unit}/faktury/{pk}/pdf/" for pk in invoices]
        first_http = latency_ms(client, pdf_paths)  # each one rendered and stored on its first request
        stored_http = latency_ms(client, pdf_paths)
        trivial_http = latency_ms(client, [paths["trivial"]] * len(pdf_paths), pdf=False)  # the same way, for scale
        in_process = json.loads(
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--pdf-in-process",
                    ",".join(map(str, seeded["invoices"][-args.pdfs :])),
                    "--pdfs",
                    str(args.pdfs),
                ],
                cwd=BASE,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )

        trivial = statistics.median(results["trivial"])
        print()
        print(
            f"Data: the measured unit has {seeded['ledger_rows']} ledger rows (10 years) and 120 invoices; "
            f"{seeded['all_ledger_rows']} ledger rows in all."
        )
        print(
            f"gunicorn 2 workers, DEBUG=0, PostgreSQL; {args.clients} clients, {args.rounds} rounds × {args.seconds:.0f} s, medians."
        )
        layout = statistics.median(results["layout"])
        print(
            f"{'page':<12}{'req/s':>10}{'to trivial':>12}{'of medians':>12}{'to layout page':>16}{'rounds':>18}"
            "   target: ratio to trivial ≥ 0.5"
        )
        for name in PAGES:
            rps = statistics.median(results[name])
            ratio = statistics.median(ratios[name])  # of the rounds' own ratios ("of medians": as before issue 15)
            each = "/".join(f"{r:.2f}" for r in ratios[name])
            mark = "" if name in ("trivial", "layout") else ("  ok" if ratio >= 0.5 else "  BELOW TARGET")
            print(f"{name:<12}{rps:>10.1f}{ratio:>12.2f}{rps / trivial:>12.2f}{rps / layout:>16.2f}{each:>18}{mark}")
        print()
        print(
            f"invoice PDF, render (in process, median of {args.pdfs}):        {in_process['render'] * 1000:7.1f} ms"
            f"   target ≤ 300 ms {'ok' if in_process['render'] <= 0.3 else 'ABOVE TARGET'}"
        )
        print(
            f"invoice PDF, stored one (in process: lines, hash, file read):   {in_process['stored'] * 1000:7.1f} ms"
            f"   target ≤ 10 ms {'ok' if in_process['stored'] <= 0.01 else 'ABOVE TARGET'}"
        )
        print(f"invoice PDF over HTTP, first request (render and store):     {first_http:7.1f} ms")
        print(f"invoice PDF over HTTP, stored one (whole request):           {stored_http:7.1f} ms")
        print(f"  for scale: the trivial view over HTTP, measured the same way: {trivial_http:7.1f} ms")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if pg is not None:
            pg.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
