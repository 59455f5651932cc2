"""A small per-client limiter on the database (the embedded mode has no cache server).

Sliding window: an attempt is allowed while fewer than ``limit`` attempts of the
same scope and key were recorded in the last ``window``. Two simultaneous requests
at ``limit - 1`` may both pass; one attempt over the limit is an acceptable race
for throttling guessers and floods, and avoids locking on every request.

Used by tickets (anonymous reports, status checks) and accounts (password resets),
so it lives here, below both.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from portal.models import RateLimitHit
from portal.services.audit import client_ip

LONGEST_WINDOW = dt.timedelta(hours=1)


def client_key(request: HttpRequest) -> str:
    """The client's address; an IPv6 client is keyed by its /64 (one household's prefix)."""
    ip = client_ip(request) or "unknown"
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return hashlib.sha256(ip.encode()).hexdigest()[:40]
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def text_key(value: str) -> str:
    """A key for a typed value (e.g. an e-mail address) that does not keep the value itself."""
    return salted_hmac("portal.ratelimit.text_key", value.strip().lower()).hexdigest()[:40]


@dataclass(frozen=True)
class Limit:
    scope: str
    limit: int
    window: dt.timedelta = LONGEST_WINDOW

    def _recent(self, key: str, now: dt.datetime) -> QuerySet[RateLimitHit]:
        return RateLimitHit.objects.filter(scope=self.scope, key=key, created_at__gt=now - self.window)

    def exceeded(self, key: str) -> bool:
        """True when the client has used up its attempts in the current window."""
        return self._recent(key, timezone.now()).count() >= self.limit

    def hit(self, key: str) -> None:
        """Count one attempt of the client."""
        RateLimitHit.objects.create(scope=self.scope, key=key)

    def retry_after(self, key: str) -> dt.timedelta:
        """How long until the oldest counted attempt leaves the window."""
        now = timezone.now()
        oldest = self._recent(key, now).order_by("created_at").values_list("created_at", flat=True).first()
        if oldest is None:
            return dt.timedelta(0)
        return max(oldest + self.window - now, dt.timedelta(0))


def purge_old_hits(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    deleted, _ = RateLimitHit.objects.filter(created_at__lt=now - LONGEST_WINDOW).delete()
    return deleted
