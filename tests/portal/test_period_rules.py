""" "A title is active", "a grant is active" and "an announcement is current" (portal.periods)
give the same answer through the ORM, through the SQL the sync and the dashboard run, and
in Python on a loaded row, on random periods (past, current, future, open-ended) and days,
the boundaries included."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import UnitGrant
from billing.models import Person, Title
from tests import factories
from tickets.models import Announcement

pytestmark = pytest.mark.django_db

BASE = dt.date(2026, 6, 15)
MOMENT = dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC)
HYPOTHESIS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
periods = st.lists(st.tuples(st.integers(-4, 4), st.one_of(st.none(), st.integers(0, 4))), min_size=1, max_size=6)


def _sql_ids(table: str, condition: str, params: list) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT x.id FROM {table} x WHERE {condition}", params)  # noqa: S608 - test SQL
        return {row[0] for row in cursor.fetchall()}


@HYPOTHESIS
@given(spans=periods, on=st.integers(-6, 6))
def test_a_title_is_active_alike_in_the_orm_the_sql_and_python(spans, on, unit) -> None:
    today = BASE + dt.timedelta(days=on)
    with transaction.atomic():
        person = factories.PersonFactory()
        titles = []
        expected = set()
        for n, (start, length) in enumerate(spans):
            valid_to = None if length is None else BASE + dt.timedelta(days=start + length)
            title = Title.objects.create(
                external_id=f"R{n}",
                unit=unit,
                person=person,
                kind=Title.Kind.OWNERSHIP,
                valid_from=BASE + dt.timedelta(days=start),
                valid_to=valid_to,
            )
            titles.append(title)
            if start <= on and (length is None or on <= start + length):
                expected.add(title.pk)
        assert set(Title.objects.filter(Title.active_q(today)).values_list("pk", flat=True)) == expected
        sql = _sql_ids(Title._meta.db_table, Title.PERIOD.sql("x"), Title.PERIOD.params(today))
        assert sql == expected
        assert {t.pk for t in titles if t.is_active(today)} == expected
        # Through a relation, as the demo data and the Profil Zaufany simulator ask.
        assert Person.objects.filter(Title.active_q(today, prefix="titles__")).exists() == bool(expected)
        transaction.set_rollback(True)


@HYPOTHESIS
@given(spans=periods, on=st.integers(-6, 6))
def test_a_grant_is_active_alike_in_the_orm_and_the_sql(spans, on, owner, unit) -> None:
    today = BASE + dt.timedelta(days=on)
    with transaction.atomic():
        UnitGrant.objects.all().delete()
        expected = set()
        for start, length in spans:
            grant = UnitGrant.objects.create(
                user=owner,
                unit=unit,
                since=BASE + dt.timedelta(days=start),
                until=None if length is None else BASE + dt.timedelta(days=start + length),
                source=UnitGrant.Source.STAFF,
            )
            if start <= on and (length is None or on <= start + length):
                expected.add(grant.pk)
        assert set(UnitGrant.objects.filter(UnitGrant.active_q(today)).values_list("pk", flat=True)) == expected
        sql = _sql_ids(UnitGrant._meta.db_table, UnitGrant.PERIOD.sql("x"), UnitGrant.PERIOD.params(today))
        assert sql == expected
        transaction.set_rollback(True)


@HYPOTHESIS
@given(
    spans=st.lists(st.tuples(st.integers(-4, 4), st.integers(1, 4)), min_size=1, max_size=6),
    at=st.integers(-6, 6),
)
def test_an_announcement_is_current_alike_in_the_orm_the_sql_and_python(spans, at, db) -> None:
    now = MOMENT + dt.timedelta(minutes=at)
    with transaction.atomic():
        announcements = []
        expected = set()
        for start, length in spans:
            announcement = Announcement.objects.create(
                title="Przerwa w dostawie wody",
                body="…",
                valid_from=MOMENT + dt.timedelta(minutes=start),
                valid_until=MOMENT + dt.timedelta(minutes=start + length),
                for_all=True,
            )
            announcements.append(announcement)
            if start <= at < start + length:  # the last minute is no longer current
                expected.add(announcement.pk)
        assert set(Announcement.objects.filter(Announcement.current_q(now)).values_list("pk", flat=True)) == expected
        sql = _sql_ids(Announcement._meta.db_table, Announcement.PERIOD.sql("x"), Announcement.PERIOD.params(now))
        assert sql == expected
        assert {a.pk for a in announcements if a.is_current(now)} == expected
        transaction.set_rollback(True)
