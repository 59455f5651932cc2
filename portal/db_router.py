"""Tenant page reads from a streaming read replica (issue 18), when ``DATABASE_REPLICA_URL`` is set.

Who reads where is decided once per request by ``ReplicaReadsMiddleware`` and kept in a
context variable that the router (and ``portal.sql`` for the hand-written reads) consults:

- **replica**: a safe request (GET, HEAD, OPTIONS) outside the admin, from a client that
  has not written in the last ``DATABASE_REPLICA_PIN_SECONDS``, while the replica answers;
- **primary** for everything else: every write, any request with an unsafe method, the
  admin, Celery tasks, the import (sync), management commands and migrations (no request,
  so the variable keeps its default), the rest of a request once it wrote anything or
  while it is inside a transaction on the primary, and sessions kept in the database.

Read-your-writes: a response to an unsafe method (or to a request that wrote) sets a short
cookie; while the browser holds it, that client reads from the primary, so the page after a
POST (the reading just submitted, the ticket just filed) never waits for the replica. A
cookie rather than a session or cache mark because it crosses web nodes with the request
itself, needs no server write and works before login (an application form) as well; a
client that forges it only reads from the primary.

The replica's health is decided per process and cached: a request that would read from it
first lets Django's own connection health check (``CONN_HEALTH_CHECKS``) look at the
persistent connection; when that or connecting fails, the process logs one warning and
reads from the primary for ``DATABASE_REPLICA_RETRY_SECONDS`` before it tries again. A
replica that fails in the middle of a request fails that request only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

logger = logging.getLogger(__name__)

REPLICA = "replica"
# The cookie of read-your-writes: while the browser holds it, this client reads the primary.
PIN_COOKIE = "ebok_primary"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class _Reads:
    """Where this request reads from, and whether it wrote (then it reads the primary)."""

    alias: str = DEFAULT_DB_ALIAS
    wrote: bool = False


_reads: ContextVar[_Reads | None] = ContextVar("ebok_reads", default=None)


def reading_alias() -> str:
    """The database alias reads go to now: the replica only inside a request routed there,
    never once the request wrote or while it holds a transaction on the primary."""
    reads = _reads.get()
    if reads is None or reads.alias == DEFAULT_DB_ALIAS:
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return reads.alias


class ReplicaRouter:
    """Django's database router (``DATABASE_ROUTERS``) of the primary and its replica."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        if model._meta.app_label == "sessions":
            # A session stored in the database (the try-out; production keeps them on Redis) is
            # read where it was written: on a lagging replica a fresh login would look logged out.
            return DEFAULT_DB_ALIAS
        return reading_alias()

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        reads = _reads.get()
        if reads is not None:
            # Read-your-writes inside the request: what it wrote is on the primary only.
            reads.alias, reads.wrote = DEFAULT_DB_ALIAS, True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        # Both aliases are the same database: a row read from the replica may point at one
        # read from the primary.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        # A hot standby is read-only; it gets the schema by replication.
        return db == DEFAULT_DB_ALIAS


@dataclass
class _Health:
    """This process's view of the replica: usable, or not before ``retry_at``."""

    down: bool = False
    retry_at: float = 0.0


_health = _Health()


def replica_usable() -> bool:
    """Whether this process may read from the replica now (cached, see the module's text)."""
    now = time.monotonic()
    if _health.down and now < _health.retry_at:
        return False
    replica = connections[REPLICA]
    try:
        replica.close_if_health_check_failed()
        replica.ensure_connection()
    except DatabaseError as exc:
        replica.close()
        _health.retry_at = now + settings.DATABASE_REPLICA_RETRY_SECONDS
        if not _health.down:
            _health.down = True
            logger.warning(
                "read replica unavailable (%s): reading from the primary, next try in %s s",
                str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__,
                settings.DATABASE_REPLICA_RETRY_SECONDS,
            )
        return False
    if _health.down:
        _health.down = False
        logger.warning("read replica available again: tenant pages read from it")
    return True


class ReplicaReadsMiddleware:
    """Routes a request's reads (see the module's text) and pins a writer to the primary."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._admin_prefix: str | None = None

    def _reads_replica(self, request: HttpRequest) -> bool:
        if request.method not in _SAFE_METHODS or PIN_COOKIE in request.COOKIES:
            return False
        if self._admin_prefix is None:
            self._admin_prefix = reverse("admin:index")
        if request.path.startswith(self._admin_prefix):
            return False
        return replica_usable()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reads = _Reads(alias=REPLICA if self._reads_replica(request) else DEFAULT_DB_ALIAS)
        token = _reads.set(reads)
        try:
            response = self.get_response(request)
        finally:
            _reads.reset(token)
        if request.method not in _SAFE_METHODS or reads.wrote:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.DATABASE_REPLICA_PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
