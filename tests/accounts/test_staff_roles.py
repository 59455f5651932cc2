"""Staff roles (issue 14 item 17): three groups made by a migration, given in admin or by
``create_staff --role``; a clerk's pages show only what the clerk works with."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.models import User
from accounts.roles import ACCOUNTING, CUSTOMER_SERVICE, PORTAL_ADMINISTRATOR, STAFF_ROLES
from tests.factories import StaffFactory, TenantFactory

pytestmark = pytest.mark.django_db


def _client_for(role: str) -> tuple[Client, User]:
    user = StaffFactory(is_superuser=False)
    user.groups.add(Group.objects.get(name=role))
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = user.totpdevice_set.get().persistent_id
    session.save()
    return client, User.objects.get(pk=user.pk)


def _perms(role: str) -> set[str]:
    group = Group.objects.get(name=role)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_the_migration_made_the_three_roles_with_what_each_needs():
    assert set(Group.objects.values_list("name", flat=True)) >= set(STAFF_ROLES)
    clerk = _perms(CUSTOMER_SERVICE)
    assert {
        "accounts.change_application",
        "accounts.change_user",
        "axes.delete_accessattempt",
        "tickets.change_ticket",
        "tickets.add_announcement",
        "meters.change_reading",
        "portal.change_emailmessage",
        "portal.view_auditentry",
        "billing.view_invoice",
    } <= clerk
    assert not {"auth.change_group", "billing.change_invoice", "accounts.add_termsversion"} & clerk
    accounting = _perms(ACCOUNTING)
    assert {
        "billing.view_ledgerentry",
        "billing.view_invoice",
        "sync.view_importrun",
        "meters.view_reading",
    } <= accounting
    assert not {"accounts.change_application", "tickets.change_ticket", "accounts.change_user"} & accounting
    administrator = _perms(PORTAL_ADMINISTRATOR)
    assert {
        "accounts.add_termsversion",
        "accounts.change_user",
        "auth.change_group",
        "otp_totp.add_totpdevice",
        "portal.change_operator",
    } <= administrator


def test_a_clerk_works_with_applications_and_tickets_but_not_with_groups():
    client, _user = _client_for(CUSTOMER_SERVICE)
    index = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:accounts_application_changelist") in index
    assert reverse("admin:tickets_ticket_changelist") in index
    assert reverse("admin:auth_group_changelist") not in index
    assert client.get(reverse("admin:accounts_application_changelist")).status_code == 200
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403
    assert client.get(reverse("admin:portal_operator_changelist")).status_code == 403


def test_a_clerks_user_page_hides_superuser_groups_and_raw_permissions():
    client, _user = _client_for(CUSTOMER_SERVICE)
    tenant = TenantFactory()
    html = client.get(reverse("admin:accounts_user_change", args=[tenant.pk])).content.decode()
    assert 'name="is_active"' in html
    for hidden in ['name="is_superuser"', 'name="groups"', 'name="user_permissions"', 'name="is_staff"']:
        assert hidden not in html


def test_a_clerk_cannot_change_a_staff_or_superuser_account():
    client, _user = _client_for(CUSTOMER_SERVICE)
    boss = StaffFactory()
    response = client.post(
        reverse("admin:accounts_user_change", args=[boss.pk]), {"username": boss.username, "email": "x@example.test"}
    )
    assert response.status_code == 403
    boss.refresh_from_db()
    assert boss.email != "x@example.test"


def test_a_portal_administrator_gives_roles_but_not_superuser_or_single_permissions():
    client, _user = _client_for(PORTAL_ADMINISTRATOR)
    colleague = StaffFactory(is_superuser=False)
    html = client.get(reverse("admin:accounts_user_change", args=[colleague.pk])).content.decode()
    assert 'name="groups"' in html and 'name="is_staff"' in html
    assert 'name="is_superuser"' not in html and 'name="user_permissions"' not in html
    superuser = StaffFactory()
    assert client.post(reverse("admin:accounts_user_change", args=[superuser.pk]), {}).status_code == 403


def test_a_superuser_still_sees_every_permission_field(staff_client):
    tenant = TenantFactory()
    html = staff_client.get(reverse("admin:accounts_user_change", args=[tenant.pk])).content.decode()
    for field in ['name="is_superuser"', 'name="groups"', 'name="user_permissions"']:
        assert field in html


def test_create_staff_gives_the_named_role():
    call_command(
        "create_staff", "obsluga1", "--email", "obsluga1@example.test", "--role", CUSTOMER_SERVICE, stdout=io.StringIO()
    )
    user = User.objects.get(username="obsluga1")
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == [CUSTOMER_SERVICE]
    assert user.has_perm("accounts.change_application")


def test_create_staff_refuses_an_unknown_role_and_names_the_roles():
    with pytest.raises(CommandError) as error:
        call_command(
            "create_staff", "obsluga2", "--email", "obsluga2@example.test", "--role", "Szef", stdout=io.StringIO()
        )
    assert "Nie ma roli „Szef”." in str(error.value) and "„Obsługa klienta”" in str(error.value)
    assert not User.objects.filter(username="obsluga2").exists()
