"""Log lines an operator can follow (issue 13, item 14): which request, user, client and task.

The request middleware (``portal.ops_middleware``) puts the request id, the client's
address and the user id into context variables; ``RequestContextFilter`` copies them,
and the id of the Celery task being run, onto every log record, where the JSON
formatter (python-json-logger) writes them as fields. Nothing here touches Django's
settings or models: ``LOGGING`` imports this module while settings are still loading.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from contextvars import ContextVar
from email.utils import getaddresses
from typing import Any

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
client_ip_var: ContextVar[str | None] = ContextVar("client_ip", default=None)
user_id_var: ContextVar[int | None] = ContextVar("user_id", default=None)

# What a proxy may hand us as a request id: nginx's $request_id (32 hex digits), Caddy's and
# most tracers' UUIDs. Anything else (spaces, quotes, new lines, 4 kB of junk) would let a
# client forge or break log lines, so it is replaced by an id of our own.
_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")


def request_id_from(header: str | None) -> str:
    """The proxy's request id when it is well-formed, else a new one (uuid4, hex)."""
    if header and _REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def bind_request(*, request_id: str, client_ip: str | None) -> None:
    """Start a request's log context (the user id is added once authentication ran)."""
    request_id_var.set(request_id)
    client_ip_var.set(client_ip)
    user_id_var.set(None)


def bind_user(user_id: int | None) -> None:
    user_id_var.set(user_id)


def clear_request(**kwargs: Any) -> None:
    """Receiver of ``request_finished``: a worker thread's next log line belongs to no request.

    Not cleared when the middleware returns: Django logs 4xx/5xx responses
    (``django.request``) after the whole middleware chain, and those lines need the id.
    """
    request_id_var.set(None)
    client_ip_var.set(None)
    user_id_var.set(None)


def _current_task_id() -> str | None:
    from celery import current_task

    # The proxy is falsy outside a task (its target is None).
    return current_task.request.id if current_task else None


class RequestContextFilter(logging.Filter):
    """Adds request_id, user_id, client_ip and task_id to every record (None when not known)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.user_id = user_id_var.get()
        record.client_ip = client_ip_var.get()
        try:
            record.task_id = _current_task_id()
        except Exception:  # noqa: BLE001 - a log line must never fail because Celery is half set up
            record.task_id = None
        return True


class ShutdownCancellationFilter(logging.Filter):
    """Drops channels-redis's ERROR "Unexpected exception while cleaning-up channel" when its
    cause is only the cancellation of a socket's task: daphne cancels every open socket when
    it stops (each deploy), and each would otherwise be one error line and one error report.
    Any other exception there still gets through."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info is None or record.exc_info[1] is None:
            return True
        error: BaseException | None = record.exc_info[1]
        while error is not None:
            if not isinstance(error, asyncio.CancelledError):
                return True
            error = error.__context__
        return False


def json_formatter_config() -> dict[str, Any]:
    """``LOGGING["formatters"]`` entry: one JSON object per line.

    Fields: time (UTC, ISO 8601), level, logger, message, request_id, user_id,
    client_ip, task_id, and exc_info (the traceback) when there is one.
    """
    return {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "fmt": ["levelname", "name", "message"],
        "rename_fields": {"levelname": "level", "name": "logger"},
        "timestamp": "time",
        # django.request passes the request object along; its repr adds nothing to the line.
        "reserved_attrs": [*_reserved_attrs(), "request"],
    }


def _reserved_attrs() -> list[str]:
    from pythonjsonlogger.core import RESERVED_ATTRS

    return list(RESERVED_ATTRS)


class AdminsError(ValueError):
    pass


def parse_admins(value: str) -> list[tuple[str, str]]:
    """``ADMINS="Jan Kowalski <jan@example.pl>,it@example.pl"`` → ``[(name, address), …]``.

    A bare address is its own name. Names with a comma need quotes, as in an e-mail header.
    """
    admins: list[tuple[str, str]] = []
    for name, address in getaddresses([value]):
        if not name and not address:
            continue
        if "@" not in address or " " in address:
            raise AdminsError(f"ADMINS: „{name or address}” nie jest adresem e-mail")
        admins.append((name or address, address))
    return admins
