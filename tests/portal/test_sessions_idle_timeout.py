"""Sessions without a write per request (issue 18): the idle timeout still holds, the session is
saved at most once a minute while unchanged, and production keeps sessions on Redis."""

from __future__ import annotations

import datetime as dt
import os

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.accounts.conftest import log_in
from tests.settings_probe import settings_value

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


def _session_writes(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "django_session" in q["sql"] and "SELECT" not in q["sql"]]


def _expiry(client) -> dt.datetime:
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_pages_within_a_minute_of_the_last_save_write_no_session(client, owner):
    with time_machine.travel(START, tick=False) as clock:
        log_in(client, owner.username)
        saved = _expiry(client)
        for _ in range(5):
            clock.shift(dt.timedelta(seconds=10))
            with CaptureQueriesContext(connection) as queries:
                assert client.get("/").status_code == 200
            assert _session_writes(queries) == []
        assert _expiry(client) == saved


def test_the_first_page_a_minute_after_the_last_save_renews_the_idle_timeout(client, owner):
    with time_machine.travel(START, tick=False) as clock:
        log_in(client, owner.username)
        clock.shift(dt.timedelta(seconds=61))
        with CaptureQueriesContext(connection) as queries:
            client.get("/")
        assert len(_session_writes(queries)) == 1
        assert _expiry(client) == START + dt.timedelta(seconds=61, minutes=30)


def test_an_idle_session_ends_at_most_a_minute_early_and_never_late(client, owner):
    with time_machine.travel(START, tick=False) as clock:
        log_in(client, owner.username)
        clock.shift(dt.timedelta(seconds=59))
        assert "Twoje lokale" in client.get("/").content.decode()  # not saved: too soon
        clock.shift(dt.timedelta(minutes=30, seconds=-59))  # 30 minutes after the last save
        assert "Twoje lokale" not in client.get("/").content.decode()


def test_production_keeps_sessions_on_redis_and_the_test_command_in_the_database():
    on_redis = settings_value(
        "settings.SESSION_ENGINE, settings.CACHES['default']['BACKEND']", CACHE_REDIS_URL="redis://127.0.0.1:1/2"
    )
    assert on_redis == "django.contrib.sessions.backends.cache django.core.cache.backends.redis.RedisCache"
    assert settings_value("settings.SESSION_ENGINE", unset=["CACHE_REDIS_URL"]) == "django.contrib.sessions.backends.db"


def test_a_session_on_redis_is_read_back_and_writes_nothing_to_the_database(client, owner, settings):
    """The cache engine against the test command's Redis (database 3): login, pages, logout."""
    broker = os.environ["CELERY_BROKER_URL"]
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": broker.rsplit("/", 1)[0] + "/3",
            "KEY_PREFIX": "ebok-test-sessions",
        },
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    try:
        with time_machine.travel(START, tick=False) as clock:
            log_in(client, owner.username)
            clock.shift(dt.timedelta(minutes=20))
            assert "Twoje lokale" in client.get("/").content.decode()
            clock.shift(dt.timedelta(minutes=20))
            assert "Twoje lokale" in client.get("/").content.decode()
            assert not Session.objects.exists()
            client.post(reverse("logout"))
            assert "Twoje lokale" not in client.get("/").content.decode()
    finally:
        caches["default"].clear()
