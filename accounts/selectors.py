"""Reads scoped to what a user may see. Every tenant view fetches through these.

The reads every tenant request repeats (the unit of a URL, the terms check, the dashboard's
login panel) are written as SQL (see ``portal.sql``): through the ORM they cost several
times what the database spends on them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts import access
from accounts.models import TermsAcceptance, TermsVersion, User
from billing.models import Building, Unit
from portal import sql
from portal.memo import Memo
from portal.models import AuditEntry


def units_for_user(user: User | AnonymousUser) -> QuerySet[Unit]:
    """Units the user may see today (``accounts.access``)."""
    if not isinstance(user, User):
        return Unit.objects.none()
    return access.visible_units(user, timezone.localdate()).select_related("building")


def granted_units(
    user: User | AnonymousUser,
    *,
    extra_columns: str = "",
    extra_joins: str = "",
    extra_params: Sequence[Any] = (),
    unit_id: int | None = None,
    today: dt.date | None = None,
) -> list[tuple[Unit, tuple[Any, ...]]]:
    """What ``units_for_user`` selects (units with their buildings, ordered as
    ``Unit.Meta.ordering``: the building's address, then the unit's number) in ONE query,
    each unit with the values of ``extra_columns`` (SQL over the unit's alias ``u`` and
    the tables of ``extra_joins``, e.g. the sums of its ledger; ``extra_params`` are the
    parameters of both, in that order); only ``unit_id`` if given."""
    if not isinstance(user, User):
        return []
    condition, params = access.visible_units_condition(user.pk, today or timezone.localdate())
    if unit_id is not None:
        condition += " AND u.id = %s"
        params.append(unit_id)
    query = (
        f"SELECT {sql.columns(Unit, 'u')}, {sql.columns(Building, 'b')}"  # noqa: S608 - constant SQL
        + (f", {extra_columns}" if extra_columns else "")
        + f" FROM {Unit._meta.db_table} u INNER JOIN {Building._meta.db_table} b ON b.id = u.building_id "
        + (f"{extra_joins} " if extra_joins else "")
        + f"WHERE {condition} ORDER BY b.city, b.street, b.building_no, u.unit_no, u.id"
    )
    n_unit, n_building = sql.width(Unit), sql.width(Building)
    result = []
    for row in sql.fetch_all(query, [*extra_params, *params]):
        unit = sql.instance(Unit, row[:n_unit])
        unit.building = sql.instance(Building, row[n_unit : n_unit + n_building])
        result.append((unit, row[n_unit + n_building :]))
    return result


def unit_for_user(user: User | AnonymousUser, unit_id: int) -> Unit:
    """The unit if the user has an active grant for it; 404 for anyone else."""
    found = granted_units(user, unit_id=unit_id)
    if not found:
        raise Http404
    return found[0][0]


FAILED_LOGIN_ACTIONS = ("account.login_failed", "account.login_refused_locked")


@dataclass(frozen=True)
class LoginInfo:
    previous_login_at: dt.datetime | None
    failed_since: int
    last_failed_at: dt.datetime | None


def login_info(user: User) -> LoginInfo:
    """For the dashboard (A14): the user's previous login and the failed attempts since then: ONE query."""
    table = AuditEntry._meta.db_table
    placeholders = ", ".join(["%s"] * len(FAILED_LOGIN_ACTIONS))
    query = (
        "SELECT p.previous, COUNT(f.id), MAX(f.created_at) FROM ("  # noqa: S608 - constant SQL
        f"SELECT (SELECT e.created_at FROM {table} e WHERE e.object_type = %s AND e.object_id = %s "
        "AND e.action = 'account.login' ORDER BY e.created_at DESC, e.id DESC LIMIT 1 OFFSET 1) AS previous) p "
        f"LEFT JOIN {table} f ON f.object_type = %s AND f.object_id = %s AND f.action IN ({placeholders}) "
        "AND (p.previous IS NULL OR f.created_at > p.previous) GROUP BY p.previous"
    )
    who = [User._meta.label_lower, str(user.pk)]
    # Always one row (the derived table ``p`` has one); the fallback says what "nothing" reads as.
    previous, failed, last_failed = sql.fetch_one(query, [*who, *who, *FAILED_LOGIN_ACTIONS]) or (None, 0, None)
    return LoginInfo(
        previous_login_at=sql.as_datetime(previous), failed_since=failed, last_failed_at=sql.as_datetime(last_failed)
    )


def _current_terms_id() -> int | None:
    """The id of ``TermsVersion.current()``."""
    return TermsVersion.objects.order_by("-published_at", "-id").values_list("id", flat=True).first()


# Which version is current is checked on every request and changes a few times a year:
# kept by each process for a while (portal.memo), cleared when a version is published or
# removed in this process (accounts.apps). Another process enforces a version published
# elsewhere when its copy expires (PORTAL_MEMO_SECONDS).
CURRENT_TERMS_ID: Memo[int | None] = Memo(_current_terms_id)
TERMS_SESSION_KEY = "accounts_terms_accepted"


def user_has_accepted_current_terms(user: User, session: SessionBase | None = None) -> bool:
    """Checked on every request (accounts.middleware). The user's acceptance of the current
    version is looked up once, then remembered in ``session``: usually no query at all."""
    current = CURRENT_TERMS_ID.get()
    if current is None:
        return True
    if session is not None and session.get(TERMS_SESSION_KEY) == current:
        return True
    accepted = TermsAcceptance.objects.filter(user=user, terms_id=current).exists()
    if accepted and session is not None:
        session[TERMS_SESSION_KEY] = current
    return accepted
