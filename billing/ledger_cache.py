"""What the tenant pages show of a unit's ledger and invoices, kept in Django's cache from one
import to the next.

The ledger totals (one pass over ten years of entries), the rendered page of entries and of
invoices are the largest part of the unit page's, the dashboard's and the invoice list's cost,
and they change only when the ledger or the invoices do. In production only the import writes
those (their admin is read-only; online payments never touch them), and
every import changes the id of the last imported run (``sync.models.LAST_IMPORT_SQL``), which
the unit page reads in its one scoped query anyway. So what is kept is keyed by that id, and
nothing has to be deleted: the next import's pages use new keys, and old entries expire after
``LEDGER_CACHE_SECONDS``.

Other writers exist outside production (the demo's seeding, the tests' factories, a shell): an
ORM save or delete of a ledger entry or an invoice in this process changes the key too
(``ledger_written``, connected in ``BillingConfig.ready``; with a receiver connected, Django
deletes such rows one by one when a unit is deleted through the ORM, which only the admin does,
never the import: it deletes in SQL). The cache is Django's ``process`` cache, each process's
own memory even when the default cache is Redis: the keys hold everywhere, and a trip to Redis
would cost a good part of what it saves. Access is never kept: the unit is looked up through the
grants on every request before anything kept is used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import caches

T = TypeVar("T")
K = TypeVar("K")
_written = 0  # ORM writes of ledger entries in this process (see the module's docstring)


def ledger_written(**_signal_kwargs: object) -> None:
    """Signal receiver: a ledger entry or an invoice was saved or deleted through the ORM in this process."""
    global _written
    _written += 1  # (not atomic across threads; any change of the number is enough)


def ledger_version(last_import_id: int | None) -> str:
    """The key part that changes whenever a unit's ledger may have changed."""
    return f"{last_import_id or 0}.{_written}"


def kept(key: str, version: str, compute: Callable[[], T]) -> T:
    """``compute()``'s value kept under ``key`` for this ``version`` of the ledger."""
    seconds = settings.LEDGER_CACHE_SECONDS
    if not seconds:
        return compute()
    full_key = f"ledger:{version}:{key}"
    cache = caches["process"]
    value: T | None = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value, seconds)
    return value


def kept_many(keyed: dict[str, K], version: str, compute: Callable[[dict[str, K]], list[T]]) -> dict[str, T]:
    """``kept`` for many keys at once: ``compute`` gets the items whose values are not kept (in
    one call, e.g. one query) and returns their values in that order."""
    seconds = settings.LEDGER_CACHE_SECONDS
    if not seconds:
        return dict(zip(keyed, compute(keyed), strict=True))
    cache = caches["process"]
    full = {f"ledger:{version}:{key}": key for key in keyed}
    values: dict[str, T] = {full[found]: value for found, value in cache.get_many(list(full)).items()}
    missing = {key: item for key, item in keyed.items() if key not in values}
    if missing:
        computed = dict(zip(missing, compute(missing), strict=True))
        cache.set_many({f"ledger:{version}:{key}": value for key, value in computed.items()}, seconds)
        values.update(computed)
    return values
