"""Ticket numbers (D3): readable, sequential per year, never given twice."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from tests.factories import TenantFactory
from tickets import services
from tickets.models import Ticket

WARSAW = ZoneInfo("Europe/Warsaw")


def _file(reporter):
    return services.ticket_file(kind="message", subject="Sprawa", description="Opis", reporter=reporter).ticket


@pytest.mark.django_db
def test_numbers_are_sequential_and_restart_each_year_in_polish_time(owner):
    with time_machine.travel(dt.datetime(2026, 12, 31, 23, 58, tzinfo=WARSAW), tick=False):
        assert [_file(owner).number for _ in range(2)] == ["ZGL/2026/000001", "ZGL/2026/000002"]
    # 23:30 UTC on 31 December is already the new year in Warsaw.
    with time_machine.travel(dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC), tick=False):
        assert _file(owner).number == "ZGL/2027/000001"


@pytest.mark.django_db
def test_each_ticket_gets_its_own_code(owner):
    first = services.ticket_file(kind="message", subject="A", description="B", reporter=owner)
    second = services.ticket_file(kind="message", subject="A", description="B", reporter=owner)
    assert first.secret != second.secret
    assert first.ticket.secret_matches(first.secret) and not first.ticket.secret_matches(second.secret)


@pytest.mark.django_db(transaction=True)
def test_tickets_filed_at_the_same_moment_get_distinct_consecutive_numbers():
    reporter = TenantFactory()
    workers = 8
    barrier = threading.Barrier(workers)
    numbers, errors = [], []

    def file_one():
        try:
            barrier.wait()
            numbers.append(_file(reporter).number)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=file_one) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    year = Ticket.objects.first().created_at.astimezone(WARSAW).year
    assert sorted(numbers) == [f"ZGL/{year}/{n:06d}" for n in range(1, workers + 1)]
