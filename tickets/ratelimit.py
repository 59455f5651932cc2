"""The limits of the tickets app; the limiter itself is ``portal.ratelimit``
(re-exported here, so ``tickets.ratelimit.Limit`` keeps working)."""

from __future__ import annotations

from django.conf import settings

from portal.ratelimit import LONGEST_WINDOW, Limit, client_key, purge_old_hits

__all__ = [
    "LONGEST_WINDOW",
    "Limit",
    "anonymous_report_limit",
    "client_key",
    "purge_old_hits",
    "status_check_limit",
]


def anonymous_report_limit() -> Limit:
    """Failure reports without an account, per client and hour."""
    return Limit("anonymous_report", settings.TICKETS_ANON_REPORTS_PER_HOUR)


def status_check_limit() -> Limit:
    """Wrong number/code pairs on the status page, per client and hour."""
    return Limit("status_check", settings.TICKETS_STATUS_FAILURES_PER_HOUR)
