import datetime as dt

import pytest

from accounts.models import UnitGrant
from accounts.selectors import units_for_user
from accounts.services import grants_end_for_title
from portal.models import AuditEntry
from tests.factories import PersonFactory, TenantFactory, TitleFactory, UnitFactory

pytestmark = pytest.mark.django_db


def test_a_user_sees_every_unit_granted(client):
    units = [UnitFactory(), UnitFactory(), UnitFactory()]
    tenant = TenantFactory(units=units)
    client.force_login(tenant)
    html = client.get("/").content.decode()
    assert all(str(unit) in html for unit in units)


def test_co_owners_each_see_their_shared_unit_and_nobody_else_does(client, owner, co_owner, stranger, unit):
    assert list(units_for_user(owner)) == [unit]
    assert list(units_for_user(co_owner)) == [unit]
    assert unit not in units_for_user(stranger)
    assert owner.grants.get().pk != co_owner.grants.get().pk


def test_a_grant_works_from_its_first_to_its_last_day(owner, unit):
    owner.grants.update(since=dt.date(2026, 1, 1), until=dt.date(2026, 6, 30))
    active = UnitGrant.objects.filter(UnitGrant.active_q(dt.date(2026, 6, 30)), user=owner)
    assert active.exists()
    assert not UnitGrant.objects.filter(UnitGrant.active_q(dt.date(2026, 7, 1)), user=owner).exists()
    assert not UnitGrant.objects.filter(UnitGrant.active_q(dt.date(2025, 12, 31)), user=owner).exists()


@pytest.fixture
def titled(unit):
    """An account linked to the back-office person who holds ``unit`` by a title."""
    person = PersonFactory()
    title = TitleFactory(unit=unit, person=person)
    tenant = TenantFactory(units=[unit], person=person)
    return tenant, title


def test_access_ends_the_day_after_the_title_ends(titled, unit):
    tenant, title = titled
    other = TenantFactory(units=[unit])  # a co-owner with a title of their own
    assert grants_end_for_title(title_id=title.pk, on=dt.date(2026, 11, 30)) == 1
    grant = tenant.grants.get()
    assert grant.until == dt.date(2026, 11, 30)
    assert UnitGrant.objects.filter(UnitGrant.active_q(dt.date(2026, 11, 30)), pk=grant.pk).exists()
    assert not UnitGrant.objects.filter(UnitGrant.active_q(dt.date(2026, 12, 1)), pk=grant.pk).exists()
    assert other.grants.get().until is None
    entry = AuditEntry.objects.get(action="grant.end")
    assert entry.details["title"] == title.external_id


def test_ending_a_title_twice_ends_the_grant_once(titled):
    _tenant, title = titled
    assert grants_end_for_title(title_id=title.pk, on=dt.date(2026, 11, 30)) == 1
    assert grants_end_for_title(title_id=title.pk, on=dt.date(2026, 11, 30)) == 0
    assert AuditEntry.objects.filter(action="grant.end").count() == 1


def test_access_stays_when_the_person_holds_another_title_to_the_unit(titled, unit):
    tenant, title = titled
    TitleFactory(unit=unit, person=title.person, kind="coop_ownership", valid_from=dt.date(2026, 12, 1))
    assert grants_end_for_title(title_id=title.pk, on=dt.date(2026, 11, 30)) == 0
    assert tenant.grants.get().until is None


def test_a_grant_given_after_the_title_ended_never_becomes_active(titled):
    tenant, title = titled
    tenant.grants.update(since=dt.date(2026, 12, 5))
    grants_end_for_title(title_id=title.pk, on=dt.date(2026, 11, 30))
    grant = tenant.grants.get()
    assert grant.until == dt.date(2026, 12, 4)
    assert not UnitGrant.objects.filter(UnitGrant.active_q(dt.date(2026, 12, 5)), pk=grant.pk).exists()


def test_staff_give_access_in_admin_and_it_is_audited(staff_client, owner):
    from django.urls import reverse

    new_unit = UnitFactory()
    response = staff_client.post(
        reverse("admin:accounts_unitgrant_add"),
        {"user": owner.pk, "unit": new_unit.pk, "since": "2026-11-20", "until": "", "source": "staff"},
    )
    assert response.status_code == 302
    assert owner.grants.filter(unit=new_unit).exists()
    assert AuditEntry.objects.filter(action="grant.save").exists()
