"""Access of accounts to units (A9, A10)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.http import HttpRequest

from accounts.access import grant_running_after_q
from accounts.models import UnitGrant, User
from billing.models import Title, Unit
from portal.services.audit import audit_log


def grants_give(
    *,
    user: User,
    units: Iterable[Unit],
    source: str,
    since: dt.date,
    by: User | None = None,
    request: HttpRequest | None = None,
) -> list[UnitGrant]:
    """Grant ``user`` access to each unit they do not already have open access to."""
    created: list[UnitGrant] = []
    for unit in units:
        open_grant = UnitGrant.objects.filter(grant_running_after_q(since - dt.timedelta(days=1)), user=user, unit=unit)
        if open_grant.exists():
            continue
        grant = UnitGrant.objects.create(user=user, unit=unit, since=since, source=source)
        audit_log(
            action="grant.create",
            actor=by,
            obj=grant,
            request=request,
            details={"user": user.username, "unit": unit.external_id, "source": source},
        )
        created.append(grant)
    return created


def grants_end_for_title(*, title_id: int, on: dt.date) -> int:
    """End the unit access a legal title gave (A10): called by the nightly sync when a title ends.

    ``on`` is the last day the title was valid (its ``valid_to``); access works
    through that day. Every open grant to the title's unit held by an account
    linked to the title's person ends, unless that person still holds another
    title to the unit the day after. Safe to call twice; returns how many
    grants it ended.
    """
    with transaction.atomic():
        title = Title.objects.select_related("person", "unit").get(pk=title_id)
        next_day = on + dt.timedelta(days=1)
        still_entitled = (
            Title.objects.filter(Title.active_q(next_day), person_id=title.person_id, unit_id=title.unit_id)
            .exclude(pk=title.pk)
            .exists()
        )
        if still_entitled:
            return 0
        # Race: the sync and a staff edit of the same grant; the row lock orders them.
        grants = (
            UnitGrant.objects.select_for_update()
            .filter(user__person_id=title.person_id, unit_id=title.unit_id)
            .filter(grant_running_after_q(on))
            .select_related("user")
        )
        count = 0
        for grant in grants:
            # A grant that began after the title ended never had a title behind it.
            grant.until = max(on, grant.since - dt.timedelta(days=1))
            grant.save(update_fields=["until"])
            audit_log(
                action="grant.end",
                obj=grant,
                details={"reason": "title_ended", "title": title.external_id, "until": grant.until.isoformat()},
            )
            count += 1
        return count


def grant_save(*, grant: UnitGrant, changed: Sequence[str], by: User, request: HttpRequest | None = None) -> UnitGrant:
    """Staff give or change one unit access in admin (the user's inline or the grants list); audited."""
    with transaction.atomic():
        if grant.pk is not None:
            # Race: the nightly sync ending this grant (grants_end_for_title) while staff edit it;
            # the row lock orders them.
            UnitGrant.objects.select_for_update().filter(pk=grant.pk).first()
        grant.save()
        audit_log(
            action="grant.save",
            actor=by,
            obj=grant,
            request=request,
            details={
                "unit": grant.unit.external_id,
                "since": str(grant.since),
                "until": str(grant.until or ""),
                "fields": sorted(changed),
            },
        )
    return grant


def grant_delete(*, grant: UnitGrant, by: User, request: HttpRequest | None = None) -> None:
    """Staff remove a unit access in admin; the entry is written on the user, as the grant is gone."""
    with transaction.atomic():
        audit_log(
            action="grant.delete", actor=by, obj=grant.user, request=request, details={"unit": grant.unit.external_id}
        )
        grant.delete()
