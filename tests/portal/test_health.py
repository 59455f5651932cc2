"""Liveness and readiness probes (issue 13, item 17): what the compose health checks call."""

import socket

import pytest
from django.db import connection
from django.db.utils import OperationalError

from portal import health

# Production as the container's health check meets it: the public name only, HTTPS redirect on.
PRODUCTION = {"DEBUG": False, "ALLOWED_HOSTS": ["ebok.example.pl"], "SECURE_SSL_REDIRECT": True}
CONTAINER = {"HTTP_HOST": "127.0.0.1:8000"}


@pytest.fixture(autouse=True)
def _migrations_checked_again(monkeypatch):
    """Each test starts from a process that has not yet seen its migrations applied."""
    monkeypatch.setattr(health, "_migrations_applied", False)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_liveness_answers_ok_without_touching_the_database(client):
    # No django_db mark: any query would fail the test.
    response = client.get("/zdrowie/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "private, no-store"


def test_liveness_answers_the_container_host_without_the_https_redirect(client, settings):
    for name, value in PRODUCTION.items():
        setattr(settings, name, value)
    assert client.get("/zdrowie/", **CONTAINER).status_code == 200
    # Every other path still refuses an unknown host.
    assert client.get("/prywatnosc/", **CONTAINER).status_code == 400


@pytest.mark.django_db
def test_readiness_answers_the_container_host_without_the_https_redirect(client, settings):
    for name, value in PRODUCTION.items():
        setattr(settings, name, value)
    response = client.get("/zdrowie/gotowosc/", **CONTAINER)
    assert response.status_code == 200, response.content


@pytest.mark.django_db
def test_readiness_reports_database_redis_and_migrations(client, settings):
    assert settings.CELERY_BROKER_URL.startswith("redis://")  # scripts/test.sh starts a Redis
    response = client.get("/zdrowie/gotowosc/")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok", "migrations": "ok"},
    }


@pytest.mark.django_db
def test_readiness_skips_redis_when_tasks_run_in_process(client, settings):
    settings.CELERY_BROKER_URL = ""
    response = client.get("/zdrowie/gotowosc/")
    assert response.status_code == 200
    assert response.json()["checks"]["redis"] == "skipped"


@pytest.mark.django_db
def test_readiness_is_503_naming_redis_when_the_broker_does_not_answer(client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    response = client.get("/zdrowie/gotowosc/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["failed"] == ["redis"]
    assert body["checks"]["database"] == "ok"


@pytest.mark.django_db
def test_readiness_is_503_naming_migrations_not_yet_applied(client):
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM django_migrations WHERE id = (SELECT max(id) FROM django_migrations WHERE app = 'sync')"
        )
    response = client.get("/zdrowie/gotowosc/")
    assert response.status_code == 503
    assert response.json()["failed"] == ["migrations"]
    assert response.json()["checks"]["migrations"] == "pending"


@pytest.mark.django_db
def test_readiness_keeps_a_positive_migrations_answer_for_the_process(client):
    assert client.get("/zdrowie/gotowosc/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = 'sync'")
    # Migrations only change with a deployment, which restarts the process.
    assert client.get("/zdrowie/gotowosc/").json()["checks"]["migrations"] == "ok"


@pytest.mark.django_db
def test_readiness_is_503_naming_the_database_when_it_does_not_answer(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/zdrowie/gotowosc/")
    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]
    assert response.json()["checks"]["migrations"] == "skipped"
