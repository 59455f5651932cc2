"""Staff edits in admin go through the accounts services (issue 15 §3): the password rule of
A5 in one place, the matching panel's writes under a lock with an audit entry, grant changes
audited by the grants service."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import services
from accounts.models import Application, UnitGrant, User
from portal.models import AuditEntry
from tests.factories import ApplicationFactory, PersonFactory, TenantFactory, UnitFactory

pytestmark = pytest.mark.django_db


# --- the staff-typed password (A5) -----------------------------------------------------------------


def test_an_account_staff_create_with_a_typed_password_must_change_it(staff):
    user = services.user_save_by_staff(
        user=User(username="nowy.lokator", email="nowy@example.test"),
        changed=["username"],
        created=True,
        by=staff,
    )
    user.refresh_from_db()
    assert user.must_change_password
    entry = AuditEntry.objects.get(action="account.create")
    assert entry.actor == staff and entry.details == {"fields": ["username"]}


def test_changing_an_account_in_admin_leaves_its_password_rule_alone(staff, owner):
    services.user_save_by_staff(user=owner, changed=["phone"], created=False, by=staff)
    owner.refresh_from_db()
    assert not owner.must_change_password
    assert AuditEntry.objects.get(action="account.change").details == {"fields": ["phone"]}


def test_a_password_staff_type_for_someone_else_must_be_changed(staff, owner):
    services.user_password_set_by_staff(user=owner, by=staff)
    owner.refresh_from_db()
    assert owner.must_change_password
    assert AuditEntry.objects.get(action="account.password_set_by_staff").actor == staff


def test_a_password_staff_type_for_themselves_is_their_own(staff):
    services.user_password_set_by_staff(user=staff, by=staff)
    staff.refresh_from_db()
    assert not staff.must_change_password
    assert AuditEntry.objects.filter(action="account.password_set_by_staff").exists()


def test_the_admin_password_form_applies_the_rule_to_another_account(staff_client, owner):
    url = reverse("admin:auth_user_password_change", args=[owner.pk])
    response = staff_client.post(
        url, {"password1": "Nowe-Haslo-2026", "password2": "Nowe-Haslo-2026", "usable_password": "true"}
    )
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.must_change_password and owner.check_password("Nowe-Haslo-2026")


# --- the matching panel (A3) -------------------------------------------------------------------------


def test_staff_link_a_pending_application_to_a_person_with_an_audit_entry(staff):
    first, second = PersonFactory(), PersonFactory()
    application = ApplicationFactory(person=first)
    services.application_person_match(application=application, person_id=second.pk, by=staff)
    application.refresh_from_db()
    assert application.person == second
    entry = AuditEntry.objects.get(action="application.match_person")
    assert entry.actor == staff
    assert entry.details == {"person": second.external_id, "previous": first.external_id}


def test_staff_assign_a_unit_to_a_requested_one_with_an_audit_entry(staff):
    unit = UnitFactory()
    application = ApplicationFactory()
    requested = application.units.create(street="ul. Źródlana", building_no="7", unit_no="12")
    services.application_unit_match(
        application=application, application_unit_id=requested.pk, unit_id=unit.pk, by=staff
    )
    requested.refresh_from_db()
    assert requested.unit == unit
    entry = AuditEntry.objects.get(action="application.match_unit")
    assert entry.details["unit"] == unit.external_id and entry.details["previous"] == ""


@pytest.mark.parametrize("status", [Application.Status.ACTIVATED, Application.Status.REJECTED])
def test_a_decided_application_keeps_the_person_it_was_decided_on(staff, status):
    person = PersonFactory()
    application = ApplicationFactory(status=status)
    with pytest.raises(ValidationError, match="czekającym na weryfikację"):
        services.application_person_match(application=application, person_id=person.pk, by=staff)
    application.refresh_from_db()
    assert application.person is None
    assert not AuditEntry.objects.filter(action="application.match_person").exists()


def test_a_unit_of_another_application_cannot_be_reassigned_through_this_one(staff):
    unit = UnitFactory()
    application, other = ApplicationFactory(), ApplicationFactory()
    foreign = other.units.create(street="Obca", building_no="1")
    with pytest.raises(ValidationError, match="Nie ma takiego lokalu"):
        services.application_unit_match(
            application=application, application_unit_id=foreign.pk, unit_id=unit.pk, by=staff
        )
    foreign.refresh_from_db()
    assert foreign.unit is None


def test_a_pick_on_an_application_decided_meanwhile_is_refused_in_admin_with_a_message(staff_client, staff):
    person = PersonFactory()
    application = ApplicationFactory()
    url = reverse("admin:accounts_application_change", args=[application.pk])
    form = {
        "person": "",
        "staff_note": "",
        "units-TOTAL_FORMS": "0",
        "units-INITIAL_FORMS": "0",
        "units-MIN_NUM_FORMS": "0",
        "units-MAX_NUM_FORMS": "1000",
        "_pick_person": str(person.pk),
    }
    # Another clerk rejects the application between this clerk's page load and the click.
    Application.objects.filter(pk=application.pk).update(status=Application.Status.REJECTED)
    response = staff_client.post(url, form, follow=True)
    application.refresh_from_db()
    assert application.person is None
    html = response.content.decode()
    assert "Dopasowanie można zmienić tylko we wniosku czekającym na weryfikację." in html
    assert "Zapisano dopasowanie." not in html


# --- grants (A9, A10) ----------------------------------------------------------------------------------


def test_a_grant_staff_give_is_saved_and_audited_by_the_grants_service(staff):
    tenant, unit = TenantFactory(), UnitFactory()
    grant = services.grant_save(
        grant=UnitGrant(user=tenant, unit=unit, since=dt.date(2026, 1, 1), source=UnitGrant.Source.STAFF),
        changed=["unit", "since"],
        by=staff,
    )
    assert UnitGrant.objects.filter(pk=grant.pk, user=tenant, unit=unit).exists()
    entry = AuditEntry.objects.get(action="grant.save")
    assert entry.actor == staff
    assert entry.details == {"unit": unit.external_id, "since": "2026-01-01", "until": "", "fields": ["since", "unit"]}


def test_a_grant_staff_remove_is_audited_on_its_user(staff, owner, unit):
    services.grant_delete(grant=owner.grants.get(), by=staff)
    assert not owner.grants.exists()
    entry = AuditEntry.objects.get(action="grant.delete")
    assert entry.object_id == str(owner.pk) and entry.details == {"unit": unit.external_id}


def test_grants_removed_in_bulk_from_the_grants_list_are_each_audited(staff_client, owner, co_owner):
    grants = UnitGrant.objects.filter(user__in=[owner, co_owner])
    response = staff_client.post(
        reverse("admin:accounts_unitgrant_changelist"),
        {"action": "delete_selected", "_selected_action": [g.pk for g in grants], "post": "yes"},
    )
    assert response.status_code == 302
    assert not UnitGrant.objects.filter(user__in=[owner, co_owner]).exists()
    assert AuditEntry.objects.filter(action="grant.delete").count() == 2


def _user_form_as_sent(form) -> dict:
    """The user change form as the browser sends it unchanged."""
    data = {}
    for name in form.fields:
        value = form.initial.get(name)
        if value is None or value is False:
            continue
        if value is True:
            data[name] = "on"
        elif isinstance(value, list):
            data[name] = [getattr(item, "pk", item) for item in value]
        else:
            data[name] = getattr(value, "pk", value)
    return data


def test_a_grant_edited_in_the_users_inline_is_audited_with_its_dates(staff_client, owner, unit):
    url = reverse("admin:accounts_user_change", args=[owner.pk])
    data = _user_form_as_sent(staff_client.get(url).context["adminform"].form)
    grant = owner.grants.get()
    data.update(
        {
            "grants-TOTAL_FORMS": "1",
            "grants-INITIAL_FORMS": "1",
            "grants-MIN_NUM_FORMS": "0",
            "grants-MAX_NUM_FORMS": "1000",
            "grants-0-id": str(grant.pk),
            "grants-0-user": str(owner.pk),
            "grants-0-unit": str(unit.pk),
            "grants-0-since": grant.since.isoformat(),
            "grants-0-until": "2026-12-31",
            "grants-0-source": grant.source,
        }
    )
    response = staff_client.post(url, data)
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.until == dt.date(2026, 12, 31)
    entry = AuditEntry.objects.get(action="grant.save")
    assert entry.actor is not None and entry.details["until"] == "2026-12-31"
    assert entry.details["fields"] == ["until"]
