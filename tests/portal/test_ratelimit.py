"""The per-client limiter on the database."""

import datetime as dt

import pytest
import time_machine
from django.test import RequestFactory

from portal.models import RateLimitHit
from portal.ratelimit import Limit, client_key, purge_old_hits, text_key

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


def test_limit_opens_again_when_the_oldest_attempt_leaves_the_window():
    limit = Limit("test", 3, dt.timedelta(hours=1))
    with time_machine.travel(START, tick=False) as clock:
        for minutes in (0, 10, 20):
            clock.move_to(START + dt.timedelta(minutes=minutes))
            assert not limit.exceeded("1.2.3.4")
            limit.hit("1.2.3.4")
        assert limit.exceeded("1.2.3.4")
        assert not limit.exceeded("1.2.3.5")  # other clients are not affected
        assert limit.retry_after("1.2.3.4") == dt.timedelta(minutes=40)
        clock.move_to(START + dt.timedelta(minutes=60, seconds=1))
        assert not limit.exceeded("1.2.3.4")


def test_scopes_are_counted_apart():
    Limit("a", 1).hit("k")
    assert Limit("a", 1).exceeded("k")
    assert not Limit("b", 1).exceeded("k")


def test_purge_removes_only_attempts_older_than_an_hour():
    with time_machine.travel(START, tick=False) as clock:
        Limit("a", 5).hit("old")
        clock.move_to(START + dt.timedelta(minutes=50))
        Limit("a", 5).hit("new")
        clock.move_to(START + dt.timedelta(minutes=70))
        assert purge_old_hits() == 1
    assert list(RateLimitHit.objects.values_list("key", flat=True)) == ["new"]


def test_ipv6_clients_are_keyed_by_their_64_prefix():
    factory = RequestFactory()
    one = factory.get("/", REMOTE_ADDR="2001:db8:1:2::10")
    other_device = factory.get("/", REMOTE_ADDR="2001:db8:1:2:aaaa::1")
    neighbour = factory.get("/", REMOTE_ADDR="2001:db8:1:3::10")
    assert client_key(one) == client_key(other_device) == "2001:db8:1:2::/64"
    assert client_key(neighbour) != client_key(one)
    assert client_key(factory.get("/", REMOTE_ADDR="192.0.2.1")) == "192.0.2.1"


def test_the_tickets_import_path_names_the_same_limiter():
    from portal import ratelimit
    from tickets import ratelimit as tickets_ratelimit

    assert tickets_ratelimit.Limit is ratelimit.Limit
    assert tickets_ratelimit.client_key is ratelimit.client_key


def test_beat_purges_old_attempts_every_hour(settings):
    from portal.tasks import ratelimit_purge

    entry = settings.CELERY_BEAT_SCHEDULE["portal-ratelimit-purge"]
    assert (entry["task"], entry["schedule"]) == (ratelimit_purge.name, dt.timedelta(hours=1))
    assert "tickets-ratelimit-purge" not in settings.CELERY_BEAT_SCHEDULE
    with time_machine.travel(START, tick=False) as clock:
        Limit("a", 5).hit("old")
        clock.move_to(START + dt.timedelta(minutes=70))
        assert ratelimit_purge.delay().get() == 1
    assert not RateLimitHit.objects.exists()


def test_typed_values_are_keyed_without_keeping_them():
    key = text_key(" Jan.Kowalski@Example.test ")
    assert key == text_key("jan.kowalski@example.test")
    assert "kowalski" not in key and len(key) <= 100
