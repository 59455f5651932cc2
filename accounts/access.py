"""Which units a user may see on a day (A9, A10): the ONE definition.

A unit is visible to a user on day D when the user holds a grant active on D
(``UnitGrant.PERIOD``: ``since <= D <= until``, open when ``until`` is empty) and the
back-office still sends the unit (``withdrawn_at`` empty). The account's state (blocked,
closed, deactivated) is not part of it: such an account cannot log in, and each e-mail
audience decides about it itself (``reachable_users``).

The rule is written once, as SQL (``_VISIBLE_GRANTS``), because the pages every tenant
request hits read it in hand-written SQL (``portal.sql``); the ORM reads the same text
through ``RawSQL`` (``visible_grants``), so the selectors, the sync and the e-mail
audiences cannot drift from the fast pages. ``tests/accounts/test_visibility_rules.py``
checks on random data that every path gives the same set."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.expressions import Combinable, RawSQL

from accounts.models import UnitGrant, User
from billing.models import Building, Unit

# Constant SQL, built once per process: the grants that show their unit on the day given
# by the parameters (``_params``). ``{column}`` is what the select returns.
_VISIBLE_GRANTS = (
    "SELECT g.{column} FROM "  # noqa: S608 - constant SQL
    f"{UnitGrant._meta.db_table} g INNER JOIN {Unit._meta.db_table} w ON w.id = g.unit_id "
    f"WHERE w.withdrawn_at IS NULL AND {UnitGrant.PERIOD.sql('g')}"
)
_VISIBLE_GRANT_IDS = _VISIBLE_GRANTS.format(column="id")
_VISIBLE_UNIT_IDS_OF_USER = _VISIBLE_GRANTS.format(column="unit_id") + " AND g.user_id = %s"


def _params(on: dt.date) -> list[Any]:
    return list(UnitGrant.PERIOD.params(on))


def visible_units_condition(user_id: int, on: dt.date, alias: str = "u") -> tuple[str, list[Any]]:
    """The rule as an SQL condition on a unit row (``billing_unit`` as ``alias``) for the
    hand-written pages, with its parameters."""
    return f"{alias}.id IN ({_VISIBLE_UNIT_IDS_OF_USER})", [*_params(on), user_id]


def visible_grants(on: dt.date) -> QuerySet[UnitGrant]:
    """Every grant that shows its unit to its user on ``on`` (the ORM's way in)."""
    return UnitGrant.objects.filter(pk__in=RawSQL(_VISIBLE_GRANT_IDS, _params(on)))  # noqa: S611 - constant SQL


def visible_units(user: User, on: dt.date) -> QuerySet[Unit]:
    """The units ``user`` may see on ``on``."""
    return Unit.objects.filter(pk__in=visible_grants(on).filter(user=user).values("unit_id"))


def users_seeing_buildings(buildings: QuerySet[Building], on: dt.date) -> QuerySet[User]:
    """Accounts that may see a unit in one of ``buildings`` on ``on`` (announcement audiences)."""
    user_ids = visible_grants(on).filter(unit__building__in=buildings).values("user_id")
    return User.objects.filter(pk__in=user_ids)


def reachable_users() -> QuerySet[User]:
    """Accounts the portal may e-mail notices to at all: open, active, not blocked, with an
    address. Each audience adds its own consent (newsletter, announcements, reminders)."""
    return User.objects.filter(is_active=True, closed_at__isnull=True, blocked_at__isnull=True).exclude(email="")


def grant_running_after_q(day: dt.date | Combinable, prefix: str = "") -> Q:
    """A grant that still gives access after ``day`` (A10: what a title ending on ``day``
    ends; what a new grant from ``day + 1`` would overlap). ``day`` may be an expression
    (``OuterRef("valid_to")``) for a subquery per title."""
    return Q(**{f"{prefix}until__isnull": True}) | Q(**{f"{prefix}until__gt": day})
