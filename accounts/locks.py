"""A named lock for the length of one transaction: a PostgreSQL advisory lock
in production, a process-local lock on the SQLite try-out (one process)."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

_local_locks: dict[int, threading.Lock] = {}
_local_locks_guard = threading.Lock()


def _key(name: str) -> int:
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def advisory_lock(name: str) -> Iterator[None]:
    """Open a transaction and hold the lock called ``name`` until it ends.

    Use it where no row exists yet to ``select_for_update`` (a login name that
    may not exist, an e-mail address with no application yet).
    """
    key = _key(name)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Transaction-level: released by the commit or rollback that ends the block.
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
            yield
        else:
            with _local_locks_guard:
                lock = _local_locks.setdefault(key, threading.Lock())
            with lock:
                yield
