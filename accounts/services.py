"""Account workflows.

NOTE for the merge: this is the minimal version the sync branch needs (issue 4);
the accounts branch (issue 3) writes the full module. Keep this signature.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q

from accounts.models import UnitGrant
from billing.models import Title
from portal.services.audit import audit_log


def grants_end_for_title(*, title_id: int, on: dt.date) -> int:
    """End the unit access a legal title gave (A10): every grant to the title's unit held by
    an account of the title's person, still running after ``on``, now ends on ``on``
    (inclusive). Writes one audit entry per ended grant; returns how many were ended."""
    title = Title.objects.get(pk=title_id)
    ended = 0
    with transaction.atomic():
        grants = (
            UnitGrant.objects.select_for_update()
            .filter(unit_id=title.unit_id, user__person_id=title.person_id)
            .filter(Q(until__isnull=True) | Q(until__gt=on))
            .select_related("user")
        )
        for grant in grants:
            grant.until = on
            grant.save(update_fields=["until"])
            audit_log(
                action="grant.end_by_title",
                obj=grant,
                actor_label="system",
                details={
                    "title": title.external_id,
                    "unit": grant.unit_id,
                    "user": grant.user.username,
                    "until": str(on),
                },
            )
            ended += 1
    return ended
