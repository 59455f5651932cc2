"""Which units a user may see (A9, A10) gives the same answer on every path: the ORM selector,
the hand-written SQL pages (unit list, unit page, balances, dashboard announcements), the
announcement e-mail audience and the nightly A10 access ending, on random worlds of grants,
titles (past, current, future, open-ended), withdrawn units and blocked or closed accounts.

The expected answer is computed here in plain Python from the generated data: the rule as the
docs state it (accounts.access), independent of the code under test."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import access
from accounts.models import UnitGrant, User
from accounts.selectors import granted_units, unit_for_user, units_for_user
from billing.models import Building, Person, Title, Unit
from billing.selectors import unit_summaries
from sync.services import titles_end_access
from tickets.models import Announcement
from tickets.selectors import announcements_for_user
from tickets.services import announcement_recipients

pytestmark = pytest.mark.django_db

BASE = dt.date(2026, 6, 15)
N_BUILDINGS, N_UNITS, N_PERSONS, N_USERS = 2, 4, 3, 4
day = st.integers(min_value=-6, max_value=6)
end_day = st.one_of(st.none(), day)


@dataclass(frozen=True)
class Account:
    person: int | None
    is_active: bool
    blocked: bool
    closed: bool
    notify: bool


@dataclass(frozen=True)
class World:
    today: int
    unit_building: tuple[int, ...]
    withdrawn: tuple[bool, ...]
    accounts: tuple[Account, ...]
    grants: tuple[tuple[int, int, int, int | None], ...]  # user, unit, since, until (days from BASE)
    titles: tuple[tuple[int, int, int, int | None], ...]  # person, unit, valid_from, valid_to


worlds = st.builds(
    World,
    today=day,
    unit_building=st.tuples(*[st.integers(0, N_BUILDINGS - 1)] * N_UNITS),
    withdrawn=st.tuples(*[st.booleans()] * N_UNITS),
    accounts=st.tuples(
        *[
            st.builds(
                Account,
                person=st.one_of(st.none(), st.integers(0, N_PERSONS - 1)),
                is_active=st.booleans(),
                blocked=st.booleans(),
                closed=st.booleans(),
                notify=st.booleans(),
            )
        ]
        * N_USERS
    ),
    grants=st.lists(st.tuples(st.integers(0, N_USERS - 1), st.integers(0, N_UNITS - 1), day, end_day), max_size=7).map(
        tuple
    ),
    titles=st.lists(
        st.tuples(st.integers(0, N_PERSONS - 1), st.integers(0, N_UNITS - 1), day, end_day), max_size=6
    ).map(tuple),
)


def _on(offset: int | None) -> dt.date | None:
    return None if offset is None else BASE + dt.timedelta(days=offset)


def _active(start: int, end: int | None, on: int) -> bool:
    """The documented rule of a period: from its first day through its last, open when empty."""
    return start <= on and (end is None or on <= end)


def _fix_order(start: int, end: int | None) -> tuple[int, int | None]:
    # Data as the portal keeps it: an end never before the start (hypothesis draws both freely).
    return (start, end) if end is None or end >= start else (end, start)


@dataclass
class Built:
    buildings: list[Building]
    units: list[Unit]
    users: list[User]
    announcements: list[Announcement]  # one per building, current, for that building only


def _build(world: World) -> Built:
    buildings = [
        Building.objects.create(
            street=f"ul. Losowa {n}", building_no=str(n + 1), postal_code="42-400", city="Zawiercie"
        )
        for n in range(N_BUILDINGS)
    ]
    units = [
        Unit.objects.create(
            external_id=f"H{n}",
            building=buildings[world.unit_building[n]],
            kind=Unit.Kind.FLAT,
            unit_no=str(n + 1),
            withdrawn_at=timezone.now() if world.withdrawn[n] else None,
        )
        for n in range(N_UNITS)
    ]
    persons = [
        Person.objects.create(external_id=f"HP{n}", first_name="Zofia", last_name=f"Losowa-{n}")
        for n in range(N_PERSONS)
    ]
    users = [
        User.objects.create(
            username=f"losowy{n}",
            email=f"losowy{n}@example.test",
            person=None if a.person is None else persons[a.person],
            is_active=a.is_active,
            blocked_at=timezone.now() if a.blocked else None,
            closed_at=timezone.now() if a.closed else None,
            notify_announcements=a.notify,
        )
        for n, a in enumerate(world.accounts)
    ]
    for user, unit, since, until in world.grants:
        since, until = _fix_order(since, until)
        UnitGrant.objects.create(
            user=users[user], unit=units[unit], since=_on(since), until=_on(until), source=UnitGrant.Source.STAFF
        )
    for n, (person, unit, valid_from, valid_to) in enumerate(world.titles):
        valid_from, valid_to = _fix_order(valid_from, valid_to)
        Title.objects.create(
            external_id=f"HT{n}",
            person=persons[person],
            unit=units[unit],
            kind=Title.Kind.OWNERSHIP,
            valid_from=_on(valid_from),
            valid_to=_on(valid_to),
        )
    now = timezone.now()
    announcements = []
    for building in buildings:
        announcement = Announcement.objects.create(
            title=f"Dla {building}",
            body="…",
            valid_from=now - dt.timedelta(days=400),
            valid_until=now + dt.timedelta(days=400),
        )
        announcement.buildings.set([building])
        announcements.append(announcement)
    return Built(buildings=buildings, units=units, users=users, announcements=announcements)


def _expected_visible(world: World, on: int) -> set[tuple[int, int]]:
    """(user, unit) indexes: an active grant on ``on`` to a unit the back-office still sends."""
    return {
        (user, unit)
        for user, unit, since, until in world.grants
        if _active(*_fix_order(since, until), on) and not world.withdrawn[unit]
    }


def _seen_on_every_path(built: Built, today: dt.date) -> dict[str, set[tuple[int, int]]]:
    """(user, unit) indexes each path lets through on ``today`` ((user, building) for the
    dashboard's announcements)."""
    unit_index = {unit.pk: n for n, unit in enumerate(built.units)}
    building_index = {a.pk: built.buildings.index(b) for a in built.announcements for b in a.buildings.all()}
    paths: dict[str, set[tuple[int, int]]] = {
        name: set() for name in ("orm", "access", "sql_list", "sql_page", "summaries", "announcements")
    }
    with time_machine.travel(dt.datetime.combine(today, dt.time(12), tzinfo=timezone.get_current_timezone())):
        for u, user in enumerate(built.users):
            paths["orm"] |= {(u, unit_index[unit.pk]) for unit in units_for_user(user)}
            paths["access"] |= {(u, unit_index[unit.pk]) for unit in access.visible_units(user, today)}
            paths["sql_list"] |= {(u, unit_index[unit.pk]) for unit, _ in granted_units(user)}
            paths["summaries"] |= {(u, unit_index[s.unit.pk]) for s in unit_summaries(user)}
            for n, unit in enumerate(built.units):
                try:
                    unit_for_user(user, unit.pk)
                except Http404:
                    continue
                paths["sql_page"].add((u, n))
            # (user, building) here: whose dashboard shows the announcement of which building.
            paths["announcements"] |= {(u, building_index[a.pk]) for a in announcements_for_user(user)}
    return paths


HYPOTHESIS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@HYPOTHESIS
@given(world=worlds)
def test_every_path_shows_exactly_the_units_the_rule_allows(world: World) -> None:
    with transaction.atomic():
        built = _build(world)
        today = _on(world.today)
        expected = _expected_visible(world, world.today)
        paths = _seen_on_every_path(built, today)
        assert paths["orm"] == expected
        assert paths["access"] == expected
        assert paths["sql_list"] == expected
        assert paths["sql_page"] == expected
        assert paths["summaries"] == expected
        # A building's announcement reaches the users with a visible unit in it (and no one else).
        assert paths["announcements"] == {(u, world.unit_building[n]) for u, n in expected}
        transaction.set_rollback(True)


@HYPOTHESIS
@given(world=worlds)
def test_announcement_emails_go_to_reachable_opted_in_users_who_see_a_unit_in_the_building(world: World) -> None:
    with transaction.atomic():
        built = _build(world)
        today = _on(world.today)
        expected_seen = {(u, world.unit_building[n]) for u, n in _expected_visible(world, world.today)}
        reachable = {
            u for u, a in enumerate(world.accounts) if a.is_active and not a.blocked and not a.closed and a.notify
        }
        user_index = {user.pk: n for n, user in enumerate(built.users)}
        with time_machine.travel(dt.datetime.combine(today, dt.time(12), tzinfo=timezone.get_current_timezone())):
            for b, announcement in enumerate(built.announcements):
                recipients = {user_index[user.pk] for user in announcement_recipients(announcement)}
                assert recipients == {u for u in reachable if (u, b) in expected_seen}
        transaction.set_rollback(True)


@HYPOTHESIS
@given(world=worlds)
def test_after_the_nightly_access_ending_no_path_shows_a_unit_whose_title_has_ended(world: World) -> None:
    """A10: a grant of an account linked to a person ends when that person's title to the unit
    has ended and no title of theirs to it is active today; every other grant stays as it was."""
    with transaction.atomic():
        built = _build(world)
        today = _on(world.today)
        titles = [(p, unit, *_fix_order(start, end)) for p, unit, start, end in world.titles]

        def title_gone(user: int, unit: int) -> bool:
            person = world.accounts[user].person
            mine = [(start, end) for p, n, start, end in titles if p == person and n == unit]
            ended = any(end is not None and end < world.today for _, end in mine)
            return person is not None and ended and not any(_active(s, e, world.today) for s, e in mine)

        expected = {(u, n) for u, n in _expected_visible(world, world.today) if not title_gone(u, n)}
        titles_end_access(today=today)
        titles_end_access(today=today)  # safe to run twice
        paths = _seen_on_every_path(built, today)
        for name in ("orm", "access", "sql_list", "sql_page", "summaries"):
            assert paths[name] == expected, name
        transaction.set_rollback(True)


# --- the same rule, one example per path a careless edit once left open (issue 15, item 7) ---


def test_a_withdrawn_unit_with_a_still_active_grant_answers_404_on_its_unit_page(client, owner, unit) -> None:
    client.force_login(owner)
    page, invoices = reverse("billing:unit", args=[unit.pk]), reverse("billing:invoices", args=[unit.pk])
    assert client.get(page).status_code == 200
    Unit.objects.filter(pk=unit.pk).update(withdrawn_at=timezone.now())
    assert client.get(page).status_code == 404
    assert client.get(invoices).status_code == 404


def test_an_announcement_is_not_emailed_to_a_tenant_whose_only_unit_in_the_building_is_withdrawn(owner, unit) -> None:
    User.objects.filter(pk=owner.pk).update(notify_announcements=True)
    announcement = Announcement.objects.create(
        title="Przerwa w dostawie wody",
        body="…",
        valid_from=timezone.now() - dt.timedelta(hours=1),
        valid_until=timezone.now() + dt.timedelta(days=1),
    )
    announcement.buildings.set([unit.building])
    assert list(announcement_recipients(announcement)) == [owner]
    Unit.objects.filter(pk=unit.pk).update(withdrawn_at=timezone.now())
    assert list(announcement_recipients(announcement)) == []
