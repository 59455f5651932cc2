"""Reads scoped to what a user may see. Every tenant view fetches through these."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import UnitGrant, User
from billing.models import Unit


def units_for_user(user: User) -> QuerySet[Unit]:
    """Units the user has an active grant for today."""
    if not user.is_authenticated:
        return Unit.objects.none()
    today = timezone.localdate()
    unit_ids = UnitGrant.objects.filter(UnitGrant.active_q(today), user=user).values("unit_id")
    return Unit.objects.filter(pk__in=unit_ids).select_related("building")


def unit_for_user(user: User, unit_id: int) -> Unit:
    """The unit if the user has an active grant for it; 404 for anyone else."""
    unit = units_for_user(user).filter(pk=unit_id).first()
    if unit is None:
        raise Http404
    return unit
