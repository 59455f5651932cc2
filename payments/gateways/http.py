"""HTTP for the gateway adapters and the simulator, on urllib3 (already pinned in requirements.txt).

Everything goes through :func:`send`, so that the tests can route these calls to the portal
in-process (``tests/payments/conftest.py``); the end-to-end tests use real HTTP."""

from __future__ import annotations

import json
from typing import Any

import urllib3

from payments.gateways import GatewayUnavailable

MAX_ANSWER_BYTES = 64 * 1024
_pool = urllib3.PoolManager(retries=False)


def send(method: str, url: str, *, body: bytes, auth: tuple[str, str] | None, timeout: float) -> tuple[int, bytes]:
    """One JSON request; (status, answer bytes). No answer or a timeout is ``GatewayUnavailable``."""
    # Connection: close — a handful of calls per payment need no kept-alive socket, and one kept
    # open would hold a server thread (and its database connection) of the demo or the tests.
    headers = {"Content-Type": "application/json", "Accept": "application/json", "Connection": "close"}
    if auth is not None:
        headers.update(urllib3.make_headers(basic_auth=f"{auth[0]}:{auth[1]}"))
    try:
        response = _pool.request(
            method, url, body=body, headers=headers, timeout=urllib3.Timeout(total=timeout), preload_content=False
        )
        data = response.read(MAX_ANSWER_BYTES + 1)
        response.release_conn()
    except urllib3.exceptions.HTTPError as exc:
        raise GatewayUnavailable(f"{method} {url}: {exc}") from exc
    if len(data) > MAX_ANSWER_BYTES:
        raise GatewayUnavailable(f"{method} {url}: answer too large")
    return response.status, data


def call_json(method: str, url: str, *, body: bytes, auth: tuple[str, str] | None, timeout: float) -> Any:
    """The decoded JSON answer of a 2xx response; anything else is ``GatewayUnavailable``."""
    status, data = send(method, url, body=body, auth=auth, timeout=timeout)
    if not 200 <= status < 300:
        raise GatewayUnavailable(f"{method} {url}: HTTP {status} {data[:200]!r}")
    try:
        return json.loads(data)
    except ValueError as exc:
        raise GatewayUnavailable(f"{method} {url}: not JSON") from exc
