"""Prometheus metrics (issue 13, item 16), served at ``/metryki/`` to a bearer of METRICS_TOKEN.

prometheus-client, the Prometheus project's own library, and not django-prometheus:
we need one request histogram labelled by view plus a handful of gauges read from
the database, while django-prometheus adds some fifty metrics, database and cache
wrappers and a pair of middlewares, and needs the same multiprocess setup anyway.

Two kinds of figures:

* the request latency histogram, recorded by every web process. gunicorn runs
  several workers, so with ``PROMETHEUS_MULTIPROC_DIR`` set each worker writes its
  samples to that directory and a scrape adds up all of them (prometheus-client's
  multiprocess mode); without it (runserver, tests) the process's own figures;
* gauges of the whole installation (outbox, imports, Celery queue, locked accounts),
  computed from the database and Redis at scrape time by ``PortalCollector``, so
  they are the same whichever worker answers.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db.models import Count
from django.utils import timezone
from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

_MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
if _MULTIPROC_DIR:
    # prometheus-client writes into it on the first request; a missing directory would
    # make every request fail, so it is made here (gunicorn.conf.py empties it at start).
    Path(_MULTIPROC_DIR).mkdir(parents=True, exist_ok=True)

_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

REQUEST_DURATION = Histogram(
    "ebok_http_request_duration_seconds",
    "Czas obsługi żądania HTTP według widoku (nazwa widoku z URLconf, nie ścieżka).",
    ["view", "method", "status"],
    registry=None,  # collected per scrape: from the processes' files or from this process
)

CELERY_QUEUE = "celery"  # the default queue; every task of the portal goes there


def observe_request(*, view: str, method: str, status: int, seconds: float) -> None:
    """Record one request. ``view`` is the URL pattern's name (bounded), never the raw path."""
    REQUEST_DURATION.labels(
        view=view or "(brak)",  # no pattern matched (404 of an unknown path, redirect before routing)
        method=method if method in _METHODS else "other",
        status=str(status),
    ).observe(seconds)


def exposition(accept: str = "") -> tuple[bytes, str]:
    """The text a scrape gets, and its content type: the format the scraper's Accept header
    asks for (OpenMetrics, text 1.0.0), else the text format every Prometheus reads (0.0.4)."""
    registry = CollectorRegistry()
    if _MULTIPROC_DIR:
        MultiProcessCollector(registry, path=_MULTIPROC_DIR)
    else:
        registry.register(REQUEST_DURATION)
    registry.register(PortalCollector())
    encoder, content_type = choose_encoder(accept)
    return encoder(registry), content_type


class PortalCollector(Collector):
    """Gauges of the installation, read when Prometheus scrapes."""

    def collect(self) -> Iterator[Metric]:
        yield from self._outbox()
        yield from self._imports()
        yield from self._celery_queue()
        yield from self._locked_accounts()

    def _outbox(self) -> Iterator[Metric]:
        from portal.models import EmailMessage

        by_status = dict(EmailMessage.objects.values_list("status").annotate(n=Count("id")).order_by())
        queued = GaugeMetricFamily(
            "ebok_email_outbox_queued", "Wiadomości e-mail w kolejce do wysłania (zaległości skrzynki nadawczej)."
        )
        queued.add_metric([], by_status.get(EmailMessage.Status.QUEUED, 0))
        yield queued
        failed = GaugeMetricFamily(
            "ebok_email_outbox_failed", "Wiadomości e-mail, których nie udało się wysłać (do ponowienia w panelu)."
        )
        failed.add_metric([], by_status.get(EmailMessage.Status.FAILED, 0))
        yield failed

    def _imports(self) -> Iterator[Metric]:
        from sync.selectors import import_finished_at, import_is_stale, last_successful_import

        now = timezone.now()
        last = last_successful_import()
        stale = GaugeMetricFamily(
            "ebok_import_stale",
            f"1, gdy od ponad IMPORT_STALE_HOURS ({settings.IMPORT_STALE_HOURS} h) nie wczytano pakietu (lub nigdy).",
        )
        stale.add_metric([], 1 if import_is_stale(last, now=now) else 0)
        yield stale
        if last is None:
            return  # never imported: no age, duration or rows to report
        age = GaugeMetricFamily(
            "ebok_import_last_success_age_seconds", "Sekundy od zakończenia ostatniego udanego importu pakietu."
        )
        age.add_metric([], (now - import_finished_at(last)).total_seconds())
        yield age
        duration = GaugeMetricFamily(
            "ebok_import_last_duration_seconds", "Czas trwania ostatniego udanego importu pakietu (s)."
        )
        duration.add_metric([], float(last.duration or 0))
        yield duration
        rows = GaugeMetricFamily(
            "ebok_import_last_rows",
            "Wiersze wczytane w ostatnim udanym imporcie, według pliku pakietu.",
            labels=["file"],
        )
        for file, counts in sorted(last.counts.items()):
            if isinstance(counts, dict) and "rows" in counts:
                rows.add_metric([file], counts["rows"])
        yield rows

    def _celery_queue(self) -> Iterator[Metric]:
        if not settings.CELERY_BROKER_URL:
            return  # tasks run in-process: there is no queue
        from portal.health import broker_redis

        try:
            client = broker_redis()
            try:
                length = client.llen(CELERY_QUEUE)
            finally:
                client.close()
        except Exception:  # the other metrics are still worth a scrape
            logger.warning("metrics: the Celery queue length cannot be read", exc_info=True)
            return
        queue = GaugeMetricFamily(
            "ebok_celery_queue_length", "Zadania czekające w kolejce Celery (Redis LLEN).", labels=["queue"]
        )
        queue.add_metric([CELERY_QUEUE], length)
        yield queue

    def _locked_accounts(self) -> Iterator[Metric]:
        from accounts.lockout import locked_accounts_count

        locked = GaugeMetricFamily(
            "ebok_accounts_locked", "Konta zablokowane teraz po nieudanych logowaniach (django-axes)."
        )
        locked.add_metric([], locked_accounts_count())
        yield locked
