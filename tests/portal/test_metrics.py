"""The Prometheus endpoint (issue 13, item 16): who may read it and what it says."""

import datetime as dt

import pytest
import redis
import time_machine
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from portal.models import EmailMessage
from sync.models import ImportRun
from tests.accounts.conftest import log_in
from tests.factories import TenantFactory

TOKEN = "s3cr3t-metrics-token-0123456789abcdef"
NOW = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def _scrape(client, **extra) -> dict[tuple[str, tuple], float]:
    response = client.get("/metryki/", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **extra)
    assert response.status_code == 200, response.content
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


# --- who may read it -------------------------------------------------------------------


def test_without_a_configured_token_the_endpoint_does_not_exist(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metryki/").status_code == 404
    assert client.get("/metryki/", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_a_request_without_the_token_is_refused(client, token):
    assert client.get("/metryki/").status_code == 403


def test_a_wrong_token_is_refused(client, token):
    assert client.get("/metryki/", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metryki/", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 403
    assert client.get("/metryki/", HTTP_AUTHORIZATION=f"Bearer {TOKEN}x").status_code == 403


@pytest.mark.django_db
def test_the_right_token_gets_the_text_exposition(client, token):
    response = client.get("/metryki/", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    assert "# TYPE ebok_email_outbox_queued gauge" in response.content.decode()


@pytest.mark.django_db
def test_prometheus_scrapes_by_the_service_name_without_the_https_redirect(client, token, settings):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["ebok.example.pl"]
    settings.SECURE_SSL_REDIRECT = True
    assert _scrape(client, HTTP_HOST="web:8000")


# --- what it says -------------------------------------------------------------------------


@pytest.mark.django_db
def test_request_latency_is_counted_by_view_name_not_by_path(client, token, owner, unit):
    client.force_login(owner)
    key = ("ebok_http_request_duration_seconds_count", (("method", "GET"), ("status", "200"), ("view", "billing:unit")))
    before = _scrape(client).get(key, 0)
    client.get(f"/lokale/{unit.pk}/")
    client.get(f"/lokale/{unit.pk}/")
    samples = _scrape(client)
    assert samples[key] == before + 2
    client.get("/nie-ma-takiej-strony/12345/")
    unknown = ("ebok_http_request_duration_seconds_count", (("method", "GET"), ("status", "404"), ("view", "(brak)")))
    assert _scrape(client)[unknown] >= 1
    assert not any("nie-ma-takiej" in str(labels) for _, labels in _scrape(client))
    client.get("/static/css/nie-ma.css")
    static = ("ebok_http_request_duration_seconds_count", (("method", "GET"), ("status", "404"), ("view", "static")))
    assert _scrape(client)[static] >= 1


@pytest.mark.django_db
def test_outbox_backlog_and_failures(client, token):
    for status in ("queued", "queued", "failed", "sent"):
        EmailMessage.objects.create(to=["a@example.pl"], subject="x", body_text="x", status=status)
    samples = _scrape(client)
    assert samples[("ebok_email_outbox_queued", ())] == 2
    assert samples[("ebok_email_outbox_failed", ())] == 1


def _imported(finished_at, **fields) -> ImportRun:
    run = ImportRun.objects.create(bundle="/inbox/x", export_id=f"EXP-{finished_at:%H%M}", **fields)
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.IMPORTED, finished_at=finished_at)
    return run


@pytest.mark.django_db
def test_last_successful_import_age_duration_rows_and_staleness(client, token):
    _imported(
        NOW - dt.timedelta(hours=2),
        timings={"total": 3.25, "merge": 1.0},
        counts={"units": {"rows": 40}, "ledger": {"rows": 1200, "inserted": 1200}, "grants_ended": 0},
    )
    ImportRun.objects.create(bundle="/inbox/bad", status=ImportRun.Status.REFUSED, finished_at=NOW)
    with time_machine.travel(NOW, tick=False):
        samples = _scrape(client)
    assert samples[("ebok_import_last_success_age_seconds", ())] == 7200
    assert samples[("ebok_import_last_duration_seconds", ())] == 3.25
    assert samples[("ebok_import_last_rows", (("file", "ledger"),))] == 1200
    assert samples[("ebok_import_last_rows", (("file", "units"),))] == 40
    assert samples[("ebok_import_stale", ())] == 0
    with time_machine.travel(NOW + dt.timedelta(hours=25), tick=False):
        assert _scrape(client)[("ebok_import_stale", ())] == 1


@pytest.mark.django_db
def test_a_portal_that_never_imported_is_stale_and_has_no_age(client, token):
    samples = _scrape(client)
    assert samples[("ebok_import_stale", ())] == 1
    assert not any(name == "ebok_import_last_success_age_seconds" for name, _ in samples)


@pytest.mark.django_db
def test_celery_queue_length_is_read_from_the_broker(client, token, settings):
    # A database of the throwaway Redis of its own, so that no real worker takes the items.
    settings.CELERY_BROKER_URL = settings.CELERY_BROKER_URL.rsplit("/", 1)[0] + "/7"
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("celery")
    broker.rpush("celery", "task-1", "task-2", "task-3")
    try:
        assert _scrape(client)[("ebok_celery_queue_length", (("queue", "celery"),))] == 3
    finally:
        broker.delete("celery")
        broker.close()


@pytest.mark.django_db
def test_no_queue_length_when_tasks_run_in_process(client, token, settings):
    settings.CELERY_BROKER_URL = ""
    assert not any(name == "ebok_celery_queue_length" for name, _ in _scrape(client))


@pytest.mark.django_db
def test_locked_accounts_are_those_locked_now(token, settings):
    locked, unlocked_again, one_failure = TenantFactory(), TenantFactory(), TenantFactory()
    tenant_client = Client()
    for _ in range(3):
        log_in(tenant_client, locked.username, "ZłeHasło1")
    log_in(tenant_client, one_failure.username, "ZłeHasło1")
    for _ in range(3):
        log_in(tenant_client, unlocked_again.username, "ZłeHasło1")
    # Its last failure 16 minutes ago: the lock opened by itself after 15.
    AccessAttempt.objects.filter(username=unlocked_again.username).update(
        attempt_time=timezone.now() - dt.timedelta(minutes=16)
    )
    assert _scrape(Client())[("ebok_accounts_locked", ())] == 1
