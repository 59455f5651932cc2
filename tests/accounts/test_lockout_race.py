"""Axes' known burst race (A7): parallel wrong attempts must not all reach the password check."""

import http.client
import threading
import time
import urllib.parse
from http.cookies import SimpleCookie

import pytest
from axes.models import AccessAttempt

from accounts.lockout import lockout_until
from tests.accounts.hashers import CountingArgon2Hasher
from tests.factories import PASSWORD, TenantFactory, UnitFactory

pytestmark = pytest.mark.django_db(transaction=True)

BURST = 30


def _csrf_cookie(host: str, port: int) -> str:
    connection = http.client.HTTPConnection(host, port, timeout=30)
    connection.request("GET", "/logowanie/")
    response = connection.getresponse()
    response.read()
    cookie = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie"):
        cookie.load(header)
    connection.close()
    return cookie["csrftoken"].value


def _post_login(host: str, port: int, csrf: str, username: str, password: str) -> int:
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, "username": username, "password": password})
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf}"}
    for retry in range(20):
        connection = http.client.HTTPConnection(host, port, timeout=120)
        try:
            connection.request("POST", "/logowanie/", body=body, headers=headers)
            return connection.getresponse().status
        except (ConnectionError, http.client.RemoteDisconnected):
            # The test server's listen backlog is 10: a burst of 30 overflows it and the
            # kernel drops connections the server never accepted (so never processed);
            # the client connects again, as a browser would.
            time.sleep(0.05 * (retry + 1))
        finally:
            connection.close()
    raise ConnectionError("could not connect to the live server")


@pytest.fixture
def counting_hasher(settings):
    # In place of Argon2: two hashers of one algorithm name would leave only the last in use.
    settings.PASSWORD_HASHERS = [
        "tests.accounts.hashers.CountingArgon2Hasher" if name.endswith("Argon2PasswordHasher") else name
        for name in settings.PASSWORD_HASHERS
    ]
    CountingArgon2Hasher.reset()
    return CountingArgon2Hasher


def test_thirty_parallel_wrong_attempts_lock_the_account_after_at_most_three_password_checks(
    live_server, counting_hasher
):
    tenant = TenantFactory(units=[UnitFactory()])
    bystander = TenantFactory(units=[UnitFactory()])
    counting_hasher.reset()
    address = urllib.parse.urlsplit(live_server.url)
    host, port = address.hostname, address.port
    csrf = _csrf_cookie(host, port)
    start = threading.Barrier(BURST)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def attempt() -> None:
        try:
            start.wait()
            statuses.append(_post_login(host, port, csrf, tenant.username, "ZłeHasło1"))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(BURST)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    elapsed = time.monotonic() - began

    assert errors == []
    assert len(statuses) == BURST and set(statuses) <= {200, 429}, statuses
    burst_checks = counting_hasher.checks
    assert burst_checks <= 3, f"{burst_checks} password checks in a burst of {BURST}"
    assert (
        sum(AccessAttempt.objects.filter(username=tenant.username).values_list("failures_since_start", flat=True)) == 3
    )
    assert lockout_until(tenant.username) is not None
    assert statuses.count(429) == BURST - 2  # the third failure and every later one see the lock page
    # The right password is refused too while locked, unchecked …
    checks = counting_hasher.checks
    assert _post_login(host, port, csrf, tenant.username, PASSWORD) == 429
    assert counting_hasher.checks == checks
    # … and another account on the same address is not affected.
    assert _post_login(host, port, csrf, bystander.username, PASSWORD) == 302
    print(f"\nburst of {BURST}: {burst_checks} password checks, {elapsed:.2f} s")
