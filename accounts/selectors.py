"""Reads scoped to what a user may see. Every tenant view fetches through these."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, Max, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import TermsAcceptance, TermsVersion, UnitGrant, User
from billing.models import Unit
from portal.models import AuditEntry


def units_for_user(user: User) -> QuerySet[Unit]:
    """Units the user has an active grant for today."""
    if not user.is_authenticated:
        return Unit.objects.none()
    today = timezone.localdate()
    unit_ids = UnitGrant.objects.filter(UnitGrant.active_q(today), user=user).values("unit_id")
    # A unit the back-office no longer sends (withdrawn, kept for portal data) is hidden.
    return Unit.objects.filter(pk__in=unit_ids, withdrawn_at__isnull=True).select_related("building")


def unit_for_user(user: User, unit_id: int) -> Unit:
    """The unit if the user has an active grant for it; 404 for anyone else."""
    unit = units_for_user(user).filter(pk=unit_id).first()
    if unit is None:
        raise Http404
    return unit


FAILED_LOGIN_ACTIONS = ("account.login_failed", "account.login_refused_locked")


@dataclass(frozen=True)
class LoginInfo:
    previous_login_at: dt.datetime | None
    failed_since: int
    last_failed_at: dt.datetime | None


def login_info(user: User) -> LoginInfo:
    """For the dashboard (A14): the user's previous login and the failed attempts since then."""
    entries = AuditEntry.objects.filter(object_type=User._meta.label_lower, object_id=str(user.pk))
    logins = list(entries.filter(action="account.login").values_list("created_at", flat=True)[:2])
    previous = logins[1] if len(logins) > 1 else None
    failed = entries.filter(action__in=FAILED_LOGIN_ACTIONS)
    if previous is not None:
        failed = failed.filter(created_at__gt=previous)
    totals = failed.aggregate(count=Count("id"), last=Max("created_at"))
    return LoginInfo(previous_login_at=previous, failed_since=totals["count"], last_failed_at=totals["last"])


def user_has_accepted_current_terms(user: User) -> bool:
    """Checked on every request (accounts.middleware), so in ONE query: the current version
    (ordered as ``TermsVersion.current()``) and whether the user accepted it."""
    accepted = (
        TermsVersion.objects.order_by("-published_at", "-id")
        .annotate(accepted=Exists(TermsAcceptance.objects.filter(user=user, terms=OuterRef("pk"))))
        .values_list("accepted", flat=True)
        .first()
    )
    return accepted is None or accepted
