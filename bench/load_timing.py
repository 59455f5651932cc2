"""The server's own cost of each request, for the month-end load (``bench/load_settings.py``).

On a shared machine a page's latency is mostly the neighbours' load; the CPU the worker spent
on it, and the time its queries took, say whether the page itself got dearer as the data
grew. The outermost middleware measures both and answers them in headers the load tool reads:

- ``X-Bench-Cpu-Ms``: CPU of the worker process during the request (``time.process_time``: a
  sync worker serves one request at a time, and Argon2's threads count too);
- ``X-Bench-Db-Ms``: the wall time of the request's queries (Django's ``execute_wrapper``);
- ``X-Bench-Queries``: how many there were.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse


class ServerTiming:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        spent = [0.0, 0]

        def timed(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent[0] += time.perf_counter() - started
                spent[1] += 1

        cpu = time.process_time()
        with connection.execute_wrapper(timed):
            response = self.get_response(request)
        response["X-Bench-Cpu-Ms"] = f"{(time.process_time() - cpu) * 1000:.2f}"
        response["X-Bench-Db-Ms"] = f"{spent[0] * 1000:.2f}"
        response["X-Bench-Queries"] = str(spent[1])
        return response
