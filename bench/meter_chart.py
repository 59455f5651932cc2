"""Benchmark of the consumption chart for 10 years of readings (issue 6, "Done when").

    make bench-chart          # or: .venv/bin/python bench/meter_chart.py [--runs 30]

1. loads one unit with four meters installed ten years ago: cold and hot water and
   heat read monthly (collector/radio, ~120 readings each) and an electricity meter
   read daily by radio (~3,650 readings);
2. times whole requests of a logged-in tenant through Django (middleware, scoped
   selectors, SQL on PostgreSQL, spreading across months, SVG and template
   rendering) for a period of 10 years (120 months):
   - the history page of a monthly-read meter,
   - the history page of the daily-read meter,
   - the unit's history page (four charts, every reading of the period in the table);
3. times the chart alone (spreading + SVG geometry + template, no database);
4. prints the median and the slowest run of each, in milliseconds.

Django runs as in production (DEBUG=0, no query logging). With DATABASE_URL
pointing at PostgreSQL it uses that server (creating and dropping a database
``ebok_bench_chart``); otherwise it starts a throwaway PostgreSQL 15 cluster
(the one of bench/import_bundle.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))
sys.path.insert(0, str(BASE / "bench"))

YEARS = 10


def _timed(fn, runs: int) -> tuple[float, float]:
    fn()  # warm-up: template loading, connection, caches
    fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)


def _load(today: dt.date):
    """The unit, its tenant and meters, with ten years of readings."""
    from accounts.models import UnitGrant, User
    from billing.models import Building, Unit
    from meters.models import Meter, Reading

    building = Building.objects.create(street="ul. Źródlana", building_no="7", postal_code="42-400", city="Zawiercie")
    unit = Unit.objects.create(external_id="U-BENCH", building=building, kind="flat", unit_no="12")
    user = User.objects.create_user(username="lokator.bench")  # force_login: no password needed
    UnitGrant.objects.create(user=user, unit=unit, since=dt.date(2010, 1, 1), source="staff")
    start = today.replace(year=today.year - YEARS, day=1)
    meters, readings = {}, []
    for medium, per_month in (("cold_water", "3.1"), ("hot_water", "1.7"), ("heat", "0.9")):
        meter = Meter.objects.create(
            external_id=f"M-{medium}",
            unit=unit,
            medium=medium,
            serial_no=f"SN-{medium}",
            installed_on=start,
            legalization_valid_until=today + dt.timedelta(days=900),
            initial_value=Decimal(0),
        )
        meters[medium] = meter
        day, value, n = start, Decimal(0), 0
        while day <= today:
            value += Decimal(per_month) * Decimal(1 + (n % 5) / 10)
            n += 1
            day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            if day <= today:
                readings.append(
                    Reading(
                        reading_id=f"R-{medium}-{n}",
                        meter=meter,
                        read_on=day,
                        value=value.quantize(Decimal("0.001")),
                        source="collector" if n % 2 else "radio",
                    )
                )
    daily = Meter.objects.create(
        external_id="M-electricity",
        unit=unit,
        medium="electricity",
        serial_no="SN-electricity",
        installed_on=start,
        legalization_valid_until=today + dt.timedelta(days=900),
        initial_value=Decimal(0),
    )
    meters["electricity"] = daily
    day, value, n = start, Decimal(0), 0
    while day < today:
        day += dt.timedelta(days=1)
        n += 1
        value += Decimal("6.5") + Decimal(n % 7)
        readings.append(Reading(reading_id=f"R-el-{n}", meter=daily, read_on=day, value=value, source="radio"))
    Reading.objects.bulk_create(readings, batch_size=2000)
    return unit, user, meters, len(readings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    server = None
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith("postgres"):
        from import_bundle import ThrowawayPostgres

        server = ThrowawayPostgres()
        base_url = server.start()
    private = tempfile.mkdtemp(prefix="ebok-bench-chart-")
    try:
        import psycopg

        admin_dsn = base_url.rsplit("/", 1)[0].replace("postgres://", "postgresql://") + "/postgres"
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS ebok_bench_chart")
            conn.execute("CREATE DATABASE ebok_bench_chart")
        os.environ.update(
            {
                "DATABASE_URL": base_url.rsplit("/", 1)[0] + "/ebok_bench_chart",
                "DJANGO_SETTINGS_MODULE": "portal.settings",
                "DEBUG": "0",
                "SECRET_KEY": "bench-only-not-a-secret",
                "ALLOWED_HOSTS": "testserver",
                "SECURE_SSL_REDIRECT": "0",
                "SESSION_COOKIE_SECURE": "0",
                "CSRF_COOKIE_SECURE": "0",
                "STATIC_MANIFEST": "0",
                "DEMO": "0",
                "CELERY_BROKER_URL": "",
                "READING_WINDOW_DAYS": "",
                "LOG_LEVEL": "WARNING",
                "PRIVATE_MEDIA_ROOT": private,
            }
        )
        import warnings

        import django

        warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no collectstatic here
        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django.template.loader import render_to_string
        from django.test import Client
        from django.urls import reverse
        from django.utils import timezone

        from meters import selectors
        from meters.chart import monthly_chart

        call_command("migrate", "--no-input", verbosity=0)
        today = timezone.localdate()
        unit, user, meters, count = _load(today)
        first = today.replace(year=today.year - YEARS, day=1) + dt.timedelta(days=31)
        period = {"od": f"{first:%Y-%m}", "do": f"{today:%Y-%m}"}
        client = Client()
        client.force_login(user)

        def page(url: str):
            def get():
                response = client.get(url, period)
                assert response.status_code == 200, response.status_code
                assert b"<svg" in response.content

            return get

        monthly_meter, daily_meter = meters["cold_water"], meters["electricity"]
        points = selectors.measured_points([monthly_meter])[monthly_meter.external_id]
        first_day = first.replace(day=1)

        def chart_only():
            months = selectors.monthly_usage(monthly_meter, points, first_day, today)
            chart = monthly_chart(months, chart_id="w", subject="zimna woda", unit="m³")
            render_to_string("meters/_chart.html", {"chart": chart, "months": months})

        months = len(selectors.monthly_usage(monthly_meter, points, first_day, today))
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            pg_version = cursor.fetchone()[0].split(",")[0]
        print(f"Data: 1 unit, 4 meters, {count:,} readings over {YEARS} years; chart period {months} months")
        print(f"Machine: {os.cpu_count()} cores; {pg_version} ({'throwaway cluster' if server else 'DATABASE_URL'})")
        print(f"Each figure: median and slowest of {args.runs} runs after 2 warm-up runs (whole request, DEBUG=0)")
        results = [
            ("meter page, monthly readings", page(reverse("meters:meter", args=[monthly_meter.pk]))),
            ("meter page, daily radio readings", page(reverse("meters:meter", args=[daily_meter.pk]))),
            ("unit page, 4 charts", page(reverse("meters:unit_history", args=[unit.pk]))),
            ("chart alone (no database)", chart_only),
        ]
        for label, fn in results:
            median, slowest = _timed(fn, args.runs)
            print(f"{label:34s} median {median:7.1f} ms   slowest {slowest:7.1f} ms")
        connection.close()
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS ebok_bench_chart")
    finally:
        if server:
            server.stop()
        import shutil

        shutil.rmtree(private, ignore_errors=True)


if __name__ == "__main__":
    main()
