"""The 3-strike lockout (A7, regulations 000 §12) on top of django-axes.

Failures are counted per account, whatever address or browser they came from,
and the lock opens ``LOGIN_LOCKOUT_MINUTES`` after the account's *last* failed
attempt. Axes' stock database handler keeps one counter per (username, IP,
user agent) row and expires each row on its own, which would open the lock
early when the failures came from two places; this handler treats all rows of
an account as one counter.

Attempts refused during a lockout are not counted (``AXES_RESET_COOL_OFF_ON_
FAILURE_DURING_LOCKOUT = False``), so the "locked until" the user is shown
stays true.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Exists, Max, OuterRef, QuerySet, Sum
from django.http import HttpRequest
from django.utils import timezone

from accounts.locks import advisory_lock


def cool_off() -> dt.timedelta:
    return get_cool_off() or dt.timedelta(minutes=15)


def _threshold(request: HttpRequest | None) -> dt.datetime:
    return (getattr(request, "axes_attempt_time", None) or timezone.now()) - cool_off()


class AccountLockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with one failure counter per account."""

    def get_user_attempts(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> list[QuerySet[Any]]:
        threshold = _threshold(request)
        recent = AccessAttempt.objects.filter(username=OuterRef("username"), attempt_time__gte=threshold)
        # All rows of an account count while any of them is recent.
        return [attempts.filter(Exists(recent)) for attempts in self.filter_user_attempts(request, credentials)]

    def clean_expired_user_attempts(
        self, request: HttpRequest | None = None, credentials: dict[str, Any] | None = None
    ) -> int:
        stale = (
            AccessAttempt.objects.values("username")
            .annotate(last=Max("attempt_time"))
            .filter(last__lt=_threshold(request))
            .values("username")
        )
        count: int
        count, _ = AccessAttempt.objects.filter(username__in=stale).delete()
        return count


def _locks(now: dt.datetime) -> QuerySet[Any, dict[str, Any]]:
    """Accounts locked at ``now``: at least AXES_FAILURE_LIMIT failures, the last one within
    the cool-off. One definition for one account's lock and for the count of all of them."""
    locks: QuerySet[Any, dict[str, Any]] = (
        AccessAttempt.objects.values("username")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT, last__gt=now - cool_off())
    )
    return locks


def lockout_until(username: str, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the account's lock opens by itself, or None when it is not locked."""
    if not username:
        return None
    # Sliced, not .first(): ordering by pk would add the id to the GROUP BY.
    locks = list(_locks(now or timezone.now()).filter(username=username)[:1])
    return locks[0]["last"] + cool_off() if locks else None


def locked_accounts_count(*, now: dt.datetime | None = None) -> int:
    """How many accounts are locked right now (a metric: a spike means someone guesses passwords)."""
    count: int = _locks(now or timezone.now()).count()
    return count


@contextmanager
def account_lock(username: str) -> Iterator[None]:
    """One login attempt per account at a time, in one transaction.

    Race: axes reads the failure count before the password is checked and
    records the failure after it, so a burst of parallel wrong attempts would
    all be checked against the password before the first one is counted. With
    this lock held from the count to the recorded failure, the fourth attempt
    of a burst already sees three failures and is refused unchecked.
    """
    with advisory_lock(f"login:{username or ''}"):
        yield
