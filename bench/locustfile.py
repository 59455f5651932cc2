"""Month-end tenants for locust (``bench/load.py`` runs it headless; issue 18, item 2).

Each simulated tenant has its own account on its own unit (``BENCH_TENANTS``, a JSON list
written by ``bench/load.py``) and goes through the month-end visit once: log in, dashboard,
unit page, ledger filtered to a year, invoice list, a stored invoice PDF, the reading form and
a reading, log out. ``BENCH_JOURNEY=login`` only logs in and out (the logins-per-core figure).
A locust user takes the next tenant not yet served; when every tenant has been served the
run ends. A page counts as an error unless its status is the expected one. The server's own cost of
each request (``bench/load_timing.py``'s headers) is written to ``BENCH_SERVER_TIMES`` at the end.
"""

from __future__ import annotations

import json
import os
import re
from decimal import Decimal
from typing import Any

import gevent
from locust import FastHttpUser, constant, events, task
from locust.exception import StopUser

TENANTS: list[dict[str, Any]] = json.loads(open(os.environ["BENCH_TENANTS"], encoding="utf-8").read())  # noqa: SIM115
JOURNEY = os.environ.get("BENCH_JOURNEY", "month-end")
PASSWORD = os.environ["BENCH_PASSWORD"]
YEAR = os.environ.get("BENCH_LEDGER_YEAR", "2025")
TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
READING_TOKEN = re.compile(rb'name="token" value="([^"]+)"')
state = {"next": 0, "done": 0}
server_times: dict[str, list[tuple[float, float, float]]] = {}  # page: (CPU ms, query ms, queries) each


def _note_server_time(name: str, headers: Any) -> None:
    cpu = headers.get("X-Bench-Cpu-Ms") if headers else None
    if cpu is not None:
        sample = (float(cpu), float(headers.get("X-Bench-Db-Ms") or 0), float(headers.get("X-Bench-Queries") or 0))
        server_times.setdefault(name, []).append(sample)


@events.quitting.add_listener
def _write_server_times(**_kw: Any) -> None:
    if os.environ.get("BENCH_SERVER_TIMES"):
        with open(os.environ["BENCH_SERVER_TIMES"], "w", encoding="utf-8") as fh:
            json.dump(server_times, fh)


def _token(pattern: re.Pattern[bytes], body: bytes | None) -> str:
    found = pattern.search(body or b"")
    if found is None:
        raise StopUser("no token in the page")
    return found.group(1).decode()


class Tenant(FastHttpUser):
    wait_time = constant(0)

    def _get(self, path: str, name: str, *, pdf: bool = False) -> bytes:
        with self.client.get(path, name=name, catch_response=True) as response:
            _note_server_time(name, response.headers)
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
            elif pdf and not (response.content or b"").startswith(b"%PDF-"):
                response.failure("not a PDF")
            return response.content or b""

    def _post(self, path: str, name: str, data: dict[str, str]) -> None:
        origin = self.host.rstrip("/")
        headers = {"Referer": origin + path, "Origin": origin}
        with self.client.post(
            path, data=data, name=name, headers=headers, allow_redirects=False, catch_response=True
        ) as response:
            _note_server_time(name, response.headers)
            if response.status_code != 302:
                response.failure(f"status {response.status_code}")

    @task
    def month_end(self) -> None:
        if state["next"] >= len(TENANTS):
            raise StopUser()
        tenant = TENANTS[state["next"]]
        state["next"] += 1
        self.client.cookiejar.clear()
        csrf = _token(TOKEN, self._get("/logowanie/", "login form"))
        self._post(
            "/logowanie/", "login", {"csrfmiddlewaretoken": csrf, "username": tenant["username"], "password": PASSWORD}
        )
        if JOURNEY == "month-end":
            unit, meter = tenant["unit"], tenant["meter"]
            self._get("/", "dashboard")
            self._get(f"/lokale/{unit}/", "unit page")
            self._get(f"/lokale/{unit}/?od={YEAR}-01-01&do={YEAR}-12-31", "ledger, one year")
            self._get(f"/lokale/{unit}/faktury/", "invoice list")
            self._get(f"/lokale/{unit}/faktury/{tenant['invoice']}/pdf/", "stored invoice PDF", pdf=True)
            form = self._get(f"/liczniki/{meter}/odczyt/", "reading form")
            value = f"{Decimal(tenant['last_value']) + Decimal('1.250'):.3f}".replace(".", ",")
            self._post(
                f"/liczniki/{meter}/odczyt/",
                "reading submitted",
                {
                    "csrfmiddlewaretoken": _token(TOKEN, form),
                    "token": _token(READING_TOKEN, form),
                    "value": value,
                    "read_on": tenant["today"],
                    # A month's consumption may look implausible to the meter's history: confirmed.
                    "confirm": "on",
                    "confirm_value": value,
                },
            )
        # The login rotated the CSRF secret: the cookie holds the current one (Django takes it unmasked).
        cookie = next((c.value for c in self.client.cookiejar if c.name == "csrftoken"), "")
        self._post("/wyloguj/", "logout", {"csrfmiddlewaretoken": cookie or ""})
        state["done"] += 1
        if state["done"] >= len(TENANTS) and self.environment.runner is not None:
            # Every tenant has been served. From a greenlet of its own: quit() stops the users,
            # this one too, and would be cut short inside it.
            gevent.spawn(self.environment.runner.quit)
