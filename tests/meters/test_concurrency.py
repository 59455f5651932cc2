"""Double submissions at the same moment, on PostgreSQL: the meter's row lock lets one through.

The test holds the meter's row lock itself while both requests start, waits until
PostgreSQL shows both waiting for that lock, and only then lets go; so both requests
really are inside ``reading_submit`` at once. Without the lock in the service they
would not wait, and the test would fail on the first assertion.
"""

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse

from meters.models import Meter, Reading
from tests.meters.helpers import form_token

pytestmark = pytest.mark.django_db(transaction=True)


def _waiting_for_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # inside a transaction the view is a snapshot
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def _post(client: Client, url: str, data: dict, results: list) -> None:
    try:
        results.append(client.post(url, data).status_code)
    finally:
        connections.close_all()


@pytest.mark.parametrize("tabs", ["double click (one form)", "two tabs (two forms)"])
def test_two_submissions_at_the_same_moment_make_one_reading(owner, meter, history, frozen, tabs):
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(owner)
    tokens = (
        [form_token(clients[0], meter)] * 2 if tabs.startswith("double") else [form_token(c, meter) for c in clients]
    )
    url = reverse("meters:submit", args=[meter.pk])
    results: list[int] = []
    threads = [
        threading.Thread(target=_post, args=(c, url, {"value": "140,5", "read_on": "2026-11-21", "token": t}, results))
        for c, t in zip(clients, tokens, strict=True)
    ]
    with transaction.atomic():
        Meter.objects.select_for_update().get(pk=meter.pk)
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 20
        while _waiting_for_locks() < 2:
            assert time.monotonic() < deadline, "both requests should wait for the meter's row lock"
            time.sleep(0.05)
    for thread in threads:
        thread.join(timeout=30)
    assert results == [302, 302]
    assert Reading.objects.filter(source=Reading.Source.TENANT).count() == 1
